"""Pilot tests of the app against the real agent and a scripted OpenAI-compatible server.

Each test drives the UI with keys, then asserts on the repository and on what the next model request
carried (the server records every request body).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply
from genie_tui.ui.screens.preview import PreviewScreen
from genie_tui.ui.screens.question import TYPE_AHEAD_S, QuestionScreen
from genie_tui.ui.screens.welcome import WelcomeScreen

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


def _last_tool(body: dict[str, Any]) -> str:
    return next((m["content"] for m in reversed(body["messages"]) if m.get("role") == "tool"), "")


async def _start(pilot: Any, text: str) -> None:
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")


async def test_approve_one_hunk_reject_other_with_comment(sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "normalise words"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        assert len(screen.patch.view.hunks) == 2
        await pilot.press("f4", "y", "m")
        assert screen.patch.comment_box.has_focus
        await pilot.press(*"keep split", "enter", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
    text = (sample_repo / COUNTER).read_text()
    assert "import re" in text and "return text.split()" in text  # hunk 1 applied, hunk 2 not
    tool = _last_tool(server.requests[1])
    assert "keep split" in tool and "hunk 2" in tool


async def test_reject_whole_patch_with_comment(sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    before = (sample_repo / COUNTER).read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("f4", "r", *"use a regex module", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
    assert (sample_repo / COUNTER).read_text() == before
    tool = _last_tool(server.requests[1])
    assert "rejected" in tool and "use a regex module" in tool


async def test_plan_edit_reaches_next_request(sample_repo: Path, serve: Any, helpers: Any) -> None:
    steps = [{"text": "Read the code", "status": "todo"}, {"text": "Fix it", "status": "todo"}]
    server = serve([Reply(tool_calls=[("update_plan", {"steps": steps})]), FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "plan something")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        assert [s.text for s in app.screen.plan.steps] == ["Read the code", "Fix it"]
        await pilot.press("f3", "space", "o", *"Write a regression test", "enter")
        assert [s.text for s in app.screen.plan.steps][-1] == "Write a regression test"
        await _start(pilot, "go on")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not app.screen.turn_running)
    sent = json.dumps(server.requests[2])
    assert "The user edited the plan" in sent and "Write a regression test" in sent
    assert "Write a regression test" not in json.dumps(server.requests[1])


async def test_answer_question_with_choice(sample_repo: Path, serve: Any, helpers: Any) -> None:
    ask = Reply(tool_calls=[("ask_user", {"question": "Ignore case?", "choices": ["Yes", "No, keep case"]})])
    server = serve([ask, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen)
                                 and "Ignore case?" in helpers.screen_text(app))
        await pilot.click("#choice-1")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
    assert "The user answered: No, keep case" in _last_tool(server.requests[1])


async def test_escape_on_question_means_best_assumption(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([Reply(tool_calls=[("ask_user", {"question": "Which file?"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "do it")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        await pilot.press("escape")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
    assert "best assumption" in _last_tool(server.requests[1])


async def test_cancel_mid_stream_applies_nothing(sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, _ = patches()
    slow = Reply(tool_calls=[("propose_patch", {"diff": first * 3})], chunk_chars=3, chunk_delay=0.02)
    server = serve([slow, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    before = (sample_repo / COUNTER).read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: len(app.screen.patch.view.lines) >= 3)
        await pilot.press("escape")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        shown = helpers.screen_text(app)
    assert (sample_repo / COUNTER).read_text() == before
    assert "cancelled" in shown and "type a message to go on" in shown and "genie resume" not in shown
    assert len(server.requests) == 1  # no further model turn after the cancel


async def test_switch_theme_by_command(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == "genie-dark"
        await _start(pilot, "/theme genie-light")
        assert app.theme == "genie-light"
        await _start(pilot, "/theme genie-contrast")
        assert app.theme == "genie-contrast"
        await _start(pilot, "/theme no-such-theme")
        assert app.theme == "genie-contrast"


async def test_broken_user_theme_is_named_and_default_used(sample_repo: Path, genie_home: Path, helpers: Any) -> None:
    themes = genie_home / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text("name = 'broken'\nprimary = \n")
    (themes / "mine.toml").write_text("name = 'mine'\nprimary = '#ff00ff'\n")
    app = helpers.make_app(sample_repo, None, welcome=False, theme="broken")
    async with app.run_test(size=(120, 40)):
        assert app.theme == "genie-dark"
        assert any("broken.toml" in p for p in app.theme_problems)
        assert "mine" in app.available_themes


async def test_search_preview_and_add_context(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2", *"top_words", "enter")
        pane = app.screen.search
        await helpers.wait_until(pilot, lambda: any(h and h.path == COUNTER for h in pane.hits))
        pane.results.highlighted = next(i for i, h in enumerate(pane.hits) if h and h.path == COUNTER)
        pane.results.focus()
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen) and app.screen.text)
        assert "def top_words" in app.screen.text
        await pilot.press("c")
        await helpers.wait_until(pilot, lambda: not isinstance(app.screen, PreviewScreen))
        assert app.pending_context and app.pending_context[0].startswith(COUNTER)
        await _start(pilot, "explain")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
    assert "The user added this to your context" in json.dumps(server.requests[0])


async def test_a_file_deleted_since_the_search_cannot_be_added_to_context(sample_repo: Path, helpers: Any) -> None:
    gone = sample_repo / "gone.py"
    gone.write_text("def GONEMARKER():\n    return 1\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2", *"GONEMARKER", "enter")
        pane = app.screen.search
        await helpers.wait_until(pilot, lambda: any(h and h.path == "gone.py" for h in pane.hits))
        pane.results.highlighted = next(i for i, h in enumerate(pane.hits) if h and h.path == "gone.py")
        pane.results.focus()
        gone.unlink()
        await pilot.press("c")  # from the list of hits
        await pilot.pause(0.1)
        assert not app.pending_context
        assert any("Not added: cannot read gone.py" in n.message for n in app._notifications)
        await pilot.press("enter")  # from its preview
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
        await pilot.press("c")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PreviewScreen) and not app.pending_context
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not app.pending_context


async def test_welcome_without_model_offers_demo(sample_repo: Path, helpers: Any, genie_home: Path) -> None:
    app = helpers.make_app(sample_repo, None)
    async with app.run_test(size=(160, 32)) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        assert "OPENAI_API_KEY" in helpers.screen_text(app)
        # the config file genie reads here (GENIE_HOME, XDG_CONFIG_HOME, macOS), not a path written in the text
        assert str(genie_home / "config" / "config.toml") in helpers.screen_text(app)
        await pilot.press("d")
    assert app.return_value == "demo"


async def _apply_demo_fix(pilot: Any, app: Any, repo: Path, helpers: Any) -> None:
    """Review the demo's first patch with /apply, approve all, and wait until it is on disk."""
    first, _ = patches()
    (repo / "fix.diff").write_text(first)
    await _start(pilot, "/apply fix.diff")
    await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
    await pilot.press("a")
    await helpers.wait_until(pilot, lambda: "WORD.findall" in (repo / COUNTER).read_text())


