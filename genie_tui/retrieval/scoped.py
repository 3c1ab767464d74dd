"""Names qualified with ``::`` in the query (Rust's ``crate::parse::run``, C++'s ``geo::Shape::area``, Ruby's
``Shop::Cart``): the files that define them, as ``rank.qualified`` finds those of Python's dotted names."""

from __future__ import annotations

import posixpath
import sqlite3

from genie_tui.retrieval.query import Query

#: a module's own file, named for its directory (``parse/mod.rs``, ``shop/index.ts``)
_DIR_FILES = frozenset({"mod", "lib", "main", "index", "__init__"})


def scoped(c: sqlite3.Connection, q: Query) -> dict[int, float]:
    """Files defining a ``::`` name of the query: its last part defined in the part before it, a type
    (``Shape.area``) or a module file (``parse.rs`` or ``parse/mod.rs`` for ``crate::parse::run``). A name in the
    title counts 1, one in the body half; a name several files fit shares it among them."""
    out: dict[int, float] = {}
    for name in q.scoped[:200]:
        *_, owner, last = name.split("::")
        fids = {fid for (fid,) in c.execute("SELECT DISTINCT file_id FROM defs WHERE name=? AND parent=?",
                                           (last, owner))}
        if not fids:
            rows = c.execute("SELECT DISTINCT d.file_id, f.path FROM defs d JOIN files f ON f.id = d.file_id "
                             "WHERE d.name=? AND d.parent=''", (last,)).fetchall()
            fids = {fid for fid, path in rows if _module_of(path) == owner}
        if not fids or len(fids) > 3:
            continue
        strength = (1.0 if name in q.title else 0.5) / len(fids)
        for fid in fids:
            out[fid] = max(out.get(fid, 0.0), strength)
    return out


def _module_of(path: str) -> str:
    """The module a file is: its name without the extension, or its directory's for a ``mod.rs``-like file."""
    head, tail = posixpath.split(path)
    stem = tail.split(".", 1)[0]
    return posixpath.basename(head) if stem in _DIR_FILES else stem
