"""The status bar's phase while a turn runs: never "idle" while the agent works, and the phase of each tool even
when the turn before ended in the same one (the agent only reports a change from the phase it was in last)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def _phases_until_idle(pilot: Any, app: Any) -> list[str]:
    seen: list[str] = []
    while app.screen.turn_running:
        if not seen or seen[-1] != app.screen.status.phase:
            seen.append(app.screen.status.phase)
        await pilot.pause(0.01)
    return seen


async def test_phase_is_not_idle_while_the_model_writes(sample_repo: Path, serve: Any, helpers: Any) -> None:
    # 6 s of streaming: under a loaded full suite a 1.5 s stream could end before the check saw its text
    slow = Reply(content="Let me look at the code first. " * 20, chunk_chars=4, chunk_delay=0.04)
    server = serve([slow, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: "Let me look" in app.screen.conversation.transcript())
        assert app.screen.status.phase == "thinking"
        assert "thinking" in str(app.screen.status.render())
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        assert app.screen.status.phase == "idle"


async def test_a_turn_after_a_cancel_shows_its_phase(sample_repo: Path, serve: Any, helpers: Any) -> None:
    search = Reply(tool_calls=[("search_code", {"query": "words"})], chunk_chars=2, chunk_delay=0.2)
    again = Reply(tool_calls=[("search_code", {"query": "count"})], chunk_chars=2, chunk_delay=0.05)
    server = serve([search, again, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "look around")
        await helpers.wait_until(pilot, lambda: app.screen.status.phase == "find")
        await pilot.press("escape")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        await helpers.send(pilot, "look again")
        phases = await _phases_until_idle(pilot, app)
    assert "find" in phases, phases
