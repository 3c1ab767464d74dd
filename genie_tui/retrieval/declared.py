"""C and C++ functions declared without a body: a header's prototype (``int plat_init(void);``), a class's member
declared for a .cpp to define (``void draw();``). They are go to definition's answer where the repository has no
body for them (one written in assembly, generated at build time, or a platform's file outside it) and none where
it has one: as an editor's "go to definition" does, the body is where it goes, the header a fallback. Kept in a
table of their own (``decls``), so that search, the repo map and references see the index as before: a header's
prototype is no definition to rank it by, and it is still a reference to update when a signature changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

DECLARATION = "declaration"  # the kind of such an answer

Row = tuple[str, str, int, int, str, str]  # path, kind, line, end line, parent, name


def named(c: sqlite3.Connection, names: list[str]) -> list[Row]:
    """The definitions of ``names`` and, as kind :data:`DECLARATION`, their declarations without a body."""
    marks = ",".join("?" * len(names))
    return c.execute(
        "SELECT files.path, defs.kind, defs.line, defs.end_line, defs.parent, defs.name FROM defs JOIN files ON "
        f"files.id = defs.file_id WHERE defs.name IN ({marks}) UNION ALL SELECT files.path, '{DECLARATION}', "
        "decls.line, decls.end_line, decls.parent, decls.name FROM decls JOIN files ON files.id = decls.file_id "
        f"WHERE decls.name IN ({marks})", [*names, *names]).fetchall()


def bodies_first(rows: list[Row], family: Callable[[str], str | None]) -> list[Row]:
    """``rows`` without the declarations of a function a row defines: the same name in the same class or
    namespace, in a language of the same ``family`` (C and C++). The others stay where ``rows`` has them."""
    bodies = {(r[5], r[4], family(r[0])) for r in rows if r[1] != DECLARATION}
    return [r for r in rows if r[1] != DECLARATION or (r[5], r[4], family(r[0])) not in bodies]
