"""Snapshots of the main screen mid-session for every bundled theme, at 120x40 and at 80x24.

The session is fed through the bridge by a fake agent (fixed ids, no clock), the spinner is frozen and the
cursor does not blink, so the pictures are deterministic. Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from genie_tui.config.settings import Settings
from genie_tui.core import events as ev
from genie_tui.demo.script import patches
from genie_tui.ui.app import GenieApp
from genie_tui.ui.themes import BUNDLED


class ScriptedAgent:
    """Yields a fixed session up to a patch awaiting review (the busiest the screen gets)."""

    async def run(self, task: str) -> AsyncIterator[ev.Event]:
        first, _ = patches()
        yield ev.SessionStarted("20260101-demo", "~/.local/share/genie/sessions/demo.jsonl", task, "genie-demo", 20, 60000, True)
        yield ev.StepStarted(3, 20)
        yield ev.PhaseChanged("code")
        yield ev.UsageReported(2400, 180)
        yield ev.ContextLooked("search", "top_words count", (("wordstats/counter.py", 24, 28, "top_words"),
                                                              ("wordstats/report.py", 6, 8, "report")))
        yield ev.ContextLooked("read", "wordstats/counter.py", (("wordstats/counter.py", 1, 28, "lines 1-28"),))
        yield ev.PlanUpdated((ev.PlanStep("Find where words are split", "done"),
                              ev.PlanStep("Fix words(): punctuation and case", "doing"),
                              ev.PlanStep("Fix top_words() order", "todo"),
                              ev.PlanStep("Add a regression test", "todo", "user")), "agent")
        yield ev.TextDelta("`words()` splits on whitespace only, so **punctuation** and case split words. ")
        yield ev.ToolCallStarted("c1", "propose_patch")
        raw = json.dumps({"diff": first, "summary": "words(): ignore punctuation and case"})
        for i in range(0, len(raw), 16):
            yield ev.ToolCallArgsDelta("c1", "propose_patch", raw[i:i + 16])
        yield ev.ToolCallCompleted("c1", "propose_patch", json.loads(raw), raw)
        yield ev.PatchProposed("p1", first, "words(): ignore punctuation and case",
                               asyncio.get_running_loop().create_future())
        await asyncio.Event().wait()  # waits for the verdict, like the real agent

    def cancel(self) -> None: ...
    def user_plan_edit(self, steps: list[ev.PlanStep]) -> None: ...
    def add_context(self, text: str) -> None: ...
    def set_approval_mode(self, mode: str) -> None: ...


def _app(theme: str) -> GenieApp:
    settings = Settings(model="genie-demo", base_url="http://127.0.0.1:9/v1", api_key="x", theme=theme)
    return GenieApp(settings, Path("/home/you/wordstats"), ScriptedAgent, theme=theme, animate=False,
                    welcome=False, first_task="fix top_words")


async def _settle(pilot: Any) -> None:
    app = pilot.app
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for _ in range(100):
        if app.screen.patch.awaiting:
            await pilot.press("f4")  # review it, as a user would
            break
        await pilot.pause(0.05)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
@pytest.mark.parametrize("theme", BUNDLED)
def test_main_screen_snapshot(snap_compare: Any, theme: str, size: tuple[int, int]) -> None:
    assert snap_compare(_app(theme), terminal_size=size, run_before=_settle)
