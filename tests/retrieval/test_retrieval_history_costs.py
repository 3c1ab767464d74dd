"""The stored history brought to a new HEAD at the lower cost (taking the change in, or reading all again), within
what a lookup may do on its own thread, stopped for a patch, read again when what git logs changed without HEAD
moving, and kept as it was when git fails."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from genie_tui.retrieval import RepoIndex, follow, history
from genie_tui.retrieval.store import Stopped, Store, TooMany, db_path
from tests.conftest import git as output
from tests.retrieval.test_retrieval_history import (
    _full_read,
    _history_repo,
    _logs_counted,
    _signals,
    _stored_history,
    _tables,
    git,
)


def _bring(store: Store, repo, limit: int | None = None, stop=None) -> int | None:  # type: ignore[no-untyped-def]
    """The stored history brought to HEAD, as an update of the index does."""
    c = store.conn()
    head = history.head(repo)
    assert head is not None
    since = history.extendable(c)
    log = history.Log(repo, head, since, limit=limit) if since or limit is None else None
    n = history.update(c, repo, head, log, limit, stop)
    if n is not None:
        store.set_meta(history.HEAD_KEY, head)
    c.commit()
    return n


def _commits(repo, n: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` commits of one file each, written by git fast-import (a few ms for hundreds)."""
    when = int(time.time())  # none older than the one before: git walks a range by date
    head = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, check=False, capture_output=True,
                          text=True)
    lines = []
    for i in range(n):
        msg = f"Rounding of invoice {i}: cents lost in export {i % 7}\n"
        body = f"v = {i}\n"
        lines += ["commit refs/heads/main", f"committer t <t@example.com> {when + i} +0000",
                  f"data {len(msg.encode())}", msg.rstrip("\n")]
        if i == 0 and head.returncode == 0:
            lines.append(f"from {head.stdout.strip()}")
        lines += [f"M 100644 inline m{i % 23}.py", f"data {len(body)}", body.rstrip("\n")]
    subprocess.run(["git", "fast-import", "--quiet", "--force"], cwd=repo, check=True, capture_output=True,
                   input="\n".join(lines) + "\n", text=True)
    git(repo, "reset", "-q", "--hard", "main")


def test_a_reset_past_most_commits_reads_those_left_instead_of_taking_the_others_out(make_repo, tmp_path,
                                                                                       monkeypatch):
    # a reset --soft HEAD~6000 on sphinx took its 13,300 commits out one by one, 1.45 s: reading the 3,300 left took
    # 0.26 s; a reset of a few commits still takes them out
    repo = _history_repo(make_repo)
    _commits(repo, 30)
    store = _stored_history(repo, tmp_path / "index.sqlite")
    taken: list[int] = []
    real = history._drop

    def noted(c, gone):  # type: ignore[no-untyped-def]
        taken.extend(gone)
        return real(c, gone)

    monkeypatch.setattr(history, "_drop", noted)
    logged = _logs_counted(monkeypatch)
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    _bring(store, repo)
    assert len(taken) == 2 and logged == [0]
    taken.clear()
    logged.clear()
    git(repo, "reset", "-q", "--hard", "HEAD~30")  # 30 to take out, 7 left
    _bring(store, repo)
    assert taken == [] and logged == [7]  # (the range's log, empty, not waited for: HEAD's newest commit is stored)
    c = store.conn()
    assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    store.close()


def _dated(repo, path: str, msg: str, t: int) -> None:  # type: ignore[no-untyped-def]
    (repo / path).write_text(f"{msg}\n")
    git(repo, "add", path)
    git(repo, "commit", "-qm", msg, env={"GIT_COMMITTER_DATE": f"@{t} +0000", "GIT_AUTHOR_DATE": f"@{t} +0000"})


