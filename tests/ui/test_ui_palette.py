"""The command palette (Ctrl+P), driven by keys as a user would: every action the keys offer is there, and
what it lists from a repository or a theme file is shown as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandPalette


async def _palette(pilot: Any, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    await pilot.press(*query)
    await pilot.pause(0.5)


async def test_a_playbook_description_with_brackets_is_listed_as_text(sample_repo: Path, helpers: Any) -> None:
    books = sample_repo / ".genie" / "playbooks"
    books.mkdir(parents=True)
    (books / "poetry.md").write_text("---\nname: poetry\ndescription: Use the [tool.poetry] table, never [/] setup.py\n"
                                     "---\nbody\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _palette(pilot, "poetry")
        assert isinstance(app.screen, CommandPalette)
        text = helpers.screen_text(app)
    assert "Use the [tool.poetry] table, never [/] setup.py" in text


def _pane_actions(app: Any) -> set[tuple[str, str]]:
    """(owner class, action) of every genie palette command that runs a key's action."""
    from functools import partial

    out = set()
    for command in app.get_system_commands(app.screen):
        cb = command.callback
        if isinstance(cb, partial) and getattr(cb.func, "__name__", "") == "run_action":
            out.add((type(cb.func.__self__).__name__, cb.args[0]))
        elif isinstance(cb, partial) and cb.func.__name__ == "_in_pane":
            out.add((type(cb.args[1]).__name__, cb.args[2]))
    return out


async def test_every_key_binding_has_a_palette_command(sample_repo: Path, serve: Any, helpers: Any) -> None:
    from genie_tui.demo.script import patches
    from genie_tui.providers.scripted import Reply
    from genie_tui.ui.screens.main import MainScreen
    from genie_tui.ui.widgets.patch_pane import PatchPane
    from genie_tui.ui.widgets.plan_pane import PlanPane
    from genie_tui.ui.widgets.search_pane import SearchPane

    first, _ = patches()
    steps = [{"text": "Read the code", "status": "todo"}, {"text": "Fix it", "status": "todo"}]
    server = serve([Reply(tool_calls=[("update_plan", {"steps": steps}), ("propose_patch", {"diff": first})]),
                    Reply(tool_calls=[("finish", {"summary": "done"})])])
    app = helpers.make_app(sample_repo, server.base_url)
    # keys that repeat another key's action (F2's search box, Ctrl+U's undo)
    exempt = {("SearchPane", "focus_query"), ("MainScreen", "undo_or_clear_line")}
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.search.show_results("words", [])
        screen.search.agent_looked("search", "words", (("wordstats/counter.py", 1, 5, "words"),))
        prompt = screen.query_one("#prompt")
        prompt.value = "fix words()"
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting and screen.plan.steps)
        keys = {(cls.__name__, b.action) for cls in (MainScreen, PatchPane, PlanPane, SearchPane)
                for b in cls.BINDINGS} - exempt
        offered = _pane_actions(app)
        await pilot.press("f4", "m")  # Esc's close, offered while a review comment is open
        offered |= _pane_actions(app)
        await pilot.press("escape", "f3", "o")  # and while a step is being written
        offered |= _pane_actions(app)
        await pilot.press("escape")
        missing = keys - offered
        assert not missing, missing
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"approve all hunks", "enter")
        await helpers.wait_until(pilot, lambda: not screen.turn_running)
    assert "WORD.findall" in (sample_repo / "wordstats" / "counter.py").read_text()


async def test_models_the_endpoint_lists_are_in_the_palette(sample_repo: Path, helpers: Any) -> None:
    from genie_tui.providers.scripted import Reply, ScriptedServer

    finish = Reply(tool_calls=[("finish", {"summary": "done"})])
    server = ScriptedServer([finish], models=("scripted-model", "other-model")).start()
    try:
        app = helpers.make_app(sample_repo, server.base_url)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("ctrl+p")
            await pilot.press(*"model: other")
            await helpers.wait_until(pilot, lambda: "Model: other-model" in helpers.screen_text(app))
            await pilot.press("enter")
            await helpers.wait_until(pilot, lambda: "other-model" in str(app.screen.status.render()))
            await pilot.press("ctrl+p", *"switch model", "enter")
            prompt = app.screen.query_one("#prompt")
            await helpers.wait_until(pilot, lambda: prompt.has_focus and prompt.value == "/model ")
            prompt.value = "do it"
            await pilot.press("enter")
            await helpers.wait_until(pilot, lambda: any(r.get("model") for r in server.requests
                                                        if "messages" in r) and not app.screen.turn_running)
        assert [r["model"] for r in server.requests if "messages" in r] == ["other-model"]
    finally:
        server.stop()


async def test_plan_commands_wait_while_a_step_is_written(sample_repo: Path, helpers: Any) -> None:
    """While the step editor is open the keys e, x, J/K, space and u do nothing: their palette commands are not
    offered (choosing one took the keys away from the step being written), and Esc's "close" is."""
    from textual.command import CommandList

    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "/plan first step")
        await helpers.send(pilot, "/plan second step")
        titles = {c.title for c in app.get_system_commands(screen)}
        assert "Plan: edit the highlighted step" in titles and "Plan: close the step editor" not in titles
        await pilot.press("f3", "o", *"a third step")
        titles = {c.title for c in app.get_system_commands(screen)}
        assert not {t for t in titles if t.startswith("Plan:")} - {"Plan: add a step", "Plan: close the step editor"}
        await _palette(pilot, "Plan: delete")
        listed = app.screen.query_one(CommandList)
        assert not any("Plan: delete" in str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count))
        await pilot.press("escape")  # the palette closes: the step is still being written, its text kept
        assert screen.plan.editor.has_focus and screen.plan.editor.value == "a third step"
        await _palette(pilot, "close the step editor")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert not screen.plan.editor.display and screen.plan.items.has_focus
        assert [s.text for s in screen.plan.steps] == ["first step", "second step"]
