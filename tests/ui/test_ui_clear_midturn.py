"""``/clear`` while a turn runs stops it and starts over: what the stopped turn still says ("■ cancelled: stopped by
the user") belongs to the conversation that was cleared, not to the new one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from genie_tui.core import events as ev
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_the_stopped_turn_says_nothing_in_the_cleared_conversation(sample_repo: Path, serve: Any,
                                                                          helpers: Any) -> None:
    server = serve([Reply(content="old turn text " * 200, chunk_chars=4, chunk_delay=0.01,
                          tool_calls=[("update_plan", {"steps": [{"text": "OLD STEP", "status": "todo"}]})]),
                    FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "old task")
        await helpers.wait_until(pilot, lambda: "old turn text" in screen.conversation.transcript())
        await helpers.send(pilot, "/clear")
        await helpers.wait_until(pilot, lambda: not screen.turn_running)
        await pilot.pause(0.3)
        assert screen.conversation.transcript().strip() == ""
        assert screen.plan.steps == [] and screen.status.phase == "idle"
        await helpers.send(pilot, "new task")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
        await pilot.pause(0.2)
        lines = [line for line in screen.conversation.transcript().splitlines() if line.strip()]
    assert lines[0] == "new task" and "■ finished: done" in lines
    assert not any("cancelled" in line or "old turn" in line for line in lines), lines
    assert [m["content"] for m in server.requests[1]["messages"] if m["role"] == "user"] == ["new task"]


async def test_a_question_of_the_cleared_turn_is_answered_not_shown(sample_repo: Path, helpers: Any) -> None:
    """A turn being stopped asks nothing more; if one did, nothing would wait on a dialog never shown."""
    from genie_tui.ui.bridge import AgentEvent

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        cleared = object()  # an agent the app no longer holds
        answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        run: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        screen.post_message(AgentEvent(ev.QuestionAsked("Which file?", ("a", "b"), answer), cleared))
        screen.post_message(AgentEvent(ev.CommandApprovalRequested("rm -rf build", run), cleared))
        screen.post_message(AgentEvent(ev.SessionFinished(status="cancelled", summary="stopped"), cleared))
        await helpers.wait_until(pilot, lambda: answer.done() and run.done())
        await pilot.pause(0.2)
        assert answer.result() is None and run.result() is False
        assert app.screen is screen and screen.awaiting == []
        assert screen.conversation.transcript().strip() == ""
