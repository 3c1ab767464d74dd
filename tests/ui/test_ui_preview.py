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
