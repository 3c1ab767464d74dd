"""The stored history brought to a new HEAD: a query's cache of it is for one writing of it."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.store import Store, db_path
from tests.retrieval.test_retrieval_history import git


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