def test_commits_a_merge_moves_count_against_what_a_lookup_takes_in(make_repo, tmp_path):
    # merging an old branch into sphinx gave 6,800 stored commits new ids, on the lookup's thread (0.8-1.6 s): only
    # the one new commit had been counted
    repo = make_repo({"a.py": "a = 0\n"}, commit=False)
    t = 1_600_000_000
    for i in range(12):
        _dated(repo, f"f{i % 4}.py", f"Change {i} of the invoices", t + 100 * i)
    git(repo, "checkout", "-q", "-b", "old", "HEAD~4")  # after the 8th commit, dated before the 9th
    _dated(repo, "side.py", "Side rounding", t + 750)
    git(repo, "checkout", "-q", "main")
    store = _stored_history(repo, tmp_path / "index.sqlite")
    c = store.conn()
    before = _tables(c)
    git(repo, "merge", "-q", "--no-edit", "old", env={"GIT_COMMITTER_DATE": f"@{t + 2000} +0000"})
    with pytest.raises(TooMany):  # the 4 newer commits move under the one new: 5 to take in
        _bring(store, repo, limit=4)
    assert _tables(c) == before
    assert _bring(store, repo, limit=5) == 13
    assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    store.close()


def test_a_history_update_stopped_within_a_statement_leaves_the_history_as_it_was(make_repo, tmp_path, monkeypatch):
    # the catch-up's history update had no stop: a patch's lookup waited for it (2.6-4.2 s after a large reset)
    repo = make_repo({"a.py": "a = 0\n"})
    _commits(repo, 400)
    store = Store(tmp_path / "index.sqlite")
    store.init()
    git(repo, "checkout", "-q", "HEAD~300")
    _bring(store, repo)
    c = store.conn()
    before = (_tables(c), history.stored_head(c), history.generation(c))
    stop, real = threading.Event(), history._add

    def stopping(*args):  # type: ignore[no-untyped-def]
        stop.set()  # set while its statements run: they stop
        return real(*args)

    monkeypatch.setattr(history, "_add", stopping)
    monkeypatch.setattr(history, "FULL_COST", 100.0)  # not a full read: statements on the stored tables
    git(repo, "checkout", "-q", "main")
    with pytest.raises(Stopped):
        _bring(store, repo, stop=stop)
    assert (_tables(c), history.stored_head(c), history.generation(c)) == before
    monkeypatch.setattr(history, "_add", real)
    assert _bring(store, repo) == 401
    assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    store.close()


def _held_catch_ups(monkeypatch) -> threading.Event:  # type: ignore[no-untyped-def]
    """Catch-ups' history updates wait until the event returned is set (a lookup's go on)."""
    go, real = threading.Event(), history.update

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "genie-index":
            go.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(history, "update", held)
    return go


