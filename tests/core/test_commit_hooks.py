"""`genie run` stopped while genie commits (config ``commit``) and a git hook runs (review): SIGTERM was not acted
on while `git commit` waited on a slow pre-commit hook; a second SIGTERM quit, leaving git and the hook running,
and their commit landed on the `genie/...` branch left checked out, the index behind it (`MM a.py`), the patch's
call with no result in the session. Now a signal ends git and its hooks, the session ends `cancelled` with every
call answered, and the repository is as a failed commit leaves it: where the user was, the change uncommitted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genie_tui.providers.scripted import Reply, ScriptedServer

IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
PATCH = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
WAIT_S = 60.0  # generous bound for what takes a second at most (a loaded machine); the hooks sleep 120 s
FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                          env={**os.environ, **IDENTITY}).stdout


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")  # a zombie nobody reaped yet is not running


def _ids(f: Path) -> list[int]:
    return [int(p) for p in f.read_text().split()] if f.exists() else []


def _wait_for(cond, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture
def repo(make_repo, tmp_path):
    """A repository whose pre-commit hook takes 120 s (its processes' ids in ``pids``), genie committing."""
    def make(commit: str) -> Path:
        r = make_repo({"a.py": "x = 1\n", ".genie/config.toml": f'commit = "{commit}"\n'})
        hook = r / ".git" / "hooks" / "pre-commit"
        pids = tmp_path / "pids"
        hook.write_text(f"#!/bin/sh\necho $$ >> {pids}\nsleep 120 &\necho $! >> {pids}\nsleep 120\n")
        hook.chmod(0o755)
        return r
    yield make
    for pid in _ids(tmp_path / "pids"):  # whatever a failing test left running
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _run(repo: Path, server: ScriptedServer) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "genie_tui", "run", "change x", "--repo", str(repo),
                             "--base-url", server.base_url, "--json", "--approve", "auto"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **IDENTITY, "GENIE_API_KEY": "k"})


def _communicate(proc: subprocess.Popen) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"genie still running {WAIT_S:g} s after the signal") from None


def _stopped_cleanly(repo: Path, pids: Path, head: str, proc: subprocess.Popen, out: str, err: str,
                     quit_at_once: bool = False) -> dict:
    """Exit 143 and status cancelled; git's hook and its job ended; no commit, the user on main as they were. A
    quit at once says so, and the commit's end is not waited for (nor recorded): only that it was stopped."""
    assert proc.returncode == 143, err
    summary = json.loads(out)
    assert summary["status"] == "cancelled", summary
    assert summary["summary"] == "interrupted" if quit_at_once else "SIGTERM" in summary["summary"], summary
    started = _ids(pids)
    assert len(started) == 2
    _wait_for(lambda: not any(alive(p) for p in started), f"left running: {[p for p in started if alive(p)]}")
    assert _git(repo, "branch", "--show-current").strip() == "main" and _git(repo, "branch", "--list", "genie/*") == ""
    assert _git(repo, "rev-parse", "HEAD") == head
    assert _git(repo, "status", "--porcelain") == " M a.py\n"  # the change applied; index and HEAD as before
    records = [json.loads(line) for line in Path(summary["trajectory"]).read_text().splitlines()]
    assert records[-1]["type"] == "end" and records[-1]["status"] == "cancelled"
    assert quit_at_once or any(r["type"] == "error" and r["message"].startswith("commit stopped") for r in records)
    return summary


def test_sigterm_while_a_pre_commit_hook_runs_stops_the_commit(repo, tmp_path):
    r = repo("each")
    head = _git(r, "rev-parse", "HEAD")
    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": PATCH})]), FINISH]) as server:
        proc = _run(r, server)
        _wait_for(lambda: len(_ids(tmp_path / "pids")) == 2, "the hook did not start")
        proc.send_signal(signal.SIGTERM)  # once: it had gone unheeded until the hook ended
        out, err = _communicate(proc)
    summary = _stopped_cleanly(r, tmp_path / "pids", head, proc, out, err)
    records = [json.loads(line) for line in Path(summary["trajectory"]).read_text().splitlines()]
    messages = [x["message"] for x in records if x["type"] == "message"]
    calls = [c["id"] for m in messages if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    results = {m["tool_call_id"]: m["content"] for m in messages if m["role"] == "tool"}
    assert list(results) == calls and results[calls[0]].startswith("Patch applied to a.py")
    assert len(server.requests) == 1  # no model turn after the stop


def test_sigterm_during_the_commit_at_the_runs_end_stops_it(repo, tmp_path):
    r = repo("end")
    head = _git(r, "rev-parse", "HEAD")
    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": PATCH})]), FINISH]) as server:
        proc = _run(r, server)
        _wait_for(lambda: len(_ids(tmp_path / "pids")) == 2, "the hook did not start")
        proc.send_signal(signal.SIGTERM)  # the model had finished: only the commit was left to stop
        out, err = _communicate(proc)
    _stopped_cleanly(r, tmp_path / "pids", head, proc, out, err)


def test_a_second_signal_stops_the_commit_of_a_run_cancelled_by_the_first(repo, tmp_path):
    # the first SIGTERM stops the model's stream; the run's end commits what it applied, and the hook is slow:
    # the second quits at once, git and its hook ended with it, not left to land the commit afterwards
    r = repo("end")
    head = _git(r, "rev-parse", "HEAD")
    slow = Reply(content="thinking " * 2000, chunk_chars=2, chunk_delay=0.02)
    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": PATCH})]), slow]) as server:
        proc = _run(r, server)
        _wait_for(lambda: len(server.requests) >= 2, "the second request did not come")
        time.sleep(0.5)  # into the slow stream
        proc.send_signal(signal.SIGTERM)
        _wait_for(lambda: len(_ids(tmp_path / "pids")) == 2, "the hook did not start")
        proc.send_signal(signal.SIGTERM)
        out, err = _communicate(proc)
    assert "genie: interrupted" in err  # the quit-at-once path
    _stopped_cleanly(r, tmp_path / "pids", head, proc, out, err, quit_at_once=True)
