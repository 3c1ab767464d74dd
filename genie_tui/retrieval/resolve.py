"""Follow imports to the definitions they stand for: aliases (``from .core import Engine as E``,
``import { Widget as W }``), re-exports (a package ``__init__.py``, an ``index.ts`` barrel) and star imports;
and back, from a definition to every local name that an import binds to it."""

from __future__ import annotations

import sqlite3

from genie_tui.retrieval.modules import ModuleMap


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


Memo = dict[tuple[str, str, int], set[tuple[str, str]]]


def imported_as(c: sqlite3.Connection, mods: ModuleMap, path: str, alias: str, depth: int = 4,
                memo: Memo | None = None) -> set[tuple[str, str]]:
    """``(name, file)`` of the definitions that ``alias`` stands for in ``path`` through its imports
    (``from .core import Engine as E``, ``import { Widget as W }``), followed through re-exports such as a
    package ``__init__.py``'s ``from .core import Engine as Motor`` or an ``index.ts``'s
    ``export * from './widget'`` for at most ``depth`` files. ``memo`` keeps answers across calls."""
    memo = {} if memo is None else memo
    key = (path, alias, depth)
    if key in memo:
        return memo[key]
    rows = c.execute("SELECT module, imports.name, alias FROM imports JOIN files ON files.id = imports.file_id "
                     "WHERE files.path=? AND alias IN (?, '*') AND imports.name != ''", (path, alias)).fetchall()
    out: set[tuple[str, str]] = set()
    for module, imported, bound in rows:
        if bound == alias and imported != "*":
            out |= _exported(c, mods, path, mods.resolve_import(path, module, imported), imported, depth, memo)
    if not out and alias != "*":  # a name imported or exported by name wins over ``*``, as in Python and JS
        for module, imported, bound in rows:
            if bound == "*" and imported == "*":
                out |= _exported(c, mods, path, mods.resolve_import(path, module, ""), alias, depth, memo)
    memo[key] = out
    return out


def _exported(c: sqlite3.Connection, mods: ModuleMap, importer: str, target: str | None, name: str, depth: int,
              memo: Memo) -> set[tuple[str, str]]:
    """The definitions that ``name`` imported from ``target`` stands for: its own, or what it imports as it."""
    if not target or target == importer:
        return set()
    if c.execute("SELECT 1 FROM defs JOIN files ON files.id = defs.file_id WHERE files.path=? AND defs.name=? "
                 "LIMIT 1", (target, name)).fetchone():
        return {(name, target)}
    return imported_as(c, mods, target, name, depth - 1, memo) if depth > 1 else set()


def bindings(c: sqlite3.Connection, mods: ModuleMap, targets: set[tuple[str, str]], memo: Memo,
              rounds: int = 4) -> set[tuple[str, str]]:
    """``(file, local name)`` of the imports that lead to one of ``targets`` (``(name, file)`` definitions),
    also under another name (``E`` after ``from .core import Engine as E``) or through re-exports, which may
    rename it again (``Motor`` from a package ``__init__.py``, ``W`` from an ``index.ts``). Each round takes
    the names found in the last one; every candidate import is resolved, so a name that only looks the same
    (another ``E``, imported from elsewhere) is not taken."""
    out: set[tuple[str, str]] = set()
    names = {n for n, _ in targets}
    frontier = set(names)
    for _ in range(rounds):
        if not frontier:
            break
        rows = c.execute("SELECT files.path, module, imports.name, alias FROM imports JOIN files ON files.id = "
                         f"imports.file_id WHERE imports.name IN ({','.join('?' * len(frontier))})",
                         sorted(frontier)).fetchall()
        frontier = set()
        for p, module, imported, alias in rows:
            if not alias or alias == "*" or (p, alias) in out:
                continue
            if _exported(c, mods, p, mods.resolve_import(p, module, imported), imported, 4, memo) & targets:
                out.add((p, alias))
                if alias not in names:
                    names.add(alias)
                    frontier.add(alias)
    return out
