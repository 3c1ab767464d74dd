"""commit_applied marks the undo journal's entries committed under the repository's patch lock, atomically.

It rewrote each entry in place without the lock apply and undo hold: a write cut short (a full disk, a file size
limit, a crash) left the entry half-written, so `genie undo` refused it as damaged; and an entry another process
pruned (or undid) meanwhile was written back, resurrecting a patch the journal no longer held."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from genie_tui.patching import apply_patch, commit_applied, undo_last
from genie_tui.patching.lock import repo_lock
from genie_tui.patching.undo import entries, journal_dir


@pytest.fixture(autouse=True)
def _identity(monkeypatch):
    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@e"}.items():
        monkeypatch.setenv(k, v)


def _git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


PATCH = "--- a/a.txt\n+++ b/a.txt\n@@\n-a\n+A\n"

HOLDER = """
import sys
from pathlib import Path
from genie_tui.patching.lock import repo_lock
from genie_tui.patching.undo import prune
repo = Path(sys.argv[1])
with repo_lock(repo):
    print("held", flush=True)
    sys.stdin.readline()
    prune(repo, keep=0)  # what an apply does to the oldest entries, here to every one
"""


def test_marking_waits_for_an_apply_and_never_brings_back_an_entry_it_pruned(make_repo):
    repo = make_repo({"a.txt": "a\n"})
    assert apply_patch(repo, PATCH).applied
    [entry] = entries(repo)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(repo)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        outcome: list[object] = []
        worker = threading.Thread(target=lambda: outcome.append(commit_applied(repo, "msg", "task")))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "commit_applied went on while another process held the journal's lock"
        assert json.loads(entry.read_text())["committed"] is False
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
        worker.join(timeout=30)
    finally:
        holder.kill()
    assert outcome == [None]  # the entry it would have committed is gone: nothing to commit
    assert not entry.exists() and entries(repo) == []  # not written back
    assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_commit_applied_called_with_the_lock_held_does_not_wait_for_itself(make_repo):
    repo = make_repo({"a.txt": "a\n"})
    assert apply_patch(repo, PATCH).applied
    started = time.monotonic()
    with repo_lock(repo, wait=5):
        sha = commit_applied(repo, "msg", "task")
    assert sha and time.monotonic() - started < 5
    assert json.loads(entries(repo)[0].read_text())["committed"] is True
    assert apply_patch(repo, "--- a/a.txt\n+++ b/a.txt\n@@\n-A\n+B\n").applied  # the lock was given back


LIMITED = """
import resource, sys
from pathlib import Path
from genie_tui.patching import commit_applied
resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))  # a file can grow to 64 kB, no further
notes = []
print(commit_applied(Path(sys.argv[1]), "msg", "task", notes=notes))
print("\\n".join(notes))
"""


def test_an_entry_whose_marking_cannot_be_written_stays_whole(make_repo):
    """A write cut short (here by a file size limit, as by a full disk) never leaves an entry half-written."""
    big = "".join(f"line {n % 50}\n" for n in range(40_000))  # ~300 kB; its git objects compress to a few kB
    repo = make_repo({"a.txt": "first\n" + big})
    diff = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-first\n+FIRST\n line 0\n"
    assert apply_patch(repo, diff).applied
    [entry] = entries(repo)
    original = entry.read_bytes()
    assert len(original) > 200_000
    run = subprocess.run([sys.executable, "-c", LIMITED, str(repo)], check=False, capture_output=True, text=True,
                         timeout=60)
    assert entry.read_bytes() == original  # whole, as it was: not marked, not truncated
    assert run.returncode == 0, run.stderr
    sha, note = run.stdout.splitlines()[:2]
    assert len(sha) == 40 and _git(repo, "rev-parse", "HEAD").strip() == sha  # the commit itself was made
    assert "undo journal" in note and "could not be marked" in note
    assert [p.name for p in journal_dir(repo).iterdir()] == [entry.name]  # no temp file left behind
    # the next commit finds the change already committed and marks it; undo still takes the patch back
    assert commit_applied(repo, "again", "task") is None
    assert json.loads(entry.read_text())["committed"] is True
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "a.txt").read_text() == "first\n" + big
