"""The agent's Python API as front ends use it: events, approvals with comments, plan edits, cancel."""

from __future__ import annotations

import asyncio
import sys
import time

from genie_tui.core import events as ev
from genie_tui.core.restore import restore
from genie_tui.providers.scripted import Reply, ScriptedServer

CODE = "def a():\n    return 1\n\n\n" + "".join(f"# filler {n}\n" for n in range(20)) + "\ndef b():\n    return 2\n"
TWO_HUNKS = """--- a/mod.py
+++ b/mod.py
@@ -1,2 +1,2 @@
 def a():
-    return 1
+    return 10
@@ -26,2 +26,2 @@
 def b():
-    return 2
+    return 20
"""


async def test_rejecting_with_comment_sends_comment_to_model(make_repo, make_agent, collect, finish):
    repo = make_repo({"mod.py": CODE})

    def react(agent, event):
        if isinstance(event, ev.PatchProposed):
            assert event.decision is not None and event.diff == TWO_HUNKS
            event.decision.set_result(ev.PatchDecision(frozenset(), "please keep a() unchanged"))

    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": TWO_HUNKS})]), finish()]) as server:
        seen = await collect(make_agent(repo, server), "change returns", react)
        requests = server.requests
    result = requests[1]["messages"][-1]["content"]
    assert "rejected this patch" in result and "please keep a() unchanged" in result
    assert (repo / "mod.py").read_text() == CODE
    assert isinstance(seen[-1], ev.SessionFinished) and seen[-1].status == "finished"


async def test_approving_one_hunk_applies_only_that_hunk(make_repo, make_agent, collect, finish):
    repo = make_repo({"mod.py": CODE})

    def react(agent, event):
        if isinstance(event, ev.PatchProposed):
            event.decision.set_result(ev.PatchDecision(frozenset({1}), "only b"))

    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": TWO_HUNKS})]), finish()]) as server:
        seen = await collect(make_agent(repo, server), "change returns", react)
        requests = server.requests
    text = (repo / "mod.py").read_text()
    assert "return 1\n" in text and "return 20" in text and "return 10" not in text
    applied = [e for e in seen if isinstance(e, ev.PatchApplied)]
    assert len(applied) == 1 and applied[0].applied
    result = requests[1]["messages"][-1]["content"]
    assert "Only the hunks the user approved were applied" in result and "only b" in result


async def test_user_plan_edit_reaches_next_request(make_repo, make_agent, collect, finish):
    repo = make_repo({"mod.py": CODE})
    plan = {"steps": [{"text": "Read mod.py", "status": "doing"}, {"text": "Patch", "status": "todo"}]}

    def react(agent, event):
        if isinstance(event, ev.PlanUpdated) and event.source == "agent":
            steps = list(event.steps) + [ev.PlanStep("Also update the docs", "todo", "user")]
            agent.user_plan_edit(steps)

    script = [Reply(tool_calls=[("update_plan", plan)]), Reply(tool_calls=[("list_dir", {"path": "."})]), finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server)
        await collect(agent, "plan something", react)
        requests = server.requests
    edits = [m["content"] for m in requests[1]["messages"] if m["role"] == "user" and "edited the plan" in m["content"]]
    assert len(edits) == 1 and "Also update the docs  (from user)" in edits[0]
    assert "Also update the docs" in requests[1]["messages"][0]["content"]  # restated in the system prompt
    assert not any("edited the plan" in m.get("content") or "" for m in requests[2]["messages"][-1:])
    assert [s.text for s in agent.plan][-1] == "Also update the docs"


