"""The command palette (Ctrl+P), driven by keys as a user would: every action the keys offer is there, and
what it lists from a repository or a theme file is shown as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandPalette


async def _palette(pilot: Any, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    await pilot.press(*query)
    await pilot.pause(0.5)


async def test_a_playbook_description_with_brackets_is_listed_as_text(sample_repo: Path, helpers: Any) -> None:
    books = sample_repo / ".genie" / "playbooks"
    books.mkdir(parents=True)
    (books / "poetry.md").write_text("---\nname: poetry\ndescription: Use the [tool.poetry] table, never [/] setup.py\n"
                                     "---\nbody\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _palette(pilot, "poetry")
        assert isinstance(app.screen, CommandPalette)
        text = helpers.screen_text(app)
    assert "Use the [tool.poetry] table, never [/] setup.py" in text
