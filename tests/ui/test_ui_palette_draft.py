"""The palette's commands that take an argument ("Ask about the code…", "Switch model…", ...) never put their
command over a draft in the prompt: a question typed first becomes /ask's argument, pastes and all; /model and
/apply leave a draft as it is and say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events

from genie_tui.providers.scripted import Reply

TRACE = "Traceback (most recent call last):\n  File x.py\nValueError: boom"


async def _palette(pilot: Any, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    await pilot.press(*query)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_ask_from_the_palette_takes_the_draft_as_its_question(sample_repo: Path, serve: Any,
                                                                     helpers: Any) -> None:
    server = serve([Reply(tool_calls=[("finish", {"summary": "it is the parser"})])])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        await pilot.press(*"why this crash in ")
        prompt.post_message(events.Paste(TRACE))
        await pilot.pause(0.1)
        assert prompt.value == "why this crash in [paste 1: 3 lines]"
        await _palette(pilot, "Ask about the code")
        assert prompt.value == "/ask why this crash in [paste 1: 3 lines]"
        await pilot.press(*"?")  # typing goes on after the draft, not over it
        assert prompt.value == "/ask why this crash in [paste 1: 3 lines]?"
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: server.requests and not app.screen.turn_running)
    asked = [m["content"] for m in server.requests[0]["messages"] if m["role"] == "user"][-1]
    assert "do not change any files" in asked and "why this crash in" in asked and "ValueError: boom" in asked


async def test_switch_model_leaves_a_draft_and_says_so(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        await pilot.press(*"fix the crash in ")
        prompt.post_message(events.Paste(TRACE))
        await pilot.pause(0.1)
        for command in ("Switch model", "Apply a patch file"):
            await _palette(pilot, command)
            assert prompt.value == "fix the crash in [paste 1: 3 lines]" and prompt.has_focus, command
            assert any("holds a draft" in n.message for n in app._notifications), command
        assert prompt.expand(prompt.value).endswith("ValueError: boom")  # the paste is still there, whole


async def test_a_command_put_in_the_prompt_from_another_pane_is_typed_after(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")  # the focus is in the plan pane: coming back, the prompt selected its line
        await _palette(pilot, "Read a web page")
        prompt = app.screen.query_one("#prompt")
        assert prompt.has_focus and prompt.value == "/browse "
        await pilot.press(*"example.org")
        assert prompt.value == "/browse example.org"
        await _palette(pilot, "Read a web page")  # the command is there already: nothing changes
        assert prompt.value == "/browse example.org"
