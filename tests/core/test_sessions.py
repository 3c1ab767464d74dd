from __future__ import annotations

import json
from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.core.restore import list_sessions, restore
from genie_tui.core.session import Session, find_session, sessions_dir
from genie_tui.errors import GenieError, UsageError


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
    assert tool_ids == ["c1", "c2"] and state.messages[-1]["content"] == (  # not "not run": it may have run
        "no result: the session stopped before this call's result was recorded (it may have run, in part: check "
        "before relying on it)")


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
    assert find_session(a.id[:-2]) == a.path and find_session(a.id) == a.path
    with pytest.raises(UsageError, match="no such trajectory file"):
        find_session(str(tmp_path / "typo.jsonl"))
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


def test_torn_tail_is_cut_when_the_session_is_reopened():
    s = recorded()
    data = s.path.read_bytes()
    s.path.write_bytes(data[:-15])  # a crash in the middle of the last record
    again = Session.reopen(s.path)
    again.record("message", message={"role": "tool", "tool_call_id": "c2", "content": "late"})
    state = restore(s.path)  # the torn record is gone, the new one is readable
    tools = {m["tool_call_id"]: m["content"] for m in state.messages if m["role"] == "tool"}
    assert tools["c2"] == "late" and "session stopped" in tools["c1"]


def test_resume_keeps_a_last_record_that_lacks_only_its_newline(make_repo, capsys):
    from genie_tui.providers.scripted import Reply, ScriptedServer

    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([Reply(tool_calls=[("read_file", {"path": "a.py"})])]) as server:
        assert main(["run", "read a.py", "--repo", str(repo), "--base-url", server.base_url, "--max-steps", "1",
                     "--approve", "never", "--json"]) == 3  # the step budget ends it: resumable
    path = Path(json.loads(capsys.readouterr().out)["trajectory"])
    lines = path.read_bytes().rstrip(b"\n").split(b"\n")
    while json.loads(lines[-1])["type"] != "message":  # the session ends with the read's result...
        lines.pop()
    path.write_bytes(b"\n".join(lines))  # ... saved by an editor that adds no final newline
    assert restore(path).messages[-1]["role"] == "tool"
    with ScriptedServer([Reply(tool_calls=[("finish", {"summary": "done"})])]) as server:
        assert main(["resume", path.stem, "--base-url", server.base_url, "--approve", "never", "--json"]) == 0
        sent = server.requests[0]["messages"]
    assert any(m["role"] == "tool" and "x = 1" in m["content"] for m in sent)
    records = [json.loads(line) for line in path.read_text().splitlines()]  # each on a line of its own
    assert [r["type"] for r in records[len(lines) - 1:len(lines) + 1]] == ["message", "resume"]  # kept, not cut
    assert records[len(lines) - 1] == json.loads(lines[-1])


def test_dangling_calls_are_judged_per_turn_even_with_repeated_ids():
    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    call = {"id": "call_0", "type": "function", "function": {"name": "list_dir", "arguments": "{}"}}
    s.record("message", message={"role": "assistant", "content": None, "tool_calls": [call]})
    s.record("message", message={"role": "tool", "tool_call_id": "call_0", "content": "ok"})
    s.record("message", message={"role": "assistant", "content": None, "tool_calls": [call]})
    messages = restore(s.path).messages
    assert [m["role"] for m in messages] == ["assistant", "tool", "assistant", "tool"]
    assert "session stopped" in messages[-1]["content"]


def test_placeholder_keys_do_not_corrupt_text():
    s = Session.create("add ollama support", scrub=("ollama",))
    s.record("message", message={"role": "user", "content": "add ollama support"})
    assert "add ollama support" in s.path.read_text()


def test_export_marks_malformed_calls_untrainable(tmp_path):
    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    s.record("message", message={"role": "user", "content": "t"})
    bad = {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "a"'}}
    s.record("message", message={"role": "assistant", "content": None, "tool_calls": [bad]})
    s.record("message", message={"role": "tool", "tool_call_id": "c1", "content": "error: not valid JSON"})
    s.record("message", message={"role": "assistant", "content": "a cannot be read"})  # something to train on
    out = tmp_path / "x.jsonl"
    assert main(["export", s.id, "-o", str(out)]) == 0
    assistant = json.loads(out.read_text())["messages"][1]
    assert assistant["weight"] == 0
    # as the requests after it sent it back: an object saying what the model wrote
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"unparsed_arguments": '{"path": "a"'}


