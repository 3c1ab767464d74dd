"""A keyboard-first user in small terminals: every pane's keys can be seen, every action has a key."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from genie_tui.config.settings import Settings
from genie_tui.core import events as ev
from genie_tui.ui.app import GenieApp

DIFF = "--- a/README.md\n+++ b/README.md\n@@ -1,1 +1,1 @@\n-x\n+y\n"


async def _type(pilot: Any, text: str) -> None:
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(60, 24), (80, 24), (100, 30)])
async def test_patch_review_keys_are_all_visible_in_a_small_terminal(sample_repo: Path, helpers: Any,
                                                                     size: tuple[int, int]) -> None:
    (sample_repo / "p.diff").write_text(DIFF)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=size) as pilot:
        await _type(pilot, "/apply p.diff")
        assert app.screen.focused is app.screen.patch.view
        shown = helpers.screen_text(app)
        for key in ("y approve", "n reject", "m comment", "a all", "r reject patch", "e edit", "⏎ submit"):
            assert key in shown, (key, shown)
        await pilot.press("f5")  # the hint belongs to the review: gone once the keys go to the prompt
        await pilot.pause(0.1)
        assert "r reject patch" not in helpers.screen_text(app)


@pytest.mark.parametrize("size", [(60, 24), (80, 24)])
async def test_plan_keys_are_all_visible_in_a_small_terminal(sample_repo: Path, helpers: Any,
                                                             size: tuple[int, int]) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f3", "o", *"first", "enter")
        await pilot.pause(0.1)
        assert app.screen.plan.steps and app.screen.focused is app.screen.plan.items
        shown = helpers.screen_text(app)
        for key in ("space tick", "o add", "e edit", "x delete", "K/J move", "u undo"):
            assert key in shown, (key, shown)
        assert "[ ] first" in shown and "No plan yet" not in shown  # the step just added is in sight


class _BusyAgent:
    """A turn that runs until it is cancelled."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()

    async def run(self, task: str) -> AsyncIterator[Any]:
        yield ev.PhaseChanged("code")
        await self.stop.wait()

    def cancel(self) -> None:
        self.stop.set()

    def add_context(self, text: str) -> None: ...
    def user_plan_edit(self, steps: Any) -> None: ...
    def set_approval_mode(self, mode: str) -> None: ...


def _busy_app(repo: Path) -> GenieApp:
    settings = Settings(model="m", base_url="http://127.0.0.1:9/v1", api_key="x")
    return GenieApp(settings, repo, _BusyAgent, animate=False, welcome=False)


async def test_palette_quit_asks_for_a_second_press_while_a_turn_runs_like_ctrl_q(tmp_path: Path,
                                                                                  helpers: Any) -> None:
    app = _busy_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _type(pilot, "work for a while")
        assert app.screen.turn_running
        quit_ = next(c for c in app.get_system_commands(app.screen) if c.title == "Quit")
        assert "Ctrl+Q" in quit_.help
        await quit_.callback()
        await pilot.pause(0.1)
        assert app.is_running and app.return_code is None  # the turn goes on
        assert any("press Ctrl+Q again" in n.message for n in app._notifications)
        await pilot.press("ctrl+q")  # the second press quits
        await pilot.pause(0.1)
    assert app.return_code == 0


async def test_palette_quit_exits_at_once_when_idle(tmp_path: Path, helpers: Any) -> None:
    app = _busy_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        quit_ = next(c for c in app.get_system_commands(app.screen) if c.title == "Quit")
        await quit_.callback()
        await pilot.pause(0.1)
        assert not app.is_running


async def test_a_5000_line_paste_goes_to_the_model_whole_and_quickly(sample_repo: Path, serve: Any,
                                                                     helpers: Any) -> None:
    from textual import events

    from genie_tui.providers.scripted import Reply

    server = serve([Reply(tool_calls=[("finish", {"summary": "done"})])])
    app = helpers.make_app(sample_repo, server.base_url)
    pasted = "\n".join(f"Traceback line {i}: File \"x.py\", line {i}" for i in range(5000))
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.screen.query_one("#prompt")
        prompt.value = "fix this crash: "
        prompt.cursor_position = len(prompt.value)
        started = time.monotonic()
        prompt.post_message(events.Paste(pasted))
        await pilot.pause(0.1)
        assert "5,000 lines" in helpers.screen_text(app)  # said in the prompt, not drawn line by line
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: server.requests and not app.screen.turn_running)
        assert time.monotonic() - started < 10
        assert "Traceback line 0:" in helpers.screen_text(app)  # the conversation shows its beginning
    sent = json.dumps(server.requests[0])
    assert "fix this crash: " in sent
    assert json.dumps(pasted)[1:-1] in sent  # every line, newlines included


