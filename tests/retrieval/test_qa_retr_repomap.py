"""The repo map in the system prompt: one row per line of code (several names declared on one line are one row),
and a file name holding a newline is quoted, not read as two rows."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

THING = "class Thing\n  attr_reader :name, :email, :phone\n\n  def initialize(name)\n    @name = name\n  end\nend\n"


def _map(repo, task):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        return ix.repo_map(task)
    finally:
        ix.close()


def test_names_declared_on_one_line_are_one_row(make_repo):
    repo = make_repo({"thing.rb": THING})
    assert _map(repo, "Thing name email") == (
        "thing.rb:\n  1: class Thing\n    2: attr_reader :name, :email, :phone\n    4: def initialize(name)")


def test_a_file_name_with_a_newline_is_quoted(make_repo):
    repo = make_repo({"new\nline.py": "def handle_request():\n    return 1\n"})
    assert _map(repo, "handle_request") == '"new\\nline.py":\n  1: def handle_request():'
