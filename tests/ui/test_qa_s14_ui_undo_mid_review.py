"""Ctrl+U (or /undo) of the last applied patch while another patch awaits review leaves that review on screen:
the pane's title said "↶ Patch undone" and its review keys line went away, with the patch still undecided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER, patches


async def test_undo_during_a_review_keeps_the_review(sample_repo: Path, tmp_path: Path, helpers: Any) -> None:
    first, second = patches()
    (tmp_path / "one.diff").write_text(first)
    (tmp_path / "two.diff").write_text(second)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(100, 40)) as pilot:  # under 120 columns: the review keys on a line of their own
        screen = app.screen
        await helpers.send(pilot, f"/apply {tmp_path / 'one.diff'}")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: "✓ applied" in helpers.screen_text(app))
        await helpers.send(pilot, f"/apply {tmp_path / 'two.diff'}")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting and screen.patch.view.has_focus)
        await pilot.press("ctrl+u")
        await helpers.wait_until(pilot, lambda: "↶ undid the last patch" in helpers.screen_text(app))
        await pilot.pause()
        assert str(screen.patch.title.render()).startswith("Review: two.diff"), screen.patch.title.render()
        assert screen.patch.key_hint.display and screen.patch.key_hint.region.height > 0  # the keys still shown
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: not screen.patch.awaiting)
        await helpers.wait_until(pilot, lambda: helpers.screen_text(app).count("✓ applied") >= 2)
    text = (sample_repo / COUNTER).read_text()
    assert "WORD.findall" not in text  # the first patch stays undone, the second is applied
