"""Resuming in the app a session stopped before its task reached the model (genie killed right after it started
a task): there is nothing to continue, so the task is put back in the prompt and Enter runs it in a new session,
as ``genie resume`` runs it over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
TASK = "count the words better"


def _stopped_before_its_task(repo: Path) -> str:
    from genie_tui.core.session import Session

    s = Session.create(TASK)
    s.record("start", task=TASK, repo=str(repo), config={}, tools=[])  # killed right after this
    s.close()
    return s.id


async def _resumed_then_enter(app: Any, command: str, server: Any, helpers: Any, old: str) -> str:
    async with app.run_test(size=(160, 40)) as pilot:
        if command == "/sessions":
            await helpers.send(pilot, "/sessions")
            await helpers.wait_until(pilot, lambda: type(app.screen).__name__ == "SessionPicker")
            await pilot.press("enter")
        else:
            await helpers.send(pilot, command)
        await helpers.wait_until(pilot, lambda: "stopped before its task reached the model" in helpers.screen_text(app))
        prompt = app.screen.query_one("#prompt")
        assert prompt.value == TASK  # put back, not sent behind the user's back
        assert server.requests == []
        prompt.focus()
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        new = app.agent.session.id
    users = [m["content"] for m in server.requests[0]["messages"] if m["role"] == "user"]
    assert users == [TASK]  # was only what the user typed next, in a new session that never had the task
    assert new != old
    return new


async def test_resume_of_a_session_stopped_before_its_task_puts_the_task_back(sample_repo: Path, serve: Any,
                                                                              helpers: Any) -> None:
    old = _stopped_before_its_task(sample_repo)
    server = serve([FINISH])
    await _resumed_then_enter(helpers.make_app(sample_repo, server.base_url), f"/resume {old}", server, helpers, old)


async def test_sessions_picker_of_a_session_stopped_before_its_task_puts_the_task_back(sample_repo: Path,
                                                                                      serve: Any,
                                                                                      helpers: Any) -> None:
    from genie_tui.core.session import Session, find_session

    old = _stopped_before_its_task(sample_repo)
    server = serve([FINISH])
    await _resumed_then_enter(helpers.make_app(sample_repo, server.base_url), "/sessions", server, helpers, old)
    Session.claim(find_session(old)).close()  # the old session's lock was given back
    records = [json.loads(line) for line in find_session(old).read_text().splitlines()]
    assert [r.get("type") for r in records] == ["start"]  # nothing was added to the session that was replaced
