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
