"""Follow imports to the definitions they stand for: aliases (``from .core import Engine as E``,
``import { Widget as W }``), re-exports (a package ``__init__.py``, an ``index.ts`` barrel) and star imports;
and back, from a definition to every local name that an import binds to it."""

from __future__ import annotations

import posixpath
import sqlite3
from collections.abc import Container

from genie_tui.retrieval.components import component_name
from genie_tui.retrieval.modules import ModuleMap

_COMPONENT_FILES = (".vue", ".svelte")


def import_targets(c: sqlite3.Connection, mods: ModuleMap, path: str | None, qual: str, name: str) -> set[str]:
    """Files that ``path``'s imports say ``qual.name`` / ``name`` comes from."""
    if not path:
        return set()
    out: set[str] = set()
    head = qual.split(".")[0] if qual else name
    rows = c.execute("SELECT module, imports.name, alias FROM imports JOIN files ON files.id = imports.file_id "
                     "WHERE files.path=?", (path,)).fetchall()
    for module, imported, alias in rows:
        if alias in (name, head) or imported in (name, head):
            target = mods.resolve_import(path, module, imported if alias == head or imported == name else "")
            if target:
                out.add(target)
            if imported and (alias == name or imported == name):
                t2 = mods.resolve_import(path, module, "")
                if t2:
                    out.add(t2)
    if qual:
        m = mods.module(qual)
        if m:
            out.add(m[0])
    return out


_DOTTED = (".java", ".kt", ".kts", ".scala", ".sc", ".cs")  # ``import com.b.Util``, ``using Com.B``
_RUST_RELATIVE = frozenset({"crate", "self", "super"})