def test_a_catch_up_bringing_the_history_makes_way_for_a_patch(make_repo, monkeypatch):
    # a lookup after a patch waited for the catch-up's history (taking out 13,300 commits: 1.2 s), though not for
    # its files (read by the build at its next file): the history is rolled back, the patch read, and the history
    # brought again from what git logged
    monkeypatch.setattr(history, "INLINE", 2)
    monkeypatch.setattr(follow, "PATCH_WAIT_S", 5.0)
    go, reading, real, update = threading.Event(), threading.Event(), history.Log._run, history.update

    def slow(self, repo, head, shas):  # type: ignore[no-untyped-def]
        if self.limit is None and shas is None:  # a catch-up's (a lookup's have a limit)
            go.wait(30)
        return real(self, repo, head, shas)

    def noted(*args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "genie-index":
            reading.set()  # its files are in
        return update(*args, **kwargs)

    repo = _history_repo(make_repo)
    ix = RepoIndex.open(repo, watch=True)
    monkeypatch.setattr(history.Log, "_run", slow)
    monkeypatch.setattr(history, "update", noted)
    try:
        git(repo, "reset", "-q", "--soft", "HEAD~3")
        ix.search("export")
        assert ix.building and reading.wait(10)  # it waits for git's log
        (repo / "billing.py").write_text("def invoice_total():\n    return 0\n")
        ix.refresh([str(repo / "billing.py")], wait=False)
        t0 = time.monotonic()
        found = [r.path for r in ix.search("invoice_total", k=3)]
        assert time.monotonic() - t0 < 3.0 and found[:1] == ["billing.py"]
        assert ix.building  # it goes on
        go.set()
        assert ix.wait(30)
        c = ix._store.conn()
        assert history.stored_head(c) == history.head(repo)
        assert (_tables(c), _signals(c)) == _full_read(repo, repo.parent / "full.sqlite")
    finally:
        go.set()
        ix.close()


def test_a_patch_read_after_head_moved_far_leaves_the_history_to_a_catch_up(make_repo, monkeypatch):
    # the update reading a patch's files passed no limit: a HEAD moved any distance was read on the lookup's thread
    # (a patch and a reset --soft HEAD~6000 on sphinx: 2.1 s)
    monkeypatch.setattr(history, "INLINE", 2)
    repo = _history_repo(make_repo)
    ix = RepoIndex.open(repo, watch=True)
    go = _held_catch_ups(monkeypatch)
    query = "speed up large invoice_total"  # the words of a commit that goes, and of the patch
    try:
        git(repo, "reset", "-q", "--soft", "HEAD~3")
        (repo / "billing.py").write_text("def invoice_total():\n    return 0\n")
        ix.refresh([str(repo / "billing.py")], wait=False)
        during = {r.path: r.why for r in ix.search(query)}
        assert "billing.py" in during and ix.building
        assert "similar past commits changed it" in during["export.py"]  # the history as it was, meanwhile
        go.set()
        assert ix.wait(30)
        c = ix._store.conn()
        assert (_tables(c), _signals(c)) == _full_read(repo, repo.parent / "full.sqlite")
    finally:
        go.set()
        ix.close()


def _replace_message(repo, rev: str, msg: str) -> None:  # type: ignore[no-untyped-def]
    sha = output(repo, "rev-parse", rev).strip()
    new = output(repo, "commit-tree", f"{sha}^{{tree}}", "-p", f"{sha}^", "-m", msg).strip()
    git(repo, "replace", sha, new)


@pytest.mark.parametrize("change", ["fetch --unshallow", "replace"])
def test_what_git_logs_changed_without_head_moving_is_read_again_in_full(make_repo, tmp_path, change):
    # a shallow clone's boundary commit is logged with all its files, until it is deepened; a replace ref gives a
    # stored commit another message: the history kept either after the next amend
    origin = _history_repo(make_repo)
    repo = origin
    if change == "fetch --unshallow":
        repo = tmp_path / "clone"
        git(tmp_path, "clone", "-q", "--depth", "3", f"file://{origin}", str(repo))
    store = _stored_history(repo, tmp_path / "index.sqlite")
    if change == "replace":
        _replace_message(repo, "HEAD~2", "Rounding of invoices")
    else:
        git(repo, "fetch", "-q", "--unshallow")
    git(repo, "commit", "-q", "--amend", "-m", "Typo in the timezone rounding")
    _bring(store, repo)
    c = store.conn()
    assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    assert len(_tables(c)["commits"]) == 9
    store.close()


@pytest.mark.parametrize("start", ["no commit yet", "an orphan branch"])
def test_a_first_commit_is_read_by_the_lookup_after_it(make_repo, monkeypatch, start):
    # with no note of a history read before, a lookup left every history to a catch-up, one commit too
    if start == "no commit yet":
        repo = make_repo({"billing.py": "def charge(amount):\n    return amount\n", "other.py": "o = 1\n"},
                         commit=False)
    else:
        repo = _history_repo(make_repo)
    ix = RepoIndex.open(repo, watch=True)
    ix.wait()
    go = _held_catch_ups(monkeypatch)
    try:
        if start == "an orphan branch":
            git(repo, "checkout", "-q", "--orphan", "other")
            git(repo, "rm", "-rq", "--cached", ".")
            ix.find_files("*.py")  # HEAD unborn: no history
            (repo / "billing.py").write_text("def charge(amount):\n    return amount\n")
        git(repo, "add", "billing.py")
        git(repo, "commit", "-q", "-m", "Fix invoice rounding of cents")
        why = {r.path: r.why for r in ix.search("invoice rounding cents", k=3)}
        assert not ix.building
        assert "similar past commits changed it" in why["billing.py"]
    finally:
        go.set()
        ix.close()


def _history_repo_with_merge(make_repo):  # type: ignore[no-untyped-def]
    repo = make_repo({"billing.py": "def charge(amount):\n    return amount\n", "calendar.py": "c = 0\n",
                      "tz.py": "t = 0\n", "notes.py": "n = 0\n"})
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "tz.py").write_text("t = 1\n")
    git(repo, "commit", "-qam", "Timezone offsets for half-hour zones")
    git(repo, "checkout", "-q", "main")
    (repo / "calendar.py").write_text("c = 1\n")
    git(repo, "commit", "-qam", "Calendar export of recurring events")
    git(repo, "merge", "-q", "--no-edit", "side")  # moves across it are no line
    return repo


