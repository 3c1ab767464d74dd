"""Go to definition, find references, and explain why a path is (not) indexed."""

from __future__ import annotations

import linecache
import os
import re
import sqlite3
import stat
import subprocess
from pathlib import Path

from genie_tui.printable import shown_path
from genie_tui.retrieval import files as F
from genie_tui.retrieval import resolve as R
from genie_tui.retrieval.extract import anonymous
from genie_tui.retrieval.model import Location
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.textutil import is_test_path

# the kind of a reference that no import or definition ties to the symbol's definition, only its name
BY_NAME = "reference by name"


def _line(repo: Path, path: str, line: int) -> str:
    try:
        # newline="\n": lines end at \n only, as tree-sitter numbers them (a lone \r is not a line break)
        with open(repo / path, encoding="utf-8", errors="replace", newline="\n") as fh:
            for i, text in enumerate(fh, 1):
                if i == line:
                    return text.strip()[:200]
    except OSError:
        pass
    return ""


# ``Vector.==``, ``List.::``, ``Range...<``: a qualifier, then an operator (dots and colons may be part of it)
_OPERATOR = re.compile(r"(?:(.*?[\w$`])\.)?([^\w\s$`()\[\]{}]+)")


def _split(symbol: str) -> tuple[str, str]:
    """``a.b.C.m`` -> (``a.b.C``, ``m``); ``ns::f`` -> (``ns``, ``f``); ``List.::`` -> (``List``, ``::``)."""
    m = _OPERATOR.fullmatch(symbol.strip())
    if m:
        return (m.group(1) or "").replace("::", ".").replace("#", "."), m.group(2)
    sym = symbol.strip().replace("::", ".").replace("#", ".").rstrip("()")
    qual, _, name = sym.rpartition(".")
    return qual, name


_Def = tuple[str, str, int, int, str, str]  # path, kind, line, end line, parent, name


def definitions(c: sqlite3.Connection, repo: Path, mods: ModuleMap, symbol: str,
                path: str | None = None) -> list[Location]:
    return [Location(p, line, end, kind, _line(repo, p, line)) for p, kind, line, end, _, _ in
            _definitions(c, mods, symbol, path)]


def _definitions(c: sqlite3.Connection, mods: ModuleMap, symbol: str, path: str | None) -> list[_Def]:
    """The definitions ``symbol`` may mean, best first (what the imports of ``path`` resolve it to)."""
    qual, name = _split(symbol)
    if not name:
        return []
    parts = qual.split(".") if qual else []
    head = parts[0] if parts else name
    memo: R.Memo = {}
    real: set[tuple[str, str]] = set()  # what ``name`` stands for through the imports of ``path``
    owner_real: set[tuple[str, str]] = set()  # what the class in ``qual`` stands for (``E`` in ``E.start``)
    module = None  # the file a module qualifier leads to (``ns`` in ``ns.Widget``, ``m`` in ``m.Engine``)
    if path and parts:
        module = R.module_file(c, mods, path, head)
        rest = parts[1:]
        while module is not None and rest:
            inner = R.submodule(c, mods, module, rest[0])
            if inner is None:
                break
            module, rest = inner, rest[1:]
        if module is not None and not rest:
            real = R.exported(c, mods, "", module, name, 4, memo)
        elif module is not None and len(rest) == 1:
            owner_real = R.exported(c, mods, "", module, rest[0], 4, memo)
    if path and module is None:
        # an imported alias (``E`` for ``Engine``) stands for the name it was imported as, in its own file
        found = R.imported_as(c, mods, path, head, memo=memo)
        real, owner_real = (found, set()) if not parts else (set(), found if qual == head else set())
    member = R.member_owners(c, mods, path, name, memo) if path and not parts and not real else None
    if member is not None:  # ``b`` of ``{ a: { b } } = require('./m')`` is what ``a`` defines as ``b``, if anything
        rows = c.execute("SELECT files.path, defs.kind, defs.line, defs.end_line, defs.parent, defs.name FROM defs "
                         "JOIN files ON files.id = defs.file_id WHERE defs.name=?", (member[0],)).fetchall()
        return sorted((r for r in rows if (r[4], r[0]) in member[1]), key=lambda r: (is_test_path(r[0]), len(r[0])))
    names = {name} | {n for n, _ in real}
    rows = c.execute("SELECT files.path, defs.kind, defs.line, defs.end_line, defs.parent, defs.name FROM defs "
                     f"JOIN files ON files.id = defs.file_id WHERE defs.name IN ({','.join('?' * len(names))})",
                     sorted(names)).fetchall()
    # what the imports resolve to is the answer: another ``W`` or ``Engine.start`` elsewhere is not
    if real:
        rows = [r for r in rows if (r[5], r[0]) in real]
    elif owner_real and any((r[4], r[0]) in owner_real for r in rows):
        rows = [r for r in rows if (r[4], r[0]) in owner_real]
    targets = R.import_targets(c, mods, path, qual, name) | {p for _, p in real | owner_real}
    if module is not None:
        targets.add(module)
    last_qual = parts[-1] if parts else ""
    owners = set()  # the classes a method may belong to: ``E.start`` is ``Engine.start`` after ``... as E``
    if last_qual:
        owners = {last_qual} | {n for n, _ in owner_real}

    def key(r: _Def) -> tuple[int, int, int, int, int]:
        p, _kind, _line, _end, parent, _name = r
        return (0 if p == path else 1, 0 if p in targets else 1, 0 if parent in owners else 1,
                1 if is_test_path(p) else 0, len(p))

    rows.sort(key=key)
    if name == "default" and not qual and path and any(r[0] == path or r[0] in targets for r in rows):
        # each file's anonymous default export is its own: with ``path``'s own or one it imports, not the others
        rows = [r for r in rows if r[0] == path or r[0] in targets or not anonymous(r[5], F.language_of(r[0]))]
    if owners and any(r[4] in owners or r[0] in targets for r in rows):
        rows = [r for r in rows if r[4] in owners or r[0] in targets or r[0] == path]
    return rows


