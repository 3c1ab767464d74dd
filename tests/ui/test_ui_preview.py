"""The search pane's preview and ``c``: what they may read, how fast they open, how they decode."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from genie_tui.ui.screens.preview import PreviewScreen
from genie_tui.ui.widgets.search_pane import Hit, SearchPane


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path.parent / f"{tmp_path.name}-credentials"
    secret.write_text("aws_secret_access_key = SECRETMARKER\n")
    return secret


def _commit_all(repo: Path) -> None:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, capture_output=True)


async def test_a_symlink_out_of_the_repository_is_not_listed_previewed_or_added(sample_repo: Path, tmp_path: Path,
                                                                               helpers: Any) -> None:
    os.symlink(_secret(tmp_path), sample_repo / "outside.py")
    os.symlink(_secret(tmp_path), sample_repo / "notes.md")
    _commit_all(sample_repo)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2", *"*.py", "enter")
        pane = app.screen.search
        await helpers.wait_until(pilot, lambda: any(h for h in pane.hits))
        assert "outside.py" not in [h.path for h in pane.hits if h]
        pane.post_message(SearchPane.ContextRequested(Hit("notes.md", 0, 0)))  # `c` on a stale or agent's row
        await pilot.pause(0.2)
        assert any("Not added: cannot read notes.md: outside the repository" in n.message
                   for n in app._notifications)
        preview = PreviewScreen(sample_repo, "outside.py")
        app.push_screen(preview, app.screen.add_context)
        await helpers.wait_until(pilot, lambda: "outside the repository" in helpers.screen_text(app))
        assert "SECRETMARKER" not in helpers.screen_text(app)
        await pilot.press("c")
        await pilot.pause(0.2)
        assert app.screen is preview
    assert not app.pending_context


def test_the_git_fallback_leaves_out_a_symlink_out_of_the_repository(sample_repo: Path, tmp_path: Path) -> None:
    from genie_tui.ui.search import _git_files, _git_grep

    os.symlink(_secret(tmp_path), sample_repo / "outside.py")
    (sample_repo / "inside.py").write_text("SECRETMARKER = 1\n")
    os.symlink("inside.py", sample_repo / "alias.py")  # a link that stays inside is fine
    _commit_all(sample_repo)
    listed = [h.path for h in _git_files(sample_repo, "*.py")]
    assert "outside.py" not in listed and "alias.py" in listed and "inside.py" in listed
    assert "outside.py" not in [h.path for h in _git_grep(sample_repo, "credentials")]


async def test_preview_and_c_keep_a_latin1_file_s_accents(sample_repo: Path, helpers: Any) -> None:
    (sample_repo / "latin.py").write_bytes(b"# caf\xe9 LATINMARK\nx = '\xe9'\n")
    _commit_all(sample_repo)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2", *"LATINMARK", "enter")
        pane = app.screen.search
        await helpers.wait_until(pilot, lambda: any(h and h.path == "latin.py" for h in pane.hits))
        pane.results.highlighted = next(i for i, h in enumerate(pane.hits) if h and h.path == "latin.py")
        pane.results.focus()
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: "# café LATINMARK" in helpers.screen_text(app))
        assert "\ufffd" not in helpers.screen_text(app)
        await pilot.press("c")
        await helpers.wait_until(pilot, lambda: app.pending_context)
    assert app.pending_context[0] == "latin.py:1-2\n# café LATINMARK\nx = 'é'"


async def test_a_large_file_previews_promptly_drawing_only_a_window(sample_repo: Path, helpers: Any) -> None:
    import time

    from textual.widgets import TextArea

    from genie_tui.ui.screens.preview import MAX_LINE_CHARS, MAX_LINES

    lines = [f"value_{i} = {i}  # some words to make the line longer" for i in range(20_000)]
    lines[15_000] = "def BIGMARKER():"
    (sample_repo / "big.py").write_text("\n".join(lines) + "\n")  # about 1 MB of Python, highlighted
    (sample_repo / "long.py").write_text("x = '" + "y" * 3_000_000 + "'\n")  # one 3 MB line (2 MB shown)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for path, start in (("big.py", 15_001), ("long.py", 0)):
            t0 = time.process_time()  # CPU time: under a loaded machine's wall clock the bound was flaky
            preview = PreviewScreen(sample_repo, path, start, start)
            app.push_screen(preview)
            await helpers.wait_until(pilot, lambda p=preview: p.text is not None)  # read in a thread, then drawn
            took = time.process_time() - t0  # was 6 s and 4.4 s: the whole file was drawn on the event loop
            area = preview.query_one(TextArea)
            assert area.document.line_count <= MAX_LINES
            assert max(len(line) for line in area.document.lines) <= MAX_LINE_CHARS + 2
            assert took < 2.5, f"{path} took {took:.2f}s to preview"
            await pilot.pause()
            if not start:
                assert "(its first 2 MB)" in helpers.screen_text(app)
            else:
                assert "lines" in helpers.screen_text(app) and "of 20,000 shown" in helpers.screen_text(app)
                assert area.document.get_line(area.cursor_location[0]).startswith("def BIGMARKER():")
            await pilot.press("escape")
            await helpers.wait_until(pilot, lambda p=preview: app.screen is not p)


async def test_control_characters_in_a_file_name_stay_on_one_quoted_row(sample_repo: Path, helpers: Any) -> None:
    (sample_repo / "ctl\x1b[31mred.py").write_text("CTLMARK = 1\n")
    (sample_repo / "nl\nname.py").write_text("CTLMARK = 2\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2", *"CTLMARK", "enter")
        pane = app.screen.search
        await helpers.wait_until(pilot, lambda: len([h for h in pane.hits if h]) == 2)
        await pilot.pause()
        rows = helpers.screen_text(app).splitlines()
        assert any('"ctl\\x1b[31mred.py":1-1' in row for row in rows)  # quoted as the command line shows it
        assert any('"nl\\nname.py":1-1' in row for row in rows)
        assert not any(row.strip() == "name.py:1-1" or row.rstrip().endswith("  nl") for row in rows)
        pane.agent_looked("read", "a\nb", (("x.py", 1, 2, "two\nlines \x1b[31mred"),))
        await pilot.pause()
        rows = helpers.screen_text(app).splitlines()
        assert any("⟳ agent read: a b" in row for row in rows) and any("x.py:1-2  two lines red" in row for row in rows)


def test_what_c_adds_names_a_file_with_a_newline_in_its_name_on_one_line() -> None:
    from genie_tui.ui.screens.preview import span_text

    assert span_text("nl\nname.py", "a = 1\nb = 2\n", 2, 2) == '"nl\\nname.py":2-2\nb = 2'
    assert span_text("plain.py", "a = 1\n") == "plain.py\na = 1"


def test_preview_lines_are_numbered_as_the_index_numbers_them() -> None:
    from genie_tui.ui.screens.preview import span_text, window

    text = "page one\x0cpage two\nsecond \u2028 still second\nthird\r\n"  # a form feed, a line separator, CRLF
    assert span_text("a.py", text, 2, 3) == "a.py:2-3\nsecond \u2028 still second\nthird"
    first, shown, total = window(text, 2)
    assert (first, total) == (1, 3) and shown.split("\n")[2] == "third"
