"""A review key pressed twice ('a a') or typed in the burst that decided a review: the decision gives the keys to
the prompt, and the second press, meant for the pane, was typed there. For half a second after a decision the
prompt drops the review keys (an Enter sends nothing); any other key, and every key after that, is typed as
usual."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_a_second_a_after_approving_is_not_typed_into_the_prompt(sample_repo: Path, serve: Any,
                                                                       helpers: Any) -> None:
    first, second = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "one"})]),
                    Reply(tool_calls=[("propose_patch", {"diff": second, "summary": "two"})]), FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        prompt = screen.query_one("#prompt")
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4")
        await helpers.burst(app, "a", "a", gap=0.02)
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and prompt.has_focus)
        await pilot.pause(0.1)
        assert prompt.value == ""
        assert "WORD.findall" in (sample_repo / COUNTER).read_text()  # the first 'a' approved the patch
        # the second patch: Enter decides it (pending hunks count as approved), and a second Enter sends nothing
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4")
        await helpers.burst(app, "enter", "enter", gap=0.02)
        await helpers.wait_until(pilot, lambda: not screen.turn_running)
        assert prompt.value == "" and prompt.has_focus
        await pilot.pause(0.5)  # typing after the moment: all of it is the user's, review keys too
        await pilot.press("y", "e", "s", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 4 and not screen.turn_running)
        assert prompt.value == ""
    assert [m["content"] for m in server.requests[3]["messages"] if m["role"] == "user"][-1] == "yes"
    assert helpers.last_tool(server.requests[2]).startswith("Patch applied")


async def test_a_second_enter_after_rejecting_with_a_reason_sends_no_draft(sample_repo: Path, serve: Any,
                                                                           helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "one"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        prompt = screen.query_one("#prompt")
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        prompt.value = "/plan a step for later"  # a draft written while the patch was coming
        await pilot.press("f4", "r", *"too broad")
        await helpers.burst(app, "enter", "enter", gap=0.02)
        await helpers.wait_until(pilot, lambda: not screen.turn_running)
        await pilot.pause(0.1)
        assert prompt.value == "/plan a step for later"  # kept, not sent
        assert not any(step.text == "a step for later" for step in screen.plan.steps)
    assert "too broad" in helpers.last_tool(server.requests[1])


async def test_a_word_typed_right_after_approving_keeps_its_first_letters(sample_repo: Path, serve: Any,
                                                                           helpers: Any) -> None:
    # 'a' approves, and "add a test" follows in the same burst: its 'a' (a review key, held back as an echo)
    # is the start of a word once 'd' follows, and goes in before it; a lone echo ('a a') still goes
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "one"})]), FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        prompt = screen.query_one("#prompt")
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4")
        await helpers.burst(app, "a", *"yes, add a test", gap=0.02)
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
        await pilot.pause(0.1)
        assert prompt.value == "yes, add a test"
    assert "WORD.findall" in (sample_repo / COUNTER).read_text()
