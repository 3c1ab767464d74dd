from __future__ import annotations

import json

import pytest

from genie_tui.cli import main
from genie_tui.core.session import Session, find_session, list_sessions, restore
from genie_tui.errors import UsageError


def recorded(task="fix it", secret="sk-abcdef123456") -> Session:
    s = Session.create(task, scrub=(secret,))
    s.record("start", task=task, repo="/tmp/r", config={"model": "m"}, tools=[], playbooks=[])
    s.record("message", message={"role": "system", "content": "sys"})
    s.record("message", message={"role": "user", "content": f"task with {secret} inside"})
    s.record("message", message={"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "a"}'}},
        {"id": "c2", "type": "function", "function": {"name": "list_dir", "arguments": '{"path": "."}'}}]})
    s.record("message", message={"role": "tool", "tool_call_id": "c1", "content": "a lines 1-1 of 1"})
    return s


def test_secrets_are_scrubbed_and_dangling_calls_closed():
    s = recorded()
    text = s.path.read_text()
    assert "sk-abcdef123456" not in text and "<redacted>" in text
    state = restore(s.path)
    assert state.status == "interrupted" and state.steps == 1
    tool_ids = [m["tool_call_id"] for m in state.messages if m["role"] == "tool"]
    assert tool_ids == ["c1", "c2"] and "session stopped" in state.messages[-1]["content"]


def test_torn_last_line_is_tolerated_but_corruption_is_an_error():
    s = recorded()
    with s.path.open("a") as fh:
        fh.write('{"type": "message", "message": {"ro')
    assert restore(s.path).steps == 1
    lines = s.path.read_text().splitlines()
    lines.insert(1, "garbage")
    s.path.write_text("\n".join(lines) + "\n")
    with pytest.raises(UsageError, match=r":2: not a genie trajectory"):
        restore(s.path)


def test_find_session_by_prefix_and_errors(tmp_path):
    a = recorded("first task")
    assert find_session(a.id[:-2]) == a.path or find_session(a.id) == a.path
    with pytest.raises(UsageError, match="no session 'nope'"):
        find_session("nope")
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"type": "message"}\n')
    with pytest.raises(UsageError, match="no start record"):
        restore(bad)
    assert [s.id for s in list_sessions()] == [a.id]


def test_export_to_file_and_cli_errors(tmp_path, capsys):
    s = recorded()
    out = tmp_path / "train.jsonl"
    assert main(["export", s.id, "-o", str(out)]) == 0
    record = json.loads(out.read_text())
    assert [m["role"] for m in record["messages"]] == ["system", "user", "assistant", "tool", "tool"]
    assert main(["replay", "does-not-exist"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "genie: no session 'does-not-exist' (see `genie sessions list`)"
