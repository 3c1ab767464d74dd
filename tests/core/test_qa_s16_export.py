"""QA of ``genie export`` against what the model was really sent: a record is the messages of one request as the
scripted server received them, then the model's reply to it (see ``genie_tui/core/export.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from genie_tui.cli import main
from genie_tui.config.settings import load_settings
from genie_tui.core.agent import Agent
from genie_tui.core.events import PlanStep, StepStarted
from genie_tui.core.export import iter_export
from genie_tui.providers.scripted import Reply, ScriptedServer

PLAN = Reply(tool_calls=[("update_plan", {"steps": [{"text": "read a.py", "status": "doing"}]})])
FINISH = Reply(content="All read.", tool_calls=[("finish", {"summary": "read it"})])


def _reads(n: int) -> list[Reply]:
    return [Reply(content=f"Reading a.py, pass {i}.", tool_calls=[("read_file", {"path": "a.py"})]) for i in range(n)]


async def _session(make_repo, make_agent, script: list[Reply], edits: dict[int, str] | None = None, **settings):
    """A session of ``script`` (the user edits the plan at the steps in ``edits``) and the requests the server got."""
    repo = make_repo({"a.py": "x = 1\n" * 200})
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, approve="auto", **settings)
        async for event in agent.run("read a.py"):
            if isinstance(event, StepStarted) and event.step in (edits or {}):
                agent.user_plan_edit([PlanStep(edits[event.step], "todo")])
        await agent.client.aclose()
        requests = server.requests
    agent.session.close()
    return agent, requests


def _exported(session_id: str, tmp_path: Path) -> list[dict]:
    out = tmp_path / "train.jsonl"
    assert main(["export", session_id, "-o", str(out)]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def _unweighted(messages: list[dict]) -> list[dict]:
    return [{k: v for k, v in m.items() if k != "weight"} for m in messages]


def _split(record: dict) -> tuple[list[dict], dict, list[dict]]:
    """A record's messages: those sent, the reply to them, and the results of its calls (which no request had)."""
    messages = record["messages"]
    at = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    assert all(m["role"] == "tool" for m in messages[at + 1:])
    return _unweighted(messages[:at]), messages[at], messages[at + 1:]


def _reply(request: dict, requests: list[dict], finish_reply: dict) -> dict:
    """The model's reply to ``request``: as the next request sent it back (or the last one, the finish)."""
    later = requests[requests.index(request) + 1:]
    return later[0]["messages"][len(request["messages"])] if later else finish_reply


async def test_the_export_is_the_last_request_the_model_got_and_its_reply(make_repo, make_agent, tmp_path):
    """The export was the session's messages as kept: the system prompt without the plan, patch and approval mode
    the requests restate, an empty reply as ``""`` where the model was sent ``[no reply]``, and the finish's result
    after the last reply; none of that was what the model saw."""
    script = [PLAN, Reply(content=""), *_reads(3), FINISH]
    agent, requests = await _session(make_repo, make_agent, script, edits={3: "my own step"}, max_steps=7)
    [record] = _exported(agent.session.id, tmp_path)
    last = requests[-1]
    sent, reply, results = _split(record)
    assert sent == last["messages"]  # every message, the system prompt included
    assert "my own step" in record["messages"][0]["content"]  # the plan as it stood at the last turn
    assert any("Step budget" in m["content"] for m in record["messages"] if m["role"] == "user")
    assert record["tools"] == last["tools"]
    assert reply["content"] == "All read." and reply["tool_calls"][0]["function"]["name"] == "finish"
    assert "weight" not in reply
    assert [m["tool_call_id"] for m in results] == [reply["tool_calls"][0]["id"]]  # every call answered
    [empty] = [m for m in record["messages"] if m["role"] == "assistant" and m["content"] == "[no reply]"]
    assert empty["weight"] == 0  # sent back as [no reply], never written so: context, not a behaviour to learn
    assert [m for m in record["messages"] if m["role"] == "assistant" and m is not empty and "weight" in m] == []


