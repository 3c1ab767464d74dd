"""With ``commit = "end"``, a run's patches are committed when the run ends; the undo journal keeps 100 entries.

A run that applied more than 100 patches had its oldest entries pruned by its own later applies before the
end-of-run commit, and the commit takes its changes from the journal: patches to other files were silently
left out of the commit (applied, uncommitted, nothing said), and patches to the same lines made the commit
merge a later entry into a version of the file the pruned ones never reached, so the whole run's work was
left uncommitted with a note blaming the user ("touches lines you changed there yourself") and every entry
marked never to be tried again. Entries still waiting for their run's commit are now kept past the limit
until the commit has taken them; then the journal is pruned back to 100."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genie_tui.patching import apply_patch, commit_applied
from genie_tui.patching.hold import holding
from genie_tui.patching.undo import KEEP_ENTRIES, entries, journal_dir, prune
from genie_tui.providers.scripted import Reply, ScriptedServer

TOTAL = KEEP_ENTRIES + 5
IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e"}


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


def _repo(make_repo, commit: str) -> Path:
    files = {"n.txt": "n = 0\n", **{f"f{n:03d}.txt": "old\n" for n in range(TOTAL)},
             ".genie/config.toml": f'commit = "{commit}"\ntest_command = "true"\n'}
    return make_repo(files)


def _run(repo: Path, diffs: list[str]) -> subprocess.CompletedProcess:
    """``genie run`` whose model proposes ``diffs`` (up to 40 a turn), each approved, then finishes."""
    turns = [diffs[i:i + 40] for i in range(0, len(diffs), 40)]
    script = [Reply(tool_calls=[("propose_patch", {"diff": d, "summary": "step"}) for d in turn]) for turn in turns]
    script.append(Reply(tool_calls=[("finish", {"summary": "all steps done"})]))
    with ScriptedServer(script) as server:
        env = {**os.environ, "GENIE_API_KEY": "k", **IDENTITY}
        return subprocess.run([sys.executable, "-m", "genie_tui", "run", "do every step", "--repo", str(repo),
                               "--base-url", server.base_url, "--model", "m", "--approve", "auto", "--json"],
                              check=False, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)


@pytest.mark.parametrize("where", ["own files", "same line"])
def test_commit_end_commits_every_patch_of_a_run_longer_than_the_journal(make_repo, where):
    repo = _repo(make_repo, "end")
    diffs = [_own_file(n) for n in range(TOTAL)] if where == "own files" else [_same_line(n) for n in range(TOTAL)]
    r = _run(repo, diffs)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["patches"]) == TOTAL and all(p["applied"] for p in out["patches"])
    assert "not committed" not in r.stderr  # the user changed nothing: nothing is theirs
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""  # every change is in the commit
    assert _git(repo, "branch", "--show-current").strip() == "genie/do-every-step"
    assert _git(repo, "log", "--format=%s").splitlines() == ["all steps done", "initial"]
    if where == "same line":
        assert _git(repo, "show", "HEAD:n.txt") == f"n = {TOTAL}\n"
    else:
        changed = _git(repo, "show", "--format=", "--name-only", "HEAD").split()
        assert changed == [f"f{n:03d}.txt" for n in range(TOTAL)]
    kept = entries(repo)  # committed, the journal is bounded again
    assert len(kept) == KEEP_ENTRIES and int(kept[-1].stem) == TOTAL
    assert all(json.loads(p.read_text())["committed"] is True for p in kept)
    assert list(journal_dir(repo).glob("*.hold")) == []  # the run's hold went with it


def test_without_commit_end_a_run_keeps_only_the_newest_entries(make_repo):
    repo = _repo(make_repo, "off")
    r = _run(repo, [_same_line(n) for n in range(TOTAL)])
    assert r.returncode == 0, r.stderr
    assert len(entries(repo)) == KEEP_ENTRIES  # nothing waits for a commit: pruned as the run goes
    assert _git(repo, "log", "--format=%s").splitlines() == ["initial"]


APPLY_ELSEWHERE = """
import sys
from pathlib import Path
from genie_tui.patching import apply_patch
report = apply_patch(Path(sys.argv[1]), sys.argv[2])
print(report.applied, flush=True)
"""


def test_another_process_pruning_keeps_the_entries_a_live_run_holds(make_repo):
    """A ``genie apply`` in another terminal (its own prune) must not drop what this run still has to commit."""
    repo = _repo(make_repo, "end")
    with holding(repo):
        for n in range(TOTAL - 1):
            assert apply_patch(repo, _same_line(n)).applied
        assert len(entries(repo)) == TOTAL - 1
        other = subprocess.run([sys.executable, "-c", APPLY_ELSEWHERE, str(repo), _own_file(0)],
                               check=False, capture_output=True, text=True, timeout=60)
        assert other.stdout == "True\n", other.stderr
        assert len(entries(repo)) == TOTAL  # nothing pruned: the oldest waits for this run's commit
        sha = commit_applied(repo, "run", "task")
    assert sha is not None
    assert _git(repo, "show", "HEAD:n.txt") == f"n = {TOTAL - 1}\n" and _git(repo, "show", "HEAD:f000.txt") == "new\n"
    assert len(entries(repo)) == KEEP_ENTRIES


HOLD_AND_DIE = """
import os, sys
from pathlib import Path
from genie_tui.patching import apply_patch
from genie_tui.patching.hold import holding
repo = Path(sys.argv[1])
with holding(repo):
    for n in range(int(sys.argv[2])):
        assert apply_patch(repo, f"--- a/n.txt\\n+++ b/n.txt\\n@@ -1 +1 @@\\n-n = {n}\\n+n = {n + 1}\\n").applied
    os._exit(0)  # killed before its commit: no hold is released, no entry marked
