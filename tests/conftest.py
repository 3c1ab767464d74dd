from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def genie_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user config/data/cache dirs and no model credentials from the machine."""
    home = tmp_path_factory.mktemp("genie-home")
    monkeypatch.setenv("GENIE_HOME", str(home))
    for var in ("GENIE_MODEL", "GENIE_BASE_URL", "GENIE_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(autouse=True)
def _indexes_closed():
    """The code indexes a test's agents, tools or app opened (core/indexing.py keeps one per repository while
    something holds it) are closed after it: their watchers, connections and any build still running do not
    outlive it into the next test of the worker."""
    yield
    from genie_tui.core import indexing

    indexing.stop_all()


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def make_repo(tmp_path: Path):
    """Create a committed git repository from a ``{path: text}`` mapping."""

    def _make(files: dict[str, str], name: str = "repo", commit: bool = True) -> Path:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        for rel, text in files.items():
            p = repo / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        if commit and files:
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "initial")
        return repo

    return _make
