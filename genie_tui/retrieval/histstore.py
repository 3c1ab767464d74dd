"""The stored history's tables (see history.py): commits stored and taken out, with the postings of their
messages' words, by commit and by the files they changed, and the files' history lengths, as a full read of the
log stores them (and the ids that keeps in log order moving the fewest); and the files' activity read from them."""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Iterable


def drop(c: sqlite3.Connection, gone: list[int]) -> tuple[Counter[tuple[str, str]], dict[int, tuple[str, list[str]]]]:
    """Delete the commits of the ids ``gone``; returns the change of ``histpost``'s tfs that takes their words away
    from their files (for :func:`add`) and, by id, their files and words as stored."""
    delta: Counter[tuple[str, str]] = Counter()  # (term, path) -> the change of its tf in histpost
    if not gone:
        return delta, {}
    c.execute("CREATE TEMP TABLE IF NOT EXISTS hist_gone(id INTEGER PRIMARY KEY)")
    c.executemany("INSERT INTO temp.hist_gone VALUES(?)", ((i,) for i in gone))
    held = {i: (f, []) for i, f in c.execute("SELECT id, files FROM commits WHERE id IN temp.hist_gone")}
    words = c.execute("SELECT term, commit_id, tf FROM histterm WHERE commit_id IN temp.hist_gone").fetchall()
    for t, cid, n in words:
        files, said = held[cid]
        said.extend([t] * n)
        for f in files.split("\n"):
            delta[(t, f)] -= n
    c.executemany("DELETE FROM histterm WHERE term=? AND commit_id=?", [(t, cid) for t, cid, _ in words])
    c.execute("DELETE FROM commits WHERE id IN temp.hist_gone")
    c.execute("DELETE FROM temp.hist_gone")
    return delta, held


def add(c: sqlite3.Connection, rows: list[tuple[int, str, str, list[str]]], delta: Counter[tuple[str, str]],
        recent_n: int) -> None:
    """Store ``rows`` (id, sha, files, words), with ``delta`` (the words of the commits deleted, each for each file,
    taken away), and the files' history lengths again from all commits stored (the first ``recent_n``: recent)."""
    terms = []
    for i, _, changed, words in rows:
        files = changed.split("\n")
        for t, n in Counter(words).items():
            terms.append((t, i, n))
            for f in files:
                delta[(t, f)] += n
    c.executemany("INSERT INTO commits(id, sha, files, ntok) VALUES(?,?,?,?)",
                  ((i, sha, changed, len(words)) for i, sha, changed, words in rows))
    _through_sorted(c, terms, "INSERT INTO histterm SELECT a, b, n FROM temp.hist_rows ORDER BY a, b")
    _through_sorted(c, ((t, f, n) for (t, f), n in delta.items() if n),
                    "INSERT INTO histpost SELECT a, b, n FROM temp.hist_rows WHERE true ORDER BY a, b "
                    "ON CONFLICT(term, path) DO UPDATE SET tf = tf + excluded.tf",
                    "DELETE FROM histpost WHERE tf <= 0 AND (term, path) IN "
                    "(SELECT a, b FROM temp.hist_rows WHERE n < 0)")
    length: Counter[str] = Counter()  # path -> words of the commits that changed it (its history document's length)
    commits: Counter[str] = Counter()
    recent: Counter[str] = Counter()
    for i, (changed, ntok) in enumerate(c.execute("SELECT files, ntok FROM commits ORDER BY id"), 1):
        for f in changed.split("\n"):
            commits[f] += 1
            length[f] += ntok
            if i <= recent_n:
                recent[f] += 1
    c.execute("DELETE FROM histlen")
    c.executemany("INSERT INTO histlen VALUES(?,?,?,?)", ((f, n, commits[f], recent[f]) for f, n in length.items()))


def place(c: sqlite3.Connection, sha: str) -> tuple[int, int] | None:
    """How many stored commits a stored one ``sha`` has before it in the log, and how many from it on (``None``: it
    is not stored). Where it is the newest a new HEAD logs, those before it are no longer logged (git logs newer
    commits first; but for clocks set wrong) and those from it on are what a full read logs at least: where both
    are more than a lookup's limit (a ``reset --soft HEAD~6000`` on sphinx: 13,300 and 3,300), either way is a
    catch-up's; where those before it are more, reading all again costs less. Both known before git's log of the
    commits in between (0.28 s), the commits gone (0.24 s) and all logged (0.08 s), which the lookup waited for to
    find that out (as long as a full read: 0.5-0.7 s at load 5), and the catch-up before reading all again."""
    row = c.execute("SELECT id, (SELECT MIN(id) FROM commits), (SELECT MAX(id) FROM commits) FROM commits "
                    "WHERE sha=?", (sha,)).fetchone()
    return None if row is None else (row[0] - row[1], row[2] - row[0] + 1)


def targets(keep: list[str], ids: dict[str, int]) -> dict[str, int]:
    """The ids of the commits ``keep`` (in log order), from the first that most stored commits keep theirs by
    (a PR's commits that went from among the newest had moved all older ones: 13,000 of pytest's, 2 s)."""
    first = next(iter(Counter(ids[s] - i for i, s in enumerate(keep) if s in ids).most_common(1)), (1, 0))[0]
    return {s: i for i, s in enumerate(keep, first)}


def work(ids: dict[str, int], keep: list[str]) -> tuple[int, int]:
    """How many of the commits stored under ``ids`` storing ``keep`` takes out (gone, or moved), and how many new
    ones it stores."""
    target = targets(keep, ids)
    return sum(target.get(s) != i for s, i in ids.items()), sum(s not in ids for s in target)


def _through_sorted(c: sqlite3.Connection, rows: Iterable[tuple[str, object, int]], *statements: str) -> None:
    """Run ``statements`` over ``rows`` put in a temporary table ``hist_rows(a, b, n)``, which they read in their
    target's key order: rows inserted at random places in a table took half of the update's time. SQLite sorts
    them in one step, without Python's GIL; ``list.sort`` holds it (0.17 s for sphinx's 12,768 commits, in which the
    app's event loop, waiting for the GIL, could not run)."""
    c.execute("CREATE TEMP TABLE IF NOT EXISTS hist_rows(a, b, n)")
    c.execute("DELETE FROM temp.hist_rows")
    c.executemany("INSERT INTO temp.hist_rows VALUES(?,?,?)", rows)
    for statement in statements:
        c.execute(statement)
    c.execute("DELETE FROM temp.hist_rows")


def activity(c: sqlite3.Connection) -> dict[str, tuple[float, float]]:
    """Path -> (how often it changed, how often recently), each as log count scaled to [0, 1]; files that
    change often are where bugs get fixed."""
    rows = c.execute("SELECT path, ncommits, nrecent FROM histlen").fetchall()
    top_all = math.log1p(max((r[1] for r in rows), default=0)) or 1.0
    top_recent = math.log1p(max((r[2] for r in rows), default=0)) or 1.0
    return {p: (math.log1p(n) / top_all, math.log1p(m) / top_recent) for p, n, m in rows}
