"""The question dialog's PageUp/PageDown (scroll a long question while the answer box keeps the keys) are in the
command palette too, as every other key is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply
from genie_tui.ui.screens.question import QuestionScreen

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_scrolling_a_long_question_is_in_the_palette(sample_repo: Path, serve: Any, helpers: Any) -> None:
    question = "\n".join(f"line {i} of a long question" for i in range(80))
    server = serve([Reply(tool_calls=[("ask_user", {"question": question})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(100, 20)) as pilot:
        await helpers.send(pilot, "ask me")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        body = app.screen.query_one("#q-body")
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Dialog: scroll the question down"].callback()
        await helpers.wait_until(pilot, lambda: body.scroll_y > 0)
        await commands["Dialog: scroll the question up"].callback()
        await helpers.wait_until(pilot, lambda: body.scroll_y == 0)
        assert "PageDown" in str(commands["Dialog: scroll the question down"].help)
        await pilot.press("escape")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
