"""``/resume`` and ``/sessions`` while an ``/apply`` review awaits a verdict are refused, as ``/diff`` is: the
resumed session's patch took the pane and the review was gone, its worker waiting forever for a verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_resume_and_sessions_wait_for_the_apply_review(sample_repo: Path, tmp_path: Path, serve: Any,
                                                             helpers: Any) -> None:
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "an earlier task")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        earlier = app.agent.session.id
    diff = tmp_path / "fix.diff"
    diff.write_text(patches()[0])
    app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, f"/apply {diff}")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await helpers.send(pilot, f"/resume {earlier}")
        await helpers.send(pilot, "/sessions")
        await pilot.pause(0.3)
        assert app.screen is screen and app.agent is None  # not resumed, no picker over the review
        shown = helpers.screen_text(app)
        assert "resume: a patch awaits your review; decide it first (F4)" in shown
        assert "sessions: a patch awaits your review; decide it first (F4)" in shown
        assert screen.patch.awaiting
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: "✓ applied" in helpers.screen_text(app))
    assert "WORD.findall" in (sample_repo / COUNTER).read_text()
