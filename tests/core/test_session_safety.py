"""Sessions stay whole: one genie process writes a session at a time, unusual input (bytes that are not UTF-8,
a line nested too deeply) never breaks a session or the listing, a session that cannot be written is a clean
failure, and an export never overwrites the session it reads."""

from __future__ import annotations

import json


from genie_tui.cli import main
from genie_tui.core.session import Session, sessions_dir
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
LOOK = Reply(tool_calls=[("list_dir", {"path": "."})])
DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON, nested deeper than the parser goes (RecursionError)


def _session(task: str = "fix it", arguments: str = '{"path": "."}') -> Session:
    s = Session.create(task)
    s.record("start", task=task, repo="/tmp/r", config={"model": "m"}, tools=[], playbooks=[])
    s.record("message", message={"role": "system", "content": "sys"})
    s.record("message", message={"role": "user", "content": task})
    s.record("message", message={"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "list_dir", "arguments": arguments}}]})
    s.record("message", message={"role": "tool", "tool_call_id": "c1", "content": "a.py"})
    return s


def test_a_line_nested_too_deeply_is_named_and_skipped_like_any_invalid_json(capsys):
    good = _session()
    bad = sessions_dir() / "zz.jsonl"
    lines = good.path.read_text().splitlines()
    bad.write_text("\n".join([lines[0], DEEP, *lines[1:]]) + "\n")
    problem = f"{bad}:2: not a genie trajectory (invalid JSON)"
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert good.id in out and err == f"genie: skipping {problem}\n"
    assert main(["replay", str(bad)]) == 1  # what it can read, then the line it skipped
    out, err = capsys.readouterr()
    assert "user: fix it" in out and err == f"genie: {problem}; skipped\n"
    for command in (["export", str(bad)], ["resume", str(bad), "--base-url", "http://127.0.0.1:9/v1"]):
        assert main(command) == 2
        assert capsys.readouterr().err == f"genie: {problem}\n"


def test_tool_call_arguments_nested_too_deeply_export_and_replay(capsys):
    s = _session(arguments=DEEP)
    assert main(["export", s.id]) == 0
    assistant = json.loads(capsys.readouterr().out)["messages"][2]
    assert assistant["weight"] == 0  # not an object genie could use: not trained on
    assert "unparsed_arguments" in json.loads(assistant["tool_calls"][0]["function"]["arguments"])
    assert main(["replay", s.id]) == 0