def test_a_history_stored_again_at_the_same_head_is_not_read_from_the_old_cache(make_repo):
    # the queries' cache of the stored history was for its head alone: going to an orphan branch and back stored it
    # again under other ids, and the cache's postings then named other commits (votes for the wrong files)
    repo = _history_repo_with_merge(make_repo)
    ix = RepoIndex.open(repo, watch=True)
    query = "invoice rounding loses cents"
    try:
        (repo / "billing.py").write_text("def charge(amount):\n    return round(amount, 2)\n")
        git(repo, "commit", "-qam", "Fix invoice rounding of cents")
        ix.search(query, k=3)
        git(repo, "checkout", "-q", "--orphan", "other")
        git(repo, "commit", "-q", "-m", "Something else entirely")
        ix.find_files("*.py")  # follows HEAD, scores nothing
        git(repo, "checkout", "-q", "-f", "main")
        after = [(r.path, r.score, r.why) for r in ix.search(query, k=3)]
    finally:
        ix.close()
    Store(db_path(repo)).wipe()
    fresh = RepoIndex.open(repo)
    try:
        assert [(r.path, r.score, r.why) for r in fresh.search(query, k=3)] == after
    finally:
        fresh.close()


def test_git_failing_for_a_moment_leaves_the_history_as_it_was(make_repo, tmp_path, monkeypatch):
    # git not found (or rev-parse timing out) was taken for a HEAD of no commits: the history was deleted, and not
    # read again until HEAD moved
    repo = _history_repo(make_repo)
    ix = RepoIndex.open(repo, watch=True)
    query = "calendar export timezone offset"
    try:
        want = [(r.path, r.why) for r in ix.search(query, k=3)]
        assert any("similar past commits" in why for _, why in want)
        git(repo, "commit", "-q", "--allow-empty", "-m", "Empty")
        path = os.environ["PATH"]
        monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
        ix.find_files("*.py")
        monkeypatch.setenv("PATH", path)
        assert [(r.path, r.why) for r in ix.search(query, k=3)] == want
        c = ix._store.conn()
        assert history.stored_head(c) == history.head(repo)
    finally:
        ix.close()
    store = _stored_history(repo, tmp_path / "index.sqlite")
    c = store.conn()
    before = (_tables(c), history.stored_head(c))
    git(repo, "commit", "-q", "--allow-empty", "-m", "Empty again")
    head = history.head(repo)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert head and history.update(c, repo, head) is None
    assert (_tables(c), history.stored_head(c)) == before
    store.close()


def test_a_move_far_back_is_known_without_waiting_for_git_s_log_of_the_range(make_repo, tmp_path, monkeypatch):
    # after a reset --soft HEAD~6000 on sphinx the lookup waited for git's log of the range (0.28 s, empty), then
    # listed the commits gone (0.24 s) and all those logged (0.08 s), only to leave the history to a catch-up: as
    # long as main's full read (0.47-0.71 s at load 5); and the catch-up did the same before reading all again
    repo = make_repo({"a.py": "a = 0\n"})
    _commits(repo, 30)
    store = _stored_history(repo, tmp_path / "index.sqlite")
    c = store.conn()
    before = (_tables(c), history.stored_head(c))
    held, real = threading.Event(), history.Log._run

    def slow(self, repo, head, shas):  # type: ignore[no-untyped-def]
        if self.since:  # the log of the range
            held.wait(5)
        return real(self, repo, head, shas)

    monkeypatch.setattr(history.Log, "_run", slow)
    git(repo, "reset", "-q", "--soft", "HEAD~20")  # 20 to take out, 11 left: both more than 4
    t0 = time.monotonic()
    with pytest.raises(TooMany):
        _bring(store, repo, limit=4)
    assert time.monotonic() - t0 < 2.5
    assert (_tables(c), history.stored_head(c)) == before
    t0 = time.monotonic()
    assert _bring(store, repo) == 11  # the catch-up's: those left read again, cheaper than taking 20 out
    assert time.monotonic() - t0 < 2.5
    held.set()
    assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    store.close()
