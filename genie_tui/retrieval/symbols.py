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
from genie_tui.retrieval import declared, langs
from genie_tui.retrieval import files as F
from genie_tui.retrieval import resolve as R
from genie_tui.retrieval.build import UNPARSABLE, analyse
from genie_tui.retrieval.extract import anonymous
from genie_tui.retrieval.model import Location
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.textutil import decode_source, is_test_path

# the kind of a reference that no import or definition ties to the symbol's definition, only its name
BY_NAME = "reference by name"
# the kind of the answer to go to definition when the file asked from imports the name from a library: its import
# line there, not a definition in the repository that only has the same name
EXTERNAL = "imported from outside the repository"


def _line(repo: Path, path: str, line: int) -> str:
    try:
        # read as bytes: lines end at \n only, as tree-sitter numbers them (a lone \r is not a line break), and a
        # Latin-1 file's line is decoded as the index decoded it (a coding cookie is in the first two lines)
        with open(repo / path, "rb") as fh:
            head = b""
            for i, raw in enumerate(fh, 1):
                if i <= 2:
                    head += raw
                if i == line:
                    return decode_source(raw, F.language_of(path), head).strip()[:200]
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
    # ``Thing#go`` is Ruby's ``Thing.go``; JavaScript's ``Service.#secret`` and ``#secret`` are named ``secret``
    sym = symbol.strip().replace("::", ".").replace(".#", ".").lstrip("#").replace("#", ".").rstrip("()")
    # Go's ``example.com/kv/store.Parse`` (as a panic prints it) is ``store.Parse``: the package's last part
    sym = sym.rpartition("/")[2]
    qual, _, name = sym.rpartition(".")
    return qual, name


# languages whose files use each other's definitions: asked from one, their definitions come before others'
_FAMILY = {"typescript": "js", "tsx": "js", "javascript": "js", "vue": "js", "svelte": "js", "c": "c", "cpp": "c",
           "java": "jvm", "kotlin": "jvm", "scala": "jvm"}


def _family(path: str) -> str | None:
    lang = F.language_of(path)
    return _FAMILY.get(lang, lang) if lang else None


_Def = tuple[str, str, int, int, str, str]  # path, kind, line, end line, parent, name


def definitions(c: sqlite3.Connection, repo: Path, mods: ModuleMap, symbol: str,
                path: str | None = None) -> list[Location]:
    found = _definitions(c, mods, symbol, path)
    outside = _outside(c, mods, symbol, path) if not found and path else None
    if outside is not None:  # the library's name: where ``path`` imports it, not another definition by that name
        module, head, _ = outside
        line = _import_line(c, repo, path or "", head, module)
        return [Location(path or "", line, line, EXTERNAL, _line(repo, path or "", line))]
    return [Location(p, line, end, kind, _line(repo, p, line)) for p, kind, line, end, _, _ in found]


def _outside(c: sqlite3.Connection, mods: ModuleMap, symbol: str,
             path: str | None) -> tuple[str, str, str] | None:
    """``(module, local name, imported name)`` when ``path`` imports the head of ``symbol`` (``Engine``,
    ``np`` of ``np.linalg.norm``) from outside the repository."""
    qual, name = _split(symbol)
    head = qual.split(".")[0] if qual else name
    source = R.external_source(c, mods, path, head) if path and head else None
    return None if source is None else (source[0], head, source[1])


def _lines_of(c: sqlite3.Connection, path: str, name: str) -> set[int]:
    row = c.execute("SELECT refs.lines FROM refs JOIN files ON files.id = refs.file_id WHERE files.path=? AND "
                    "refs.name=?", (path, name)).fetchone()
    return {int(x) for x in row[0].split(",") if x} if row else set()


def _import_line(c: sqlite3.Connection, repo: Path, path: str, name: str, module: str) -> int:
    """The line of ``path`` that imports ``name`` from ``module``: the first use of ``name`` that names the
    module too, else its first use (a parenthesised import spans lines), else 1."""
    lines = sorted(_lines_of(c, path, name))
    return next((ln for ln in lines if module in _line(repo, path, ln)), lines[0] if lines else 1)


