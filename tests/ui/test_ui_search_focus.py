"""The search pane while the agent works: a lookup of the agent's that lands while the user is on a hit of their
own in the list must not move the highlight, or ``c`` / Enter act on the agent's file instead of theirs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER
from genie_tui.providers.scripted import Reply
from genie_tui.ui.widgets.search_pane import Hit

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
REPORT = "wordstats/report.py"


async def test_an_agent_read_landing_while_the_user_is_on_a_hit_leaves_the_highlight_there(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    gate = threading.Event()

    def read_after_the_users_search(body: dict[str, Any]) -> Reply:
        gate.wait(20)  # the model "thinks" until the user is on their hit
        return Reply(tool_calls=[("read_file", {"path": COUNTER})])

    server = serve([read_after_the_users_search, FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        pane = screen.search
        await helpers.send(pilot, "look at the counter")
        await helpers.wait_until(pilot, lambda: screen.turn_running)
        await pilot.press("f2", *"report", "enter")
        await helpers.wait_until(pilot, lambda: pane.results.has_focus and pane._current() is not None)
        mine = pane._current()
        assert mine.path == REPORT
        rows = len(pane.hits)
        gate.set()
        await helpers.wait_until(pilot, lambda: len(pane.hits) > rows)  # the agent's read is in the list
        assert any(h is not None and h.path == COUNTER for h in pane.hits[rows:])
        assert pane._current() == mine
        await pilot.press("c")
        await helpers.wait_until(pilot, lambda: app.agent.pending_notes())
        added = [note for note in app.agent.pending_notes() if note.startswith("[The user added")]
        assert len(added) == 1 and added[0].splitlines()[1].startswith(REPORT + ":"), added
        await helpers.wait_until(pilot, lambda: not screen.turn_running)


async def test_lookups_that_cut_the_list_keep_the_users_hit_highlighted(tmp_path: Path, helpers: Any) -> None:
    # a full list drops its oldest rows and is rebuilt; the hit the user is on moves up with it, the highlight too
    from genie_tui.ui.widgets.search_pane import MAX_ROWS

    app = helpers.make_app(tmp_path, None, welcome=False)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.screen.search
        for k in range(MAX_ROWS // 4):
            pane.agent_looked("read", f"old{k}.py", ((f"old{k}.py", 1, 9, "file"),))
        mine = next(i for i, h in enumerate(pane.hits) if h is not None and h.path == f"old{MAX_ROWS // 4 - 1}.py")
        pane.results.focus()
        pane.results.highlighted = mine
        await pilot.pause(0.05)
        for k in range(MAX_ROWS // 4 + 20):  # the list fills up and is cut once (the user's hit stays in it)
            pane.agent_looked("read", f"new{k}.py", ((f"new{k}.py", 1, 9, "file"),))
        await pilot.pause(0.05)
        assert pane.hits[0] is None and pane.hits[1].path != "old0.py"  # the cut happened
        assert pane._current() == Hit(f"old{MAX_ROWS // 4 - 1}.py", 1, 9, "file")
        pane.screen.focus_next()  # away from the list: the newest lookup is highlighted again
        await pilot.pause(0.05)
        pane.agent_looked("read", "last.py", (("last.py", 1, 9, "file"),))
        assert pane._current() == Hit("last.py", 1, 9, "file")

