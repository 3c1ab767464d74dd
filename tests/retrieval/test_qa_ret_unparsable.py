"""A file whose parse fails (a pattern nested thousands deep) is indexed as text: it failed the whole build, and
with it every search."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex


def test_a_file_the_parse_cannot_take_is_text_and_the_rest_is_indexed(make_repo):
    # beside ordinary lines: one line alone of 6,000 brackets would be left out as minified
    deep = "object Deep {\n" + "  // keeps the lines to a hand-written length\n" * 10 + "  val " + "(" * 3000 + "a" + \
        ")" * 3000 + " = 1\n  // gnarly_marker\n}\n"
    repo = make_repo({"src/Deep.scala": deep, "app.py": "def checkout():\n    return 1\n"})
    ix = RepoIndex.open(repo)
    try:
        defs = [(d.path, d.line) for d in ix.definitions("checkout")]
        hits = [r.path for r in ix.search("gnarly_marker", k=1)]
    finally:
        ix.close()
    assert defs == [("app.py", 1)] and hits == ["src/Deep.scala"]