def references(c: sqlite3.Connection, repo: Path, mods: ModuleMap, symbol: str,
               path: str | None = None) -> list[Location]:
    qual, name = _split(symbol)
    if not name:
        return []
    memo: R.Memo = {}
    # ``E`` in a file that imports ``Engine as E`` is used where ``Engine`` is: ask about ``Engine`` from there
    real = R.imported_as(c, mods, path, name, memo=memo) if path and not qual else set()
    found = _definitions(c, mods, symbol, path)
    if real:
        targets, members = real, False
    elif found and found[0][0] == path:  # asked from the file that defines it: that definition's aliases
        targets, members = {(found[0][5], path)}, bool(found[0][4])
    else:
        targets, members = {(r[5], r[0]) for r in found}, bool(found) and all(r[4] for r in found)
    names = {n for n, _ in targets} or {name}
    bound, known = R.bindings(c, mods, targets, memo) if targets else (set(), set(names))
    homes = {p for _, p in targets}
    def_lines = {(p, line) for p, line in c.execute(
        "SELECT files.path, defs.line FROM defs JOIN files ON files.id = defs.file_id "
        f"WHERE defs.name IN ({','.join('?' * len(names))})", sorted(names))}
    rows = c.execute("SELECT files.path, refs.name, refs.lines FROM refs JOIN files ON files.id = refs.file_id "
                     f"WHERE refs.name IN ({','.join('?' * len(known))})", sorted(known))
    resolved: dict[str, set[int]] = {}  # uses that imports (or the defining file) tie to the definition
    loose: dict[str, dict[str, set[int]]] = {}  # the rest: resolved below, or by name, or someone else's
    for p, ref, lines in rows:
        ls = {int(x) for x in lines.split(",") if x}
        if (p, ref) in bound or (ref in names and p in homes):
            resolved.setdefault(p, set()).update(ls)
        else:
            loose.setdefault(p, {})[ref] = ls
    verdict, via_module = R.attribute(c, mods, loose, names, targets, memo, members)
    by_name: dict[str, set[int]] = {}
    for p, uses in loose.items():
        named = set().union(*(ls for n, ls in uses.items() if n in names))
        via = via_module.get(p, {})
        sure = {ln for ln, ok in via.items() if ok} | (named if verdict.get(p) else set())
        if sure:
            resolved.setdefault(p, set()).update(sure)
        if p not in verdict and named - via.keys() - sure:  # nothing says where it comes from: by name
            by_name[p] = named - via.keys() - sure
    home = {p for _, p in real} or {r[0] for r in found[:1]}

    def key(p: str) -> tuple[int, int, str]:
        return (0 if p == path or p in home else 1, 1 if is_test_path(p) else 0, p)

    out: list[Location] = []
    for lines_of, kind in ((resolved, "reference"), (by_name, BY_NAME)):
        for p in sorted(lines_of, key=key):
            for ln in sorted(lines_of[p]):
                if (p, ln) not in def_lines:
                    out.append(Location(p, ln, ln, kind, _line(repo, p, ln)))
    linecache.clearcache()
    return out