async def test_apply_and_undo_without_model(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    before = (sample_repo / COUNTER).read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        await _apply_demo_fix(pilot, app, sample_repo, helpers)
        await _start(pilot, "/undo")
        await helpers.wait_until(pilot, lambda: (sample_repo / COUNTER).read_text() == before)


async def test_ctrl_c_twice_quits(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+c")
        assert app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
    assert app.return_code == 0


async def test_ctrl_q_quits_at_once_when_idle(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+q")
        await helpers.wait_until(pilot, lambda: not app.is_running)


async def test_ctrl_q_during_a_turn_asks_for_a_second_press(sample_repo: Path, serve: Any, helpers: Any) -> None:
    # sparse chunks: the app is idle between them, so each key press returns at once (a busy stream makes
    # Pilot wait for idle, and the toast and the two-press window would expire meanwhile)
    slow = Reply(content="Working on it. " * 40, chunk_chars=15, chunk_delay=0.25)
    server = serve([slow, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _start(pilot, "do it")
        await helpers.wait_until(pilot, lambda: app.screen.turn_running)
        await pilot.press("ctrl+q")
        await helpers.wait_until(pilot, lambda: any("Ctrl+Q again" in toast.render().plain
                                                    for toast in app.screen.query("Toast")))
        assert app.is_running and app.screen.turn_running
        await pilot.press("ctrl+q")
        await helpers.wait_until(pilot, lambda: not app.is_running)


async def test_f4_without_a_patch_says_so_and_keeps_the_focus(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        await pilot.press("f4")
        await helpers.wait_until(pilot, lambda: any("No patch yet" in toast.render().plain
                                                    for toast in app.screen.query("Toast")))
        assert app.screen.focused is prompt and not app.screen.patch.display
        (sample_repo / COUNTER).write_text((sample_repo / COUNTER).read_text() + "# edited\n")
        await pilot.press(*"/diff", "enter")  # something to show: F4 opens the pane
        await helpers.wait_until(pilot, lambda: not app.screen.patch.empty)
        await pilot.press("f4")
        assert app.screen.patch.display and app.screen.focused is app.screen.patch.view


async def test_palette_lists_every_action_and_switches_theme(sample_repo: Path, helpers: Any) -> None:
    from genie_tui.ui.palette import PALETTE

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {title for title, _, _ in PALETTE} <= set(commands)
        assert {"Theme: genie-light", "Theme: genie-contrast", "Approval mode: auto"} <= set(commands)
        commands["Theme: genie-light"].callback()
        commands["Approval mode: auto"].callback()
        await pilot.pause()
        assert app.theme == "genie-light"
        assert app.settings.approve == "auto" and "approve:auto" in helpers.screen_text(app)


async def test_agent_plan_after_user_edit_says_whether_edits_were_kept(sample_repo: Path, serve: Any,
                                                                       helpers: Any) -> None:
    steps = [{"text": "Read the code", "status": "todo"}]
    kept = [{"text": "Read the code", "status": "done"}, {"text": "Add a test", "status": "todo"}]
    server = serve([Reply(tool_calls=[("update_plan", {"steps": steps})]), FINISH,
                    Reply(tool_calls=[("update_plan", {"steps": kept})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "plan")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        await pilot.press("f3", "o", *"Add a test", "enter")
        await _start(pilot, "continue")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 4 and not app.screen.turn_running)
        assert "kept 1/1 of your edits" in helpers.screen_text(app)


async def test_ctrl_u_clears_text_boxes_and_undoes_only_outside_them(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    before = (sample_repo / COUNTER).read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        await _apply_demo_fix(pilot, app, sample_repo, helpers)
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        await pilot.press(*"half")
        assert prompt.value == "half"
        await pilot.press("ctrl+u", "ctrl+u")  # a shell habit: clear the line, and again
        await pilot.pause(0.2)
        assert prompt.value == "" and "WORD.findall" in (sample_repo / COUNTER).read_text()
        await pilot.press("f4", "ctrl+u")
        await helpers.wait_until(pilot, lambda: (sample_repo / COUNTER).read_text() == before)
        await helpers.wait_until(pilot, lambda: "Patch undone" in helpers.screen_text(app))


async def test_an_undo_is_told_to_the_agent(sample_repo: Path, serve: Any, helpers: Any, capsys: Any) -> None:
    first, second = patches()
    (sample_repo / "mine.diff").write_text(second)
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "regex words"})]), FINISH,
                    FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url, approve="auto")
    before = (sample_repo / COUNTER).read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        patched = (sample_repo / COUNTER).read_text()
        assert "WORD.findall" in patched
        await _start(pilot, "/apply mine.diff")  # the user's own patch on top of the agent's
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: (sample_repo / COUNTER).read_text() != patched)
        await _start(pilot, "/undo")  # undoes the user's patch: the agent's p1 is still on disk
        await helpers.wait_until(pilot, lambda: (sample_repo / COUNTER).read_text() == patched)
        await _start(pilot, "continue")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not app.screen.turn_running)
        await _start(pilot, "/undo")  # now the agent's
        await helpers.wait_until(pilot, lambda: (sample_repo / COUNTER).read_text() == before)
        await _start(pilot, "continue")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 4 and not app.screen.turn_running)
    mine, its = server.requests[2], server.requests[3]
    assert "p1: applied" in mine["messages"][0]["content"]  # the state restated in the system prompt
    assert any("[The user undid a patch (/apply mine.diff)" in str(m.get("content")) for m in mine["messages"])
    assert "p1: undone by the user" in its["messages"][0]["content"]
    assert any("[The user undid your patch p1" in str(m.get("content")) for m in its["messages"])
    from genie_tui.cli import main
    from genie_tui.core.restore import restore

    assert restore(app.agent.session_path).patches[-1]["undone"]  # a resumed session knows it too
    assert main(["replay", str(app.agent.session_path)]) == 0
    out = capsys.readouterr().out
    assert f"user undid the last patch: {COUNTER}" in out


async def test_an_undo_of_a_patch_reverted_by_hand_is_told_to_the_agent(sample_repo: Path, serve: Any,
                                                                        helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "regex words"})]), FINISH,
                    FINISH])
    app = helpers.make_app(sample_repo, server.base_url, approve="auto")
    before = (sample_repo / COUNTER).read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        assert "WORD.findall" in (sample_repo / COUNTER).read_text()
        (sample_repo / COUNTER).write_text(before)  # the user takes the patch back in an editor
        await _start(pilot, "/undo")
        await helpers.wait_until(pilot, lambda: "nothing was restored" in helpers.screen_text(app))
        assert (sample_repo / COUNTER).read_text() == before
        await _start(pilot, "continue")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not app.screen.turn_running)
    last = server.requests[2]
    assert "p1: undone by the user" in last["messages"][0]["content"]
    assert any("[The user undid your patch p1" in str(m.get("content")) for m in last["messages"])


