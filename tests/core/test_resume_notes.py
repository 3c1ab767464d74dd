"""What the user tells the agent between requests (plan edits, undo notices, added context, playbook toggles)
reaches the model even when the session ends before its next request: resuming delivers it, once."""

from __future__ import annotations

import json

from genie_tui.config.settings import load_settings
from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.core.restore import restore
from genie_tui.providers.scripted import Reply, ScriptedServer

LIST = Reply(tool_calls=[("list_dir", {"path": "."})])
FINISH = Reply(tool_calls=[("finish", {"summary": "ok"})])
PLAN_EDIT = "[The user edited the plan."
CONTEXT = "[The user added this to your context]\nthe config lives in a.py"
UNDO = "[The user undid a patch (tidy)"


def settings_for(repo, server, **extra):
    settings = load_settings(repo, {"base_url": server.base_url, "approve": "auto"})
    for key, value in extra.items():
        setattr(settings, key, value)
    return settings


async def resumed_requests(collect, session_id: str, repo, script: list[Reply], **extra) -> list[dict]:
    with ScriptedServer(script) as server:
        agent = Agent.resume(session_id, settings_for(repo, server, **extra))
        await collect(agent, "[genie] The session was interrupted and is now resumed.")
        return server.requests


async def test_what_the_user_did_after_the_last_request_reaches_the_model_once_after_a_resume(make_repo, collect):
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([LIST]) as server:
        agent = Agent(settings_for(repo, server, max_steps=1), repo)
        await collect(agent, "tidy a.py")
    # the step budget ended the run; the user edits the plan, adds context, undoes a patch, and quits
    agent.user_plan_edit([ev.PlanStep("read a.py", "done", "user"), ev.PlanStep("tidy it", "todo", "user")])
    agent.add_context("the config lives in a.py")
    agent.user_undid(["a.py"], "tidy")
    assert restore(agent.session.path).notes  # kept in the session, not only in memory

    requests = await resumed_requests(collect, agent.session.id, repo, [LIST], max_steps=1)
    sent = json.dumps(requests[0]["messages"])
    for note in (PLAN_EDIT, CONTEXT, UNDO):
        assert sent.count(json.dumps(note)[1:-1]) == 1, note
    assert "1. [done] read a.py" in requests[0]["messages"][-1]["content"]
    assert restore(agent.session.path).notes == []

    # resumed again: the notes are in the conversation once, not delivered a second time
    requests = await resumed_requests(collect, agent.session.id, repo, [FINISH])
    sent = json.dumps(requests[0]["messages"])
    for note in (PLAN_EDIT, CONTEXT, UNDO):
        assert sent.count(json.dumps(note)[1:-1]) == 1, note


async def test_a_second_plan_edit_replaces_the_first_unsent_one_also_across_a_resume(make_repo, collect):
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([LIST]) as server:
        agent = Agent(settings_for(repo, server, max_steps=1), repo)
        await collect(agent, "tidy a.py")
    agent.user_plan_edit([ev.PlanStep("first version", "todo", "user")])
    agent.user_plan_edit([ev.PlanStep("second version", "todo", "user")])
    requests = await resumed_requests(collect, agent.session.id, repo, [FINISH])
    sent = json.dumps(requests[0]["messages"])
    assert sent.count("[The user edited the plan.") == 1
    assert "second version" in requests[0]["messages"][-1]["content"]
    assert "first version" not in sent


async def test_notes_queued_during_a_turn_that_was_stopped_are_delivered_after_a_resume(make_repo, collect):
    repo = make_repo({"a.py": "x = 1\n"})

    def react(agent, event):
        if isinstance(event, ev.ToolFinished):
            agent.add_context("the config lives in a.py")
            agent.cancel()  # Esc: the note was queued for a request that never went out

    with ScriptedServer([LIST, FINISH]) as server:
        agent = Agent(settings_for(repo, server), repo)
        seen = await collect(agent, "tidy a.py", react)
        assert len(server.requests) == 1
    assert seen[-1].status == "cancelled"
    requests = await resumed_requests(collect, agent.session.id, repo, [FINISH])
    assert json.dumps(requests[0]["messages"]).count(json.dumps(CONTEXT)[1:-1]) == 1
