"""Content that is not clean UTF-8 text, shown in the app's panes: Latin-1 files, stray bytes, binary junk and
terminal escape sequences in repository files. The app keeps running and draws none of it raw."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

LATIN = "wordstats/latin.txt"


def _drawn(app: Any) -> str:
    """Every character the compositor would send to the terminal (segments, not just plain text)."""
    return "\n".join("".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips())


def _commit_latin(repo: Path) -> None:
    (repo / LATIN).write_bytes(b"caf\xe9\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "latin-1 file"],
                   cwd=repo, check=True)


async def _run(pilot: Any, line: str) -> None:
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = line
    await pilot.press("enter")


async def test_diff_of_a_latin1_change_is_shown(sample_repo: Path, helpers: Any) -> None:
    _commit_latin(sample_repo)
    (sample_repo / LATIN).write_bytes(b"caf\xe9 au lait\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _run(pilot, "/diff")
        await helpers.wait_until(pilot, lambda: not app.screen.patch.empty)
        assert "+café au lait" in app.screen.patch.view.lines
        assert "café au lait" in helpers.screen_text(app)


async def test_diff_shows_new_files_too(sample_repo: Path, helpers: Any) -> None:
    (sample_repo / "wordstats/extra.py").write_text("def extra():\n    return 1\n")  # what the agent created
    (sample_repo / "notes.log").write_text("ignored\n")
    (sample_repo / ".gitignore").write_text("*.log\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _run(pilot, "/diff")
        await helpers.wait_until(pilot, lambda: not app.screen.patch.empty)
        lines = app.screen.patch.view.lines
        assert "+++ b/wordstats/extra.py" in lines and "+def extra():" in lines and "+*.log" in lines
        assert not any("notes.log" in line for line in lines)  # git ignores it, so does /diff
        assert "and 2 new files" in helpers.screen_text(app)


async def test_apply_of_a_latin1_patch_applies_it(sample_repo: Path, helpers: Any) -> None:
    _commit_latin(sample_repo)
    (sample_repo / "latin.diff").write_bytes(
        b"--- a/wordstats/latin.txt\n+++ b/wordstats/latin.txt\n@@ -1 +1 @@\n-caf\xe9\n+caf\xe9 cr\xe8me\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _run(pilot, "/apply latin.diff")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        assert "café crème" in helpers.screen_text(app)
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: (sample_repo / LATIN).read_bytes() != b"caf\xe9\n")
    assert (sample_repo / LATIN).read_bytes() == b"caf\xe9 cr\xe8me\n"


async def test_a_stray_byte_in_a_patch_is_drawn_as_a_replacement_character(sample_repo: Path, helpers: Any) -> None:
    (sample_repo / "stray.diff").write_bytes(  # mostly UTF-8 ("naïve é") with one stray byte
        b"--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-na\xc3\xafve \xc3\xa9\n+na\xc3\xafve \xc3\xa9 \xff!\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _run(pilot, "/apply stray.diff")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        drawn = _drawn(app)
    assert "naïve é \ufffd!" in drawn
    drawn.encode("utf-8")  # what the terminal writer does: a lone surrogate would raise here


# (no NUL byte: a file with one is binary, and refused as read_file refuses it)
EVIL = b"hello \x1b[31mred\x1b[0m \x1b]52;c;cHduZWQ=\x07 nul end \xff\xfe\r\nline two\r\n"


async def test_preview_draws_no_escape_sequences_from_a_file(sample_repo: Path, helpers: Any) -> None:
    from genie_tui.ui.screens.preview import PreviewScreen

    (sample_repo / "evil.txt").write_bytes(EVIL)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(100, 30)) as pilot:
        preview = PreviewScreen(sample_repo, "evil.txt", 1, 2)
        app.push_screen(preview, app.screen.add_context)
        await helpers.wait_until(pilot, lambda: app.screen is preview and "line two" in _drawn(app))
        drawn = _drawn(app)
        assert "hello red  nul end ÿþ" in drawn and "line two" in drawn  # not UTF-8: read as Latin-1, as /diff does
        assert "\x1b" not in drawn and "\x00" not in drawn
        await pilot.press("c")  # the model gets the file's own text
        await helpers.wait_until(pilot, lambda: app.pending_context)
    assert app.pending_context == ["evil.txt:1-2\n" + EVIL.decode("latin-1").replace("\r\n", "\n").rstrip("\n")]


@pytest.mark.timeout(60)  # a regression blocks in open()
async def test_preview_of_a_pipe_or_a_huge_file_does_not_hang_or_read_it_whole(sample_repo: Path, helpers: Any) -> None:
    import os

    from genie_tui.ui.screens.preview import MAX_BYTES, PreviewScreen, load

    os.mkfifo(sample_repo / "pipe.txt")  # no writer: a plain open() would block the app for ever
    (sample_repo / "big.txt").write_bytes(b"first line\n" + b"x" * (MAX_BYTES + 10))
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(100, 30)) as pilot:
        assert load(sample_repo, "pipe.txt").error == "cannot read pipe.txt: not a regular file (a named pipe)"
        preview = PreviewScreen(sample_repo, "pipe.txt")
        app.push_screen(preview)
        await helpers.wait_until(pilot, lambda: app.screen is preview and "not a regular file" in _drawn(app))
        big = load(sample_repo, "big.txt")
        assert big.text.startswith("first line") and len(big.text) == MAX_BYTES and big.cut


async def test_edit_diff_draws_no_escape_sequences(sample_repo: Path, helpers: Any) -> None:
    from genie_tui.ui.screens.edit import EditDiffScreen

    (sample_repo / "evil.diff").write_bytes(b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b \x1b]0;pwned\x07\x1b[2J\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _run(pilot, "/apply evil.diff")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        app.screen.patch.view.focus()
        await pilot.press("e")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, EditDiffScreen))
        drawn = _drawn(app)
    assert "+b " in drawn and "\x1b" not in drawn and "pwned" not in drawn


async def test_bracketed_paths_and_names_in_notices_are_text_not_markup(sample_repo: Path, helpers: Any) -> None:
    # Next.js routes (app/[slug]/page.tsx) and a mistyped /theme argument: markup would drop or crash on them
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.screen.add_context("app/[slug]/page.tsx:1-3\nexport default function Page() {}")
        await _run(pilot, "/theme [/]")
        await pilot.pause(0.2)
        toasts = [toast.render().plain for toast in app.screen.query("Toast")]
        assert app.is_running
    assert any("Added to context: app/[slug]/page.tsx:1-3" in t for t in toasts), toasts
    assert any("unknown theme '[/]'" in t for t in toasts), toasts