def _outside_references(c: sqlite3.Connection, repo: Path, symbol: str, path: str,
                        outside: tuple[str, str, str]) -> list[Location]:
    """The uses of a library's name: in each file that imports it from the same module, under whatever name
    (with a qualifier, ``np.linalg.norm``, the lines that use both the module's name and ``norm``)."""
    module, _head, imported = outside
    qual, name = _split(symbol)
    out: list[Location] = []
    rows = c.execute("SELECT files.path, alias FROM imports JOIN files ON files.id = imports.file_id WHERE "
                     "module=? AND imports.name=? AND alias != ''", (module, imported)).fetchall()
    for p, alias in sorted(set(rows), key=lambda r: (r[0] != path, is_test_path(r[0]), r[0])):
        lines = _lines_of(c, p, alias)
        if qual:
            lines &= _lines_of(c, p, name)
        out += [Location(p, ln, ln, "reference", _line(repo, p, ln)) for ln in sorted(lines)]
    return out


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
        if not found and R.external_source(c, mods, path, head):
            return []  # a library's name: the repository's definitions of that name are other things
        real, owner_real = (found, set()) if not parts else (set(), found if qual == head else set())
    member = R.member_owners(c, mods, path, name, memo) if path and not parts and not real else None
    if member is not None:  # ``b`` of ``{ a: { b } } = require('./m')`` is what ``a`` defines as ``b``, if anything
        rows = c.execute("SELECT files.path, defs.kind, defs.line, defs.end_line, defs.parent, defs.name FROM defs "
                         "JOIN files ON files.id = defs.file_id WHERE defs.name=?", (member[0],)).fetchall()
        return sorted((r for r in rows if (r[4], r[0]) in member[1]), key=lambda r: (is_test_path(r[0]), len(r[0])))
    names = {name} | {n for n, _ in real}
    rows = declared.named(c, sorted(names))  # with C and C++ declarations, dropped below where a body is
    # what the imports resolve to is the answer: another ``W`` or ``Engine.start`` elsewhere is not
    if real:  # ... and a Python file's own top-level one, which replaces the import after it (``def Engine():``;
        # in JavaScript ``const W = require(...)`` is the import itself)
        own = path is not None and F.language_of(path) == "python"
        rows = [r for r in rows if (r[5], r[0]) in real or (own and r[0] == path and r[5] == name and not r[4])]
    elif owner_real and any((r[4], r[0]) in owner_real for r in rows):
        rows = [r for r in rows if (r[4], r[0]) in owner_real]
    targets = R.import_targets(c, mods, path, qual, name) | {p for _, p in real | owner_real}
    if module is not None:
        targets.add(module)
    last_qual = parts[-1] if parts else ""
    owners = set()  # the classes a method may belong to: ``E.start`` is ``Engine.start`` after ``... as E``
    if last_qual:
        owners = {last_qual} | {n for n, _ in owner_real}

    family = _family(path) if path else None
    quals = R.named_imports(c, path, head)  # ``import com.b.Util``: ``com/b/Util.java`` before ``com/a/...``
    # ``com.b`` of ``com.b.Util``, ``geo::Shape`` of ``geo::Shape::area``, ``Beta::Thing`` of ``Beta::Thing#go``

    def key(r: _Def) -> tuple[int, ...]:  # a declaration without a body after the bodies (declared.py)
        p, kind, _line, _end, parent, _name = r
        return (0 if p == path else 1, 1 if family and _family(p) != family else 0, kind == declared.DECLARATION,
                0 if p in targets else 1, -R.import_match(p, quals), 0 if parent in owners else 1,
                -_qualified(c, parts, r) if parts else 0, 1 if is_test_path(p) else 0, len(p))

    rows = declared.bodies_first(sorted(rows, key=key), _family)
    if name == "default" and not qual and path and any(r[0] == path or r[0] in targets for r in rows):
        # each file's anonymous default export is its own: with ``path``'s own or one it imports, not the others
        rows = [r for r in rows if r[0] == path or r[0] in targets or not anonymous(r[5], F.language_of(r[0]))]
    if owners and any(r[4] in owners or r[0] in targets for r in rows):
        rows = [r for r in rows if r[4] in owners or r[0] in targets or r[0] == path]
    return rows


def _qualified(c: sqlite3.Connection, qualifiers: list[str], r: _Def) -> int:
    """How many qualifiers of a name (``com``, ``b`` of ``com.b.Util``; ``geo``, ``Shape`` of
    ``geo::Shape::area``) name a definition around the definition ``r`` (its class, a namespace or module or
    outer class around it or around its class) or a directory or the stem of its file (a Java package, a
    Python module)."""
    path, _kind, line, _end, parent, _name = r
    around = {n for (n,) in c.execute(
        "SELECT defs.name FROM defs JOIN files ON files.id = defs.file_id WHERE files.path=? AND defs.line<=? AND "
        "defs.end_line>=? AND defs.kind IN ('class', 'module')", (path, line, line))}
    name = parent
    while name and name not in around and len(around) < 50:  # ``Shape::area`` written outside ``class Shape``
        around.add(name)
        row = c.execute("SELECT defs.parent FROM defs JOIN files ON files.id = defs.file_id WHERE files.path=? AND "
                        "defs.name=? AND defs.kind IN ('class', 'module') LIMIT 1", (path, name)).fetchone()
        name = row[0] if row else ""
    dirs = {part.lower() for part in path.rsplit(".", 1)[0].split("/")}
    return sum(1 for q in qualifiers if q in around or q.lower() in dirs)


