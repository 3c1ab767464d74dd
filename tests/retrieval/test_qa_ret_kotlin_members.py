"""Kotlin: a named companion object is a class (``Point.Factory``), a secondary constructor a method named by its
keyword (``Point.constructor``, as Swift's ``init`` is ``Circle.init``), and a ``const val`` a definition, as Rust's
``const`` is (``Point.ORIGIN_X``, a top-level ``MAX_POINTS``); a plain ``val`` with no getter stays none."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

POINT = """\
package geo

const val MAX_POINTS = 1000

class Point(val x: Int) {
    constructor(s: String) : this(s.toInt())

    companion object Factory {
        const val ORIGIN_X = 0
        val cache = mutableListOf<Point>()

        fun origin(): Point = Point(ORIGIN_X)
    }
}
"""


def test_companion_objects_secondary_constructors_and_const_vals_are_definitions(make_repo):
    ix = RepoIndex.open(make_repo({"src/geo/Point.kt": POINT}))
    try:
        found = {s: [(d.path, d.line, d.end_line) for d in ix.definitions(s)]
                 for s in ("MAX_POINTS", "Point.constructor", "Point.Factory", "Factory.ORIGIN_X", "Factory.origin",
                           "cache")}
    finally:
        ix.close()
    assert found == {"MAX_POINTS": [("src/geo/Point.kt", 3, 3)], "Point.constructor": [("src/geo/Point.kt", 6, 6)],
                     "Point.Factory": [("src/geo/Point.kt", 8, 13)], "Factory.ORIGIN_X": [("src/geo/Point.kt", 9, 9)],
                     "Factory.origin": [("src/geo/Point.kt", 12, 12)], "cache": []}
