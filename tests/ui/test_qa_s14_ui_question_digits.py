"""An answer typed in the agent's question dialog that Python calls a digit but cannot read as a number ("²",
a key of its own on AZERTY keyboards) is sent as typed: it raised ValueError and took the app down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_a_superscript_digit_is_an_answer_not_a_crash(sample_repo: Path, serve: Any, helpers: Any) -> None:
    from genie_tui.ui.screens.question import TYPE_AHEAD_S

    ask = Reply(tool_calls=[("ask_user", {"question": "How many?", "choices": ["one", "two"]})])
    server = serve([ask, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "count")
        await helpers.wait_until(pilot, lambda: type(app.screen).__name__ == "QuestionScreen")
        await pilot.pause(TYPE_AHEAD_S + 0.1)
        await pilot.press("²", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen_stack[1].turn_running)
    assert "²" in helpers.last_tool(server.requests[1])
