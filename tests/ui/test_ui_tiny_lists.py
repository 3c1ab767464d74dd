"""PageUp/PageDown in every option list at sizes that leave the list no row or no column (a terminal of 7 rows or 4
columns): Textual's page raised KeyError there and ended the app; a page is then a list's rows of options."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any


async def test_plan_list_pages_in_a_terminal_of_seven_rows_or_four_columns(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(3):
            await helpers.send(pilot, f"/plan step {i}")
        items = app.screen.plan.items
        for size in ((120, 7), (4, 30)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            await pilot.press("f3", "home")
            assert items.has_focus and items.highlighted == 0
            await pilot.press("pagedown")
            assert items.highlighted in (1, 2), size  # on by a page of the list's rows, at least one step
            down = items.highlighted
            await pilot.press("pageup")
            assert items.highlighted == 0, size
            await pilot.press("end", "pageup")
            assert items.highlighted < 2, size
            await pilot.press("escape")
            assert app._exception is None, (size, down)


async def test_search_hits_page_at_any_size_and_never_stop_on_a_title(sample_repo: Path, helpers: Any) -> None:
    from genie_tui.ui.widgets.search_pane import Hit

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        search = app.screen.search
        search.show_results("words", [Hit("wordstats/counter.py", i, i, f"line {i}") for i in range(1, 4)])
        search.show_results("count", [Hit("wordstats/cli.py", i, i, f"line {i}") for i in range(1, 4)])
        for size in ((2, 30), (120, 7), (120, 40)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            search.results.focus()
            await pilot.press("home", "pagedown")
            assert app._exception is None, size
            assert (search.results.highlighted or 0) > 1 and search._current() is not None, size
            await pilot.press("pageup")
            # the first hit: the title row above it is no place to stop, nor is nothing highlighted
            assert search.results.highlighted == 1, size


async def test_session_picker_pages_in_five_rows(sample_repo: Path, helpers: Any) -> None:
    from genie_tui.ui.screens.sessions import SessionPicker

    sessions = [SimpleNamespace(id=f"s{i}", task=f"task {i}", started=0, status="finished", steps=1) for i in range(9)]
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(SessionPicker(sessions))
        await pilot.resize_terminal(2, 5)
        await pilot.pause(0.1)
        await pilot.press("pagedown", "pagedown", "pageup")
        assert app._exception is None
        assert isinstance(app.screen, SessionPicker) and app.screen.query_one("#sessions-list").highlighted is not None


async def test_palette_pages_in_two_columns(sample_repo: Path, helpers: Any) -> None:
    from textual.command import CommandList, CommandPalette

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.resize_terminal(2, 20)
        await pilot.pause(0.1)
        await pilot.press("ctrl+p")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("p")
        commands = app.screen.query_one(CommandList)
        await helpers.wait_until(pilot, lambda: commands.option_count > 3)
        await pilot.press("pagedown")
        assert app._exception is None
        assert (commands.highlighted or 0) > 0
        await pilot.press("pageup")
        assert commands.highlighted == 0


async def test_palette_opens_in_four_and_six_columns(sample_repo: Path, helpers: Any) -> None:
    from textual.command import CommandList, CommandPalette

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for width in (4, 6):
            await pilot.resize_terminal(width, 20)
            await pilot.pause(0.1)
            await pilot.press("ctrl+p")
            await helpers.wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press("p")
            commands = app.screen.query_one(CommandList)
            await helpers.wait_until(pilot, lambda: commands.option_count > 3)  # noqa: B023 - awaited here
            await pilot.pause(0.2)
            assert app._exception is None, width
            await pilot.press("escape")
        await pilot.resize_terminal(120, 40)  # wide again: the commands' help wraps, as Textual draws it
        await pilot.press("ctrl+p")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert app.screen.query_one(CommandList).styles.text_wrap == "wrap"