def explain(c: sqlite3.Connection, repo: Path, path: str) -> str:
    p = Path(path)
    cwd = Path.cwd().resolve()
    inside = cwd == repo or repo in cwd.parents
    # a relative path is taken from the current directory when it is inside the repository, else from the root
    full = p if p.is_absolute() else (cwd / p if inside else repo / p)
    try:
        # the directory is resolved (``..``, a symlinked checkout) but not the name: a symlink is explained as
        # itself, not as its target (which may be another indexed file, or outside the repository)
        full = full.resolve() if full.name in ("", ".", "..") else full.parent.resolve() / full.name
        rel = full.relative_to(repo).as_posix()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a symlink loop in the directories
        return f"{shown_path(path)}: not indexed: outside the repository {repo}"
    try:
        return _explain(c, repo, full, rel)
    except OSError as exc:  # a name too long, a symlink loop: the path cannot even be looked at
        return f"{shown_path(rel)}: not indexed: {exc.strerror or exc}"


def _explain(c: sqlite3.Connection, repo: Path, full: Path, rel: str) -> str:
    if not F.is_utf8(rel):
        return f"{os.fsencode(rel).decode('utf-8', 'backslashreplace')}: not indexed: its name is not valid UTF-8"
    name = shown_path(rel)
    row = c.execute("SELECT id, lang, excluded, nlines FROM files WHERE path=?", (rel,)).fetchone()
    if row is not None:
        fid, lang, excluded, nlines = row
        if excluded:
            return f"{name}: not indexed: {excluded}"
        ndefs = c.execute("SELECT COUNT(*) FROM defs WHERE file_id=?", (fid,)).fetchone()[0]
        how = f"parsed as {lang}, {ndefs} definitions" if lang else "indexed as plain text (keywords only)"
        return f"{name}: indexed ({nlines} lines; {how})"
    if not full.exists():
        if full.is_symlink():
            return f"{name}: not indexed: a broken symlink or a symlink loop"
        return f"{name}: not indexed: no such file"
    if full.is_dir():
        if full.is_symlink():  # git records the link, not what it points to: nothing under it is indexed
            inside = full.resolve().is_relative_to(repo.resolve())
            where = f"in the repository; --explain {full.resolve().relative_to(repo.resolve())} for its files" \
                if inside else "outside the repository"
            return f"{name}: not indexed: a symlink to a directory {where}"
        return f"{name}: a directory (files under it are indexed one by one)"
    mode = full.stat().st_mode
    if not stat.S_ISREG(mode):  # git lists only regular files and symlinks; the index reads only files
        kind = "a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return f"{name}: not indexed: not a regular file ({kind})"
    try:
        r = subprocess.run(["git", "check-ignore", "-v", "--", rel], cwd=repo, check=False, capture_output=True, text=True,
                           timeout=10)
        if r.returncode == 0 and r.stdout.strip():
            source = r.stdout.split("\t")[0]
            return f"{name}: not indexed: ignored by git ({source})"
    except (OSError, subprocess.TimeoutExpired):
        pass
    reason = F.path_exclusion(rel)
    if reason:
        return f"{name}: not indexed: {reason}"
    for parent in full.parents:  # git lists a submodule or nested repository as one entry, not its files
        if parent == repo:
            break
        if (parent / ".git").exists():
            return f"{name}: not indexed: inside another git repository ({parent.relative_to(repo).as_posix()}/, " \
                   "a submodule or nested checkout)"
    if not os.access(full, os.R_OK):
        return f"{name}: not indexed: unreadable"
    return f"{name}: not indexed yet (run `genie index` to update)"
