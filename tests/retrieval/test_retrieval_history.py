"""The repository's history as search evidence: commits scored in memory exactly as SQLite's FTS5 ranked them
(which the index used before), and a new HEAD's history read again by an open index."""

from __future__ import annotations

import os
import sqlite3
import subprocess

import pytest

from genie_tui.retrieval import RepoIndex, history, histterms
from genie_tui.retrieval.store import Store
from genie_tui.retrieval.textutil import tokenize

_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo, *args: str) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=_ENV)


MESSAGES = [
    ("calendar.py", "Fix calendar export dropping the timezone offset"),
    ("calendar.py", "Calendar: export recurring events, export exceptions too"),
    ("tz.py", "Timezone offsets for half-hour zones"),
    ("tz.py", "Refactor timezone parsing; offset offset offset handling"),
    ("export.py", "Export to CSV"),
    ("export.py", "Speed up export of large calendars"),
    ("README.md", "Docs: how to export"),
    ("tz.py", "Typo"),
]


def _history_repo(make_repo):  # type: ignore[no-untyped-def]
    repo = make_repo({"calendar.py": "x = 0\n", "tz.py": "y = 0\n", "export.py": "z = 0\n", "README.md": "r\n"})
    for i, (path, msg) in enumerate(MESSAGES):
        (repo / path).write_text(f"v = {i}\n")
        git(repo, "commit", "-qam", msg)
    return repo


def _fts5_votes(messages: list[tuple[str, str]], terms: list[str], top: int) -> dict[str, float]:
    """What the index computed with SQLite's FTS5 before (schema 49), over the same commits."""
    c = sqlite3.connect(":memory:")
    try:
        c.execute("CREATE VIRTUAL TABLE hist USING fts5(msg, tokenize=\"unicode61 tokenchars '_'\", detail=column)")
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no FTS5")
    c.execute("CREATE TABLE commits(id INTEGER PRIMARY KEY, files TEXT)")
    for i, (files, msg) in enumerate(messages, 1):
        c.execute("INSERT INTO commits VALUES(?,?)", (i, files))
        c.execute("INSERT INTO hist(rowid, msg) VALUES(?,?)", (i, " ".join(tokenize(msg))))
    out: dict[str, float] = {}
    for files, score in c.execute("SELECT commits.files, -bm25(hist) FROM hist JOIN commits ON commits.id = hist.rowid"
                                  " WHERE hist MATCH ? ORDER BY bm25(hist) LIMIT ?",
                                  (" OR ".join(f'"{t}"' for t in terms), top)):
        names = files.split("\n")
        for f in names:
            out[f] = out.get(f, 0.0) + score / len(names) ** 0.5
    return out


@pytest.mark.parametrize("terms", [["calendar", "export"], ["offset", "timezone", "zones"], ["export"], ["nothing"]])
def test_commit_votes_are_the_bm25_sqlite_fts5_gives(make_repo, tmp_path, terms):
    repo = _history_repo(make_repo)
    store = Store(tmp_path / "index.sqlite")
    store.init()
    c = store.conn()
    assert history.update(c, repo, history.head(repo)) == len(MESSAGES) + 1
    # git log lists the newest commit first, and the initial commit changed every file
    logged = [(path, msg) for path, msg in reversed(MESSAGES)] + [("README.md\ncalendar.py\nexport.py\ntz.py", "initial")]
    for top in (2, 30):
        votes = histterms.Terms(None).votes(c, terms, top=top)
        assert votes == _fts5_votes(logged, terms, top)  # the same floats, not only close ones
        assert list(votes) == list(_fts5_votes(logged, terms, top))
    store.close()


def test_an_open_index_reads_the_history_again_when_head_moves(make_repo):
    repo = _history_repo(make_repo)
    (repo / "billing.py").write_text("def charge(amount):\n    return amount\n")
    git(repo, "add", "billing.py")
    git(repo, "commit", "-qm", "Add billing")
    ix = RepoIndex.open(repo)
    try:
        query = "Invoice rounding loses cents"
        first = {r.path: r.why for r in ix.search(query, k=10)}
        assert "commit" not in first.get("billing.py", "")
        for i in range(3):
            (repo / "billing.py").write_text(f"def charge(amount):\n    return round(amount, {i + 2})\n")
            git(repo, "commit", "-qam", f"Fix invoice rounding of cents, take {i}")
        ix.refresh()
        after = ix.search(query, k=10)
        assert after[0].path == "billing.py"
        assert "similar past commits changed it" in after[0].why
    finally:
        ix.close()


