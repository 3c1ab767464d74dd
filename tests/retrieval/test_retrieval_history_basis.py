"""What git logs changing without HEAD moving (a shallow clone deepened or made whole, ``git replace``), noticed by
an open index's next lookup; and random sequences of history moves, these among them, after each of which the
stored history is the one a full read stores."""

from __future__ import annotations

import random
import time

import pytest

from genie_tui.retrieval import RepoIndex, history
from tests.conftest import git as output
from tests.retrieval.test_retrieval_history import (
    _full_read,
    _history_repo,
    _signals,
    _tables,
    git,
)


def _replace_message(repo, rev: str, msg: str) -> None:  # type: ignore[no-untyped-def]
    sha = output(repo, "rev-parse", rev).strip()
    new = output(repo, "commit-tree", f"{sha}^{{tree}}", "-p", f"{sha}^", "-m", msg).strip()
    git(repo, "replace", "-f", sha, new)


@pytest.mark.parametrize("change", ["fetch --unshallow", "fetch --deepen", "replace", "replace --delete"])
def test_what_git_logs_changed_with_head_unmoved_is_read_by_the_next_lookup(make_repo, tmp_path, change):
    # HEAD alone was watched: a shallow clone made whole kept the history of its few commits, and a replaced
    # commit its old message, until HEAD next moved
    origin = _history_repo(make_repo)
    repo = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{origin}", str(repo))
    if change == "replace --delete":
        _replace_message(repo, "HEAD~1", "Rounding of invoices")
    ix = RepoIndex.open(repo, watch=True)
    try:
        ix.search("export offset")
        if change.startswith("fetch"):
            git(repo, *change.split(), *(["2"] if change.endswith("deepen") else []))
        elif change == "replace":
            _replace_message(repo, "HEAD~1", "Rounding of invoices")
        else:
            git(repo, "replace", "-d", output(repo, "rev-parse", "HEAD~1").strip())
        ix.search("export offset")
        assert not ix.building
        c = ix._store.conn()
        assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    finally:
        ix.close()


def _move(repo, rnd: random.Random, n: int) -> str:  # type: ignore[no-untyped-def]
    """One history move at random, in a clone of a repository of 14 commits: its name."""
    shallow = output(repo, "rev-parse", "--is-shallow-repository").strip() == "true"
    depth = len(output(repo, "rev-list", "--first-parent", "HEAD").split())
    kind = rnd.choice(["commit", "commit", "amend", "reset", "rebase", "merge", "undo", "orphan", "back", "replace",
                       "unreplace", "deepen", "unshallow"])
    if kind in ("amend", "reset", "rebase", "merge", "undo", "replace") and depth < 4:
        kind = "commit"
    when = {"GIT_COMMITTER_DATE": f"@{1_700_000_000 + 100 * n} +0000"}
    if kind in ("commit", "amend"):  # new files alone (a rebase has no conflict); none, or too many, at times
        for i in range(rnd.choice([0, 1, 1, 3])):
            (repo / f"n{n}_{i}.py").write_text(f"v = {n}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", *(["--amend"] if kind == "amend" else []), "-m",
            rnd.choice(["Rounding of invoices", "Export offset", "Typo", "Calendar zones"]) + f" {n}", env=when)
    elif kind == "reset":
        git(repo, "reset", "-q", "--hard", f"HEAD~{rnd.randint(1, depth - 2)}")
    elif kind == "rebase":
        git(repo, "rebase", "-q", "--onto", "HEAD~3", "HEAD~2", env=when)
    elif kind == "merge":
        git(repo, "checkout", "-q", "-B", f"side{n}", f"HEAD~{rnd.randint(1, 3)}")
        (repo / f"side{n}.py").write_text("s = 1\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"Side rounding {n}", env={"GIT_COMMITTER_DATE": f"@{1_600_000_000 + n} +0000"})
        git(repo, "checkout", "-q", "-")
        git(repo, "merge", "-q", "--no-ff", "--no-edit", f"side{n}", env=when)
    elif kind == "undo":
        git(repo, "reset", "-q", "--hard", "HEAD^1")
    elif kind == "orphan":
        git(repo, "checkout", "-q", "-f", "--orphan", f"orphan{n}")
        git(repo, "commit", "-q", "-m", f"Invoices from scratch {n}", env=when)
    elif kind == "back":
        git(repo, "checkout", "-q", "-f", "main")
    elif kind == "replace":
        _replace_message(repo, f"HEAD~{rnd.randint(0, 2)}", f"Replaced: export rounding {n}")
    elif kind == "unreplace":
        for ref in output(repo, "for-each-ref", "--format=%(refname:strip=2)", "refs/replace/").split()[:1]:
            git(repo, "replace", "-d", ref)
    elif shallow:
        git(repo, "fetch", "-q", *(["--deepen", "2"] if kind == "deepen" else ["--unshallow"]))
    return kind


@pytest.mark.parametrize("seed", range(4))
def test_random_history_moves_leave_the_history_a_full_read_stores(make_repo, tmp_path, monkeypatch, seed):
    # each lookup after a move (a catch-up's where a lookup may not take in as much): the tables and the votes and
    # scores read from them as a full read at HEAD has them, a shallow clone deepened and replace refs among the moves
    monkeypatch.setattr(history, "MAX_COMMITS", 9)
    monkeypatch.setattr(history, "MAX_FILES_PER_COMMIT", 2)
    monkeypatch.setattr(history, "RECENT", 3)
    monkeypatch.setattr(history, "INLINE", 4)
    rnd = random.Random(seed)
    origin = _history_repo(make_repo)
    for i in range(6):
        (origin / f"o{i}.py").write_text(f"o = {i}\n")
        git(origin, "add", "-A")
        git(origin, "commit", "-qm", f"Old invoices export {i}")
    repo = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "4", f"file://{origin}", str(repo))
    ix = RepoIndex.open(repo, watch=True)
    moves: list[str] = []
    try:
        for n in range(24):
            moves.append(_move(repo, rnd, n))
            time.sleep(0.002)  # (a stamp's mtime moves)
            ix.search("export rounding of invoices")
            assert ix.wait(30)
            c = ix._store.conn()
            assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / f"full{n}.sqlite"), moves
    finally:
        ix.close()
