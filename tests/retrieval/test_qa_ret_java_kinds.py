"""Java annotation types (``public @interface Retry``), their elements and a record's compact constructor are
definitions with spans, like classes, methods and constructors are."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

RETRY = ("package a;\n\n/** How often to retry. */\n@Documented\n@Retention(RetentionPolicy.RUNTIME)\n"
         "public @interface Retry {\n    int times() default 3;\n}\n")
POINT = ("package a;\n\npublic record Point(int x, int y) {\n    public Point {\n"
         "        if (x < 0) throw new IllegalArgumentException(\"negative\");\n    }\n\n"
         "    Point(int x) { this(x, 0); }\n}\n")


def test_java_annotation_types_and_compact_constructors_are_definitions(make_repo):
    ix = RepoIndex.open(make_repo({"src/a/Retry.java": RETRY, "src/a/Point.java": POINT}))
    try:
        found = {s: [(d.path, d.line, d.end_line, d.kind) for d in ix.definitions(s)]
                 for s in ("Retry", "Retry.times", "Point.Point")}
        hits = ix.search("the compact constructor of Point rejects negative x", k=1)
    finally:
        ix.close()
    assert found == {"Retry": [("src/a/Retry.java", 6, 8, "class")],  # its name's line, below its annotations
                     "Retry.times": [("src/a/Retry.java", 7, 7, "method")],
                     "Point.Point": [("src/a/Point.java", 4, 6, "method"), ("src/a/Point.java", 8, 8, "method")]}
    assert (hits[0].spans[0].start, hits[0].spans[0].end, hits[0].spans[0].symbol) == (4, 6, "Point")
