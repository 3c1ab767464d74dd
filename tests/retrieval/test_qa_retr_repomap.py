"""The repo map in the system prompt: one row per line of code (several names declared on one line are one row),
and a file name holding a newline is quoted, not read as two rows."""

from __future__ import annotations

import pytest

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


def _heads(text: str) -> list[str]:
    return [line[:-1] for line in text.splitlines() if not line.startswith(" ")]


@pytest.mark.parametrize("jobs", [8, 9])
def test_files_used_by_others_rank_first_and_names_defined_everywhere_count_for_nothing(make_repo, jobs):
    files = {
        # engine.py is used by three files; store.py by engine.py, which passes it all its rank
        "engine.py": "from store import save_rows\n\ndef start_engine():\n    save_rows()\n",
        "store.py": "def save_rows():\n    return 1\n",
        "lonely.py": "def never_called():\n    return 2\n",
        **{f"user{i}.py": f"from engine import start_engine\n\ndef use{i}():\n    start_engine()\n" for i in range(3)},
        # ``run``, defined in each job file and called by main.py: edges, unless it has over 8 definitions
        **{f"job{i}.py": "def run():\n    return 0\n" for i in range(jobs)},
        "main.py": "def main():\n    run()\n",
    }
    repo = make_repo(files)
    ix = RepoIndex.open(repo)
    try:
        heads = _heads(ix.repo_map(budget_tokens=4000))
    finally:
        ix.close()
    if jobs == 8:  # each job file names ``run`` (its own definition is a use too): the jobs rank one another
        assert heads[:8] == [f"job{i}.py" for i in range(8)] and heads[8:10] == ["store.py", "engine.py"]
    else:  # ``run`` makes no edge: the jobs share the lowest rank with lonely.py and main.py, alphabetically
        assert heads[:2] == ["store.py", "engine.py"]
        assert heads[2:] == sorted(heads[2:]) and "job0.py" in heads and "lonely.py" in heads


def test_the_task_and_the_files_in_play_personalise_the_rank(make_repo):
    repo = make_repo({
        "engine.py": "def start_engine():\n    return 1\n",
        "a.py": "from engine import start_engine\n\ndef a_main():\n    start_engine()\n",
        "b.py": "from engine import start_engine\n\ndef b_main():\n    start_engine()\n",
        "parser.py": "def parse_config_file(path):\n    return tokenize_config(path)\n",
        "lexer.py": "def tokenize_config(path):\n    return []\n",
    })
    ix = RepoIndex.open(repo)
    try:
        plain = _heads(ix.repo_map(budget_tokens=4000))
        in_play = _heads(ix.repo_map(files=["parser.py"], budget_tokens=4000))
    finally:
        ix.close()
    assert plain[0] == "engine.py"
    # parser.py is in play (first), then what it uses, lexer.py, over engine.py, which only files out of play use
    assert in_play[:2] == ["parser.py", "lexer.py"] and in_play.index("engine.py") > 1


PARSER = {
    "parser.py": "def parse(text):\n    return text\n\n\ndef tokenize(text):\n    return text.split()\n",
    "lexer.py": "from parser import parse\n\ndef lex(t):\n    return parse(t)\n",
    "tests/test_parser.py": "from parser import parse, tokenize\n\ndef test_parse():\n    assert parse('a')\n\n"
                            "def test_tokenize():\n    assert tokenize('a b')\n",
    **{f"mod{i}.py": f"from parser import parse\nfrom lexer import lex\n\ndef f{i}():\n    return parse(lex('x'))\n"
       for i in range(5)},
}


def test_a_test_file_in_play_comes_first_like_any_file_in_play(make_repo):
    ix = RepoIndex.open(make_repo(PARSER))
    try:
        heads = _heads(ix.repo_map(files=["tests/test_parser.py", "mod3.py"], budget_tokens=30))
    finally:
        ix.close()
    # its rank was cut to 0.3 with the bonus of being in play: parser.py, in play nowhere, came before it
    assert sorted(heads[:2]) == ["mod3.py", "tests/test_parser.py"]


def test_files_in_play_are_named_as_the_tools_take_them(make_repo):
    repo = make_repo(PARSER)
    ix = RepoIndex.open(repo)
    try:
        maps = [_heads(ix.repo_map(files=[path], budget_tokens=30))[0]
                for path in ("./tests/test_parser.py", " tests//test_parser.py", str(repo / "tests/test_parser.py"))]
        elsewhere = ix.repo_map(files=["../tests/test_parser.py", "/elsewhere/tests/test_parser.py"])
    finally:
        ix.close()
    assert maps == ["tests/test_parser.py"] * 3
    assert _heads(elsewhere)[0] == "parser.py"  # a path outside the repository is in play nowhere