async def test_cancel_mid_stream_applies_nothing_and_closes_stream(make_repo, make_agent, collect):
    repo = make_repo({"mod.py": CODE})
    slow = Reply(content="thinking " * 400, chunk_chars=4, chunk_delay=0.005,
                 tool_calls=[("propose_patch", {"diff": TWO_HUNKS})])
    deltas = 0

    def react(agent, event):
        nonlocal deltas
        if isinstance(event, ev.TextDelta):
            deltas += 1
            if deltas == 10:
                agent.cancel()

    with ScriptedServer([slow]) as server:
        agent = make_agent(repo, server, approve="auto")
        started = time.monotonic()
        seen = await collect(agent, "change", react)
        elapsed = time.monotonic() - started
        for _ in range(100):
            if server.aborted:
                break
            await asyncio.sleep(0.02)
        assert server.aborted == 1
    assert seen[-1] == ev.SessionFinished("cancelled", seen[-1].summary)
    assert elapsed < 3
    assert (repo / "mod.py").read_text() == CODE
    assert not any(isinstance(e, ev.ToolCallCompleted) for e in seen)
    assert not any(m["role"] == "assistant" for m in agent.messages)


async def test_cancel_while_waiting_for_approval_keeps_conversation_valid(make_repo, make_agent, collect):
    repo = make_repo({"mod.py": CODE})

    def react(agent, event):
        if isinstance(event, ev.PatchProposed):
            agent.cancel()

    script = [Reply(tool_calls=[("propose_patch", {"diff": TWO_HUNKS}), ("list_dir", {"path": "."})]),
              Reply(content="ok, a follow-up"), Reply(content="still here")]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server)
        seen = await collect(agent, "change", react)
        assert seen[-1].status == "cancelled"
        assert (repo / "mod.py").read_text() == CODE
        calls = [c["id"] for m in agent.messages if m["role"] == "assistant" for c in m["tool_calls"]]
        results = [m["tool_call_id"] for m in agent.messages if m["role"] == "tool"]
        assert calls == results
        # the same agent takes a follow-up message in the same conversation
        seen = await collect(agent, "what now?")
        # it only talks, twice (nudged once): not a finish
        assert seen[-1].status == "failed" and seen[-1].summary.endswith("its last reply: still here")
        assert server.requests[1]["messages"][-1] == {"role": "user", "content": "what now?"}


async def test_run_tests_command_needs_approval(make_repo, make_agent, collect, finish):
    repo = make_repo({"mod.py": CODE})
    answers = iter([False, True])

    def react(agent, event):
        if isinstance(event, ev.CommandApprovalRequested):
            event.approved.set_result(next(answers))

    command = f"{sys.executable} -c \"print('custom ran')\""
    script = [Reply(tool_calls=[("run_tests", {"command": command})]),
              Reply(tool_calls=[("run_tests", {"command": command})]), finish()]
    with ScriptedServer(script) as server:
        seen = await collect(make_agent(repo, server, test_command="true"), "test", react)
        requests = server.requests
    assert "did not allow" in requests[1]["messages"][-1]["content"]
    assert "custom ran" in requests[2]["messages"][-1]["content"]
    assert any(isinstance(e, ev.TestsRan) and e.passed for e in seen)


async def test_fenced_diff_in_plain_content_is_a_patch_proposal(make_repo, make_agent, collect, finish):
    repo = make_repo({"mod.py": CODE})
    text = "Here is the change:\n```diff\n" + TWO_HUNKS + "```\n"
    with ScriptedServer([Reply(content=text), finish()]) as server:
        seen = await collect(make_agent(repo, server, approve="auto"), "change")
        requests = server.requests
    assert "return 10" in (repo / "mod.py").read_text()
    assert any(isinstance(e, ev.PatchApplied) and e.applied for e in seen)
    assert "taken as a patch proposal" in requests[1]["messages"][-1]["content"]


async def test_step_budget(make_repo, make_agent, collect):
    repo = make_repo({"mod.py": CODE})
    script = [Reply(tool_calls=[("list_dir", {"path": "."})]) for _ in range(3)]
    with ScriptedServer(script) as server:
        seen = await collect(make_agent(repo, server, max_steps=3), "loop forever")
    assert seen[-1].status == "budget_exhausted"
    assert [e.step for e in seen if isinstance(e, ev.StepStarted)] == [1, 2, 3]


