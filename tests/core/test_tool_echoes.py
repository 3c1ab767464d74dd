"""A tool's message quotes back what the model sent cut to a few hundred characters: a 10 MB query came back as a
10 MB "no matches" result, resent with every later request."""

from __future__ import annotations

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError

HUGE = "zq" * 500_000


@pytest.fixture
def ctx(make_repo) -> ToolContext:
    repo = make_repo({"src/app.py": "def main():\n    return 1\n"})
    return ToolContext(repo, load_settings(repo, {}))


def test_search_code_without_matches_quotes_the_query_cut(ctx):
    out = registry.run_simple(ctx, "search_code", registry.validate("search_code", {"query": HUGE}))
    assert out.text.startswith("no matches for 'zqzq") and "… (1000000 chars)" in out.text
    assert len(out.text) < 500 and len(out.looked.query) < 500


@pytest.mark.parametrize("name", ["go_to_definition", "find_references"])
def test_symbol_lookups_quote_the_symbol_cut(ctx, name):
    out = registry.run_simple(ctx, name, registry.validate(name, {"symbol": HUGE}))
    assert "'zqzq" in out.text and "… (1000000 chars)" in out.text and len(out.text) < 500


@pytest.mark.parametrize("name, args", [(HUGE, {}), ("read_file", {"path": "a", HUGE: 1}),
                                        ("search_code", {"query": "x", "k": 10 ** 600})],
                         ids=["tool", "argument", "k"])
def test_argument_errors_quote_the_argument_cut(ctx, name, args):
    with pytest.raises(ToolError) as err:
        registry.run_simple(ctx, name, registry.validate(name, args))
    assert len(str(err.value)) < 1_000 and "…" in str(err.value)


def test_find_files_without_matches_quotes_the_pattern_cut(ctx):
    out = registry.run_simple(ctx, "find_files", registry.validate("find_files", {"pattern": HUGE}))
    assert out.text.startswith("no files match 'zqzq") and "… (1000000 chars)" in out.text and len(out.text) < 500


@pytest.mark.parametrize("pattern, found", [("/src/app.py", "src/app.py"), ("/src", "src/app.py"),
                                            ("/src/", "src/app.py"), ("/lib/app.py", None), ("/*.py", None)])
def test_a_path_from_the_root_finds_its_file(ctx, pattern, found):
    # models write repository paths with a leading slash, as a glob's anchors it: /README.md found nothing
    out = registry.run_simple(ctx, "find_files", registry.validate("find_files", {"pattern": pattern}))
    assert out.text == (found or f"no files match {pattern!r}")


@pytest.mark.parametrize("name", ["read_file", "list_dir"])
def test_a_name_too_long_for_the_system_is_one_line_for_the_model(ctx, name):
    with pytest.raises(ToolError) as err:
        registry.run_simple(ctx, name, registry.validate(name, {"path": "q" * 400}))
    assert str(err.value) == f"'{'q' * 300}'… (400 chars): file name too long"
    assert str(ctx.repo) not in str(err.value) and "OSError" not in str(err.value)


def test_read_file_names_an_odd_file_quoted_as_the_listings_do(ctx):
    (ctx.repo / "new\nline.py").write_text("a = 1\nb = 2\n")
    out = registry.run_simple(ctx, "read_file", registry.validate("read_file", {"path": '"new\\nline.py"'}))
    assert out.text.splitlines()[0] == '"new\\nline.py" lines 1-2 of 2'
    with pytest.raises(ToolError) as err:
        registry.run_simple(ctx, "read_file", registry.validate("read_file", {"path": '"new\\nline.py"',
                                                                             "start_line": 9}))
    assert str(err.value) == '"new\\nline.py": start_line 9 is past the end of the file (2 lines)'
