"""``genie --playbook NAME`` (the app) with a playbook that is unknown or broken is refused before the app opens, as
``genie run`` refuses it: the app opened without a word, every task then failed on it, and ``/playbook NAME`` could
not turn off a playbook it did not know."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genie_tui.cli import main


@pytest.mark.parametrize("name, said", [
    ("nosuch", "genie: unknown playbook 'nosuch' (known: "),
    ("broken", "genie: playbook 'broken' is not loaded: "),
])
def test_the_app_refuses_a_playbook_it_cannot_use_before_it_opens(make_repo: Any, monkeypatch: Any, capsys: Any,
                                                                   name: str, said: str) -> None:
    repo = make_repo({"a.py": "x = 1\n", ".genie/playbooks/broken.md": "---\nname: broken\nbogus: [\n---\nbody\n"})
    opened: list[bool] = []
    from genie_tui.ui.app import GenieApp

    monkeypatch.setattr(GenieApp, "run", lambda self, *a, **k: opened.append(True))
    code = main(["--repo", str(repo), "--playbook", name])
    err = capsys.readouterr().err
    assert (code, opened) == (2, []) and err.startswith(said) and err.count("\n") == 1, err


def test_the_app_opens_with_a_playbook_it_knows(make_repo: Any, monkeypatch: Any, tmp_path: Path) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    opened: list[list[str]] = []
    from genie_tui.ui.app import GenieApp

    monkeypatch.setattr(GenieApp, "run", lambda self, *a, **k: opened.append(list(self.playbooks)))
    assert main(["--repo", str(repo), "--playbook", "fix-bug", "--playbook", "fix-bug"]) == 0
    assert opened == [["fix-bug"]]


async def test_playbook_before_the_first_task_marks_those_that_apply_to_every_task(make_repo: Any, helpers: Any,
                                                                                  serve: Any) -> None:
    # they were shown inactive, and "/playbook CLAUDE.md" then said "turned on" for one that was on
    repo = make_repo({"a.py": "x = 1\n", "AGENTS.md": "root rules\n", "CLAUDE.md": "claude rules\n"})
    server = serve([])
    app = helpers.make_app(repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/playbook")
        await helpers.wait_until(pilot, lambda: "● CLAUDE.md" in helpers.screen_text(app))
        assert "● AGENTS.md" in helpers.screen_text(app) and "○ fix-bug" in helpers.screen_text(app)
        await helpers.send(pilot, "/playbook CLAUDE.md")
        await helpers.wait_until(pilot, lambda: "playbook CLAUDE.md turned off" in helpers.screen_text(app))
        await helpers.send(pilot, "/playbook")
        await helpers.wait_until(pilot, lambda: "○ CLAUDE.md" in helpers.screen_text(app))
