"""A long session stays scrollable to its beginning while only the newest items are widgets."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from genie_tui.ui.widgets.conversation import BATCH, LIVE_ITEMS, ToolCallLine


async def _tool_call(conv: Any, i: int) -> None:
    await conv.tool_started(f"c{i}", "read_file")
    conv.tool_args(f"c{i}", {"path": f"file{i}.py"}, "{}")
    conv.tool_finished(f"c{i}", True, "x" * 10, 3.0)


async def _fill(conv: Any, n: int) -> None:
    for i in range(n):
        if i % 3 == 0:
            await conv.add_user(f"user message {i}")
        elif i % 3 == 1:
            await conv.text_delta(f"model text **{i}**")
            await conv.end_text()
        else:
            await _tool_call(conv, i)


def _row(screen: str, text: str) -> int | None:
    return next((i for i, line in enumerate(screen.splitlines()) if text in line), None)


async def test_first_item_of_a_long_session_can_be_scrolled_to(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        await _fill(conv, 450)
        await pilot.pause()
        assert conv.item_count == 450
        assert len(conv.children) <= LIVE_ITEMS + BATCH + 1  # the history widget plus the live window
        # following the tail (the last batch's move into the history settles over a frame or two under load)
        await helpers.wait_until(pilot, lambda: "user message 447" in helpers.screen_text(app))
        conv.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        shown = helpers.screen_text(app)
        assert "user message 0" in shown and "file2.py" in shown
        assert "model text 1" in shown and "**" not in shown  # old text keeps its bold, loses the markers
        assert "user message 447" not in shown
        assert "user message 0" in conv.transcript() and "user message 447" in conv.transcript()


@pytest.mark.parametrize("burst", [False, True], ids=["laid-out-between", "faster-than-layout"])
async def test_scrolled_up_reader_keeps_place_while_items_arrive(sample_repo: Path, helpers: Any, burst: bool) -> None:
    # faster-than-layout: several batches move into the history before the screen lays out once (a burst of
    # events on a busy machine), so the first widget left had never been placed when its batch moved
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        await _fill(conv, 200)
        await pilot.pause()
        # the oldest tool call still a widget, scrolled to the top: the reader is well above the tail
        target = next(w for w in conv.children if isinstance(w, ToolCallLine))
        n = int(target.call_id[1:])
        conv.scroll_to_widget(target, animate=False, immediate=True, top=True)
        await pilot.pause()
        row = _row(helpers.screen_text(app), f"file{n}.py")
        assert row is not None
        with app.batch_update() if burst else contextlib.nullcontext():
            for i in range(200, 300):  # pushes it out of the live window into the history
                await conv.add_note(f"note {i}")
        # the move into the history and the re-layout settle over a few frames (slower on a loaded machine)
        await helpers.wait_until(pilot, lambda: not any(isinstance(w, ToolCallLine) and w.call_id == f"c{n}"
                                                        for w in conv.children))
        # the reader's line stays on the row it was on: not merely somewhere on the screen
        await helpers.wait_until(pilot, lambda: _row(helpers.screen_text(app), f"file{n}.py") == row)
        await pilot.pause()
        assert _row(helpers.screen_text(app), f"file{n}.py") == row
        assert "note 299" not in helpers.screen_text(app)


async def _fill_answers(conv: Any, start: int, n: int) -> None:
    """Items whose history lines are fewer than their widgets' (a markdown answer's heading, list and code)."""
    for i in range(start, start + n):
        if i % 3 == 1:
            await conv.text_delta(f"## Heading {i}\n\nmodel text **{i}**\n\n- a\n- b\n\n```py\nx = {i}\n```\n")
            await conv.end_text()
        else:
            await _tool_call(conv, i)


async def test_reader_keeps_place_through_a_long_batched_burst(sample_repo: Path, helpers: Any) -> None:
    """The kept place waited KEEP_TRIES callbacks for its layout, but in a batch_update, where no layout comes, the
    callbacks ran every idle turn: a burst longer than that let the place go, and the reader's line left the
    screen."""
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        await _fill_answers(conv, 0, 200)
        await pilot.pause()
        target = next(w for w in conv.children if isinstance(w, ToolCallLine))
        n = int(target.call_id[1:])
        conv.scroll_to_widget(target, animate=False, immediate=True, top=True)
        await pilot.pause()
        row = _row(helpers.screen_text(app), f"file{n}.py")
        assert row is not None
        with app.batch_update():
            await _fill_answers(conv, 200, 100)
            for _ in range(60):
                await pilot.pause()
        await helpers.wait_until(pilot, lambda: not any(isinstance(w, ToolCallLine) and w.call_id == f"c{n}"
                                                        for w in conv.children))
        await helpers.wait_until(pilot, lambda: _row(helpers.screen_text(app), f"file{n}.py") == row)


async def test_old_tool_call_expands_on_click_and_late_finish_shows(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        await conv.tool_started("slow", "run_tests")
        conv.tool_args("slow", {"command": "pytest -q"}, '{"command": "pytest -q"}')
        for i in range(LIVE_ITEMS + BATCH):
            await conv.add_note(f"note {i}")
        conv.tool_finished("slow", False, "1 failed", 1234.0)
        conv.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        shown = helpers.screen_text(app)
        assert "run_tests" in shown and "1234 ms" in shown
        assert "1 failed" not in shown
        await pilot.click(conv.history, offset=(5, 0))
        await pilot.pause()
        assert "1 failed" in helpers.screen_text(app)


async def test_old_tool_call_expands_from_the_keyboard(sample_repo: Path, helpers: Any) -> None:
    """Clicking was the only way to open a tool call once it had moved into the history."""
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        for name in ("first_tool", "run_tests"):
            await conv.tool_started(name, name)
            conv.tool_args(name, {"command": "pytest -q"}, '{"command": "pytest -q"}')
            conv.tool_finished(name, False, f"{name} output", 1234.0)
        for i in range(LIVE_ITEMS + BATCH):
            await conv.add_note(f"note {i}")
        await pilot.pause()
        assert not any(isinstance(w, ToolCallLine) for w in conv.children)  # both are history lines now
        for _ in range(40):  # Tab from the prompt reaches them
            if app.focused is conv.history:
                break
            await pilot.press("tab")
        assert app.focused is conv.history
        await pilot.press("enter")  # the newest old tool call first
        await pilot.pause()
        assert "run_tests output" in helpers.screen_text(app)
        await pilot.press("enter", "up", "enter")  # close it, go to the one before, open that
        await pilot.pause()
        shown = helpers.screen_text(app)
        assert "first_tool output" in shown and "run_tests output" not in shown


async def test_widgets_moved_into_the_history_leave_no_rendered_lines_behind(sample_repo: Path, helpers: Any) -> None:
    # Textual's lru_cache on StylesCache.get_inner_outer (Textualize/textual#6665) kept the styles cache of
    # every widget drawn lately, with the lines it drew: up to 1,024 removed widgets' Strips that every full
    # garbage collection of a long session scanned
    import gc

    from textual._styles_cache import StylesCache
    from textual.widget import Widget

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        for _ in range(30):  # painted as they arrive, as in a session
            await _fill(conv, 10)
            await pilot.pause()
        assert conv.item_count == 300
        gc.unfreeze()  # the app freezes what survives each full collection: look at everything
        gc.collect()
        gc.unfreeze()
        objects = gc.get_objects()
        owned = {id(w._styles_cache) for w in objects if isinstance(w, Widget)}
        orphans = [c for c in objects if isinstance(c, StylesCache) and id(c) not in owned]
        assert len(orphans) <= 2 * BATCH, len(orphans)  # at most those drawn since the last batch moved; 308 before


async def test_a_textual_without_the_leaking_cache_module_still_moves_items(
        sample_repo: Path, helpers: Any, monkeypatch: Any) -> None:
    """The leak workaround reaches into a private Textual module; without it the history still works."""
    import sys

    monkeypatch.setitem(sys.modules, "textual._styles_cache", None)  # ``import`` of it now raises ImportError
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        for _ in range(8):
            await _fill(conv, 10)
            await pilot.pause()
        assert conv.item_count == 80
        assert len(conv.history.entries) >= BATCH  # batches moved, each clearing the cache it could not reach
