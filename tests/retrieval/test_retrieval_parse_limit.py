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


def test_explain_names_a_file_indexed_as_text_because_the_parser_gave_up(make_repo, monkeypatch, capsys):
    """``genie index --explain`` said "parsed as python, 0 definitions" of a file whose parse was given up and
    which was indexed as text; it says why now, and a file that has no definitions is still parsed."""
    from genie_tui.cli import main

    repo = make_repo({"app/views.py": VIEWS, "app/empty.py": "# nothing defined here\nX\n"})
    monkeypatch.setenv("GENIE_INDEX_WORKERS", "1")
    monkeypatch.setattr(langs, "PARSE_SECONDS", 0.0)
    assert main(["index", "--repo", str(repo), "--explain", "app/views.py"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == ("app/views.py: indexed (400 lines; indexed as plain text (keywords only): tree-sitter gave up "
                   "on it after 0 s of processor time)"), out
    monkeypatch.setattr(langs, "PARSE_SECONDS", 10.0)
    assert main(["index", "--repo", str(repo), "--explain", "app/empty.py"]) == 0
    assert capsys.readouterr().out.strip() == "app/empty.py: indexed (2 lines; parsed as python, 0 definitions)"


def test_explain_names_a_file_the_parser_cannot_take(make_repo, capsys):
    from genie_tui.cli import main

    # beside ordinary lines: one line alone of 6,000 brackets would be left out as minified
    deep = "object Deep {\n" + "  // keeps the lines to a hand-written length\n" * 10 + "  val " + "(" * 3000 + "a" + \
        ")" * 3000 + " = 1\n}\n"
    repo = make_repo({"src/Deep.scala": deep, "app.py": "def checkout():\n    return 1\n"})
    assert main(["index", "--repo", str(repo)]) == 0
    summary = capsys.readouterr().out
    assert "(2 parsed, 0 removed; 1 as text only: the parse failed or ran out of time (--explain PATH says which))" \
        in summary, summary
    assert main(["index", "--repo", str(repo), "--explain", "src/Deep.scala"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == ("src/Deep.scala: indexed (13 lines; indexed as plain text (keywords only): its parse failed "
                   "(RecursionError: code nested too deep, or a grammar error))"), out


def test_a_file_of_one_deep_chain_is_parsed_in_time(make_repo, genie_home):
    """The queries over a tree took time growing with the square of its depth: a promise chain of 40,000 links
    (0.5 MB) would have held the build for about 3 minutes. Matches start at most langs.QUERY_DEPTH deep."""
    import subprocess
    import sys

    chain = "export const done = start()\n" + "  .then(x => x)\n" * 40_000 + ";\n"  # lines: one would be minified
    repo = make_repo({"src/chain.js": chain, "src/app.js": "export function checkout(cart) {\n  return cart;\n}\n"})
    code = ("import sys; from pathlib import Path; from genie_tui.retrieval import RepoIndex; "
            "ix = RepoIndex.open(Path(sys.argv[1])); "
            "print([d.path for n in ('checkout', 'done') for d in ix.definitions(n)], ix.last_build.text_only, "
            "bool(ix.references('then')))")
    r = subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True, text=True, timeout=60,
                       check=True)
    assert r.stdout.split("\n")[0] == "['src/app.js', 'src/chain.js'] 0 True"
