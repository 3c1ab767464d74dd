"""Palette entries for the keys of the search results (Enter previews) and of the conversation's tool calls
(Enter expands, Up/Down or Tab move): there only while they can act, and doing what the key does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER
from genie_tui.providers.scripted import Reply
from genie_tui.ui.screens.preview import PreviewScreen
from genie_tui.ui.widgets.conversation import ToolCallLine


def _titles(app: Any) -> list[str]:
    return [c.title for c in app.get_system_commands(app.screen)]


async def _palette(pilot: Any, query: str) -> None:
    """Open the palette, put ``query`` in it as a paste would (typing it key by key took seconds per query in
    Pilot), and run the highlighted command once the palette has matched."""
    from textual.command import CommandInput, CommandList, CommandPalette

    await pilot.press("ctrl+p")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(CommandInput).value = query
    listed = palette.query_one(CommandList)

    def matched() -> bool:
        option = listed.highlighted is not None and listed.get_option_at_index(listed.highlighted)
        return bool(option) and query.lower() in str(option.prompt).lower()

    await _until(pilot, matched)
    await pilot.press("enter")
    await _until(pilot, lambda: pilot.app.screen is not palette)


async def _until(pilot: Any, cond: Any, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "the palette did not settle"
        await pilot.pause(0.02)


async def test_tool_calls_and_search_preview_are_in_the_palette(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([Reply(tool_calls=[("read_file", {"path": COUNTER}), ("list_dir", {"path": "."})]),
                    Reply(tool_calls=[("finish", {"summary": "done"})])])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert not any(t.startswith(("Conversation:", "Search: preview")) for t in _titles(app))
        prompt = screen.query_one("#prompt")
        prompt.value = "look"
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
        lines = list(screen.conversation.query(ToolCallLine))
        assert len(lines) == 3 and "Conversation: next tool call" in _titles(app)
        await _palette(pilot, "expand or collapse the selected tool")  # none selected: the newest
        assert app.focused is lines[2] and lines[2].record.expanded
        await _palette(pilot, "conversation: previous tool call")
        assert app.focused is lines[1]
        await _palette(pilot, "expand or collapse the selected tool")
        assert lines[1].record.expanded and not lines[0].record.expanded
        await _palette(pilot, "conversation: next tool call")
        assert app.focused is lines[2]

        await pilot.press("f2", *"top_words", "enter")
        pane = screen.search
        # the search's own results (they take the focus), not the agent's list_dir hit highlighted before them
        await helpers.wait_until(pilot, lambda: pane.results.has_focus and pane._current() is not None)
        hit = pane._current()
        await pilot.press("f5")  # the palette works from anywhere
        await _palette(pilot, "preview the highlighted hit")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
        assert (app.screen.path, app.screen.start) == (hit.path, hit.start)
        preview = app.screen
        await helpers.wait_until(pilot, lambda: preview.text is not None)
        assert "Preview: add the shown span to the agent's context" in _titles(app)
        await _palette(pilot, "preview: add the shown span")  # as c in the preview does
        await helpers.wait_until(pilot, lambda: not isinstance(app.screen, PreviewScreen))
        assert any(preview.span_text() in note for note in screen.genie.agent.pending_notes())  # for its next request


async def test_the_palette_moves_through_and_expands_tool_calls_in_the_older_conversation(sample_repo: Path,
                                                                                         helpers: Any) -> None:
    from genie_tui.ui.widgets.history import Entry, History, ToolRecord

    records = [ToolRecord(f"c{i}", "read_file", result=f"result {i}") for i in range(3)]
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.screen.conversation.show_past([Entry("user", "hi")] + [Entry("tool", tool=r) for r in records])
        await pilot.pause()
        history = app.screen.query_one(History)
        await _palette(pilot, "conversation: previous tool call")  # none selected: from the newest
        assert app.focused is history and history.cursor == 3
        await _palette(pilot, "conversation: previous tool call")
        assert history.cursor == 2
        await _palette(pilot, "expand or collapse the selected tool")
        assert records[1].expanded and not records[2].expanded
