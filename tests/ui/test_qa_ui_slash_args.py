"""Slash commands typed with arguments they do not take, or a path the user's home cannot expand: a one-line
note in the conversation, the app still running, and nothing done that the user did not ask for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.demo.script import COUNTER, patches


async def test_apply_with_an_unknown_users_home_is_a_note(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/apply ~no-such-user-here/fix.diff")
        await helpers.wait_until(pilot, lambda: "apply:" in app.screen.conversation.transcript())
        assert app.is_running
        assert "cannot read ~no-such-user-here/fix.diff" in app.screen.conversation.transcript()


async def test_apply_of_a_file_named_with_a_tilde(sample_repo: Path, helpers: Any) -> None:
    first, _ = patches()
    (sample_repo / "~fix.diff").write_text(first)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/apply ~fix.diff")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: "WORD.findall" in (sample_repo / COUNTER).read_text())


async def test_commands_without_arguments_refuse_one(sample_repo: Path, helpers: Any) -> None:
    first, _ = patches()
    (sample_repo / "fix.diff").write_text(first)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/apply fix.diff")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: "WORD.findall" in (sample_repo / COUNTER).read_text())
        await helpers.send(pilot, "/undo wordstats/report.py")  # not the file the patch changed
        await helpers.send(pilot, "/clear the plan")
        await helpers.send(pilot, "/diff HEAD~1")
        await pilot.pause(0.5)
        shown = app.screen.conversation.transcript()
    assert "WORD.findall" in (sample_repo / COUNTER).read_text()  # not undone
    for name in ("undo", "clear", "diff"):
        assert f"/{name} takes no argument; nothing was done" in shown
    assert "applied" in shown  # the conversation was not cleared


async def test_apply_of_a_name_with_a_pasted_nul_is_a_note(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/apply fix\x00.diff")
        await helpers.wait_until(pilot, lambda: "apply:" in app.screen.conversation.transcript())
        assert app.is_running
        assert "embedded null byte" in app.screen.conversation.transcript()


async def test_a_model_name_with_control_characters_is_refused_and_approve_takes_any_case(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    """A pasted NUL or escape in /model was kept and would be sent to the endpoint with every request (only the
    screen cleaned it), with or without an agent; /approve AUTO was a usage error though command names are not
    case-sensitive."""
    app = helpers.make_app(sample_repo, serve([]).base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        before = app.screen.genie.settings.model
        await helpers.send(pilot, "/model gpt\x00x")
        await helpers.send(pilot, "/model gpt\x1b[31mx")
        await helpers.send(pilot, "/approve AUTO")
        await pilot.pause(0.3)
        shown = app.screen.conversation.transcript()
        assert app.screen.genie.settings.model == before
        assert shown.count("model: the model name must be printable (no control characters)") == 2
        assert app.screen.genie.settings.approve == "auto" and "usage: /approve" not in shown


def test_a_model_name_with_control_characters_is_refused_on_the_command_line(make_repo: Any, capsys: Any) -> None:
    from genie_tui.cli import main

    repo = make_repo({"a.py": "x = 1\n"})
    assert main(["config", "--repo", str(repo), "--model", "gpt\x1b[2Jx"]) == 2
    assert capsys.readouterr().err.strip() == "genie: --model: model must be printable (no control characters)"


async def test_apply_of_a_utf16_patch_file(sample_repo: Path, helpers: Any) -> None:
    first, _ = patches()
    (sample_repo / "fix.diff").write_bytes(first.replace("\n", "\r\n").encode("utf-16"))  # PowerShell 5's
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/apply fix.diff")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: "WORD.findall" in (sample_repo / COUNTER).read_text())
