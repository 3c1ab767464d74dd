"""A terminal under 60 columns (40x12): the conversation gets the width, the search and plan column shows only
while it has the keys (F2, F3) and then takes the width; Esc returns to the prompt and the conversation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

ANSWER = "The words function splits on whitespace only, so punctuation sticks to words."


async def test_conversation_has_the_width_of_a_tiny_terminal(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([Reply(content=ANSWER, tool_calls=[("finish", {"summary": "explained"})])])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(40, 12)) as pilot:
        await helpers.send(pilot, "why do counts differ?")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        await pilot.pause(0.1)
        conversation = app.screen.conversation
        assert conversation.size.width >= 30, conversation.size
        assert "punctuation sticks" in " ".join(helpers.screen_text(app).split())
        await pilot.press("f2")
        await pilot.pause(0.1)
        query = app.screen.search.query_box
        assert query.has_focus and query.region.width >= 30, query.region
        await pilot.press(*"words", "enter")
        await helpers.wait_until(pilot, lambda: app.screen.search._current() is not None)
        assert "counter.py" in helpers.screen_text(app)
        await pilot.press("f3")
        await pilot.pause(0.1)
        assert app.screen.plan.items.has_focus and app.screen.plan.items.region.width >= 30
        await pilot.press("escape", "escape")
        await pilot.pause(0.1)
        assert app.screen.query_one("#prompt").has_focus
        assert conversation.region.width >= 30 and "punctuation sticks" in " ".join(helpers.screen_text(app).split())


async def test_eighty_columns_keep_both_columns(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#left").region.width > 0
        assert app.screen.conversation.region.width > 0


async def test_a_review_in_twelve_rows_shows_the_hunk(sample_repo: Path, serve: Any, helpers: Any) -> None:
    from genie_tui.demo.script import patches

    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "words(): ignore case"})]),
                    Reply(tool_calls=[("finish", {"summary": "done"})])])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(40, 12)) as pilot:
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("f4")
        await pilot.pause(0.2)
        view = app.screen.patch.view
        assert view.has_focus and view.size.height >= 4, view.size  # was one line under the title and keys
        assert "@@ -2,3 +2,6 @@" in helpers.screen_text(app)
        await pilot.press("f5")  # the prompt, and the title bar, come back with the keys
        await pilot.pause(0.1)
        prompt = app.screen.query_one("#prompt")
        assert prompt.has_focus and prompt.region.height == 1
        assert app.screen.query_one("#title-bar").region.height == 1
