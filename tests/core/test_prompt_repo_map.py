"""The repo map in the agent's system prompt: the files the task names are in play, first in the map."""

from __future__ import annotations

import pytest

from genie_tui.providers.scripted import Reply, ScriptedServer

FINISH = Reply(tool_calls=[("finish", {"summary": "ok"})])
FILES = {
    "parser.py": "def parse(text):\n    return text\n\n\ndef tokenize(text):\n    return text.split()\n",
    "lexer.py": "from parser import parse\n\ndef lex(t):\n    return parse(t)\n",
    "tests/test_parser.py": "from parser import parse, tokenize\n\ndef test_parse():\n    assert parse('a')\n\n"
                            "def test_tokenize():\n    assert tokenize('a b')\n",
    **{f"mod{i}.py": f"from parser import parse\nfrom lexer import lex\n\ndef f{i}():\n    return parse(lex('x'))\n"
       for i in range(5)},
}


def _map_files(system: str) -> list[str]:
    """The files the system prompt's repo map lists, in order."""
    outline = system.split("Most relevant definitions:\n", 1)[1].split("\n\n", 1)[0]
    return [line[:-1] for line in outline.splitlines() if not line.startswith(" ")]


@pytest.mark.parametrize("named", ["tests/test_parser.py", "./tests/test_parser.py"])
async def test_the_files_the_task_names_come_first_in_the_system_prompt_s_map(make_repo, make_agent, named):
    repo = make_repo(FILES)
    with ScriptedServer([FINISH]) as server:
        agent = make_agent(repo, server)
        [_ async for _ in agent.run(f"{named}: test_tokenize fails when lex is given an empty string.")]
        await agent.client.aclose()
        system = server.requests[0]["messages"][0]["content"]
    # the test file was a search hit, its rank cut to 0.3: parser.py and lexer.py came first
    assert _map_files(system)[0] == "tests/test_parser.py"
