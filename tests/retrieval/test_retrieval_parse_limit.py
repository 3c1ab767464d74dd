"""A file tree-sitter takes too long over (langs.PARSE_SECONDS) is indexed as text: searchable by keyword,
without its definitions, as a file the parser cannot take at all; the build goes on."""

from __future__ import annotations

import time

import pytest
import tree_sitter as ts

from genie_tui.retrieval import RepoIndex, langs
from genie_tui.retrieval.extract import parse

VIEWS = "".join(f"def handler_{i}(request):\n    return 'slow_marker {i}'\n" for i in range(200))


@pytest.mark.parametrize("limit", [None, 0.0])
def test_a_file_the_parser_is_too_slow_on_is_text(make_repo, monkeypatch, limit):
    repo = make_repo({"app/views.py": VIEWS, "notes.md": "nothing here\n"})
    monkeypatch.setenv("GENIE_INDEX_WORKERS", "1")
    if limit is not None:
        monkeypatch.setattr(langs, "PARSE_SECONDS", limit)  # every parse is over its time
    ix = RepoIndex.open(repo)
    try:
        hits = [r.path for r in ix.search("slow_marker handler_7", k=1)]
        defs = [(d.path, d.line) for d in ix.definitions("handler_7")]
    finally:
        ix.close()
    assert hits == ["app/views.py"]
    assert defs == ([] if limit == 0.0 else [("app/views.py", 15)])


def test_a_parse_given_up_leaves_the_parser_for_the_next_file():
    parser = langs.parser_for("python")
    big = b"".join(b"def f%d(x):\n    return x\n" % i for i in range(500))
    with pytest.raises(langs.TooSlow):
        langs.parse_within(parser, big, time.thread_time())  # due at once
    small = b"def g():\n    pass\n"
    tree = langs.parse_within(parser, small, time.thread_time() + 60)
    fresh = ts.Parser(langs.grammar("python")[0]).parse(small)
    assert str(tree.root_node) == str(fresh.root_node)  # not the rest of ``big``
    assert [d.name for d in parse("g.py", "python", small).defs] == ["g"]
