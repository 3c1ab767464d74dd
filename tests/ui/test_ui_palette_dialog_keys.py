"""Every key of a dialog has its palette entry, as the README promises: Enter in the session picker (resume the
highlighted session), a question's choices (its number and Enter, or its button), and ``/model`` alone (show the
current model). The palette offered only "Sessions: close", a question's Esc and PageUp/PageDown, and no
``/model`` without a name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply
from genie_tui.ui.screens.question import QuestionScreen
from genie_tui.ui.screens.sessions import SessionPicker
from tests.ui.test_ui_palette_entries import _palette
from tests.ui.test_ui_session_cmds import _one_session

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_the_session_picker_resumes_the_highlighted_session_from_the_palette(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    older = await _one_session(sample_repo, "first task here", serve, helpers)
    await _one_session(sample_repo, "count the words better", serve, helpers)
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/sessions")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, SessionPicker))
        await pilot.press("down")  # the older one
        await _palette(pilot, "resume the highlighted session")
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        assert app.agent.session.id == older
        assert f"resumed {older}" in helpers.screen_text(app)


async def test_a_questions_choices_are_in_the_palette(sample_repo: Path, serve: Any, helpers: Any) -> None:
    # the choices come from the model: one holding markup is shown as written, not parsed
    choices = ["counter.py", "report.py [bold]and[/bold] the rest"]
    server = serve([Reply(tool_calls=[("ask_user", {"question": "Which file?", "choices": choices})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "do it")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Dialog: answer 1. counter.py" in titles
        await _palette(pilot, "answer 2. report.py [bold]and[/bold] the rest")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
    assert choices[1] in helpers.last_tool(server.requests[1])


async def test_model_alone_is_in_the_palette(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _palette(pilot, "show the current model")
        await helpers.wait_until(pilot, lambda: "model: scripted-model" in helpers.screen_text(app))