"""


def test_a_hold_dies_with_its_run_so_the_journal_stays_bounded(make_repo):
    repo = _repo(make_repo, "end")
    died = subprocess.run([sys.executable, "-c", HOLD_AND_DIE, str(repo), str(TOTAL)], check=False,
                          capture_output=True, text=True, timeout=120)
    assert died.returncode == 0, died.stderr
    assert len(entries(repo)) == TOTAL and list(journal_dir(repo).glob("*.hold"))  # held while it lived
    assert apply_patch(repo, _same_line(TOTAL)).applied  # the next apply prunes as usual
    assert len(entries(repo)) == KEEP_ENTRIES
    assert list(journal_dir(repo).glob("*.hold")) == []  # the dead run's hold file is cleared too


def test_holds_nest_and_a_repository_not_held_prunes_as_before(make_repo):
    repo = _repo(make_repo, "end")
    with holding(repo), holding(repo):
        assert apply_patch(repo, _same_line(0)).applied
    with holding(repo):
        pass
    assert list(journal_dir(repo).glob("*.hold")) == []
    assert json.loads(entries(repo)[0].read_text())["committed"] is False
    prune(repo, keep=0)  # the hold ended uncommitted (a commit that failed): the entry is an ordinary one now
    assert entries(repo) == []


def test_commit_each_keeps_a_patch_whose_commit_failed_until_a_commit_takes_it(make_repo):
    """With ``commit = "each"``, a commit that fails (a merge in progress) leaves its patch's entry uncommitted
    for the next patch's commit to take. Not held, the entries of more than 100 failed commits in a row were
    pruned by the run's own applies before the merge was done: the next commit left their changes out, saying
    nothing (for patches to the same lines, it refused everything as the user's)."""
    repo = _repo(make_repo, "each")
    diffs = [_own_file(n) for n in range(TOTAL)]
    merge_head = repo / ".git" / "MERGE_HEAD"
    merge_head.write_text(_git(repo, "rev-parse", "HEAD"))

    def merge_done(body: dict) -> Reply:
        merge_head.unlink()  # the user finished the merge while the model thought
        return Reply(tool_calls=[("propose_patch", {"diff": diffs[-1], "summary": "last step"})])

    head = diffs[:-1]
    script = [Reply(tool_calls=[("propose_patch", {"diff": d, "summary": "step"}) for d in head[i:i + 40]])
              for i in range(0, len(head), 40)]
    script += [merge_done, Reply(tool_calls=[("finish", {"summary": "all steps done"})])]
    with ScriptedServer(script) as server:
        env = {**os.environ, "GENIE_API_KEY": "k", **IDENTITY}
        r = subprocess.run([sys.executable, "-m", "genie_tui", "run", "do every step", "--repo", str(repo),
                            "--base-url", server.base_url, "--model", "m", "--approve", "auto", "--json"],
                           check=False, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "not committed" not in r.stderr, r.stderr[-3000:]
    assert r.stderr.count("commit failed: git commit failed: a merge is in progress") == TOTAL - 1
    assert _git(repo, "log", "--format=%s").splitlines() == ["last step", "initial"]
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""  # every change is in the commit
    kept = entries(repo)
    assert len(kept) == KEEP_ENTRIES and all(json.loads(p.read_text())["committed"] is True for p in kept)
