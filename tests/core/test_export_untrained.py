"""``genie export`` leaves out an example with nothing to train on: one in which every assistant message has
``weight`` 0, as when the only reply it adds is a call genie refused."""

from __future__ import annotations

import json
from pathlib import Path

from genie_tui.cli import main
from genie_tui.core import request_log
from genie_tui.core.export import export_records
from genie_tui.core.restore import restore
from genie_tui.core.session import Session
from genie_tui.providers.scripted import Reply, ScriptedServer

NOT_TRAINED = "no model answer to train on (only calls genie refused or patches not taken as proposed: weight 0)"
TOOLS = [{"type": "function", "function": {"name": name, "parameters": {
    "type": "object", "properties": {key: {"type": "string"}}, "required": [key]}}}
    for name, key in (("read_file", "path"), ("finish", "summary"))]


def _call(call_id: str, name: str, arguments: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _split_session() -> Session:
    """A session whose second request does not extend its first (compaction elided the task, as it elides old
    messages), so the first turn gives an example of its own; that turn's only reply is a call genie refused
    (its arguments are no JSON)."""
    s = Session.create("read a.py")
    s.record("start", task="read a.py", repo="/r", config={}, tools=TOOLS)
    system, user = {"role": "system", "content": "sys"}, {"role": "user", "content": "read a.py " + "x" * 500}
    for message in (system, user):
        s.record("message", message=message)
    request_log.record(s, 1, [system, user], TOOLS)
    refused = {"role": "assistant", "content": None, "tool_calls": [_call("c1", "read_file", '{"path": "a.py"')]}
    result = {"role": "tool", "tool_call_id": "c1", "content": "error: the arguments are not valid JSON"}
    for message in (refused, result):
        s.record("message", message=message)
    elided = {"role": "user", "content": "read a.py [elided to fit the context budget]"}
    request_log.record(s, 2, [system, elided, refused, result], TOOLS)
    s.record("message", message={"role": "assistant", "content": "Done.",
                                 "tool_calls": [_call("c2", "finish", '{"summary": "read"}')]})
    s.record("message", message={"role": "tool", "tool_call_id": "c2", "content": "finished"})
    s.record("end", status="finished", summary="read")
    s.close()
    return s


def test_an_example_whose_only_reply_is_a_refused_call_is_left_out_and_said_so(tmp_path, capsys):
    s = _split_session()
    out = tmp_path / "train.jsonl"
    assert main(["export", s.id, "-o", str(out)]) == 0
    [example] = [json.loads(line) for line in out.read_text().splitlines()]
    # the second turn's: the refused call as context (weight 0), then the answer trained on
    assert [m.get("weight") for m in example["messages"] if m["role"] == "assistant"] == [0, None]
    assert capsys.readouterr().err == (f"wrote 1 example(s) to {out}\n"
                                       f"note: 1 example(s) of the session with {NOT_TRAINED} left out\n")
    left_out: list[dict] = []
    assert list(export_records(restore(s.path), s.path, left_out)) == [example]
    [dropped] = left_out  # the first turn's: system, task, the refused call, its result
    assert [m["role"] for m in dropped["messages"]] == ["system", "user", "assistant", "tool"]
    assert dropped["messages"][2]["weight"] == 0


def _refused_only(repo: Path, capsys) -> str:
    """A run whose only model answer is a call genie refused (its step budget then ended it)."""
    with ScriptedServer([Reply(tool_calls=[("read_file", '{"path": "a.py"')])]) as server:
        assert main(["run", "do it", "--repo", str(repo), "--base-url", server.base_url, "--approve", "never",
                     "--max-steps", "1", "--json"]) == 3
    return Path(json.loads(capsys.readouterr().out)["trajectory"]).stem


def test_a_session_whose_only_answer_is_a_refused_call_has_nothing_to_export(make_repo, tmp_path, capsys):
    repo = make_repo({"a.py": "x = 1\n"})
    refused, good = _refused_only(repo, capsys), _split_session().id
    out = tmp_path / "train.jsonl"
    assert main(["export", refused, "-o", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(f"the session has {NOT_TRAINED}")
    assert not out.exists()
    assert main(["export", refused, good, "-o", str(out)]) == 0  # with another: skipped, with a note
    assert len(out.read_text().splitlines()) == 1
    assert f"note: {refused}: the session has {NOT_TRAINED}; skipped\n" in capsys.readouterr().err
    assert main(["export", refused, refused]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(f"the session has {NOT_TRAINED}")