def _use_tree(text: str, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of a Rust ``use`` tree: ``crate::c::{A, B as BB, d::{E}}`` -> ``crate::c::A``, ``crate::c::B``,
    ``crate::c::d::E`` (an alias is left out: the path names what it stands for)."""
    text = text.strip()
    brace = text.find("{")
    if brace < 0:
        segs = tuple(x for x in text.split(" as ")[0].strip().split("::") if x)
        return [prefix + segs] if segs else []
    head = tuple(x for x in text[:brace].strip().split("::") if x)
    inner, depth, items, start = text[brace + 1:text.rfind("}")], 0, [], 0
    for i, ch in enumerate(inner):  # split at the commas of this level only
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append(inner[start:i])
            start = i + 1
    items.append(inner[start:])
    out: list[tuple[str, ...]] = []
    for item in items:
        out += _use_tree(item, prefix + head)
    return out


def named_imports(c: sqlite3.Connection, path: str | None, name: str) -> list[tuple[str, ...]]:
    """For a language whose imports name a path (Java, Kotlin, Scala, C# ``com.b.Util``; Rust ``use
    crate::b::Util``, also in ``{A, B}`` groups): the qualifiers, lower case, of each import of ``path`` whose
    last component is ``name`` (``('com', 'b')``; ``('b',)``, Rust's ``crate``/``self``/``super`` left out)."""
    if not path or not path.endswith((*_DOTTED, ".rs")):
        return []
    out = []
    for (module,) in c.execute("SELECT module FROM imports JOIN files ON files.id = imports.file_id WHERE "
                               "files.path=? AND imports.name='' AND module LIKE ?", (path, f"%{name}%")):
        if path.endswith(".rs"):
            paths = _use_tree(module)
        else:
            paths = [tuple(module.removeprefix("static ").strip().split("."))]
        out += [tuple(q.lower() for q in p[:-1] if q not in _RUST_RELATIVE) for p in paths if p and p[-1] == name]
    return out


def import_match(def_path: str, quals: list[tuple[str, ...]]) -> int:
    """How well ``def_path`` fits the imports of :func:`named_imports`: the most qualifiers an import shares
    with the end of the file's directories or of its path without extension (``com/b/Util.java`` and ``b.rs`` or
    ``b/mod.rs`` for ``b``), plus 1 for any import at all; 0 when no import names the name."""
    if not quals:
        return 0
    segs = posixpath.splitext(def_path.lower())[0].split("/")
    if segs[-1] in ("mod", "lib", "main") and def_path.endswith(".rs"):
        segs = segs[:-1]
    best = 0
    for q in quals:
        for tail in (segs, segs[:-1]):
            n = 0
            while n < min(len(q), len(tail)) and q[-1 - n] == tail[-1 - n]:
                n += 1
            best = max(best, n)
    return 1 + best


# answers of :func:`imported_as` (``("as", file, alias, depth)``) and :func:`exported` (``("ex", ...)``)
Memo = dict[tuple[str, str, str, int], set[tuple[str, str]]]


def _source(mods: ModuleMap, path: str, module: str, imported: str) -> str | None:
    """The file an import row of ``path`` takes ``imported`` from; module ``''`` is ``path`` itself (a JS/TS
    file exporting its own ``Widget`` as ``default``, see imports.reexports)."""
    return mods.resolve_import(path, module, imported) if module else path


def imported_as(c: sqlite3.Connection, mods: ModuleMap, path: str, alias: str, depth: int = 4,
                memo: Memo | None = None) -> set[tuple[str, str]]:
    """``(name, file)`` of the definitions that ``alias`` stands for in ``path`` through its imports
    (``from .core import Engine as E``, ``import { Widget as W }``, ``import W from './widget'``), followed
    through re-exports such as a package ``__init__.py``'s ``from .core import Engine as Motor`` or an
    ``index.ts``'s ``export * from './widget'`` for at most ``depth`` files. ``memo`` keeps answers across
    calls."""
    memo = {} if memo is None else memo
    key = ("as", path, alias, depth)
    if key in memo:
        return memo[key]
    memo[key] = set()  # a cycle of re-exports ends here
    rows = c.execute("SELECT module, imports.name, alias FROM imports JOIN files ON files.id = imports.file_id "
                     "WHERE files.path=? AND alias IN (?, '*') AND imports.name != ''", (path, alias)).fetchall()
    out: set[tuple[str, str]] = set()
    for module, imported, bound in rows:
        if bound == alias and imported != "*" and "." not in imported:  # a member: see member_owners
            # a file's own definition exported under another name is looked up in the file itself
            out |= exported(c, mods, path if module else "", _source(mods, path, module, imported), imported,
                            depth, memo)
    if not out and alias != "*":  # a name imported or exported by name wins over ``*``, as in Python and JS
        for module, imported, bound in rows:
            if bound == "*" and imported == "*":
                out |= exported(c, mods, path, mods.resolve_import(path, module, ""), alias, depth, memo)
    memo[key] = out
    return out


def external_source(c: sqlite3.Connection, mods: ModuleMap, path: str, alias: str) -> tuple[str, str] | None:
    """The module outside the repository that ``path`` imports ``alias`` from, and the name it imports there
    (``("sqlalchemy", "Engine")`` after ``from sqlalchemy import Engine``, ``react-widgets`` after ``import {
    Widget } from 'react-widgets'``); None when an import of ``path`` leads ``alias`` into the repository,
    ``path`` defines it itself, or no import binds it so. By-name languages (Java's ``import com.b.Util``)
    record no alias and are not looked at."""
    rows = c.execute("SELECT module, imports.name FROM imports JOIN files ON files.id = imports.file_id "
                     "WHERE files.path=? AND alias=? AND module != ''", (path, alias)).fetchall()
    if not rows or any(mods.resolve_import(path, module, imported) or mods.resolve_import(path, module)
                       for module, imported in rows):
        return None
    if c.execute("SELECT 1 FROM defs JOIN files ON files.id = defs.file_id WHERE files.path=? AND defs.name=? "
                 "AND defs.parent='' LIMIT 1", (path, alias)).fetchone():
        return None
    return next(((module, imported) for module, imported in rows if mods.external(module, path)), None)


def member_owners(c: sqlite3.Connection, mods: ModuleMap, path: str, alias: str,
                  memo: Memo) -> tuple[str, set[tuple[str, str]]] | None:
    """When ``path`` binds ``alias`` to a member of an export (``const { a: { b } } = require('./m')``,
    recorded as ``('./m', 'a.b', 'b')``, see commonjs._destructured): the member's name and ``(name, file)``
    of the definitions the export stands for, whose member it is (``b`` of ``class A { static b() {} }``
    exported as ``a``). None when no import binds ``alias`` that way."""
    rows = c.execute("SELECT module, imports.name FROM imports JOIN files ON files.id = imports.file_id "
                     "WHERE files.path=? AND alias=? AND module != '' AND imports.name LIKE '%.%'",
                     (path, alias)).fetchall()
    if not rows:
        return None
    member, owners = "", set()
    for module, imported in rows:
        owner, _, member = imported.partition(".")
        owners |= exported(c, mods, path, mods.resolve_import(path, module, owner), owner, 4, memo)
    return member, owners


def members_of(c: sqlite3.Connection, member: str, owners: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """``(member, file)`` for each of ``owners`` (``(name, file)`` definitions) that defines ``member``."""
    return {(member, f) for o, f in owners if c.execute(
        "SELECT 1 FROM defs JOIN files ON files.id = defs.file_id WHERE files.path=? AND defs.name=? AND "
        "defs.parent=? LIMIT 1", (f, member, o)).fetchone()}


def exported(c: sqlite3.Connection, mods: ModuleMap, importer: str, target: str | None, name: str, depth: int,
             memo: Memo) -> set[tuple[str, str]]:
    """The definitions that ``name`` imported from ``target`` stands for: its own, or what it imports as it."""
    if not target or target == importer:
        return set()
    key = ("ex", target, name, depth)
    if key in memo:
        return memo[key]
    if name == "default" and target.endswith(_COMPONENT_FILES):  # a component file's default export is itself
        name = component_name(target)
    if c.execute("SELECT 1 FROM defs JOIN files ON files.id = defs.file_id WHERE files.path=? AND defs.name=? "
                 "LIMIT 1", (target, name)).fetchone():
        out = {(name, target)}
    else:
        out = imported_as(c, mods, target, name, depth - 1, memo) if depth > 1 else set()
    memo[key] = out
    return out


def bindings(c: sqlite3.Connection, mods: ModuleMap, targets: set[tuple[str, str]], memo: Memo,
             rounds: int = 4) -> tuple[set[tuple[str, str]], set[str]]:
    """``(file, local name)`` of the imports that lead to one of ``targets`` (``(name, file)`` definitions),
    also under another name (``E`` after ``from .core import Engine as E``, ``W`` after ``import W from
    './widget'`` of a default export) or through re-exports, which may rename it again (``Motor`` from a
    package ``__init__.py``, ``W`` from an ``index.ts``). Each round takes the names found in the last one;
    every candidate import is resolved, so a name that only looks the same (another ``E``, imported from
    elsewhere) is not taken. Also every name the targets go by somewhere (``default``, ``Part`` exported by a
    barrel)."""
    out: set[tuple[str, str]] = set()
    seen: set[tuple[str, str]] = set()
    names = {n for n, _ in targets}
    # a component is imported as the file's default export (``import MyButton from './my-button.vue'``)
    frontier = names | ({"default"} if any(f.endswith(_COMPONENT_FILES) for _, f in targets) else set())
    for _ in range(rounds):
        if not frontier:
            break
        rows = c.execute("SELECT files.path, module, imports.name, alias FROM imports JOIN files ON files.id = "
                         f"imports.file_id WHERE imports.name IN ({','.join('?' * len(frontier))})",
                         sorted(frontier)).fetchall()
        frontier = set()
        for p, module, imported, alias in rows:
            if not alias or alias == "*" or (p, alias) in seen:
                continue
            if exported(c, mods, p if module else "", _source(mods, p, module, imported), imported, 4,
                        memo) & targets:
                seen.add((p, alias))
                if module:  # ``export default Widget`` names what importers call it, not a name in the file
                    out.add((p, alias))
                if alias not in names:
                    names.add(alias)
                    frontier.add(alias)
    return out, names


def module_file(c: sqlite3.Connection, mods: ModuleMap, path: str, alias: str, depth: int = 3) -> str | None:
    """The file that the local name ``alias`` stands for as a whole module in ``path``: ``ns`` after
    ``import * as ns from './m'``, ``m`` after ``import pkg.mod as m``, ``mod`` after ``from pkg import mod``
    (a submodule), or a namespace that the imported module itself imports or re-exports."""
    rows = c.execute("SELECT module, imports.name FROM imports JOIN files ON files.id = imports.file_id "
                     "WHERE files.path=? AND alias=? AND module != ''", (path, alias)).fetchall()
    for module, imported in rows:
        target = _module_of(c, mods, path, module, imported, alias, depth)
        if target is not None:
            return target
    return None


def _module_of(c: sqlite3.Connection, mods: ModuleMap, path: str, module: str, imported: str, alias: str,
               depth: int) -> str | None:
    """The module file that one import row of ``path`` binds to ``alias``, if it binds a module."""
    if imported == "*":  # ``import * as ns from './m'``, ``export * as ns from './m'``
        return mods.resolve_import(path, module)
    if not imported:  # Python ``import pkg.mod as m``; a plain ``import pkg.mod`` binds ``pkg``
        if not path.endswith((".py", ".pyi")):
            return None
        return mods.resolve_import(path, alias if module.startswith(alias + ".") else module)
    target = mods.resolve_import(path, module, imported)
    if target is not None and target == mods.resolve_import(path, module):  # a name, not a submodule
        return module_file(c, mods, target, imported, depth - 1) if depth > 1 else None
    return target


def submodule(c: sqlite3.Connection, mods: ModuleMap, module: str, name: str) -> str | None:
    """The module that ``name`` is in the module file ``module``: a Python package's submodule
    (``pkg/__init__.py`` and ``core``: ``pkg/core.py``) or a namespace it imports (``export * as geo``)."""
    if posixpath.basename(module) in ("__init__.py", "__init__.pyi"):
        base = posixpath.join(posixpath.dirname(module), name)
        for cand in (base + ".py", base + "/__init__.py", base + ".pyi", base + "/__init__.pyi"):
            if cand in mods.paths:
                return cand
    return module_file(c, mods, module, name)


def attribute(c: sqlite3.Connection, mods: ModuleMap, uses: dict[str, dict[str, set[int]]], names: set[str],
              targets: set[tuple[str, str]], memo: Memo,
              members: bool = False) -> tuple[dict[str, bool], dict[str, dict[int, bool]]]:
    """Where ``uses`` (file -> name -> lines: uses of ``names`` or of the names ``targets`` are exported under,
    in files whose imports bind no such name to ``targets``) come from. Per file: True when its imports still
    lead the name to ``targets`` (a star import; ``Engine`` on the import line of ``Engine as SE``), False
    when they lead it elsewhere (its own top-level definition, an import from another module or from a
    library outside the repository), absent when nothing says (dynamic code: a by-name match). And per file
    the lines where a module alias is used with the name, True when its module exports a target under it
    (``m.Engine()`` after ``import pkg.core as m``, ``ns.Part`` after ``import * as ns`` of a barrel
    exporting ``Part``), False when it exports something else. ``members``: the targets are methods or
    fields, reached as ``x.start`` whatever a file defines or imports as ``start``, so no file is ruled out."""
    verdict: dict[str, bool] = {}
    files = sorted(uses)
    if not files or not targets:
        return verdict, {}
    marks = ",".join("?" * len(names))
    for p, n in c.execute("SELECT files.path, defs.name FROM defs JOIN files ON files.id = defs.file_id "
                          f"WHERE defs.parent = '' AND defs.name IN ({marks})", sorted(names)):
        if p in uses and (n, p) not in targets:
            verdict[p] = False
    rows_of: dict[str, list[tuple[str, str, str]]] = {}
    for i in range(0, len(files), 500):  # SQLite caps the parameters of one statement
        chunk = files[i:i + 500]
        for p, *row in c.execute("SELECT files.path, module, imports.name, alias FROM imports JOIN files ON "
                                 f"files.id = imports.file_id WHERE files.path IN ({','.join('?' * len(chunk))})",
                                 chunk):
            rows_of.setdefault(p, []).append(tuple(row))  # type: ignore[arg-type]
    spaces: dict[str, list[tuple[str, str, str]]] = {}  # imports that may bind a module, per file
    for p, rows in rows_of.items():
        for module, imported, alias in rows:
            if not module or not alias or alias == "*":
                continue
            if alias in names or imported in names:
                if "." in imported:  # ``b`` of ``{ a: { b } } = require('./m')``: what ``a`` defines as ``b``
                    member, owners = member_owners(c, mods, p, alias, memo) or ("", set())
                    got = members_of(c, member, owners)
                else:
                    got = exported(c, mods, p, mods.resolve_import(p, module, imported), imported, 4, memo)
                if got & targets:
                    verdict.setdefault(p, True)
                elif got or mods.external(module, p):
                    verdict[p] = False
            else:
                spaces.setdefault(p, []).append((module, imported, alias))
        if p not in verdict and any(alias == "*" for _, _, alias in rows):
            got = set().union(*(imported_as(c, mods, p, n, memo=memo) for n in names & set(uses[p])))
            if got:
                verdict[p] = bool(got & targets)
    if members:
        verdict = {p: v for p, v in verdict.items() if v}
    return verdict, _via_modules(c, mods, uses, spaces, targets, memo)


def _via_modules(c: sqlite3.Connection, mods: ModuleMap, uses: dict[str, dict[str, set[int]]],
                 spaces: dict[str, list[tuple[str, str, str]]], targets: set[tuple[str, str]],
                 memo: Memo) -> dict[str, dict[int, bool]]:
    """Per file, the lines of ``uses`` where a module alias (an import row of ``spaces``) is used with the
    name: True when the module exports a target under it, False when it exports something else. A line
    that names a submodule too (``pkg.core.Engine()`` after ``import pkg.core``) is decided by that
    submodule, not by the package."""
    word_lines = _lines_of(c, spaces, {alias for rows in spaces.values() for _, _, alias in rows})
    chains: dict[tuple[str, tuple[str, str, str]], list[tuple[str, tuple[str, ...]]]] = {}
    for p, rows in spaces.items():
        used = set().union(*uses[p].values())
        for row in rows:  # only the imports whose alias is used with the name: each costs a lookup or more
            if word_lines.get((p, row[2]), set()) & used:
                chains[(p, row)] = _chain(c, mods, p, *row)
    word_lines |= _lines_of(c, spaces, {w for chain in chains.values() for _, needs in chain for w in needs})
    decided: dict[str, dict[int, tuple[int, bool]]] = {}  # file -> line -> (submodules it names, verdict)
    for (p, (_, _, alias)), chain in chains.items():
        for target, needs in chain:
            where = word_lines[(p, alias)].intersection(*(word_lines.get((p, w), set()) for w in needs))
            for n, ls in uses[p].items():
                got = exported(c, mods, "", target, n, 4, memo) if ls & where else set()
                if got:  # ``o.Engine()`` of another module's Engine is no use of this one, nor by name
                    of = decided.setdefault(p, {})
                    for ln in ls & where:
                        of[ln] = max(of.get(ln, (-1, False)), (len(needs), bool(got & targets)))
    return {p: {ln: ok for ln, (_, ok) in of.items()} for p, of in decided.items()}


def _lines_of(c: sqlite3.Connection, files: Container[str], words: set[str]) -> dict[tuple[str, str], set[int]]:
    """``(file, name) -> lines`` where ``files`` use each of ``words``."""
    out: dict[tuple[str, str], set[int]] = {}
    if not words:
        return out
    for p, ref, ls in c.execute("SELECT files.path, refs.name, refs.lines FROM refs JOIN files ON files.id = "
                                f"refs.file_id WHERE refs.name IN ({','.join('?' * len(words))})", sorted(words)):
        if p in files:
            out[(p, ref)] = {int(x) for x in ls.split(",") if x}
    return out


def _chain(c: sqlite3.Connection, mods: ModuleMap, path: str, module: str, imported: str,
           alias: str) -> list[tuple[str, tuple[str, ...]]]:
    """The module files that one import row of ``path`` makes reachable through ``alias``, each with the
    names written between the alias and it: a plain Python ``import pkg.core`` binds ``pkg``, through which
    ``pkg/core.py`` is reached as ``pkg.core`` (``('core',)``) and ``pkg/__init__.py`` as ``pkg``."""
    if imported or not module.startswith(alias + ".") or not path.endswith((".py", ".pyi")):
        target = _module_of(c, mods, path, module, imported, alias, 3)
        return [(target, ())] if target is not None else []
    parts = module.split(".")
    out = []
    for k in range(len(parts), 0, -1):
        target = mods.resolve_import(path, ".".join(parts[:k]))
        if target is not None:
            out.append((target, tuple(parts[1:k])))
    return out
