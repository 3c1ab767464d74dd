"""A Go name as a panic or a stack trace prints it, with its package's import path
(``example.com/kv/store.Parse``, ``example.com/kv/store.(*Server).Handle``), is the package's name and the
symbol: it leads to the same definitions as ``store.Parse`` does, the package's first."""

from __future__ import annotations

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext

FILES = {
    "go.mod": "module example.com/kv\n\ngo 1.21\n",
    "store/parse.go": "package store\n\nfunc Parse(k string) string { return k }\n",
    "other/parse.go": "package other\n\nfunc Parse(k string) string { return k }\n",
    "store/server.go": "package store\n\ntype Server struct{}\n\nfunc (s *Server) Handle() {}\n",
}


def _run(ctx: ToolContext, name: str, **args: object) -> str:
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


def test_a_go_name_with_its_import_path_leads_to_its_package_s_definition(make_repo):
    repo = make_repo(FILES)
    ctx = ToolContext(repo, load_settings(repo, {}))
    assert _run(ctx, "go_to_definition", symbol="example.com/kv/store.Parse").splitlines() == [
        "store/parse.go:3: func Parse(k string) string { return k }",
        "other/parse.go:3: func Parse(k string) string { return k }"]
    assert _run(ctx, "go_to_definition", symbol="example.com/kv/store.(*Server).Handle") == \
        "store/server.go:5: func (s *Server) Handle() {}"