def test_a_bounded_cache_of_history_postings_gives_the_same_scores(make_repo, tmp_path):
    repo = _history_repo(make_repo)
    store = Store(tmp_path / "index.sqlite")
    store.init()
    c = store.conn()
    history.update(c, repo, history.head(repo))
    queries = [["calendar", "export"], ["offset", "timezone", "zones"], ["export", "csv", "calendar"],
               ["typo", "offset"], ["calendar", "export"]]
    roomy, tight = histterms.Terms(None), histterms.Terms(None, max_postings=6)  # at most 1 posting a word fits
    for terms in queries:
        weights = {t: 1.0 + i / 2 for i, t in enumerate(terms)}
        assert tight.votes(c, terms) == roomy.votes(c, terms)
        assert list(tight.file_scores(c, weights).items()) == list(roomy.file_scores(c, weights).items())
        assert tight.cached_postings <= 6
    assert roomy.cached_postings > 6
    store.close()


def test_a_history_stored_again_while_a_query_reads_it_gives_that_query_no_votes(make_repo, tmp_path):
    """A build may store another history while a query reads it (another process, or the app's background
    build): words read after the commit table may name commits it does not hold, or others under the same ids.
    Such a query gets no history evidence rather than a crash or votes for the wrong files; the next gets it."""
    repo = _history_repo(make_repo)
    store = _stored_history(repo, tmp_path / "index.sqlite")
    c = store.conn()
    past = histterms.Terms(history.stored_head(c))
    assert past.votes(c, ["calendar"]) and past.file_scores(c, {"calendar": 1.0})
    for i in range(5):
        (repo / f"new_{i}.py").write_text("n = 1\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", f"Rounding of invoices, part {i}")
    history.update(c, repo, history.head(repo))  # 5 more commits: the first ones' ids are past the old table's
    store.set_meta(history.HEAD_KEY, history.head(repo))
    assert past.votes(c, ["initial", "invoices"]) == {}
    assert past.file_scores(c, {"invoices": 1.0, "initial": 1.0}) == {}
    assert past.cached_postings == 0
    fresh = histterms.Terms(history.stored_head(c))
    assert set(fresh.votes(c, ["invoices"])) == {f"new_{i}.py" for i in range(5)}
    store.close()


def test_a_history_whose_messages_hold_no_word_to_search_leaves_search_working(make_repo):
    # every commit "🎉" or "." gave commits of no words: a division by their mean length failed every search
    repo = make_repo({"a.py": "def alpha():\n    return 1\n"}, commit=False)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "🎉")
    (repo / "a.py").write_text("def alpha():\n    return 2\n")
    git(repo, "commit", "-qam", ".")
    index = RepoIndex.open(repo)
    try:
        assert [r.path for r in index.search("alpha alpha", k=3)] == ["a.py"]
    finally:
        index.close()


def _tables(c: sqlite3.Connection) -> dict[str, list]:
    """The stored history as a full read stores it, commits named by id rather than by their ids (an extended
    history gives the newer ones lower ids, in the same order)."""
    sha = dict(c.execute("SELECT id, sha FROM commits"))
    return {"commits": c.execute("SELECT sha, files, ntok FROM commits ORDER BY id").fetchall(),
            "histterm": sorted((t, sha[i], n) for t, i, n in c.execute("SELECT * FROM histterm")),
            "histpost": c.execute("SELECT * FROM histpost").fetchall(),
            "histlen": c.execute("SELECT * FROM histlen").fetchall()}


def _signals(c: sqlite3.Connection) -> list:
    past = histterms.Terms(history.stored_head(c))
    out: list = [list(history.activity(c).items())]
    for terms in (["export", "calendar"], ["rounding", "invoices"], ["zones", "offset", "typo"], ["initial"]):
        out.append(list(past.votes(c, terms, top=4).items()))
        out.append(list(past.file_scores(c, {t: 1.0 + i for i, t in enumerate(terms)}).items()))
    return out


def _stored_history(repo, path) -> Store:  # type: ignore[no-untyped-def]
    """A new store at ``path`` holding ``repo``'s history at its HEAD, read in full."""
    store = Store(path)
    store.init()
    history.update(store.conn(), repo, history.head(repo))
    store.set_meta(history.HEAD_KEY, history.head(repo))
    return store


