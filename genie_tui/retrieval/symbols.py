"""Go to definition and find references."""

from __future__ import annotations

import posixpath
import re
import sqlite3
from pathlib import Path

from genie_tui.retrieval import declared, gomethods, pyuses
from genie_tui.retrieval import files as F
from genie_tui.retrieval import resolve as R
from genie_tui.retrieval.extract import anonymous
from genie_tui.retrieval.model import Location
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.nearby import go_uses, nearness
from genie_tui.retrieval.textutil import is_test_path, source_lines

# the kind of a reference that no import or definition ties to the symbol's definition, only its name
BY_NAME = "reference by name"
# the kind of the answer to go to definition when the file asked from imports the name from a library: its import
# line there, not a definition in the repository that only has the same name
EXTERNAL = "imported from outside the repository"


def _snippets(repo: Path, path: str, lines: set[int]) -> dict[int, str]:
    """The one-line snippets of ``lines`` of ``path``, its file read once (see :func:`source_lines`)."""
    return {ln: text.strip()[:200] for ln, text in source_lines(repo, path, lines, F.language_of(path)).items()}


def _line(repo: Path, path: str, line: int) -> str:
    return _snippets(repo, path, {line}).get(line, "")


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
    found = _definitions(c, repo, mods, symbol, path)
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
        texts = _snippets(repo, p, lines)
        out += [Location(p, ln, ln, "reference", texts.get(ln, "")) for ln in sorted(lines)]
    return out


def _definitions(c: sqlite3.Connection, repo: Path, mods: ModuleMap, symbol: str,
                 path: str | None) -> list[_Def]:
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

    near = nearness(c, repo, mods, path, head, bool(parts))  # its package, what it includes, requires, imports

    def key(r: _Def) -> tuple[int, ...]:  # a declaration without a body after the bodies (declared.py)
        p, kind, _line, _end, parent, _name = r
        return (0 if p == path else 1, 1 if family and _family(p) != family else 0, kind == declared.DECLARATION,
                0 if p in targets else 1, -R.import_match(p, quals), 0 if parent in owners else 1,
                -_qualified(c, parts, r) if parts else 0, near(p, parent), 1 if is_test_path(p) else 0, len(p))

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
    if outside is not None and not _definitions(c, repo, mods, symbol, path):
        return _outside_references(c, repo, symbol, path or "", outside)
    memo: R.Memo = {}
    # ``E`` in a file that imports ``Engine as E`` is used where ``Engine`` is: ask about ``Engine`` from there
    real = R.imported_as(c, mods, path, name, memo=memo) if path and not qual else set()
    found = _definitions(c, repo, mods, symbol, path)
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
    unsure: dict[str, set[int]] = {}  # in Python, ``widget.render()`` is another's, or ours by name only
    if not members:
        local: dict[str, set[str]] = {p: set(names) for p in homes}
        for p, alias in bound:
            local.setdefault(p, set()).add(alias)
        for p, ls in resolved.items():
            if p.endswith((".py", ".pyi")) and ls:
                gone, unsure[p] = pyuses.screen(c, repo, mods, p, ls, local.get(p, set()), targets, memo)
                ls -= gone | unsure[p]
    verdict, via_module = R.attribute(c, mods, loose, names, targets, memo, members)
    if targets and not members and all(f.endswith(".go") for _, f in targets):  # Go: by package, as Go decides
        for p, sure in go_uses(c, repo, mods, loose, names, targets).items():
            if sure is None:  # the same package's
                verdict.setdefault(p, True)
            else:  # another package's: only where it names ours (``cfg.Parse``)
                verdict[p] = False
                via_module[p] = dict.fromkeys(sure, True)
    by_name: dict[str, set[int]] = {}
    for p, uses in loose.items():
        named = set().union(*(ls for n, ls in uses.items() if n in names))
        via = via_module.get(p, {})
        sure = {ln for ln, ok in via.items() if ok} | (named if verdict.get(p) else set())
        if sure:
            resolved.setdefault(p, set()).update(sure)
        if p not in verdict and named - via.keys() - sure:  # nothing says where it comes from: by name
            by_name[p] = named - via.keys() - sure
    for p, ls in unsure.items():
        if ls:
            by_name.setdefault(p, set()).update(ls)
    near: set[str] = set()  # a Go method's uses by name that come first (gomethods.sort)
    if members and targets and all(f.endswith(".go") for _, f in targets):  # Go: by the receiver's type
        owners = {(posixpath.dirname(r[0]), r[4]) for r in found if (r[5], r[0]) in targets and r[4]}
        near = gomethods.sort(c, repo, mods, name, owners, resolved, by_name)
    families = {_family(f) for _, f in targets} - {None}
    if families:  # a Python or TypeScript ``add(...)`` is no call of a Java method, even by name
        by_name = {p: ls for p, ls in by_name.items() if _family(p) in families or _family(p) is None}
    home = {p for _, p in real} or {r[0] for r in found[:1]}

    def key(p: str) -> tuple[int, int, int, str]:
        return (0 if p == path or p in home else 1, 0 if p in near else 1, 1 if is_test_path(p) else 0, p)

    out: list[Location] = []
    for lines_of, kind in ((resolved, "reference"), (by_name, BY_NAME)):
        for p in sorted(lines_of, key=key):
            shown = {ln for ln in lines_of[p] if (p, ln) not in def_lines}
            texts = _snippets(repo, p, shown)
            out += [Location(p, ln, ln, kind, texts.get(ln, "")) for ln in sorted(shown)]
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
