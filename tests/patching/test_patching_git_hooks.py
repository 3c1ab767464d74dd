"""genie's commits under the repository's git hooks (review): a hook's background job must not hold the commit up
(git's output was read through pipes the job inherited: 31 s for ``sleep 30 &``), and a commit stopped while a
hook runs ends git and the hook (they had run on as orphans and landed the commit 45 s after genie had quit),
leaving the repository as a failed commit does."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from genie_tui.patching import apply_patch, commit_applied
from genie_tui.patching.gitproc import Stop, Stopped

PATCH = "--- a/a.txt\n+++ b/a.txt\n@@\n-a\n+A\n"
WAIT_S = 60.0  # generous bound for what takes well under a second (a loaded machine)


@pytest.fixture(autouse=True)
def _identity(monkeypatch):
    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@e"}.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def pids(tmp_path):
    """The directory hooks write their processes' ids to; whatever is still running of them is killed after."""
    where = tmp_path / "pids"
    where.mkdir()
    yield where
    for f in where.iterdir():
        for pid in f.read_text().split():
            try:
                os.kill(int(pid), 9)
            except (ProcessLookupError, ValueError):
                pass


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def _hook(repo: Path, name: str, body: str) -> None:
    hook = repo / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\n" + body)
    hook.chmod(0o755)


def alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _wait_for(cond, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _ids(f: Path) -> list[int]:
    return [int(p) for p in f.read_text().split()] if f.exists() else []


def _in_thread(fn):
    """``fn()`` in a thread: (the thread, a dict that gets its "result" or "error")."""
    out: dict = {}

    def go():
        try:
            out["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t, out


@pytest.mark.parametrize("hook", ["post-commit", "post-checkout"])
def test_a_hooks_background_job_does_not_hold_the_commit_up(make_repo, pids, hook):
    # git returns at once; the job (a tag refresher, a notifier) runs on with git's output as its own
    repo = make_repo({"a.txt": "a\n"})
    _hook(repo, hook, f"sleep 120 &\necho $! > {pids}/job\n")
    assert apply_patch(repo, PATCH).applied
    thread, out = _in_thread(lambda: commit_applied(repo, "Uppercase a", "fix a"))
    thread.join(WAIT_S)  # it had waited for the job's end
    job = _ids(pids / "job")
    assert not thread.is_alive() and out.get("result"), out
    assert job and alive(job[0])  # not waited for, and not ended either: a plain `git commit` leaves it running
    assert _git(repo, "branch", "--show-current").strip() == "genie/fix-a"
    assert _git(repo, "show", "HEAD:a.txt") == "A\n" and _git(repo, "status", "--porcelain") == ""


def _slow_pre_commit(repo: Path, pids: Path) -> None:
    # the hook, a child of its own that ignores SIGTERM (only SIGKILL ends it) and a background job
    _hook(repo, "pre-commit", f"echo $$ >> {pids}/hook\n"
                              f"sh -c 'trap \"\" TERM; echo $$ >> {pids}/stubborn; while :; do sleep 1; done' &\n"
                              f"sleep 120 &\necho $! >> {pids}/hook\nsleep 120\n")


def test_a_stop_during_a_slow_hook_ends_git_and_the_hook_and_leaves_the_user_where_they_were(make_repo, pids):
    repo = make_repo({"a.txt": "a\n", "b.txt": "b\n"})
    (repo / "b.txt").write_text("staged\n")
    _git(repo, "add", "b.txt")  # the user's staged work stays staged
    head = _git(repo, "rev-parse", "HEAD")
    _slow_pre_commit(repo, pids)
    assert apply_patch(repo, PATCH).applied
    stop = Stop()
    thread, out = _in_thread(lambda: commit_applied(repo, "Uppercase a", "fix a", stop=stop))
    _wait_for(lambda: len(_ids(pids / "hook")) == 2 and _ids(pids / "stubborn"), "the hook did not start")
    assert thread.is_alive()
    stop.set()
    thread.join(WAIT_S)
    assert not thread.is_alive(), "the commit was not stopped"
    assert isinstance(out.get("error"), Stopped), out
    started = _ids(pids / "hook") + _ids(pids / "stubborn")
    _wait_for(lambda: not any(alive(p) for p in started), f"left running: {[p for p in started if alive(p)]}")
    # where the user was: on main, the branch made for the commit removed, HEAD and the index as they were,
    # genie's change applied and uncommitted
    assert _git(repo, "branch", "--show-current").strip() == "main"
    assert _git(repo, "branch", "--list", "genie/*") == "" and _git(repo, "rev-parse", "HEAD") == head
    assert sorted(_git(repo, "status", "--porcelain").splitlines()) == [" M a.txt", "M  b.txt"]
    assert not list(Path(_git(repo, "rev-parse", "--absolute-git-dir").strip()).glob("**/*.lock"))
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    assert commit_applied(repo, "Uppercase a", "fix a")  # the entry was left for a later commit
    assert _git(repo, "show", "HEAD:a.txt") == "A\n" and _git(repo, "show", "HEAD:b.txt") == "b\n"


def test_a_commit_made_before_the_stop_reached_git_is_kept_and_finished(make_repo, pids):
    # the stop comes in the post-commit hook: the commit is made; the user's index follows it as after any commit
    repo = make_repo({"a.txt": "a\n"})
    _hook(repo, "post-commit", f"echo $$ > {pids}/hook\nsleep 120\n")
    assert apply_patch(repo, PATCH).applied
    stop = Stop()
    thread, out = _in_thread(lambda: commit_applied(repo, "Uppercase a", "fix a", stop=stop))
    _wait_for(lambda: _ids(pids / "hook"), "the hook did not start")
    stop.set()
    thread.join(WAIT_S)
    assert not thread.is_alive() and out.get("result") == _git(repo, "rev-parse", "HEAD").strip(), out
    _wait_for(lambda: not alive(_ids(pids / "hook")[0]), "the hook was left running")
    assert _git(repo, "branch", "--show-current").strip() == "genie/fix-a"
    assert _git(repo, "show", "HEAD:a.txt") == "A\n" and _git(repo, "status", "--porcelain") == ""
    assert commit_applied(repo, "again", "fix a") is None  # marked committed


def test_a_stop_before_git_runs_commits_nothing(make_repo):
    repo = make_repo({"a.txt": "a\n"})
    head = _git(repo, "rev-parse", "HEAD")
    assert apply_patch(repo, PATCH).applied
    stop = Stop()
    stop.set()
    with pytest.raises(Stopped):
        commit_applied(repo, "Uppercase a", "fix a", stop=stop)
    assert _git(repo, "rev-parse", "HEAD") == head and _git(repo, "branch", "--list", "genie/*") == ""
    assert _git(repo, "status", "--porcelain") == " M a.txt\n"
