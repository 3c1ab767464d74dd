"""/ask and /browse without an argument say how to use them, as /apply and /approve do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_ask_and_browse_without_an_argument_print_a_usage_line(sample_repo: Path, serve: Any,
                                                                    helpers: Any) -> None:
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        for line, usage in (("/ask", "usage: /ask QUESTION"), ("/browse", "usage: /browse URL"),
                            ("/ask   ", "usage: /ask QUESTION")):
            before = app.screen.conversation.transcript()
            prompt = app.screen.query_one("#prompt")
            prompt.focus()
            prompt.value = line
            await pilot.press("enter")
            await helpers.wait_until(pilot, lambda b=before: app.screen.conversation.transcript() != b, timeout=5)
            assert usage in app.screen.conversation.transcript()[len(before):]
        assert not app.screen.turn_running
    assert not server.requests