def _logs_counted(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """How many commits each ``git log`` of the history gave, in order, from now on."""
    logged: list[int] = []
    real = history.Log.result

    def counted(self):  # type: ignore[no-untyped-def]
        out = real(self)
        logged.append(len(out or []))
        return out

    monkeypatch.setattr(history.Log, "result", counted)
    return logged


def _full_read(repo, path) -> tuple[dict, list]:  # type: ignore[no-untyped-def]
    store = _stored_history(repo, path)
    c = store.conn()
    try:
        return _tables(c), _signals(c)
    finally:
        store.close()


def test_new_commits_on_top_are_added_to_the_stored_history_as_a_full_read_has_them(make_repo, monkeypatch):
    # a HEAD that moved threw the stored history away: 20,000 commits read again (1.5 s) for one new commit
    repo = _history_repo(make_repo)
    logged = _logs_counted(monkeypatch)
    ix = RepoIndex.open(repo)
    try:
        assert logged == [len(MESSAGES) + 1]
        (repo / "billing.py").write_text("def charge(amount):\n    return round(amount, 2)\n")
        git(repo, "add", "billing.py")
        git(repo, "commit", "-qm", "Fix invoice rounding of cents")
        git(repo, "commit", "-q", "--allow-empty", "-m", "Empty: rounding invoices")  # stored: none of its files
        ix.refresh()
        assert logged[1:] == [2]  # the two new commits only
        assert "similar past commits changed it" in ix.search("invoice rounding loses cents", k=1)[0].why
        c = ix._store.conn()
        assert (_tables(c), _signals(c)) == _full_read(repo, repo.parent / "full.sqlite")
    finally:
        ix.close()


@pytest.mark.parametrize("move", ["amend", "other line", "merge", "back"])
def test_a_head_that_does_not_descend_in_a_line_reads_the_history_again(make_repo, tmp_path, move):
    repo = _history_repo(make_repo)
    ix = RepoIndex.open(repo)
    try:
        if move == "amend":
            git(repo, "commit", "-q", "--amend", "-m", "Typo in the timezone rounding")
        elif move == "other line":
            git(repo, "checkout", "-q", "--orphan", "other")
            git(repo, "commit", "-q", "-m", "Rounding of invoices from scratch")
        elif move == "merge":
            git(repo, "checkout", "-q", "-b", "side", "HEAD~3")
            (repo / "side.py").write_text("s = 1\n")
            git(repo, "add", "side.py")
            git(repo, "commit", "-qm", "Side rounding of invoices")
            git(repo, "checkout", "-q", "main")
            (repo / "main.py").write_text("m = 1\n")
            git(repo, "add", "main.py")
            git(repo, "commit", "-qm", "Main invoices")
            git(repo, "merge", "-q", "--no-edit", "side")
        else:
            git(repo, "reset", "-q", "--hard", "HEAD~2")
        ix.refresh()
        c = ix._store.conn()
        assert history.stored_head(c) == history.head(repo)
        assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    finally:
        ix.close()


def test_an_extended_history_keeps_the_newest_commits_as_a_full_read_does(make_repo, tmp_path, monkeypatch):
    # at most MAX_COMMITS commits are logged, those of no files or too many among them: the oldest stored go as new
    # ones come, however many of the commits dropped were left out
    monkeypatch.setattr(history, "MAX_COMMITS", 9)
    monkeypatch.setattr(history, "MAX_FILES_PER_COMMIT", 2)
    monkeypatch.setattr(history, "RECENT", 3)
    logged = _logs_counted(monkeypatch)
    repo = _history_repo(make_repo)
    store = _stored_history(repo, tmp_path / "index.sqlite")
    c = store.conn()
    steps = [["Rounding of invoices"], ["", "Invoices: cents"], ["big", "Typo", ""], ["Export rounding"] * 4,
             ["", "", "big", "Offset of invoices", "big"], ["Calendar"] * 9, ["Zones"] * 12]
    for n, step in enumerate(steps):
        for i, msg in enumerate(step):
            if msg == "big":  # too many files
                for f in ("calendar.py", "tz.py", "export.py"):
                    (repo / f).write_text(f"big = {n}, {i}\n")
                git(repo, "commit", "-qam", f"Reformat everything for rounding, {n}")
            elif msg:
                (repo / f"f{n}.py").write_text(f"v = {i}\n")
                git(repo, "add", ".")
                git(repo, "commit", "-qm", f"{msg} {n} {i}")
            else:
                git(repo, "commit", "-q", "--allow-empty", "-m", "Empty")
        head = history.head(repo)
        logged.clear()
        history.update(c, repo, head, history.Log(repo, head, history.extendable(c)))
        store.set_meta(history.HEAD_KEY, head)
        c.commit()
        # the new commits only; more than the log holds: all again (the range's log stops at one more)
        assert logged == ([len(step)] if len(step) <= 9 else [10, 9])
        assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / f"full{n}.sqlite"), step
    store.close()