async def test_search_pane_with_thousands_of_hits_keeps_titles_and_highlights_the_newest(tmp_path: Path,
                                                                                         helpers: Any) -> None:
    from genie_tui.ui.widgets.search_pane import MAX_ROWS

    app = helpers.make_app(tmp_path, None, welcome=False)
    async with app.run_test(size=(100, 30)) as pilot:
        search = app.screen.search
        search.agent_looked("search", "parse config", tuple((f"src/m{i}.py", i + 1, i + 3, "f") for i in range(3000)))
        await pilot.pause(0.1)
        labels = [str(search.results.get_option_at_index(i).prompt) for i in range(search.results.option_count)]
        assert search.results.option_count <= MAX_ROWS
        assert labels[0].startswith("⟳ agent search: parse config")  # which lookup these are
        assert any("more" in label for label in labels)  # and that some are not shown
        assert search._current() == search.hits[1] and search.hits[1].path == "src/m0.py"  # the best hit
        for k in range(60):
            search.agent_looked("read", f"file{k}.py", ((f"file{k}.py", 0, 0, "file"),))
        await pilot.pause(0.1)
        labels = [str(search.results.get_option_at_index(i).prompt) for i in range(search.results.option_count)]
        assert len(labels) == len(search.hits) <= MAX_ROWS
        assert "⟳ agent read: file59.py" in labels and "  file59.py  file" in labels  # no ':0-0', no '…'
        assert search._current().path == "file59.py"


async def test_search_pane_is_rebuilt_once_per_hundred_rows_not_at_every_lookup(tmp_path: Path, helpers: Any) -> None:
    # a long session reads a file per turn: once the list was full, every read rebuilt all 400 rows on the
    # app's event loop; now a full list drops a quarter at once and the rows it keeps are not made again
    from genie_tui.ui.widgets.search_pane import CUT_TO_ROWS, MAX_ROWS

    app = helpers.make_app(tmp_path, None, welcome=False)
    async with app.run_test(size=(100, 30)) as pilot:
        search = app.screen.search
        rebuilds = []
        clear = search.results.clear_options
        search.results.clear_options = lambda: rebuilds.append(1) or clear()  # type: ignore[method-assign]
        for k in range(500):
            search.agent_looked("read", f"file{k}.py", ((f"file{k}.py", 1, 40, "file"),))
        await pilot.pause(0.1)
        assert len(rebuilds) <= (1000 - MAX_ROWS) // (MAX_ROWS - CUT_TO_ROWS) + 1  # 7, not 300
        labels = [str(search.results.get_option_at_index(i).prompt) for i in range(search.results.option_count)]
        assert CUT_TO_ROWS <= len(labels) == len(search.hits) <= MAX_ROWS
        assert labels[-2:] == ["⟳ agent read: file499.py", "  file499.py:1-40  file"]
        assert labels[0].startswith("⟳ agent read: file") and labels[1].startswith("  file")  # whole lookups
        assert search._current().path == "file499.py"


@pytest.mark.parametrize("size", [(60, 16), (80, 24)])
async def test_welcome_screen_shows_its_choices_without_scrolling(tmp_path: Path, helpers: Any,
                                                                 size: tuple[int, int]) -> None:
    from genie_tui.ui.screens.welcome import WelcomeScreen

    app = helpers.make_app(tmp_path, None)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        assert isinstance(app.screen, WelcomeScreen)
        shown = helpers.screen_text(app)
        assert "Run the demo (d)" in shown and "Continue (c)" in shown, shown
        await pilot.press("c")
        await pilot.pause(0.1)
        assert app.focused is app.screen.query_one("#prompt")


async def test_plan_edit_can_be_undone_with_u(tmp_path: Path, helpers: Any) -> None:
    from genie_tui.ui.widgets.plan_pane import PlanPane

    seen: list[Any] = []
    app = helpers.make_app(tmp_path, None, welcome=False)
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        plan = app.screen.plan
        await pilot.press("f3", "o", *"one", "enter", "o", *"two", "enter")
        await pilot.press("K")  # "two" above "one"
        await pilot.press("x")  # deletes "two": one key, easy to hit by mistake
        await pilot.pause()
        assert [s.text for s in plan.steps] == ["one"]
        await pilot.press("u")
        await pilot.pause()
        assert [s.text for s in plan.steps] == ["two", "one"]
        assert [s.text for s in [m for m in seen if isinstance(m, PlanPane.Edited)][-1].steps] == ["two", "one"]
        await pilot.press("u", "u")
        await pilot.pause()
        assert [s.text for s in plan.steps] == ["one"]
        assert "u undo" in helpers.screen_text(app)


class _TestRunAgent(_BusyAgent):
    """A turn that runs the tests: output lines arrive as ``ToolProgress`` until it is cancelled."""

    async def run(self, task: str) -> AsyncIterator[Any]:
        yield ev.ToolCallStarted("t1", "run_tests")
        yield ev.ToolCallCompleted("t1", "run_tests", {}, "{}")
        for i in range(2000):
            yield ev.ToolProgress("t1", "run_tests", f"test_{i} ... ok")
        yield ev.ToolProgress("t1", "run_tests", "still running: test_slow")
        await self.stop.wait()


async def test_test_run_output_shows_while_it_runs_and_esc_stops_it(tmp_path: Path, helpers: Any) -> None:
    settings = Settings(model="m", base_url="http://127.0.0.1:9/v1", api_key="x")
    app = GenieApp(settings, tmp_path, _TestRunAgent, animate=False, welcome=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _type(pilot, "run the tests")
        await helpers.wait_until(pilot, lambda: "still running: test_slow" in helpers.screen_text(app), timeout=10)
        assert app.screen.turn_running
        await pilot.press("escape")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        assert app.agent.stop.is_set()
