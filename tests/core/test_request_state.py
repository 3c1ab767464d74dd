"""What every request restates can change between requests and across a resume: the approval mode the model is
told is the one in force, while the recorded conversation stays as it was."""

from __future__ import annotations

import json

from genie_tui.config.settings import load_settings
from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.core.restore import restore
from genie_tui.core.session import Session
from genie_tui.providers.scripted import Reply, ScriptedServer

LIST = Reply(tool_calls=[("list_dir", {"path": "."})])
FINISH = Reply(tool_calls=[("finish", {"summary": "ok"})])


def settings_for(repo, server, approve: str, **extra):
    settings = load_settings(repo, {"base_url": server.base_url, "approve": approve})
    for key, value in extra.items():
        setattr(settings, key, value)
    return settings


def mode_told(request: dict) -> list[str]:
    """Every approval mode the request's system prompt names."""
    system = request["messages"][0]["content"]
    return [line.split(":")[0] for line in system.split("## Patch approval mode\n")[1:]] + \
        [line.split(": ")[1] for line in system.splitlines() if line.startswith("Patch approval mode: ")]


async def test_switching_the_approval_mode_reaches_the_next_request(make_repo):
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([LIST, FINISH]) as server:
        agent = Agent(settings_for(repo, server, "ask"), repo)
        async for event in agent.run("look around"):
            if isinstance(event, ev.ToolFinished):
                agent.set_approval_mode("auto")  # Ctrl+T in the app
        await agent.client.aclose()
        requests = server.requests
    assert [mode_told(r) for r in requests] == [["ask"], ["auto"]]
    assert "applied without review" in requests[1]["messages"][0]["content"]
    # the recorded system prompt is the one sent first, without the state restated per request
    assert "Patch approval mode" not in agent.messages[0]["content"]


async def test_a_session_resumed_with_another_approve_tells_the_model_the_new_mode(make_repo):
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([LIST]) as server:
        agent = Agent(settings_for(repo, server, "auto", max_steps=1), repo)
        [_ async for _ in agent.run("look around")]
        await agent.client.aclose()
    recorded = restore(agent.session.path).messages
    with ScriptedServer([FINISH]) as server:
        resumed = Agent.resume(agent.session.id, settings_for(repo, server, "never"))
        [_ async for _ in resumed.run("go on")]
        await resumed.client.aclose()
        requests = server.requests
    assert mode_told(requests[0]) == ["never"]
    assert restore(agent.session.path).messages[:len(recorded)] == recorded


async def test_a_session_recorded_with_the_mode_in_its_system_prompt_is_told_the_current_one(make_repo):
    """Sessions recorded before the mode was restated per request carry "Patch approval mode: X" in their
    system prompt; a resume with another mode must not leave the model with both."""
    repo = make_repo({"a.py": "x = 1\n"})
    s = Session.create("t")
    s.record("start", task="t", repo=str(repo), config={}, tools=[])
    s.record("message", message={"role": "system", "content": "You are genie.\n\n## Environment\nTest command: "
                                 "pytest\nPatch approval mode: ask"})
    s.record("message", message={"role": "user", "content": "t"})
    with ScriptedServer([FINISH]) as server:
        resumed = Agent.resume(s.id, settings_for(repo, server, "auto"))
        [_ async for _ in resumed.run("go on")]
        await resumed.client.aclose()
        requests = server.requests
    assert mode_told(requests[0]) == ["auto"]
    assert "Test command: pytest" in requests[0]["messages"][0]["content"]
    assert json.dumps(restore(s.path).messages[0]).count("Patch approval mode: ask") == 1


async def test_leaving_never_with_patches_recorded_tells_the_model_they_were_never_applied(make_repo):
    repo = make_repo({"a.py": "x = 1\n"})
    patch = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    script = [Reply(tool_calls=[("propose_patch", {"diff": patch})]), Reply(tool_calls=[("read_file", {"path": "a.py"})]),
              FINISH]
    with ScriptedServer(script) as server:
        agent = Agent(settings_for(repo, server, "never"), repo)
        async for event in agent.run("change x"):
            if isinstance(event, ev.ToolFinished) and event.name == "propose_patch":
                assert agent.set_approval_mode("ask") == 1  # Ctrl+T in the app, with one patch recorded
        await agent.client.aclose()
        requests = server.requests
    told = [m["content"] for m in requests[1]["messages"] if m["role"] == "user"][-1]
    assert "from 'never' to 'ask'" in told and "(p1) were never applied" in told
    assert requests[2]["messages"][-1]["content"].startswith("a.py lines 1-1 of 1\n1| x = 1")  # the disk's, again
    assert (repo / "a.py").read_text() == "x = 1\n"
    assert restore(agent.session.path).patches[0]["reason"].endswith("which the user then left")  # a resume too


async def test_a_session_left_in_never_resumed_under_another_mode_leaves_its_recorded_patches(make_repo):
    # a resume under auto kept them recorded for review, unstaged and untold, and under never again after a
    # switch it staged them once more under the files the model had been told were the disk's
    repo = make_repo({"a.py": "x = 1\n"})
    patch = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": patch})]), FINISH]) as server:
        agent = Agent(settings_for(repo, server, "never"), repo)
        [_ async for _ in agent.run("change x")]
        await agent.client.aclose()
    agent.session.close()
    with ScriptedServer([Reply(tool_calls=[("read_file", {"path": "a.py"})]), FINISH]) as server:
        resumed = Agent.resume(agent.session.id, settings_for(repo, server, "auto"))
        seen = [e async for e in resumed.run("go on")]
        await resumed.client.aclose()
        requests = server.requests
    told = " ".join(m["content"] for m in requests[0]["messages"] if m["role"] == "user")
    assert "from 'never' to 'auto'" in told and "(p1) were never applied" in told
    said = [e.message for e in seen if isinstance(e, ev.ErrorOccurred)]  # the user is told too (stderr, the app)
    assert said == ["1 patch recorded for review under approval mode never left unapplied (resumed under auto); the "
                    "model is told"]
    assert restore(resumed.session.path).approve == "auto"
    assert restore(resumed.session.path).patches[0]["reason"].endswith("which the user then left")
