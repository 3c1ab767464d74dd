"""Keys typed right behind the key that opens a text box (`o`/`e` in the plan, `m`/`r` in a review), delivered in
one burst as a terminal delivers type-ahead while the app is busy: they reached the list the box opened from and
were dropped ("HELLO WORLD" saved as "WORLD", a comment "BAD HUNK" sent as "UNK"), found by a review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.demo.script import patches
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_a_burst_behind_o_e_m_and_r_lands_in_the_box_in_order(sample_repo: Path, serve: Any,
                                                                    helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "s"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("escape", "f3")
        await helpers.burst(app, *"oHELLO WORLD", "enter")
        await helpers.wait_until(pilot, lambda: [s.text for s in screen.plan.steps] == ["HELLO WORLD"])
        await helpers.burst(app, *"eHELLO again", "enter")  # the step's text selected: the first key replaces it
        await helpers.wait_until(pilot, lambda: [s.text for s in screen.plan.steps] == ["HELLO again"])
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4")
        await helpers.burst(app, *"mBAD HUNK", "enter")
        await helpers.wait_until(pilot, lambda: screen.patch.view.hunks[0].comment == "BAD HUNK")
        await helpers.burst(app, *"rNOPE", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
    tool = helpers.last_tool(server.requests[1])
    assert "NOPE; hunk 1 (wordstats/counter.py): BAD HUNK" in tool


async def test_keys_on_the_list_after_leaving_an_open_box_stay_the_lists(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("f3", "o", *"draft")
        await pilot.press("f5", "f3")  # back to the draft
        assert screen.plan.editor.has_focus and screen.plan.editor.value == "draft"
        screen.plan.items.focus()  # a click on the list: what is typed now is for the list
        await pilot.pause()
        await helpers.burst(app, *"xyz")
        await pilot.pause(0.2)
        assert screen.plan.editor.value == "draft"
