"""The repository's history as search evidence: commits scored in memory exactly as SQLite's FTS5 ranked them
(which the index used before), and a new HEAD's history read again by an open index."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time

import pytest

from genie_tui.retrieval import RepoIndex, history, histterms
from genie_tui.retrieval.store import Store, db_path
from genie_tui.retrieval.textutil import tokenize

_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo, *args: str, env: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**_ENV, **(env or {})})


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


def _commits_read(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The ids of the commits the history's ``git log`` runs gave, merges left out, from now on."""
    read: list[str] = []
    real = history.Log.result

    def noted(self):  # type: ignore[no-untyped-def]
        out = real(self)
        read.extend(sha for sha, parents, _, _ in out or () if " " not in parents)
        return out

    monkeypatch.setattr(history.Log, "result", noted)
    return read


def _logged(repo, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The ids of the commits a full read of the history logs (``n`` at most)."""
    out = subprocess.run(["git", "rev-list", "--no-merges", f"-n{n}", "HEAD"], cwd=repo, check=True,
                         capture_output=True, text=True)
    return out.stdout.split()


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


def _merge_side(repo, when: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """A branch off HEAD~3 merged into main after a commit on main (``when``: their commit times, the side's
    between main's new commit and those before it, so that git logs it among main's commits)."""
    dated = (lambda t: {"GIT_COMMITTER_DATE": f"@{when + t} +0000", "GIT_AUTHOR_DATE": f"@{when + t} +0000"}) \
        if when is not None else (lambda t: {})
    git(repo, "checkout", "-q", "-b", "side", "HEAD~3")
    (repo / "side.py").write_text("s = 1\n")
    git(repo, "add", "side.py")
    git(repo, "commit", "-qm", "Side rounding of invoices", env=dated(10))
    git(repo, "checkout", "-q", "main")
    (repo / "main.py").write_text("m = 1\n")
    git(repo, "add", "main.py")
    git(repo, "commit", "-qm", "Main invoices", env=dated(20))
    git(repo, "merge", "-q", "--no-edit", "side", env=dated(30))


@pytest.mark.parametrize(("move", "read"), [("amend", [1]), ("rebase", [2]), ("back", [0]), ("other line", [1]),
                                            ("merge", [3]), ("undo a merge", [0]), ("other line after a merge", [1])])
def test_a_head_that_does_not_descend_in_a_line_reads_only_the_commits_not_stored(make_repo, tmp_path, monkeypatch,
                                                                                   move, read):
    # an amend, a rebase, a reset read the whole history again (1.5 s for sphinx's 16,600 commits, on the thread
    # of the lookup after it): only the commits after the stored head are read, those no longer logged go, and
    # the history stored is the one a full read stores
    monkeypatch.setattr(history, "FULL_COST", 100.0)  # so few commits are cheaper to read again: not here
    repo = _history_repo(make_repo)
    ix = RepoIndex.open(repo)
    logged = _logs_counted(monkeypatch)
    query = "Typo in the rounding of invoices: calendar export offset"
    try:
        if move == "amend":
            git(repo, "commit", "-q", "--amend", "-m", "Typo in the timezone rounding")
        elif move == "rebase":  # the commit before the last two goes
            git(repo, "rebase", "-q", "--onto", "HEAD~3", "HEAD~2")
        elif move == "back":
            git(repo, "reset", "-q", "--hard", "HEAD~2")
        elif move == "merge":
            _merge_side(repo)
        elif move == "undo a merge":  # the side's commit goes from among those logged: some others get new ids
            _merge_side(repo, int(time.time()) + 1000)
            ix.refresh()
            logged.clear()
            git(repo, "reset", "-q", "--hard", "HEAD^1")
        else:
            if move == "other line after a merge":  # none of the commits stored is logged any more
                _merge_side(repo)
                ix.refresh()
                logged.clear()
            git(repo, "checkout", "-q", "--orphan", "other")
            git(repo, "commit", "-q", "-m", "Rounding of invoices from scratch")
        ix.refresh()
        assert logged == read
        c = ix._store.conn()
        assert history.stored_head(c) == history.head(repo)
        assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
        ranked = [(r.path, r.score, r.why) for r in ix.search(query)]
        assert any("similar past commits" in why for _, _, why in ranked)
    finally:
        ix.close()
    Store(db_path(repo)).wipe()
    fresh = RepoIndex.open(repo)  # built from scratch at the new head
    try:
        assert [(r.path, r.score, r.why) for r in fresh.search(query)] == ranked
    finally:
        fresh.close()


def test_an_extended_history_keeps_the_newest_commits_as_a_full_read_does(make_repo, tmp_path, monkeypatch):
    # at most MAX_COMMITS commits are logged, those of no files or too many among them: the oldest stored go as new
    # ones come, however many of the commits dropped were left out
    monkeypatch.setattr(history, "MAX_COMMITS", 9)
    monkeypatch.setattr(history, "MAX_FILES_PER_COMMIT", 2)
    monkeypatch.setattr(history, "RECENT", 3)
    monkeypatch.setattr(history, "FULL_COST", 100.0)  # so few commits are cheaper to read again: not here
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
        # the new commits only (more than the log holds: the range's log, which stops at one more, has all of them)
        assert logged == [min(len(step), 10)]
        assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / f"full{n}.sqlite"), step
    store.close()


def test_a_rewritten_history_longer_than_the_log_reads_only_the_commits_new_to_it(make_repo, tmp_path, monkeypatch):
    # the log holds the newest MAX_COMMITS commits: taking some out (a reset, a rebase, a merge undone) brings older
    # ones back, which are read then; commits left out (of no files, of too many) go, come and stay out as well
    monkeypatch.setattr(history, "MAX_COMMITS", 6)
    monkeypatch.setattr(history, "MAX_FILES_PER_COMMIT", 2)
    monkeypatch.setattr(history, "RECENT", 3)
    monkeypatch.setattr(history, "FULL_COST", 100.0)  # so few commits are cheaper to read again: not here
    repo = _history_repo(make_repo)
    git(repo, "commit", "-q", "--allow-empty", "-m", "Empty")

    def big(msg: str) -> None:
        for f in ("calendar.py", "tz.py", "export.py"):
            (repo / f).write_text(f"big = {msg!r}\n")
        git(repo, "commit", "-qam", msg)

    big("Reformat everything")
    store = _stored_history(repo, tmp_path / "index.sqlite")
    c = store.conn()
    read = _commits_read(monkeypatch)
    tip = history.head(repo)
    steps: list = [["commit", "-q", "--amend", "-m", "Reformat everything, rounding"],
                   ["reset", "-q", "--hard", "HEAD~3"], ["rebase", "-q", "--onto", "HEAD~2", "HEAD~1"],
                   lambda: _merge_side(repo, int(time.time()) + 1000), ["reset", "-q", "--hard", "HEAD^1"],
                   lambda: big("Reformat again"), ["commit", "-q", "--amend", "-m", "Reformat again, for rounding"],
                   ["reset", "-q", "--hard", "HEAD~7"], ["reset", "-q", "--hard", tip]]
    for n, step in enumerate(steps):
        before = _logged(repo, 6)
        step() if callable(step) else git(repo, *step)
        read.clear()
        head = history.head(repo)
        history.update(c, repo, head, history.Log(repo, head, history.extendable(c)))
        store.set_meta(history.HEAD_KEY, head)
        c.commit()
        # each commit new to the log read once, none stored read again (going back to the tip reads the seven
        # commits after the stored head, one of them too old for the log)
        assert len(read) == len(set(read)) and not set(read) & set(before), step
        assert set(_logged(repo, 6)) - set(before) <= set(read), step
        assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / f"full{n}.sqlite"), step
    store.close()


def test_a_history_an_earlier_genie_stored_is_brought_to_a_rewritten_head(make_repo, tmp_path, monkeypatch):
    # its note of how the log was read has the positions of the commits left out, not their ids: they are read again
    # (the initial one, of four files, and an empty one)
    monkeypatch.setattr(history, "MAX_FILES_PER_COMMIT", 2)
    repo = _history_repo(make_repo)
    git(repo, "commit", "-q", "--allow-empty", "-m", "Empty")
    store = _stored_history(repo, tmp_path / "index.sqlite")
    c = store.conn()
    note = json.loads(c.execute("SELECT value FROM meta WHERE key=?", (history.LOG_KEY,)).fetchone()[0])
    store.set_meta(history.LOG_KEY, json.dumps({k: note[k] for k in ("head", "read", "skipped")}))
    c.commit()
    before = _logged(repo, 100)
    left_out = {before[p - 1] for p in note["skipped"]}
    _merge_side(repo)
    read = _commits_read(monkeypatch)
    head = history.head(repo)
    history.update(c, repo, head, history.Log(repo, head, history.extendable(c)))
    store.set_meta(history.HEAD_KEY, head)
    c.commit()
    new = set(_logged(repo, 100)) - set(before)  # the side's commit and main's new one
    assert len(new) == 2 and len(left_out) == 2 and sorted(read) == sorted(new | left_out)
    assert (_tables(c), _signals(c)) == _full_read(repo, tmp_path / "full.sqlite")
    store.close()


def test_a_rewrite_too_large_for_a_lookup_is_read_by_a_catch_up_while_the_old_history_answers(make_repo,
                                                                                             monkeypatch):
    # a lookup reads at most history.INLINE commits itself (reading them all took 1.5 s on sphinx): a reset of more
    # is caught up in the background, as a branch switch's files are; the lookups meanwhile answer from the
    # history as it was
    monkeypatch.setattr(history, "INLINE", 2)
    repo = _history_repo(make_repo)
    ix = RepoIndex.open(repo, watch=True)
    go, real = threading.Event(), history.update

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "genie-index":  # a catch-up's
            go.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(history, "update", held)
    query = "speed up large"  # the words of a commit that goes
    try:
        assert "similar past commits changed it" in {r.path: r.why for r in ix.search(query)}["export.py"]
        git(repo, "reset", "-q", "--hard", "HEAD~3")  # three commits go
        during = {r.path: r.why for r in ix.search(query)}
        assert ix.building
        assert "similar past commits changed it" in during["export.py"]
        go.set()
        assert ix.wait(30)
        assert "similar past commits changed it" not in {r.path: r.why for r in ix.search(query)}.get("export.py", "")
        c = ix._store.conn()
        assert (_tables(c), _signals(c)) == _full_read(repo, repo.parent / "full.sqlite")
    finally:
        go.set()
        ix.close()
