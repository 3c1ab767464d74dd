"""``/clear`` while an ``/apply`` review awaits a verdict is refused, as ``/resume`` and ``/diff`` are: it hid the
patch pane, the review still open behind it and its worker waiting, with nothing on screen to say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER, patches


async def test_clear_waits_for_the_apply_review(sample_repo: Path, tmp_path: Path, helpers: Any) -> None:
    diff = tmp_path / "fix.diff"
    diff.write_text(patches()[0])
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "/plan keep this step")
        await helpers.send(pilot, f"/apply {diff}")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await helpers.send(pilot, "/clear")
        await pilot.pause(0.2)
        assert "clear: a patch awaits your review; decide it first (F4)" in helpers.screen_text(app)
        assert screen.patch.display and screen.patch.awaiting  # the review is on screen, still to decide
        assert [s.text for s in screen.plan.steps] == ["keep this step"]  # nothing was cleared
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: "✓ applied" in helpers.screen_text(app))
        assert "WORD.findall" in (sample_repo / COUNTER).read_text()
        await helpers.send(pilot, "/clear")  # decided: /clear clears
        await pilot.pause(0.2)
        assert not screen.patch.display and screen.plan.steps == []
        assert "✓ applied" not in helpers.screen_text(app)
