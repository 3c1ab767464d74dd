"""A keyboard-first user in small terminals: every pane's keys can be seen, every action has a key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DIFF = "--- a/README.md\n+++ b/README.md\n@@ -1,1 +1,1 @@\n-x\n+y\n"


async def _type(pilot: Any, text: str) -> None:
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(60, 24), (80, 24), (100, 30)])
async def test_patch_review_keys_are_all_visible_in_a_small_terminal(sample_repo: Path, helpers: Any,
                                                                     size: tuple[int, int]) -> None:
    (sample_repo / "p.diff").write_text(DIFF)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=size) as pilot:
        await _type(pilot, "/apply p.diff")
        assert app.screen.focused is app.screen.patch.view
        shown = helpers.screen_text(app)
        for key in ("y approve", "n reject", "m comment", "a all", "r reject patch", "e edit", "⏎ submit"):
            assert key in shown, (key, shown)
        await pilot.press("f5")  # the hint belongs to the review: gone once the keys go to the prompt
        await pilot.pause(0.1)
        assert "r reject patch" not in helpers.screen_text(app)


@pytest.mark.parametrize("size", [(60, 24), (80, 24)])
async def test_plan_keys_are_all_visible_in_a_small_terminal(sample_repo: Path, helpers: Any,
                                                             size: tuple[int, int]) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f3", "o", *"first", "enter")
        await pilot.pause(0.1)
        assert app.screen.plan.steps and app.screen.focused is app.screen.plan.items
        shown = helpers.screen_text(app)
        for key in ("space tick", "o add", "e edit", "x delete", "K/J move"):
            assert key in shown, (key, shown)
        assert "[ ] first" in shown and "No plan yet" not in shown  # the step just added is in sight