def test_export_to_unwritable_place_is_one_line(capsys):
    s = recorded()
    assert main(["export", s.id, "-o", "/nonexistent-dir/x.jsonl"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("genie: cannot write /nonexistent-dir/x.jsonl") and len(err.splitlines()) == 1


def test_damaged_files_are_skipped_by_list_and_one_line_elsewhere(capsys):
    good = recorded()
    torn = Session.create("torn")
    torn.path.write_bytes(good.path.read_bytes() + b'{"type": "message", "text": "caf' + b"\xc3")
    assert restore(torn.path).steps == 1  # cut inside a UTF-8 sequence: still just a torn tail
    odd = Session.create("odd")
    odd.path.write_text("[1, 2]\n")
    ids = [s.id for s in list_sessions()]
    assert good.id in ids and torn.id in ids and odd.id not in ids
    assert main(["replay", str(odd.path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "not a genie trajectory" in err and len(err.splitlines()) == 1


def test_export_refuses_a_session_without_model_answers(capsys):
    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    s.record("message", message={"role": "system", "content": "sys"})
    s.record("message", message={"role": "user", "content": "t"})
    assert main(["export", s.id]) == 2
    assert "no model answer to export" in capsys.readouterr().err


def test_export_to_a_directory_leaves_no_temp_file(tmp_path, monkeypatch, capsys):
    s = recorded()
    target = tmp_path / "out"
    target.mkdir()
    monkeypatch.chdir(tmp_path)
    for output in (str(target), "out"):
        assert main(["export", s.id, "-o", output]) == 1
        err = capsys.readouterr().err.strip()
        assert err == f"genie: cannot write {output} (Is a directory)"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and not any(target.iterdir())


def test_session_ids_are_literal_text_and_an_empty_id_is_a_usage_error(capsys):
    recorded("look here")
    recorded("another look")
    for command in ("replay", "export", "resume"):
        for ref in ("*", "**", "*look*", "2*", "[0-9]*"):
            assert main([command, ref]) == 2, (command, ref)
            assert capsys.readouterr().err == f"genie: no session {ref!r} (see `genie sessions list`)\n"
        for ref in ("", " "):
            assert main([command, ref]) == 2
            err = capsys.readouterr().err
            assert err.startswith("genie: the session id is empty") and len(err.splitlines()) == 1


def test_a_complete_id_wins_over_longer_ids_that_start_with_it(capsys):
    a = recorded()
    longer = a.path.with_name(f"{a.id}-copy.jsonl")
    longer.write_bytes(a.path.read_bytes())
    assert find_session(a.id) == a.path and find_session(f"{a.id}-c") == longer
    with pytest.raises(UsageError, match="matches 2 sessions"):
        find_session(a.id[:-1])


def _write_session(name: str, *lines: str) -> Path:
    path = sessions_dir() / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


START = '{"type": "start", "task": "t", "repo": "/r", "ts": 1}'


def test_a_damaged_session_is_skipped_by_list_with_a_warning_and_named_by_export_and_resume(capsys):
    good = recorded()
    bad = _write_session("20240101-000000-bad-0001", START, '{"type": "message"}')
    middle = _write_session("20240101-000000-middle-0002", START, "garbage", '{"type": "end", "status": "failed"}')
    empty = _write_session("20240101-000000-empty-0003")
    not_json = _write_session("20240101-000000-notjson-0004", "not json", START)
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == [good.id]
    assert err.splitlines() == [
        f"genie: skipping {bad}:2: damaged 'message' record (no message with a role)",
        f"genie: skipping {empty}: not a genie trajectory (no start record)",
        f"genie: skipping {middle}:2: not a genie trajectory (invalid JSON)",
        f"genie: skipping {not_json}:1: not a genie trajectory (invalid JSON)",
    ]
    for command in ("export", "resume"):
        assert main([command, bad.stem]) == 1
        assert capsys.readouterr().err == f"genie: {bad}:2: damaged 'message' record (no message with a role)\n"


@pytest.mark.parametrize(("record", "problem"), [
    ('{"type": "message", "message": {"content": "no role"}}', "no message with a role"),
    ('{"type": "message", "message": "text"}', "no message with a role"),
    ('{"type": "message", "message": {"role": "tool", "content": "x"}}', "a tool result without a tool_call_id"),
    ('{"type": "message", "message": {"role": "assistant", "tool_calls": [{"id": "c1"}]}}', "a malformed tool call"),
    (('{"type": "message", "message": {"role": "assistant", "tool_calls": [{"id": "c1", "function": '
      '{"name": "f", "arguments": 3}}]}}'), "a malformed tool call"),
    ('{"type": "plan", "steps": [{"text": "a"}]}', "no list of steps with text and status"),
    ('{"type": "end", "status": null}', "the status is not text"),
    ('{"type": "notes", "pending": ["a note"]}', "no list of notes with text"),
])
def test_records_genie_cannot_use_are_named_with_their_line(record, problem):
    path = _write_session("20240101-000000-odd-0001", START, record)
    with pytest.raises(GenieError) as info:
        restore(path)
    assert str(info.value) == f"{path}:2: damaged {json.loads(record)['type']!r} record ({problem})"
    assert list_sessions() == []
    assert main(["export", str(path)]) == 1


@pytest.mark.parametrize(("start", "problem"), [
    ('{"type": "start", "task": "t"}', "no repository"),
    ('{"type": "start", "task": 5, "repo": "/r"}', "the task is not text"),
    ('{"type": "start", "task": "t", "repo": "/r", "ts": "noon"}', "the time is not a number"),
])
def test_a_start_record_genie_cannot_use_is_named_and_replay_still_prints_it(start, problem, capsys):
    path = _write_session("20240101-000000-start-0001", start, '{"type": "message", "message": '
                          '{"role": "user", "content": "hello"}}')
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("no sessions") and err == f"genie: skipping {path}:1: damaged 'start' record ({problem})\n"
    assert main(["replay", str(path)]) == 0
    assert "user: hello" in capsys.readouterr().out


@pytest.mark.parametrize("ts", ["1e308", "-1e308", "1e400", "NaN", "Infinity", "-Infinity", str(10**30)])
def test_a_start_time_no_date_can_show_is_named_and_the_other_sessions_are_listed(ts, capsys):
    # time.localtime refuses these (OverflowError, ValueError): one such file used to end the whole list.
    good = recorded()
    bad = _write_session("20240101-000000-time-0001", START.replace('"ts": 1', f'"ts": {ts}'))
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == [good.id]
    problem = "the time is not a date"
    assert err == f"genie: skipping {bad}:1: damaged 'start' record ({problem})\n"


def test_a_start_time_before_1970_is_a_date_and_listed(capsys):
    path = _write_session("20240101-000000-early-0001", START.replace('"ts": 1', '"ts": -86400'))
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert out.split()[0] == path.stem and " 1969-12-3" in out and err == ""


def _session_in(repo: Path, task: str) -> Session:
    s = Session.create(task)
    s.record("start", task=task, repo=str(repo), config={}, tools=[])
    return s


def test_sessions_list_repo_means_the_repository_containing_it(make_repo, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # rows show paths under HOME as ~/...: keep them absolute
    repo = make_repo({"pkg/a.py": "x = 1\n"})
    other = make_repo({"b.py": "y = 2\n"}, name="other")
    mine, theirs = _session_in(repo, "mine"), _session_in(other, "theirs")
    for where in (repo, repo / "pkg"):
        assert main(["sessions", "list", "--repo", str(where)]) == 0
        out = capsys.readouterr().out
        assert [line.split()[0] for line in out.splitlines()] == [mine.id]
    assert main(["sessions", "list"]) == 0  # every repository's, each row naming its repository
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert set(rows) == {mine.id, theirs.id}
    assert f" {repo}  mine" in rows[mine.id] and f" {other}  theirs" in rows[theirs.id]
    empty = make_repo({"c.py": "z = 3\n"}, name="empty")
    assert main(["sessions", "list", "--repo", str(empty)]) == 0
    assert capsys.readouterr().out == f"no sessions for this repository ({empty})\n"
    assert main(["sessions", "list", "--repo", str(tmp_path / "nonexistent")]) == 2
    assert capsys.readouterr().err == f"genie: --repo {tmp_path / 'nonexistent'}: no such directory\n"


def test_a_resumed_session_never_hands_out_a_patch_id_twice(make_repo):
    from genie_tui.config.settings import load_settings
    from genie_tui.core.agent import Agent

    repo = make_repo({"a.py": "x = 1\n"})
    s = _session_in(repo, "ids")
    s.record("message", message={"role": "user", "content": "ids"})
    for pid in ("p1", "p2", "p4"):  # p3 was proposed, then the turn was cancelled: never recorded
        s.record("patch", id=pid, files=["a.py"], applied=False, reason="rejected by the user", diff="")
    agent = Agent.resume(s.id, load_settings(repo, {}))
    assert agent.patch_count == 4  # the next patch is p5, not a second p4


def _answered_in_order(messages: list[dict]) -> bool:
    """What the chat API checks: each assistant turn's calls are answered by the tool messages right after it."""
    for i, m in enumerate(messages):
        if m["role"] == "assistant" and m.get("tool_calls"):
            j = i + 1
            results = []
            while j < len(messages) and messages[j]["role"] == "tool":
                results.append(messages[j]["tool_call_id"])
                j += 1
            if sorted(results) != sorted(c["id"] for c in m["tool_calls"]):
                return False
        if m["role"] == "tool" and (i == 0 or messages[i - 1]["role"] not in ("assistant", "tool")):
            return False
    return True


def _call(call_id: str, name: str = "list_dir", arguments: str = '{"path": "."}') -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_a_session_stopped_twice_mid_turn_resumes_and_exports_a_valid_history(tmp_path):
    """Killed during a turn's tools, resumed, killed again: both turns' unanswered calls get results, and the
    fresh server's numbering (call_1_0 again) is made unique, in resume and in export alike."""
    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    s.record("message", message={"role": "user", "content": "t"})
    s.record("message", message={"role": "assistant", "content": None,
                                 "tool_calls": [_call("call_1_0"), _call("call_1_1")]})
    s.record("message", message={"role": "tool", "tool_call_id": "call_1_0", "content": "ok"})
    s.record("message", message={"role": "user", "content": "resumed"})  # first kill, then resume
    s.record("message", message={"role": "assistant", "content": None,
                                 "tool_calls": [_call("call_1_0"), _call("call_1_1")]})
    s.record("message", message={"role": "tool", "tool_call_id": "call_1_0", "content": "ok again"})
    # second kill: the next resume starts from here
    messages = restore(s.path).messages
    assert _answered_in_order(messages)
    ids = [c["id"] for m in messages if m["role"] == "assistant" for c in m["tool_calls"]]
    assert len(set(ids)) == 4
    second_turn = next(i for i, m in enumerate(messages) if m["role"] == "assistant" and i > 2)
    assert messages[second_turn + 1]["content"] == "ok again"
    assert messages[second_turn + 1]["tool_call_id"] == messages[second_turn]["tool_calls"][0]["id"]
    out = tmp_path / "train.jsonl"
    assert main(["export", s.id, "-o", str(out)]) == 0
    assert _answered_in_order(json.loads(out.read_text())["messages"])


def test_one_turn_repeating_an_id_keeps_its_results_in_order():
    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    s.record("message", message={"role": "assistant", "content": None,
                                 "tool_calls": [_call("call_0"), _call("call_0", "read_file", '{"path": "a"}')]})
    s.record("message", message={"role": "tool", "tool_call_id": "call_0", "content": "listing"})
    s.record("message", message={"role": "tool", "tool_call_id": "call_0", "content": "file a"})
    messages = restore(s.path).messages
    calls = messages[0]["tool_calls"]
    assert [c["id"] for c in calls] == ["call_0", "call_0-2"]
    assert [(m["tool_call_id"], m["content"]) for m in messages[1:]] == [("call_0", "listing"), ("call_0-2", "file a")]


def test_export_does_not_train_on_calls_genie_refused_and_notes_an_unfinished_session(tmp_path, capsys):
    schema = {"type": "function", "function": {"name": "read_file", "parameters": {
        "type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}}
    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[schema])
    s.record("message", message={"role": "user", "content": "t"})
    turns = [_call("c1", "no_such_tool", "{}"), _call("c2", "read_file", '{"path": "a", "bogus": 1}'),
             _call("c3", "read_file", "{}"), _call("c4", "read_file", '{"path": "a"}')]
    for call in turns:
        s.record("message", message={"role": "assistant", "content": None, "tool_calls": [call]})
        s.record("message", message={"role": "tool", "tool_call_id": call["id"], "content": "..."})
    s.record("end", status="failed")
    out = tmp_path / "train.jsonl"
    assert main(["export", s.id, "-o", str(out)]) == 0
    assistants = [m for m in json.loads(out.read_text())["messages"] if m["role"] == "assistant"]
    assert [m.get("weight") for m in assistants] == [0, 0, 0, None]
    assert "ended failed, not finished" in capsys.readouterr().err


def test_secrets_stay_out_of_the_session_id_in_any_case():
    s = Session.create("sk-live-SECRET123456 is my key", scrub=("sk-live-SECRET123456",))
    assert "secret123456" not in s.id.lower() and "redacted" in s.id
    s.record("message", message={"role": "user", "content": "SK-LIVE-secret123456 shouted"})
    assert "secret123456" not in s.path.read_text().lower()


def test_replay_shows_what_it_can_of_a_damaged_file_and_names_the_bad_line(capsys):
    s = recorded()
    lines = s.path.read_text().splitlines()
    lines.insert(3, "garbage{")
    s.path.write_text("\n".join(lines) + "\n")
    assert main(["replay", s.id]) == 1
    out, err = capsys.readouterr()
    assert "session started" in out and "read_file" in out  # records before and after the bad line
    assert err.strip() == f"genie: {s.path}:4: not a genie trajectory (invalid JSON); skipped"
    assert main(["export", s.id]) == 2 and ":4: not a genie trajectory" in capsys.readouterr().err


def test_a_file_without_a_start_record_is_named_with_its_line(tmp_path, capsys):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"type": "message", "message": {"role": "user", "content": "x"}}\n')
    assert main(["replay", str(bad)]) == 2
    assert f"{bad}:1: not a genie trajectory (no start record)" in capsys.readouterr().err
