"""The command palette over a dialog offers the dialog's own keys (every key has its palette entry there too), and
never the main screen's commands, which would act behind the dialog (decide a patch whose edit is still open)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandPalette

from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply
from genie_tui.ui.screens.edit import EditDiffScreen
from genie_tui.ui.screens.question import QuestionScreen
from genie_tui.ui.screens.welcome import WelcomeScreen

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


def _titles(app: Any) -> set[str]:
    return {c.title for c in app.get_system_commands(app.screen)}


async def _palette(pilot: Any, helpers: Any, query: str) -> None:
    """Choose the palette command ``query`` finds first, by keys."""
    await pilot.press("ctrl+p")
    await helpers.wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    await pilot.press(*query)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_the_diff_editor_has_its_keys_in_the_palette_and_nothing_acts_behind_it(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        main = app.screen
        await pilot.press("f4", "e")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, EditDiffScreen))
        titles = _titles(app)
        assert {"Editor: apply the edited diff", "Editor: cancel the edit (the patch still awaits review)"} <= titles
        assert not {t for t in titles if t.startswith(("Patch:", "Clear", "Plan:"))}, titles
        editor = app.screen.query_one("#edit-diff")
        editor.text = editor.text.replace("import re\n", "import re  # edited\n", 1)
        await _palette(pilot, helpers, "apply the edited")
        await helpers.wait_until(pilot, lambda: not main.turn_running)
    assert "import re  # edited" in (sample_repo / COUNTER).read_text()
    assert "edited" in helpers.last_tool(server.requests[1])


async def test_the_question_dialog_has_its_escape_in_the_palette(sample_repo: Path, serve: Any,
                                                                 helpers: Any) -> None:
    server = serve([Reply(tool_calls=[("ask_user", {"question": "Which file?"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "do it")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        assert "Clear the conversation" not in _titles(app)
        await _palette(pilot, helpers, "answer esc")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
    assert "best assumption" in helpers.last_tool(server.requests[1])


async def test_the_welcome_screen_has_its_keys_in_the_palette(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        assert {"Welcome: run the demo", "Welcome: continue"} <= _titles(app)
        await _palette(pilot, helpers, "run the demo")
        await pilot.pause(0.2)
    assert app.return_value == "demo"