def references(c: sqlite3.Connection, repo: Path, mods: ModuleMap, symbol: str,
               path: str | None = None) -> list[Location]:
    qual, name = _split(symbol)
    if not name:
        return []
    outside = _outside(c, mods, symbol, path) if path else None
    if outside is not None and not _definitions(c, mods, symbol, path):
        return _outside_references(c, repo, symbol, path or "", outside)
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
    # definitions are no references, nor a declaration that go to definition answers (declared.py)
    def_lines = {(r[0], r[2]) for r in found if r[1] == declared.DECLARATION} | {(p, line) for p, line in c.execute(
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
    for p, ls in resolved.items():  # ``from sqlalchemy import Engine as SAEngine`` beside ours names another
        ls -= _foreign_imports(c, repo, mods, p, ls, names, targets, memo)
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


def _foreign_imports(c: sqlite3.Connection, repo: Path, mods: ModuleMap, path: str, lines: set[int],
                     names: set[str], targets: set[tuple[str, str]], memo: R.Memo) -> set[int]:
    """Of ``lines`` of ``path``, those that import one of ``names`` under another name from somewhere that does
    not lead to ``targets`` (a library, another module): ``Engine`` there is not a use of ours."""
    rows = c.execute("SELECT module, imports.name, alias FROM imports JOIN files ON files.id = imports.file_id "
                     f"WHERE files.path=? AND module != '' AND imports.name IN ({','.join('?' * len(names))})",
                     (path, *sorted(names))).fetchall()
    foreign = [re.compile(rf"\b{re.escape(imported)}\s+as\s+{re.escape(alias)}\b") for module, imported, alias in rows
               if alias not in ("", "*", imported) and not R.exported(
                   c, mods, path, mods.resolve_import(path, module, imported), imported, 4, memo) & targets]
    return {ln for ln in lines if foreign and any(f.search(_line(repo, path, ln)) for f in foreign)}


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


def _nested_repository(repo: Path, full: Path, itself: bool = False) -> str:
    """Why nothing under ``full`` is indexed when it is (``itself``) or lies in another git repository: git
    lists a submodule or a nested checkout as one entry, not its files. Else ``""``."""
    for parent in ([full] if itself else []) + list(full.parents):
        if parent == repo:
            break
        if (parent / ".git").exists():
            what = "another git repository" if parent == full else "inside another git repository"
            return f"{what} ({parent.relative_to(repo).as_posix()}/, a submodule or nested checkout)"
    return ""


def parse_problem(path: str, lang: str, data: bytes) -> str:
    """Why a file of a known language was indexed as text (the parse given up or failed, as the build met it
    in :func:`build._analyse_job`), or ``""`` when it parses."""
    try:
        analyse(path, lang, data)
    except langs.TooSlow:
        return f"tree-sitter gave up on it after {langs.parse_seconds(data):g} s of processor time"
    except UNPARSABLE as exc:
        return f"its parse failed ({type(exc).__name__}: code nested too deep, or a grammar error)"
    return ""


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
        how = f"parsed as {lang}, {ndefs} definition{'' if ndefs == 1 else 's'}" if lang else \
            "indexed as plain text (keywords only)"
        if lang and not ndefs:  # no definitions: none written, or a parse the build gave up (parsed again)
            problem = parse_problem(rel, lang, full.read_bytes())
            if problem:
                how = f"indexed as plain text (keywords only): {problem}"
        return f"{name}: indexed ({nlines} line{'' if nlines == 1 else 's'}; {how})"
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
        nested = _nested_repository(repo, full, itself=True)
        if nested:
            return f"{name}: not indexed: {nested}"
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
    nested = _nested_repository(repo, full)
    if nested:
        return f"{name}: not indexed: {nested}"
    if not os.access(full, os.R_OK):
        return f"{name}: not indexed: unreadable"
    return f"{name}: {_unlisted(repo, rel) or 'not indexed yet (run `genie index` to update)'}"


def _unlisted(repo: Path, rel: str) -> str:
    """Why ``rel`` is not among the files the index lists (see ``files.list_files``), or ``""`` when it is."""
    try:
        if rel in F.list_files(repo):
            return ""
    except Exception:  # noqa: BLE001 - git failing is said by `genie index` itself
        return ""
    walked = not (repo / ".git").exists()
    if (why := F.unlisted_reason(rel, walked)) or walked:
        return f"not indexed: {why}" if why else ""
    return ("not indexed: git does not list it (`git status` shows how git sees it: with core.ignorecase, a file "
            "renamed only in case keeps its old name)")
