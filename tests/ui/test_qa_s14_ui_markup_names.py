"""Names from outside genie that the command palette reads as markup: a theme file named "[/bold]x" (Textual's
own theme list crashed on it, and genie's palette entry too) is skipped with a one-line notice, and a model the
endpoint lists as "[/x]" or "a[b]c" is offered by its name instead of taking the palette down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply, ScriptedServer

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


def _titles(app: Any) -> list[str]:
    return [str(c.title) for c in app.get_system_commands(app.screen)]


async def _palette_lists(pilot: Any, query: str, shown: str, helpers: Any) -> None:
    from textual.command import CommandInput

    await pilot.press("ctrl+p")
    await helpers.wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CommandPalette")
    pilot.app.screen.query_one(CommandInput).value = query
    await helpers.wait_until(pilot, lambda: shown in helpers.screen_text(pilot.app))
    await pilot.press("escape")


async def test_a_theme_named_as_markup_is_skipped_with_a_notice(sample_repo: Path, genie_home: Path,
                                                               helpers: Any) -> None:
    themes = genie_home / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "odd.toml").write_text('name = "[/bold]x"\nprimary = "#336699"\n')
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(160, 40)) as pilot:
        notices = [n.message for n in app._notifications]
        assert any(str(themes / "odd.toml") in n and "markup" in n for n in notices), notices
        assert "[/bold]x" not in app.available_themes
        await _palette_lists(pilot, "Theme: genie-l", "Theme: genie-light", helpers)
        await pilot.press("f5", *"/theme genie-light", "enter")
        await pilot.pause()
        assert app.theme == "genie-light"


async def test_models_named_as_markup_are_offered_by_their_names(sample_repo: Path, helpers: Any) -> None:
    server = ScriptedServer([FINISH], models=("scripted-model", "[/x]", "a[b]c")).start()
    try:
        app = helpers.make_app(sample_repo, server.base_url)
        async with app.run_test(size=(160, 40)) as pilot:
            _titles(app)  # the first palette asks the endpoint for its models
            await helpers.wait_until(pilot, lambda: app.palette_models)
            await _palette_lists(pilot, "Model: a", "Model: a[b]c", helpers)
            await _palette_lists(pilot, "Model: [", "Model: [/x]", helpers)
    finally:
        server.stop()
