"""``genie resume`` of a ``commit = "end"`` run that was killed before its end: the resumed run's commit holds the
killed run's patches too, as that run would have committed them.

The resumed agent started with nothing applied, so a resumed run that applied no patch of its own made no commit
at all, and the killed run's journal entries were no longer held (its hold died with it): the resumed run's own
applies (or a ``genie apply`` in between) pruned them past the journal's 100, and their changes were left out of
its commit (for patches to the same lines, the whole commit was refused as touching the user's lines)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genie_tui.patching import apply_patch, undo_last
from genie_tui.patching.undo import KEEP_ENTRIES, entries, journal_dir
from genie_tui.providers.scripted import Reply, ScriptedServer

IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e"}
TASK = "do every step"
BRANCH = "genie/do-every-step"


@pytest.fixture(autouse=True)
def _identity(monkeypatch):
    for k, v in IDENTITY.items():
        monkeypatch.setenv(k, v)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def _same_line(n: int) -> str:
    return f"--- a/n.txt\n+++ b/n.txt\n@@ -1 +1 @@\n-n = {n}\n+n = {n + 1}\n"


def _own_file(n: int) -> str:
    return f"--- a/f{n:03d}.txt\n+++ b/f{n:03d}.txt\n@@ -1 +1 @@\n-old\n+new\n"


def _other_line(n: int) -> str:
    return f"--- a/m.txt\n+++ b/m.txt\n@@ -1 +1 @@\n-m = {n}\n+m = {n + 1}\n"


def _repo(make_repo, commit: str = "end") -> Path:
    files = {"n.txt": "n = 0\n", "m.txt": "m = 0\n", **{f"f{n:03d}.txt": "old\n" for n in range(10)},
             ".genie/config.toml": f'commit = "{commit}"\ntest_command = "true"\n'}
    return make_repo(files)


def _turns(diffs: list[str]) -> list[Reply]:
    return [Reply(tool_calls=[("propose_patch", {"diff": d, "summary": "step"}) for d in diffs[i:i + 40]])
            for i in range(0, len(diffs), 40)]


def _genie(*args: str, server: ScriptedServer) -> list[str]:
    return [sys.executable, "-m", "genie_tui", *args, "--base-url", server.base_url, "--model", "m",
            "--approve", "auto", "--json"]


def _env() -> dict[str, str]:
    return {**os.environ, "GENIE_API_KEY": "k", **IDENTITY}


def _killed_run(repo: Path, diffs: list[str]) -> str:
    """``genie run`` whose model applies ``diffs``, killed (SIGKILL) while it waits for the model's next turn;
    the session's id."""
    turns = _turns(diffs)
    with ScriptedServer([*turns, Reply(fault="hang", hang_seconds=120)]) as server:
        proc = subprocess.Popen(_genie("run", TASK, "--repo", str(repo), server=server), env=_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while len(server.requests) <= len(turns):  # the hanging request: every patch is applied and recorded
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.kill()
        proc.communicate()
    tags = [json.loads(p.read_text())["tag"] for p in entries(repo)]
    assert len(tags) == len(diffs) and len(list(journal_dir(repo).glob("*.hold"))) == 1  # its hold is dead
    return tags[0].split(":")[0]


def _resume(repo: Path, session: str, diffs: list[str]) -> subprocess.CompletedProcess:
    """``genie resume`` whose model applies ``diffs``, then finishes."""
    script = [*_turns(diffs), Reply(tool_calls=[("finish", {"summary": "all steps done"})])]
    with ScriptedServer(script) as server:
        return subprocess.run(_genie("resume", session, server=server), check=False, capture_output=True,
                              text=True, env=_env(), stdin=subprocess.DEVNULL, timeout=300, cwd=repo)


def test_a_resumed_run_commits_what_the_killed_run_applied(make_repo):
    repo = _repo(make_repo)
    session = _killed_run(repo, [_own_file(n) for n in range(3)])
    assert _git(repo, "log", "--format=%s").splitlines() == ["initial"]
    r = _resume(repo, session, [])  # the resumed run applies nothing of its own
    assert r.returncode == 0, r.stderr
    assert _git(repo, "log", "--format=%s").splitlines() == ["all steps done", "initial"]
    assert _git(repo, "branch", "--show-current").strip() == BRANCH
    assert _git(repo, "show", "--format=", "--name-only", "HEAD").split() == ["f000.txt", "f001.txt", "f002.txt"]
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert all(json.loads(p.read_text())["committed"] is True for p in entries(repo))
    assert "could not" not in r.stderr and "cannot include" not in r.stderr


def test_the_killed_runs_entries_are_held_until_the_resumed_runs_commit(make_repo):
    """Killed after 60 patches, resumed for 60 more to the same line: its own applies pruned the first 20, and
    the commit, merging the 21st into a file the pruned ones never reached, was refused whole."""
    repo = _repo(make_repo)
    session = _killed_run(repo, [_same_line(n) for n in range(60)])
    r = _resume(repo, session, [_same_line(n) for n in range(60, 120)])
    assert r.returncode == 0, r.stderr
    assert "not committed" not in r.stderr and "cannot include" not in r.stderr
    assert _git(repo, "log", "--format=%s").splitlines() == ["all steps done", "initial"]
    assert _git(repo, "show", "HEAD:n.txt") == "n = 120\n"
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    kept = entries(repo)  # committed: the journal is bounded again
    assert len(kept) == KEEP_ENTRIES and all(json.loads(p.read_text())["committed"] is True for p in kept)
    assert list(journal_dir(repo).glob("*.hold")) == []


def test_what_was_pruned_or_undone_before_the_resume_is_left_out_and_the_pruned_named(make_repo):
    """Before the resume the user undid the killed run's last patch (p5) and applied 97 patches of their own,
    so the journal's limit took its first (p1): the commit takes p2-p4 and says in one line that p1 is not in
    it; p5, undone, is neither committed nor named."""
    repo = _repo(make_repo)
    session = _killed_run(repo, [_own_file(n) for n in range(5)])
    assert undo_last(repo).undone and (repo / "f004.txt").read_text() == "old\n"
    for n in range(97):
        assert apply_patch(repo, _other_line(n)).applied
    assert len(entries(repo)) == KEEP_ENTRIES
    r = _resume(repo, session, [])
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "p1" in line]
    assert len(said) == 1 and "p5" not in said[0] and "p2" not in said[0], r.stderr
    assert "cannot include p1 of the run before" in said[0] and "pruned" in said[0]
    committed = _git(repo, "show", "--format=", "--name-only", "HEAD").split()
    assert committed == ["f001.txt", "f002.txt", "f003.txt"]  # not m.txt: the user's own applies stay theirs
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == " M f000.txt\n M m.txt\n"  # p1: uncommitted


def test_resuming_a_run_that_committed_commits_nothing_again(make_repo):
    """A run out of steps committed its patches at its end; resumed, with nothing applied since, it makes no
    commit (a ``genie apply`` of the user's meanwhile stays theirs)."""
    repo = _repo(make_repo)
    script = [*_turns([_own_file(0)]), Reply(content="still working")]
    with ScriptedServer(script) as server:
        first = subprocess.run(_genie("run", TASK, "--repo", str(repo), "--max-steps", "2", server=server),
                               check=False, capture_output=True, text=True, env=_env(), stdin=subprocess.DEVNULL,
                               timeout=300)
    assert json.loads(first.stdout)["status"] == "budget_exhausted", first.stderr
    assert _git(repo, "log", "--format=%s").splitlines() == [f"genie: {TASK}", "initial"]
    session = json.loads(entries(repo)[0].read_text())["tag"].split(":")[0]
    assert apply_patch(repo, _other_line(0)).applied
    r = _resume(repo, session, [])
    assert r.returncode == 0, r.stderr
    assert _git(repo, "log", "--format=%s").splitlines() == [f"genie: {TASK}", "initial"]
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == " M m.txt\n"
    assert "cannot include" not in r.stderr