async def test_a_compacted_session_gives_each_reply_once_with_the_context_it_was_given(
        make_repo, make_agent, tmp_path):
    """Under a small budget the requests elide old results and leave out old turns: one record of the whole
    session as kept taught every earlier reply on context the model never had at that turn."""
    script = [PLAN, *_reads(10), FINISH]
    agent, requests = await _session(make_repo, make_agent, script, edits={2: "first edit", 4: "second edit"},
                                     context_budget=6_000, max_steps=20)
    assert any("[elided to fit the context budget" in json.dumps(r["messages"]) for r in requests)
    records = _exported(agent.session.id, tmp_path)
    assert len(records) > 1
    trained = []
    for record in records:
        sent, reply, _ = _split(record)
        [request] = [r for r in requests if r["messages"] == sent]
        assert record["tools"] == request["tools"]
        assert reply == _reply(request, requests, reply)
        trained += [json.dumps(m, sort_keys=True) for m in record["messages"]
                    if m["role"] == "assistant" and m.get("weight") != 0]
    # each reply the model gave is trained on exactly once
    assert sorted(trained) == sorted({*trained}) and len(trained) == len(requests)
    # and where it is, the messages before it are those of the request it answered
    for record in records:
        for at, message in enumerate(record["messages"]):
            if message["role"] == "assistant" and message.get("weight") != 0:
                assert any(r["messages"][1:] == _unweighted(record["messages"][1:at]) for r in requests)


async def test_a_resumed_session_exports_what_its_last_request_sent(make_repo, make_agent, tmp_path):
    agent, _ = await _session(make_repo, make_agent, [*_reads(2), FINISH])
    with ScriptedServer([*_reads(1), FINISH]) as server:
        resumed = Agent.resume(agent.session.id, load_settings(agent.repo, {"base_url": server.base_url}))
        async for _ in resumed.run("and once more"):
            pass
        await resumed.client.aclose()
        resumed.session.close()
        last = server.requests[-1]
    [record] = _exported(agent.session.id, tmp_path)
    assert _split(record)[0] == last["messages"]
    assert [m for m in record["messages"] if "weight" in m] == []


def _as_older_genie_recorded(path: Path) -> None:
    """The session as genie wrote it before it kept what each request sent."""
    lines = []
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        if rec["type"] == "request":
            rec.pop("sent", None)
            rec.pop("tools", None)
        lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n")


async def test_an_older_session_still_exports_resumes_and_then_exports_what_was_sent(
        make_repo, make_agent, tmp_path, capsys):
    agent, _ = await _session(make_repo, make_agent, [PLAN, *_reads(2), FINISH])
    _as_older_genie_recorded(agent.session.path)
    [record] = list(iter_export(agent.session.path))  # its messages as kept, as before
    kept = [json.loads(line)["message"] for line in agent.session.path.read_text().splitlines()
            if json.loads(line)["type"] == "message"]
    assert [m["role"] for m in record["messages"]] == [m["role"] for m in kept]
    assert record["messages"][0] == kept[0] and record["tools"]
    assert main(["replay", agent.session.id]) == 0
    capsys.readouterr()
    with ScriptedServer([FINISH]) as server:
        resumed = Agent.resume(agent.session.id, load_settings(agent.repo, {"base_url": server.base_url}))
        async for _ in resumed.run("check it again"):
            pass
        await resumed.client.aclose()
        resumed.session.close()
        last = server.requests[-1]
    [record] = _exported(agent.session.id, tmp_path)
    sent, _, _ = _split(record)
    assert sent == last["messages"]
    # the replies of the older genie's turns are context: what they were sent with is not on record
    assert all(m.get("weight") == 0 for m in record["messages"][:len(sent)] if m["role"] == "assistant")


async def test_a_damaged_request_record_is_named_by_its_line(make_repo, make_agent, tmp_path, capsys):
    agent, _ = await _session(make_repo, make_agent, [*_reads(1), FINISH])
    lines = agent.session.path.read_text().splitlines()
    at = max(i for i, line in enumerate(lines) if json.loads(line)["type"] == "request")
    rec = json.loads(lines[at])
    rec["sent"] = [[0, 999]]
    lines[at] = json.dumps(rec)
    agent.session.path.write_text("\n".join(lines) + "\n")
    assert main(["export", agent.session.id, "-o", str(tmp_path / "t.jsonl")]) == 1
    assert f"{agent.session.path}:{at + 1}: damaged 'request' record" in capsys.readouterr().err