async def test_set_model_applies_to_the_next_request(make_repo, make_agent, collect, finish):
    repo = make_repo({"mod.py": CODE})

    def react(agent, event):
        if isinstance(event, ev.ToolFinished):
            agent.set_model("other-model")

    script = [Reply(tool_calls=[("list_dir", {"path": "."})]), finish()]
    with ScriptedServer(script) as server:
        await collect(make_agent(repo, server), "look", react)
        models = [r["model"] for r in server.requests]
    assert models == ["gpt-4.1-mini", "other-model"]


async def test_a_test_run_stopped_halfway_is_told_to_the_model_as_stopped_not_as_not_run(make_repo, make_agent,
                                                                                         collect):
    """The call running when the user stops the turn did run, partly: "not run" misled the model into thinking
    nothing had happened (a test run, a patch under review). The calls after it did not run."""
    repo = make_repo({"mod.py": CODE})
    command = f"{sys.executable} -u -c \"import time; print('collecting', flush=True); time.sleep(30)\""

    def react(agent, event):
        if isinstance(event, ev.ToolProgress):
            agent.cancel()

    script = [Reply(tool_calls=[("run_tests", {}), ("list_dir", {})])]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, test_command=command)
        started = time.monotonic()
        seen = await collect(agent, "test it", react)
    assert seen[-1].status == "cancelled" and time.monotonic() - started < 10
    results = [m["content"] for m in agent.messages if m["role"] == "tool"]
    assert results == ["stopped while it ran: the turn was stopped before this call finished",
                       "not run: the turn was stopped"]


async def test_a_patch_or_question_left_open_by_a_stop_is_told_as_not_applied_or_not_answered(make_repo, make_agent,
                                                                                             collect):
    # the stop came while the user was deciding: "stopped while it ran" suggested the patch was half applied
    repo = make_repo({"mod.py": CODE})
    patch = "--- a/mod.py\n+++ b/mod.py\n@@ -1 +1,2 @@\n" + "".join(f" {ln}\n" for ln in CODE.splitlines()[:1]) + "+# x\n"

    def react(agent, event):
        if isinstance(event, (ev.PatchProposed, ev.QuestionAsked)):
            agent.cancel()

    for call, told in ((("propose_patch", {"diff": patch}), "not applied: the user stopped the turn before reviewing"),
                       (("ask_user", {"question": "Which one?"}), "not answered: the user stopped the turn")):
        with ScriptedServer([Reply(tool_calls=[call, ("list_dir", {})])]) as server:
            agent = make_agent(repo, server)
            seen = await collect(agent, "go", react)
        assert seen[-1].status == "cancelled"
        results = [m["content"] for m in agent.messages if m["role"] == "tool"]
        assert results[0].startswith(told) and results[1] == "not run: the turn was stopped", results
    assert (repo / "mod.py").read_text() == CODE


async def test_a_patch_left_open_by_a_stop_is_the_latest_patch_on_record_and_its_id_is_not_given_again(
        make_repo, make_agent, collect, tmp_path):
    # the next request restated the patch before it as the latest, and a resume handed out the same id again
    repo = make_repo({"mod.py": CODE})
    patch = "--- a/mod.py\n+++ b/mod.py\n@@ -1 +1,2 @@\n" + "".join(f" {ln}\n" for ln in CODE.splitlines()[:1]) + "+# x\n"

    def react(agent, event):
        if isinstance(event, ev.PatchProposed):
            agent.cancel()

    script = [Reply(tool_calls=[("propose_patch", {"diff": patch})]), Reply(content="noted"),
              Reply(content="still noted")]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server)
        seen = await collect(agent, "go", react)
        assert seen[-1].status == "cancelled"
        await collect(agent, "what now?")
        system = server.requests[1]["messages"][0]["content"]
    assert "## Latest patch\np1: not applied (mod.py): the user stopped the turn before reviewing it" in system
    assert (repo / "mod.py").read_text() == CODE
    state = restore(agent.session.path)
    assert [(p["id"], p["applied"]) for p in state.patches] == [("p1", False)] and state.last_patch == 1
