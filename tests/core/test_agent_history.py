"""What the agent sends back to the endpoint stays a history strict servers accept, whatever the model sent."""

from __future__ import annotations

import json

from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.providers.scripted import Reply, ScriptedServer


def historical_calls(request: dict) -> list[dict]:
    return [c for m in request["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []]


async def test_malformed_or_empty_tool_arguments_go_back_as_json_objects(make_repo, make_agent, collect, finish):
    # vLLM, llama.cpp and SGLang parse every historical call's arguments to render their chat templates and
    # answer 400 when one is not a JSON object: one cut-off call would make every later request fail
    # (and `genie resume` would replay it). The model still sees what it sent.
    repo = make_repo({"a.py": "x = 1\n"})
    script = [Reply(tool_calls=[("read_file", '{"path": "a.py", "start_')], finish_reason="length"),
              Reply(tool_calls=[("list_dir", ""), ("read_file", "[1]"), ("read_file", {"path": "a.py"})]),
              finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, approve="auto")
        seen = await collect(agent, "read a.py")
        requests = server.requests
    assert seen[-1].status == "finished"
    for request in requests[1:]:
        for call in historical_calls(request):
            assert isinstance(json.loads(call["function"]["arguments"]), dict), call
    sent = historical_calls(requests[2])
    assert '{"path": "a.py", "start_' in json.loads(sent[0]["function"]["arguments"]).values()
    assert json.loads(sent[1]["function"]["arguments"]) == {}
    assert json.loads(sent[3]["function"]["arguments"]) == {"path": "a.py"}
    # the trajectory keeps what the model really sent (an export marks such turns weight 0)
    recorded = [c["function"]["arguments"] for m in agent.messages if m["role"] == "assistant"
                for c in m.get("tool_calls") or []]
    assert recorded[:3] == ['{"path": "a.py", "start_', "", "[1]"]


async def test_a_call_cut_off_at_the_output_limit_is_named_as_such(make_repo, make_agent, collect, finish):
    repo = make_repo({"a.py": "x = 1\n"})
    script = [Reply(tool_calls=[("propose_patch", '{"diff": "--- a/a.py\\n+++ b/a.py\\n@@ -1 +1 @@\\n-x')],
                    finish_reason="length"), finish()]
    with ScriptedServer(script) as server:
        seen = await collect(make_agent(repo, server, approve="auto"), "patch a.py")
        requests = server.requests
    result = requests[1]["messages"][-1]["content"]
    assert "cut off at the output limit" in result and "smaller" in result, result
    assert any(isinstance(e, ev.ToolFinished) and not e.ok for e in seen)


async def test_requests_stay_within_a_small_context_budget_and_keep_every_result(make_repo, make_agent, collect,
                                                                                 finish):
    line = "value_{n} = {n}  # a line of filler, long enough to make the file big\n"
    files = {f"big{i}.py": "".join(line.format(n=n) for n in range(290)) for i in range(6)}
    repo = make_repo(files)
    script = [Reply(tool_calls=[("read_file", {"path": f"big{i}.py"}) for i in range(3)]),
              Reply(tool_calls=[("read_file", {"path": f"big{i}.py"}) for i in range(3, 6)]), finish()]
    with ScriptedServer(script) as server:
        seen = await collect(make_agent(repo, server, approve="auto", context_budget=8000), "read the big files")
        requests = server.requests
    assert seen[-1].status == "finished"
    for request in requests:
        size = len(json.dumps(request["messages"])) + len(json.dumps(request["tools"]))
        assert size / 4 <= 8000, size / 4
        calls = [c["id"] for c in historical_calls(request)]
        assert calls == [m["tool_call_id"] for m in request["messages"] if m["role"] == "tool"]
    results = [m["content"] for m in requests[2]["messages"] if m["role"] == "tool"]
    assert results[-1].startswith("big5.py lines 1-290 of 290") and results[-1].endswith("make the file big")
    assert all(len(results[-1]) > 10 * len(r) for r in results[:-1])  # the newest result keeps the most


async def test_ids_stay_unique_when_compaction_leaves_the_calls_that_had_them_out(make_repo, make_agent, collect,
                                                                                  finish):
    # a server that numbers calls per request (``call_0`` each turn) was checked only against the ids of the
    # compacted request: a call left out of it lent its id to a new one, and a later request had both
    # (a long session of small steps: its oldest turns are left out of the request)
    repo = make_repo({"a.py": "x = 1\n", "b.py": "y = 2\n"})
    script = [Reply(tool_calls=[("list_dir", {"path": "."}), ("find_files", {"pattern": "*.py"})])
              for _ in range(40)] + [finish()]
    with ScriptedServer(script, reuse_call_ids=True) as server:
        agent = make_agent(repo, server, approve="auto", context_budget=5000, max_steps=60)
        seen = await collect(agent, "read the big files")
        requests = server.requests
    assert seen[-1].status == "finished"
    ids = [c["id"] for c in historical_calls({"messages": agent.messages})]
    assert len(ids) >= 80 and len(set(ids)) == len(ids), ids
    assert any("left out" in json.dumps(r["messages"]) for r in requests)  # what this test is about
    assert all(strictly_valid(r["messages"]) for r in requests)


def counted(reply: Reply):
    """A reply whose usage counts the prompt as a real endpoint does: the messages and the tool schemas."""
    def entry(body: dict) -> Reply:
        reply.prompt_tokens = (len(json.dumps(body["messages"])) + len(json.dumps(body["tools"]))) // 4
        return reply
    return entry


async def test_usage_calibration_counts_the_tool_schemas_so_nothing_fitting_is_elided(make_repo, make_agent, collect,
                                                                                      finish):
    # The endpoint's prompt_tokens include the tool schemas; counted against the messages alone, they made
    # every later estimate about twice too large, and results that fit the budget were elided.
    line = "value_{n} = {n}  # a line of filler, long enough to make the file big\n"
    repo = make_repo({f"big{i}.py": "".join(line.format(n=n) for n in range(290)) for i in range(6)})
    script = [counted(Reply(tool_calls=[("read_file", {"path": f"big{i}.py"}) for i in range(6)])),
              counted(finish())]
    with ScriptedServer(script) as server:
        seen = await collect(make_agent(repo, server, approve="auto", context_budget=60_000), "read the big files")
        requests = server.requests
    assert seen[-1].status == "finished"
    size = (len(json.dumps(requests[1]["messages"])) + len(json.dumps(requests[1]["tools"]))) / 4
    assert size < 60_000 * 0.8  # well within the budget...
    results = [m["content"] for m in requests[1]["messages"] if m["role"] == "tool"]
    assert len(results) == 6 and not any("[elided" in r or "cut to fit" in r for r in results)  # ...so all kept


def strictly_valid(messages: list[dict]) -> bool:
    """What strict back ends check: every tool-call id once in the conversation, and each assistant turn's calls
    answered by the tool messages right after it."""
    ids = [c["id"] for m in messages if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    if len(ids) != len(set(ids)):
        return False
    for i, m in enumerate(messages):
        if m["role"] == "assistant" and m.get("tool_calls"):
            results = []
            for after in messages[i + 1:]:
                if after["role"] != "tool":
                    break
                results.append(after["tool_call_id"])
            if sorted(results) != sorted(c["id"] for c in m["tool_calls"]):
                return False
    return True


async def test_a_server_numbering_calls_per_request_gets_unique_ids_from_the_first_repeat(make_repo, make_agent,
                                                                                          collect, finish):
    from genie_tui.core.export import iter_export
    from genie_tui.core.restore import restore
    from genie_tui.core.session import read_records

    repo = make_repo({"a.py": "x = 1\n"})
    script = [Reply(tool_calls=[("list_dir", {"path": "."}), ("read_file", {"path": "a.py"})]),
              Reply(tool_calls=[("read_file", {"path": "a.py"}), ("read_file", {"path": "a.py"})]),
              finish()]
    with ScriptedServer(script, reuse_call_ids=True) as server:
        agent = make_agent(repo, server, approve="auto")
        seen = await collect(agent, "read a.py")
        requests = server.requests
    assert seen[-1].status == "finished"
    for request in requests[1:]:  # a strict server would have refused the second and third requests
        assert strictly_valid(request["messages"]), request["messages"]
    assert [c["id"] for c in historical_calls(requests[2])] == ["call_0", "call_1", "call_0-2", "call_1-2"]
    # the front end sees the ids the history has, from the first event of a call to its result
    started = [e.call_id for e in seen if isinstance(e, ev.ToolCallStarted)]
    finished = [e.call_id for e in seen if isinstance(e, ev.ToolFinished)]
    assert started == finished == ["call_0", "call_1", "call_0-2", "call_1-2", "call_0-3"]
    # the session records what was sent; resume and export read the same ids back
    recorded = [r["message"] for r in read_records(agent.session.path) if r["type"] == "message"]
    assert recorded == agent.messages == restore(agent.session.path).messages
    exported = next(iter_export(agent.session.path))["messages"]
    assert historical_calls({"messages": exported}) == historical_calls({"messages": agent.messages})
    assert [m.get("tool_call_id") for m in exported] == [m.get("tool_call_id") for m in agent.messages]


async def test_a_resumed_session_meeting_a_server_that_numbers_calls_anew_stays_valid(make_repo, make_agent, collect,
                                                                                      finish):
    from genie_tui.config.settings import load_settings

    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([Reply(tool_calls=[("list_dir", {"path": "."})])], reuse_call_ids=True) as server:
        agent = make_agent(repo, server, approve="auto", max_steps=1)
        await collect(agent, "look")
    script = [Reply(tool_calls=[("read_file", {"path": "a.py"})]), finish()]
    with ScriptedServer(script, reuse_call_ids=True) as server:
        resumed = Agent.resume(agent.session.id, load_settings(repo, {"base_url": server.base_url}))
        await collect(resumed, "go on")
        requests = server.requests
    assert strictly_valid(requests[-1]["messages"])
    assert [c["id"] for c in historical_calls(requests[-1])] == ["call_0", "call_0-2"]


def fine_tuning_problems(line: dict) -> list[str]:
    """What OpenAI's chat fine-tuning format checks that a line can get wrong: every call's ``arguments`` a JSON
    string of an object, every call answered by the tool messages right after it, every result for a call."""
    problems = []
    messages = line["messages"]
    for i, m in enumerate(messages):
        for call in m.get("tool_calls") or []:
            try:
                ok = isinstance(json.loads(call["function"]["arguments"]), dict)
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append(f"message {i}: arguments {call['function']['arguments']!r}")
        if m["role"] == "tool" and messages[i - 1]["role"] not in ("assistant", "tool"):
            problems.append(f"message {i}: a tool result that follows no call")
    if not strictly_valid(messages):
        problems.append("calls not answered in order, or an id twice")
    return problems


async def test_every_exported_line_is_valid_fine_tuning_data_whatever_the_model_sent(make_repo, tmp_path, make_agent,
                                                                                     collect, finish):
    from genie_tui.cli import main

    repo = make_repo({"a.py": "x = 1\n"})
    script = [Reply(tool_calls=[("read_file", '{"path": "a.py", "start_')], finish_reason="length"),
              Reply(tool_calls=[("list_dir", ""), ("read_file", "[1]"), ("read_file", {"path": "a.py"})]),
              Reply(tool_calls=[("find_files", "")], tool_style="whole"),
              finish()]
    with ScriptedServer(script, reuse_call_ids=True) as server:
        agent = make_agent(repo, server, approve="auto")
        await collect(agent, "read a.py")
    out = tmp_path / "train.jsonl"
    assert main(["export", agent.session.id, "-o", str(out)]) == 0
    lines = [json.loads(text) for text in out.read_text().splitlines()]
    assert lines and all(fine_tuning_problems(line) == [] for line in lines), [fine_tuning_problems(x) for x in lines]
    assistants = [m for m in lines[0]["messages"] if m["role"] == "assistant"]
    # genie refused the cut-off call, the non-object and the call without its required argument: not trained on
    assert [m.get("weight") for m in assistants] == [0, 0, 0, None]


async def test_huge_tool_call_arguments_are_neither_echoed_nor_sent_again_whole(make_repo, make_agent, collect, finish):
    # A 3 MB query came back as a 3 MB "no matches" result, and compaction trimmed only tool outputs: the model's
    # own huge arguments (a query, a patch) went out again with every request, far past the context budget, and
    # a real endpoint answers 400. The session keeps them exact; requests carry a note of their size.
    repo = make_repo({"a.py": "x = 1\n"})
    query, diff = "q" * 3_000_000, "--- a/a.py\n+++ b/a.py\n" + "+y = 2\n" * 500_000
    script = [Reply(tool_calls=[("search_code", {"query": query})], chunk_chars=100_000),
              Reply(tool_calls=[("propose_patch", {"diff": diff, "summary": "big"})], chunk_chars=100_000),
              Reply(tool_calls=[("read_file", {"path": "a.py"})]),
              Reply(tool_calls=[("nonexistent_" + "t" * 1_000_000, {"path": "a.py"}),
                                ("update_plan", {"steps": [{"text": "a", "status": "s" * 1_000_000}]})],
                    chunk_chars=100_000),
              finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, approve="auto", context_budget=20_000)
        seen = await collect(agent, "look for it")
        requests = server.requests
    assert seen[-1].status == "finished"
    assert len(requests) == 5
    for request in requests:
        size = len(json.dumps(request["messages"], ensure_ascii=False)) + len(json.dumps(request["tools"]))
        assert size / 4 <= 20_000, (requests.index(request), size / 4)
        for call in historical_calls(request):
            assert isinstance(json.loads(call["function"]["arguments"]), dict), call
    results = [m["content"] for m in agent.messages if m["role"] == "tool"]
    assert results[0].startswith("no matches for 'qqq") and "… (3000000 chars)" in results[0]
    assert len(results[0]) < 500 and len(results[3]) < 5_000 and "unknown tool 'nonexistent_ttt" in results[3]
    assert results[4].startswith("error: update_plan: step 1 status") and len(results[4]) < 5_000
    sent = json.loads(historical_calls(requests[2])[1]["function"]["arguments"])
    assert sent["summary"] == "big" and sent["diff"].startswith("[elided to fit the context budget: 3500022 chars")
    # the trajectory keeps what the model sent
    recorded = [json.loads(c["function"]["arguments"]) for m in agent.messages if m["role"] == "assistant"
                for c in m.get("tool_calls") or []]
    assert recorded[0] == {"query": query} and recorded[1]["diff"] == diff
    text = agent.session_path.read_text()
    assert query in text and json.dumps(diff)[1:-1] in text
