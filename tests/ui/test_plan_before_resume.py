"""A plan the user wrote before ``/resume`` is kept: its steps follow the resumed session's plan, the model gets
them with the next message, and a note says so. The resumed session's plan replaced them without a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.core.restore import restore
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
THEIRS = [{"text": "read the counter", "status": "done"}, {"text": "fix the regex", "status": "todo"}]
KEPT = "resume: kept the 2 plan steps you wrote, after the session's plan; they go to the model with your next message"


async def _earlier_session(sample_repo: Path, serve: Any, helpers: Any) -> str:
    server = serve([Reply(tool_calls=[("update_plan", {"steps": THEIRS})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "an earlier task")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        return app.agent.session.id


async def test_a_plan_written_before_resume_is_kept_and_sent(sample_repo: Path, serve: Any, helpers: Any) -> None:
    earlier = await _earlier_session(sample_repo, serve, helpers)
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "/plan add a test first")
        await helpers.send(pilot, "/plan fix the regex")  # the session has it already: not twice
        await helpers.send(pilot, "/plan run the suite")
        await pilot.pause(0.2)
        await helpers.send(pilot, f"/resume {earlier}")
        await helpers.wait_until(pilot, lambda: f"resumed {earlier}" in screen.conversation.transcript())
        assert [s.text for s in screen.plan.steps] == ["read the counter", "fix the regex", "add a test first",
                                                       "run the suite"]
        assert KEPT in screen.conversation.transcript()
        await helpers.send(pilot, "go on")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not screen.turn_running)
    sent = "\n".join(str(m.get("content")) for m in server.requests[0]["messages"] if m["role"] == "user")
    assert "add a test first" in sent and "run the suite" in sent
    assert [s["text"] for s in restore(app.agent.session.path).plan][-2:] == ["add a test first", "run the suite"]


async def test_without_a_plan_of_the_users_nothing_is_said(sample_repo: Path, serve: Any, helpers: Any) -> None:
    earlier = await _earlier_session(sample_repo, serve, helpers)
    app = helpers.make_app(sample_repo, serve([]).base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, f"/resume {earlier}")
        await helpers.wait_until(pilot, lambda: f"resumed {earlier}" in app.screen.conversation.transcript())
        assert [s.text for s in app.screen.plan.steps] == ["read the counter", "fix the regex"]
        assert "plan steps you wrote" not in app.screen.conversation.transcript()


async def test_a_plan_given_to_an_agent_that_never_started_is_kept(sample_repo: Path, serve: Any,
                                                                   helpers: Any) -> None:
    """``/playbook`` makes the agent before any task; a step written then went to that agent, which resuming
    dropped."""
    earlier = await _earlier_session(sample_repo, serve, helpers)
    app = helpers.make_app(sample_repo, serve([]).base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/playbook add-tests")
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        await helpers.send(pilot, "/plan add a test first")
        await pilot.pause(0.2)
        await helpers.send(pilot, f"/resume {earlier}")
        await helpers.wait_until(pilot, lambda: f"resumed {earlier}" in app.screen.conversation.transcript())
        assert [s.text for s in app.screen.plan.steps][-1] == "add a test first"
        assert ("resume: kept the plan step you wrote, after the session's plan; it goes to the model with your "
                "next message") in app.screen.conversation.transcript()
        assert "add a test first" in "\n".join(app.agent.pending_notes())
