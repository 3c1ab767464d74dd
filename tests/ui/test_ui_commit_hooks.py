"""The app stopping a turn while genie commits its patch (``commit = "each"``) and a slow pre-commit hook runs: Esc
ends git and the hook, as quitting does, and the repository is as a failed commit leaves it (review: the commit
was waited out, 45 s of hook, and a hook ignoring the cancel could land it afterwards)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
WAIT_S = 60.0  # generous: what it bounds takes a second at most; the hook sleeps 120 s


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")  # a zombie nobody reaped yet is not running


def _ids(f: Path) -> list[int]:
    return [int(p) for p in f.read_text().split()] if f.exists() else []


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def hooked(sample_repo: Path, tmp_path: Path, monkeypatch: Any):
    """The sample repository with a pre-commit hook of 120 s; the file its processes' ids go to."""
    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@e"}.items():
        monkeypatch.setenv(k, v)
    pids = tmp_path / "pids"
    hook = sample_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\necho $$ >> {pids}\nsleep 120 &\necho $! >> {pids}\nsleep 120\n")
    hook.chmod(0o755)
    yield pids
    for pid in _ids(pids):  # whatever a failing test left running
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _as_before(repo: Path, head: str, pids: Path) -> None:
    started = _ids(pids)
    assert len(started) == 2
    deadline = time.monotonic() + WAIT_S
    while any(alive(p) for p in started):
        assert time.monotonic() < deadline, f"left running: {[p for p in started if alive(p)]}"
        time.sleep(0.05)
    assert _git(repo, "branch", "--show-current").strip() == "main" and _git(repo, "branch", "--list", "genie/*") == ""
    assert _git(repo, "rev-parse", "HEAD") == head
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == f" M {COUNTER}\n"


async def test_escape_while_a_pre_commit_hook_runs_stops_the_commit(sample_repo: Path, hooked: Path, serve: Any,
                                                                    helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "regex words"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url, approve="auto")
    app.settings.commit = "each"
    head = _git(sample_repo, "rev-parse", "HEAD")
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: len(_ids(hooked)) == 2, timeout=WAIT_S)
        await pilot.press("escape")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running, timeout=WAIT_S)
        shown = helpers.screen_text(app)
    assert "commit stopped" in shown and "cancelled" in shown
    _as_before(sample_repo, head, hooked)
    records = [json.loads(line) for line in Path(app.agent.session_path).read_text().splitlines()]
    results = [r["message"]["content"] for r in records if r["type"] == "message" and r["message"]["role"] == "tool"]
    assert results and results[0].startswith("Patch applied")  # the call has its result
    assert len(server.requests) == 1


async def test_quitting_while_a_pre_commit_hook_runs_stops_the_commit(sample_repo: Path, hooked: Path, serve: Any,
                                                                      helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "regex words"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url, approve="auto")
    app.settings.commit = "each"
    head = _git(sample_repo, "rev-parse", "HEAD")
    began = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        await helpers.wait_until(pilot, lambda: len(_ids(hooked)) == 2, timeout=WAIT_S)
        await pilot.press("ctrl+q", "ctrl+q")
    assert time.monotonic() - began < WAIT_S  # the app's end had waited for the hook
    _as_before(sample_repo, head, hooked)