async def test_a_patch_arriving_while_typing_does_not_take_the_keys(sample_repo: Path, serve: Any,
                                                                     helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "regex words"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    before = (sample_repo / COUNTER).read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        prompt = app.screen.query_one("#prompt")
        assert prompt.has_focus
        await pilot.press(*"any", "n", "e", "y")  # approve-all, reject, edit, approve keys: all text here
        await pilot.pause(0.2)
        assert prompt.value == "anyney" and app.screen.patch.awaiting
        assert (sample_repo / COUNTER).read_text() == before
        assert "F4 to review" in helpers.screen_text(app)
        await pilot.press("f4")
        assert "keys below" in helpers.screen_text(app)
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: "WORD.findall" in (sample_repo / COUNTER).read_text())


async def test_question_choices_are_plain_text_not_markup(sample_repo: Path, serve: Any, helpers: Any) -> None:
    choices = ["Use list[int]", "dict[str, Any]", "[/]", "\x1b[31mred\x1b[0m"]
    server = serve([Reply(tool_calls=[("ask_user", {"question": "Which [b]type[/b]?", "choices": choices})]),
                    FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(100, 30)) as pilot:
        await _start(pilot, "annotate")
        # the dialog paints a frame or more after it is pushed (on a busy machine, later)
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen)
                                 and "4. red" in helpers.screen_text(app))
        text = helpers.screen_text(app)
        for shown in ("Which [b]type[/b]?", "1. Use list[int]", "2. dict[str, Any]", "3. [/]", "4. red"):
            assert shown in text, shown
        await pilot.pause(TYPE_AHEAD_S)
        await pilot.press("1", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
    assert "The user answered: Use list[int]" in _last_tool(server.requests[1])


async def test_typing_yes_runs_the_command_and_a_refusal_is_logged(sample_repo: Path, serve: Any,
                                                                   helpers: Any) -> None:
    server = serve([Reply(tool_calls=[("run_tests", {"command": "python -c 'print(41 + 1)'"})]),
                    Reply(tool_calls=[("run_tests", {"command": "python -c 'print(0)'"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "run it")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen)
                                 and "wants to run a command" in helpers.screen_text(app))
        assert "Esc: don't run it" in helpers.screen_text(app)
        await pilot.pause(TYPE_AHEAD_S)
        await pilot.press(*"yes", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and isinstance(app.screen, QuestionScreen))
        await pilot.press("escape")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not app.screen.turn_running)
        text = helpers.screen_text(app)
    assert "42" in _last_tool(server.requests[1])
    assert "did not allow" in _last_tool(server.requests[2])
    assert "you declined: python -c 'print(0)'" in text


async def test_ctrl_c_in_a_question_stops_the_turn_and_twice_quits(sample_repo: Path, serve: Any,
                                                                   helpers: Any) -> None:
    server = serve([Reply(tool_calls=[("ask_user", {"question": "Which file?"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "do it")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        answer = app.screen.query_one("#q-answer")
        answer.value = "counter.py"
        await pilot.press("shift+home")  # select it: Ctrl+C copies, as anywhere else
        await pilot.press("ctrl+c")
        assert app.clipboard == "counter.py" and isinstance(app.screen, QuestionScreen)
        await pilot.press("end", "ctrl+c")  # nothing selected: stop the turn
        await helpers.wait_until(pilot, lambda: not isinstance(app.screen, QuestionScreen)
                                 and not app.screen.turn_running)
        await pilot.press("ctrl+c")
        await helpers.wait_until(pilot, lambda: not app.is_running)
    assert len(server.requests) == 1  # the question was never answered: nothing more was sent


async def test_diff_while_a_patch_awaits_review_keeps_the_review(sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await _start(pilot, "/diff")
        await helpers.wait_until(pilot, lambda: "decide it first" in helpers.screen_text(app))
        assert app.screen.patch.awaiting
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
    assert "WORD.findall" in (sample_repo / COUNTER).read_text()


async def test_a_plan_written_before_the_first_task_reaches_the_model(sample_repo: Path, serve: Any,
                                                                      helpers: Any) -> None:
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3", "o", *"Write a failing test first", "enter")
        await _start(pilot, "fix words()")  # a bug fix: the fix-bug playbook's steps join the plan
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        steps = [(st.text, st.origin) for st in app.agent.plan]
        shown = [st.text for st in app.screen.plan.steps]
    assert steps[0] == ("Write a failing test first", "user") and len(steps) > 1
    assert all(origin.startswith("playbook:") for _, origin in steps[1:])
    assert shown == [text for text, _ in steps]
    system = server.requests[0]["messages"][0]["content"]
    assert "Write a failing test first" in system.split("## Current plan", 1)[1]


async def test_control_sequences_from_the_model_are_not_drawn(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([Reply(content="plain \x1b[31mred\x1b[0m text\x1b]0;pwned\x07 end"), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "hello")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        text = helpers.screen_text(app)  # the compositor's strips: what is written to the terminal
    assert "plain red text end" in text
    assert "\x1b" not in text and "\x07" not in text and "pwned" not in text


async def test_a_plan_edit_made_while_the_model_writes_its_update_is_not_overwritten(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    first = [{"text": "Read", "status": "doing"}, {"text": "Fix", "status": "todo"}]
    later = [{"text": "Read", "status": "done"}, {"text": "Fix", "status": "doing"}]
    slow = Reply(content="Working on it. " * 100, chunk_chars=4, chunk_delay=0.02,
                 tool_calls=[("update_plan", {"steps": later})])
    server = serve([Reply(tool_calls=[("update_plan", {"steps": first})]), slow, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "plan")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)  # the slow turn is streaming
        await pilot.press("f3", "o")
        app.screen.plan.editor.value = "Write a test"  # typed at once: Pilot's keys are slow while text streams
        await pilot.press("enter")
        assert app.screen.turn_running and "Working on it" in helpers.screen_text(app)  # still streaming
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not app.screen.turn_running)
        steps = [(s.text, s.origin) for s in app.screen.plan.steps]
    assert steps == [("Read", "agent"), ("Fix", "agent"), ("Write a test", "user")]
    assert "Plan not updated: the user edited the plan" in _last_tool(server.requests[2])
    assert "Write a test" in json.dumps(server.requests[2]["messages"][-1])


async def test_a_step_saved_after_the_agent_rewrote_the_plan_lands_on_that_step(sample_repo: Path, serve: Any,
                                                                                 helpers: Any) -> None:
    from genie_tui.core.events import PlanStep

    server = serve([Reply(tool_calls=[("update_plan", {"steps": [{"text": "Read"}, {"text": "Fix"}]})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "plan")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        plan = app.screen.plan
        await pilot.press("f3", "down", "e")  # editing "Fix"
        plan.editor.value = "Fix carefully"
        plan.show([PlanStep("Reproduce", "doing", "agent"), PlanStep("Read", "done", "agent"),
                   PlanStep("Fix", "todo", "agent")], "agent")  # the agent's update arrives meanwhile
        await pilot.press("enter")
        await pilot.pause()
        assert [(s.text, s.status) for s in plan.steps] == [("Reproduce", "doing"), ("Read", "done"),
                                                             ("Fix carefully", "todo")]
        plan.show([PlanStep("Run tests", "done", "agent"), PlanStep("Fix", "doing", "agent"),
                   PlanStep("Run tests", "todo", "agent")], "agent")
        plan.items.highlighted = 2
        await pilot.press("e")  # the second "Run tests"
        plan.editor.value = "Run the whole suite"
        await pilot.press("enter")
        await pilot.pause()
        assert [(s.text, s.status) for s in plan.steps] == [("Run tests", "done"), ("Fix", "doing"),
                                                             ("Run the whole suite", "todo")]
        await pilot.press("o")  # adding a step while the agent adds one: both stay
        plan.editor.value = "Mine"
        plan.show([*plan.steps, PlanStep("Theirs", "doing", "agent")], "agent")
        await pilot.press("enter")
        await pilot.pause()
        assert [(s.text, s.status, s.origin) for s in plan.steps[-2:]] == [("Theirs", "doing", "agent"),
                                                                           ("Mine", "todo", "user")]


async def test_retries_are_numbered_from_one_out_of_max_retries(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([Reply(fault="500"), Reply(fault="500"), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    app.settings.max_retries, app.settings.backoff_base = 2, 0.05
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not app.screen.turn_running)
        text = helpers.screen_text(app)
    assert "retrying (1/2)" in text and "retrying (2/2)" in text, text


async def test_an_enter_typed_as_a_question_opens_is_not_taken_as_the_answer(sample_repo: Path, serve: Any,
                                                                             helpers: Any, monkeypatch: Any) -> None:
    from genie_tui.ui.screens import question

    server = serve([Reply(tool_calls=[("ask_user", {"question": "Which file?"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(question, "TYPE_AHEAD_S", 60.0)  # however slow the machine, still "just opened"
        await _start(pilot, "do it")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        await pilot.press(*"bug", "enter")  # the end of a sentence meant for the prompt
        assert isinstance(app.screen, QuestionScreen) and len(server.requests) == 1
        assert app.screen.query_one("#q-answer").value == "bug"  # kept, for the user to fix or send
        monkeypatch.setattr(question, "TYPE_AHEAD_S", 0.0)
        app.screen.query_one("#q-answer").value = "counter.py"
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
    assert "The user answered: counter.py" in _last_tool(server.requests[1])


async def test_the_plan_editor_opens_on_screen_in_a_small_terminal(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(60, 15)) as pilot:
        await pilot.press("f3", "o")
        await pilot.pause(0.2)
        editor = app.screen.plan.editor
        prompt = app.screen.query_one("#prompt")
        assert editor.has_focus and editor.region.height >= 1
        assert editor.region.bottom <= prompt.region.y  # above the prompt, not under it
        assert "o Add step" in helpers.screen_text(app)


async def test_a_question_fits_a_small_terminal_and_scrolls_by_keys(sample_repo: Path, serve: Any, helpers: Any) -> None:
    question = "Which behaviour do you want when the input is empty? " * 6 + "LAST-WORDS"
    choices = ["Return an empty list", "Raise ValueError", "Return None", "Something else, in a long choice"]
    server = serve([Reply(tool_calls=[("ask_user", {"question": question, "choices": choices})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(60, 15)) as pilot:
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen)
                                 and "Esc: proceed" in helpers.screen_text(app))
        text = helpers.screen_text(app)
        answer = app.screen.query_one("#q-answer")
        assert "The agent asks:" in text and "Which behaviour do you want" in text  # the start, not clipped
        assert answer.has_focus and answer.region.bottom <= 15
        assert "Esc: proceed" in text
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert "LAST-WORDS" in helpers.screen_text(app) and answer.has_focus
        await pilot.pause(TYPE_AHEAD_S)
        await pilot.press("3", "enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2)
    assert "The user answered: Return None" in _last_tool(server.requests[1])


async def test_escape_returns_to_the_prompt_from_every_pane_when_idle(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.screen.query_one("#prompt")
        (sample_repo / COUNTER).write_text((sample_repo / COUNTER).read_text() + "# edited\n")
        await _start(pilot, "/diff")
        await helpers.wait_until(pilot, lambda: not app.screen.patch.empty)
        for keys in (["f2"], ["f2", "tab"], ["f3"], ["f3", "o"], ["f4"], ["tab", "tab", "tab", "tab"]):
            prompt.focus()
            await pilot.press(*keys)
            assert not prompt.has_focus, keys
            await pilot.press("escape", "escape")  # an open editor closes first, then back to the prompt
            assert prompt.has_focus, (keys, app.screen.focused)


async def test_reviewing_in_a_small_terminal_gives_the_patch_the_room(sample_repo: Path, helpers: Any) -> None:
    first, _ = patches()
    (sample_repo / "fix.diff").write_text(first)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(60, 15)) as pilot:
        await _start(pilot, "/apply fix.diff")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.pause(0.1)
        view = screen.patch.view
        assert view.has_focus and view.region.width >= 55 and view.region.height >= 6
        await pilot.press("j", "m")  # a comment on hunk 2: its header stays in sight above the comment box
        await pilot.pause(0.1)
        assert screen.patch.comment_box.has_focus and "(keys below)" in helpers.screen_text(app)
        assert "@@ -7,3 +10,3 @@" in helpers.screen_text(app)
        await pilot.press("escape", "escape")  # comment closed, then back to the prompt
        await pilot.pause(0.1)
        assert screen.query_one("#prompt").has_focus and screen.search.region.width > 0


PASTED = "Traceback (most recent call last):\n  File \"wordstats/counter.py\", line 30, in top_words\nKeyError: 'unique_words'"


async def test_a_multi_line_paste_into_an_answer_or_a_review_comment_reaches_the_model_whole(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    from textual import events

    first, _ = patches()
    server = serve([Reply(tool_calls=[("ask_user", {"question": "What do you see?"})]),
                    Reply(tool_calls=[("propose_patch", {"diff": first})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix the crash")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        await pilot.pause(TYPE_AHEAD_S)
        await pilot.press(*"this: ")
        app.screen.query_one("#q-answer").post_message(events.Paste(PASTED))
        await pilot.pause(0.1)
        assert "[paste 1: 3 lines]" in app.screen.query_one("#q-answer").value
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("f4", "r")
        app.screen.patch.comment_box.post_message(events.Paste(PASTED))
        await pilot.pause(0.1)
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not app.screen.turn_running)
    assert "this: \n" + PASTED in _last_tool(server.requests[1])  # every line of the answer
    assert PASTED in _last_tool(server.requests[2])  # and of the review comment


async def test_a_multi_line_paste_into_the_search_box_searches_all_of_it_and_into_a_plan_step_joins_it(
        sample_repo: Path, helpers: Any) -> None:
    from textual import events

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("f2")
        screen.search.query_box.post_message(events.Paste("nothing here matches\n" + "top_words ranked"))
        await pilot.pause(0.1)
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: any(h and h.path == COUNTER for h in screen.search.hits))
        assert "⌕ nothing here matches … (+1 lines)" in helpers.screen_text(app)
        await pilot.press("f3", "o")
        screen.plan.editor.post_message(events.Paste("Reproduce the crash\n\n  then fix it\n"))
        await pilot.pause(0.1)
        await pilot.press("enter")
        assert [s.text for s in screen.plan.steps] == ["Reproduce the crash then fix it"]


async def test_a_deleted_paste_is_let_go_and_a_paste_of_blank_lines_around_one_line_is_that_line(
        sample_repo: Path, helpers: Any) -> None:
    from textual import events

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.screen.query_one("#prompt")
        prompt.post_message(events.Paste("old\r\ntrace\r\n"))
        await pilot.pause(0.1)
        assert prompt.value == "[paste 1: 2 lines]"
        await pilot.press("ctrl+u")  # changed my mind: the marker is deleted
        prompt.post_message(events.Paste("\n\nnew\nlines\n"))
        await pilot.pause(0.1)
        assert prompt.value == "[paste 1: 2 lines]"  # numbered afresh, the leading blank lines left out
        assert list(prompt.pastes.values()) == ["new\nlines"]  # the deleted paste's text is not held
        prompt.post_message(events.Paste("\none line\n\n"))
        await pilot.pause(0.1)
        assert prompt.value == "[paste 1: 2 lines]one line"


async def test_a_huge_paste_into_a_plan_step_is_cut_to_one_readable_line(sample_repo: Path, helpers: Any) -> None:
    from textual import events

    from genie_tui.ui.widgets.prompt import JOINED_MAX

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("f3", "o")
        screen.plan.editor.post_message(events.Paste("\n".join(f"log line {i}" for i in range(20_000))))
        await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause(0.1)
        (step,) = screen.plan.steps
        assert step.text.startswith("log line 0 log line 1 ") and step.text.endswith("…")
        assert len(step.text) == JOINED_MAX


async def test_ctrl_v_of_several_lines_over_a_selection_keeps_them_whole(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.screen.query_one("#prompt")
        await pilot.press(*"explain THIS please")
        await pilot.press("home", *["right"] * 8, *["shift+right"] * 4)  # THIS selected
        app.copy_to_clipboard("KeyError: 'x'\n  at line 3")
        await pilot.press("ctrl+v")
        assert prompt.value == "explain [paste 1: 2 lines] please"
        assert prompt.expand(prompt.value) == "explain \nKeyError: 'x'\n  at line 3\n please"


async def test_the_search_box_keeps_a_pasted_query_to_refine(sample_repo: Path, helpers: Any) -> None:
    from textual import events

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("f2")
        screen.search.query_box.post_message(events.Paste("nothing here matches\ntop_words ranked"))
        await pilot.pause(0.1)
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: "(+1 lines)" in helpers.screen_text(app))
        assert screen.search.query_box.value == "[paste 1: 2 lines]"  # still there, to be refined
        await pilot.press("f2", "end", *" counter", "enter")  # back to the box, which the results took focus from
        await helpers.wait_until(pilot, lambda: "⌕ nothing here matches … (+2 lines)" in helpers.screen_text(app))


async def test_a_message_sent_while_the_agent_works_stays_in_the_prompt(sample_repo: Path, serve: Any,
                                                                         helpers: Any) -> None:
    from textual import events

    from genie_tui.ui.widgets.patch_pane import REVIEW_ECHO_S

    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first})]), FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        prompt = screen.query_one("#prompt")
        prompt.focus()
        await pilot.press(*"also handle this: ")
        prompt.post_message(events.Paste(PASTED))
        await pilot.pause(0.1)
        await pilot.press("enter")  # refused while the patch awaits review: the text and its paste stay
        await pilot.pause(0.1)
        assert prompt.value == "also handle this: [paste 1: 3 lines]" and list(prompt.pastes.values()) == [PASTED]
        assert any("agent is working" in n.message for n in app._notifications)
        await _start(pilot, "/ask why?")  # a command that starts a turn is left in the prompt too
        assert prompt.value == "/ask why?"
        prompt.value = "also handle this: [paste 1: 3 lines]"
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
        assert prompt.value == "also handle this: [paste 1: 3 lines]"
        prompt.focus()
        # the turn is over: now it is sent, paste and all (by an Enter typed after the review's, not with it)
        await pilot.pause(REVIEW_ECHO_S)
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 3 and not screen.turn_running)
        assert prompt.value == ""
    users = [m["content"] for m in server.requests[2]["messages"] if m.get("role") == "user"]
    assert any("also handle this: \n" + PASTED in str(content) for content in users)


async def test_plan_with_a_step_adds_it_at_once_and_it_goes_with_the_first_task(sample_repo: Path, serve: Any,
                                                                                 helpers: Any) -> None:
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _start(pilot, "/plan Write a regression test")
        await pilot.pause(0.1)
        assert [(s.text, s.origin) for s in screen.plan.steps] == [("Write a regression test", "user")]
        assert screen.query_one("#prompt").has_focus and not screen.plan.editor.display
        await _start(pilot, "/plan")  # alone: the plan pane, to edit it
        assert screen.plan.items.has_focus
        await _start(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not screen.turn_running)
    system = server.requests[0]["messages"][0]["content"]
    assert "Write a regression test" in system.split("## Current plan", 1)[1]


async def test_a_model_error_that_ends_the_run_is_one_line(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([Reply(fault="500")])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "hello")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        await pilot.pause(0.1)
        lines = [line for line in app.screen.conversation.transcript().splitlines() if "scripted 500" in line]
    assert len(lines) == 1 and "■ failed: model endpoint" in lines[0]


MAKEFILE_DIFF = "--- a/Makefile\n+++ b/Makefile\n@@ -1,3 +1,3 @@\n all:\n-\techo hi\n+\techo HELLO\n \techo bye\n"


async def _edit_makefile_patch(repo: Path, serve: Any, helpers: Any, edits: list[str | None]) -> tuple[Any, list[str]]:
    """The agent proposes ``MAKEFILE_DIFF``; the user opens the editor and saves each of ``edits`` in turn
    (``None``: the text as it is), the app's notices collected."""
    import subprocess

    from genie_tui.ui.screens.edit import EditDiffScreen

    (repo / "Makefile").write_bytes(b"all:\n\techo hi\n\techo bye\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "make"], cwd=repo, check=True)
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": MAKEFILE_DIFF})]), FINISH])
    app = helpers.make_app(repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "say hello")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("f4", "e")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, EditDiffScreen))
        for text in edits:
            if text is not None:
                app.screen.query_one("#edit-diff").text = text
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        notices = [n.message for n in app._notifications]
    return server, notices


async def test_a_patch_saved_unchanged_in_the_editor_is_not_called_edited(sample_repo: Path, serve: Any,
                                                                          helpers: Any) -> None:
    server, _ = await _edit_makefile_patch(sample_repo, serve, helpers, [None])
    assert (sample_repo / "Makefile").read_bytes() == b"all:\n\techo HELLO\n\techo bye\n"
    tool = _last_tool(server.requests[1])
    assert tool.startswith("Patch applied") and "edited" not in tool


async def test_a_broken_edit_is_told_in_the_app_and_can_be_edited_again(sample_repo: Path, serve: Any,
                                                                        helpers: Any) -> None:
    fixed = MAKEFILE_DIFF.replace("HELLO", "HOWDY")
    server, notices = await _edit_makefile_patch(sample_repo, serve, helpers, ["this is not a diff at all", fixed])
    assert any(n.startswith("Not applied: no file changes found") for n in notices)
    assert (sample_repo / "Makefile").read_bytes() == b"all:\n\techo HOWDY\n\techo bye\n"
    tool = _last_tool(server.requests[1])
    assert "The user edited the patch" in tool and "no file changes found" not in tool
