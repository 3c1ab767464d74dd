"""The plan's step editor left open (F5 to the prompt mid-edit) is where F3, and the plan's add key, take the user
back: before, F3 focused the list behind it and ``o`` (or the palette's "Plan: add a step") emptied it."""

from __future__ import annotations

from pathlib import Path
from typing import Any


async def test_f3_goes_back_to_the_step_being_written(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3", "o", *"run the", "f5", *"hello", "f3", *" tests", "enter")
        await pilot.pause()
        assert [s.text for s in app.screen.plan.steps] == ["run the tests"]
        assert app.screen.query_one("#prompt").value == "hello"


async def test_add_while_a_step_is_being_written_keeps_its_text(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3", "o", *"first", "enter", "o", *"second", "f5")
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Plan: add a step"].callback()
        await pilot.press(*" step", "enter")
        await pilot.pause()
        assert [s.text for s in app.screen.plan.steps] == ["first", "second step"]
