"""The repository's own history as evidence: commits whose messages resemble the query vote for the files
they changed (how people here solved similar problems before is a strong hint of where to look). This module
keeps the stored history at HEAD; histterms.py scores queries against it."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from genie_tui.retrieval.textutil import tokenize

MAX_COMMITS = 20000
MAX_FILES_PER_COMMIT = 40
RECENT = 500  # commits that count as recent activity
HEAD_KEY = "history_head"  # the index's meta key for the commit the stored history was read at
LOG_KEY = "history_log"  # ... and for how it was read: that commit, the commits logged, the positions of those left out


def head(repo: Path) -> str:
    try:
        r = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, check=False, capture_output=True,
                           text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


class Log:
    """``git log`` of the commits that :func:`update` reads, started at once on its own thread: git runs as a
    process of its own, on the other core while this one builds the file index (on sphinx, 14,000 commits, about
    0.7 s that the cold build no longer waits for). With ``since`` (the commit the stored history was read at, see
    :func:`extendable`), only the commits after it, merges included, with their parents: :func:`update` adds them
    when they lie in a line on top of it."""

    def __init__(self, repo: Path, head: str, since: str | None = None) -> None:
        self.since = since
        self._out: bytes | None = None
        self._thread = threading.Thread(target=self._run, args=(repo, head), name="genie-git-log", daemon=True)
        self._thread.start()

    def _run(self, repo: Path, head: str) -> None:
        # after the stored commit, merges too (a merge makes git list the commits by date, not newest first)
        which = [f"-n{MAX_COMMITS + 1}", f"{self.since}..{head}"] if self.since else \
            ["--no-merges", f"-n{MAX_COMMITS}", head]
        try:
            # core.quotepath=off: otherwise git prints a non-ASCII name as "b\303\251ta.py", which matches no file
            r = subprocess.run(["git", "-c", "core.quotepath=off", "log", "--format=%x00%H%x01%P%x01%s%n%b%x02",
                                "--name-only", "--no-renames", *which], cwd=repo, check=False, capture_output=True,
                               timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            return
        if r.returncode == 0:
            self._out = r.stdout

    def result(self) -> list[tuple[str, str, list[str], list[str]]] | None:
        """Each commit logged, newest first: its id, its parents' (space-separated), the files it changed and the
        words of its message; ``None`` when git failed or timed out."""
        self._thread.join()
        if self._out is None:
            return None
        out = []
        for chunk in self._out.decode("utf-8", "replace").split("\0"):
            sha, sep, rest = chunk.partition("\x01")
            if not sep:
                continue
            parents, _, rest = rest.partition("\x01")
            msg, _, names = rest.partition("\x02")
            out.append((sha.strip(), parents, [f for f in names.split("\n") if f.strip()], tokenize(msg)))
        return out


def extendable(c: sqlite3.Connection) -> str | None:
    """The commit the stored history was read at, when :func:`update` may add the commits after it (it knows which
    commits the log left out: those of no file or too many files); else ``None``."""
    row = c.execute("SELECT value FROM meta WHERE key=?", (LOG_KEY,)).fetchone()
    head = stored_head(c)
    return head if row is not None and head and json.loads(row[0]).get("head") == head else None


def update(c: sqlite3.Connection, repo: Path, current_head: str, log: Log | None = None) -> int:
    """Bring the stored history to ``current_head`` (from ``log`` when it was started already); returns the number
    of commits stored. When the commits since the stored head lie in a line on top of it (new commits, a pull that
    fast-forwards), only those are read: they are added, the oldest beyond :data:`MAX_COMMITS` go, and the tables
    are as a full read makes them, the commits' ids apart (lower ones for the newer, in the same order). Otherwise
    (a rewrite, a checkout of another line, a merge) all are read again. Re-reading 20,000 commits took 1.5 s."""
    if current_head:
        log = log or Log(repo, current_head)
        if log.since:
            logged = log.result()
            n = _extend(c, log.since, logged) if logged else None
            if n is not None:
                return n
            log = Log(repo, current_head)
    for table in ("commits", "histterm", "histpost", "histlen"):
        c.execute(f"DELETE FROM {table}")
    logged = log.result() if current_head and log is not None else None
    if logged is None:
        c.execute("DELETE FROM meta WHERE key=?", (LOG_KEY,))
        return 0
    rows, skipped = _kept(logged)
    _add(c, rows, 1, Counter())
    _set_log(c, current_head, len(logged), skipped)
    return len(rows)


Row = tuple[str, str, list[str]]  # a commit's id, the files it changed (joined by newlines), its message's words


def _kept(logged: list[tuple[str, str, list[str], list[str]]]) -> tuple[list[Row], list[int]]:
    """The commits stored, and the log positions (from 1) of those left out: no files, or too many."""
    rows, skipped = [], []
    for i, (sha, _, files, words) in enumerate(logged, 1):
        if not files or len(files) > MAX_FILES_PER_COMMIT:
            skipped.append(i)
        else:
            rows.append((sha, "\n".join(files), words))
    return rows, skipped


def _set_log(c: sqlite3.Connection, head: str, read: int, skipped: list[int]) -> None:
    c.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)",
              (LOG_KEY, json.dumps({"head": head, "read": read, "skipped": skipped})))


def _extend(c: sqlite3.Connection, since: str, logged: list[tuple[str, str, list[str], list[str]]]) -> int | None:
    """Add the commits ``logged`` after ``since`` when each has one parent, the next one logged (the last:
    ``since``), so that a full log lists them first and then what it listed before; ``None`` when they do not."""
    if len(logged) > MAX_COMMITS or any(parents != nxt for (_, parents, _, _), nxt in
                                        zip(logged, [e[0] for e in logged[1:]] + [since])):
        return None
    k = len(logged)
    row = c.execute("SELECT value FROM meta WHERE key=?", (LOG_KEY,)).fetchone()
    was = json.loads(row[0]) if row is not None else {}
    if was.get("head") != since:
        return None
    lo, hi, count = c.execute("SELECT MIN(id), MAX(id), COUNT(*) FROM commits").fetchone()
    lo, hi = (lo, hi) if count else (1, 0)
    cut = MAX_COMMITS - k  # the log positions beyond it fall out, shifted by the new commits
    drop = max(0, was["read"] - cut) - sum(p > cut for p in was["skipped"])
    if hi - lo + 1 != count or drop > count:
        return None
    delta: Counter[tuple[str, str]] = Counter()  # (term, path) -> the change of its tf in histpost
    if drop:
        files = dict(c.execute("SELECT id, files FROM commits WHERE id > ?", (hi - drop,)))
        words = c.execute("SELECT term, commit_id, tf FROM histterm WHERE commit_id > ?", (hi - drop,)).fetchall()
        for t, cid, n in words:
            for f in files[cid].split("\n"):
                delta[(t, f)] -= n
        c.executemany("DELETE FROM histterm WHERE term=? AND commit_id=?", [(t, cid) for t, cid, _ in words])
        c.execute("DELETE FROM commits WHERE id > ?", (hi - drop,))
    rows, skipped = _kept(logged)
    _add(c, rows, lo - len(rows), delta)
    _set_log(c, logged[0][0], min(MAX_COMMITS, was["read"] + k), skipped + [p + k for p in was["skipped"] if p <= cut])
    return count - drop + len(rows)


def _add(c: sqlite3.Connection, rows: list[Row], first: int, delta: Counter[tuple[str, str]]) -> None:
    """Store ``rows`` (newest first) under the ids from ``first`` on, with ``delta`` (the words of the commits
    deleted, each for each file, taken away), and the files' history lengths again from all commits stored."""
    terms = []
    for i, (_, changed, words) in enumerate(rows, first):
        files = changed.split("\n")
        for t, n in Counter(words).items():
            terms.append((t, i, n))
            for f in files:
                delta[(t, f)] += n
    c.executemany("INSERT INTO commits(id, sha, files, ntok) VALUES(?,?,?,?)",
                  ((i, sha, changed, len(words)) for i, (sha, changed, words) in enumerate(rows, first)))
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
            if i <= RECENT:
                recent[f] += 1
    c.execute("DELETE FROM histlen")
    c.executemany("INSERT INTO histlen VALUES(?,?,?,?)", ((f, n, commits[f], recent[f]) for f, n in length.items()))


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


def stored_head(c: sqlite3.Connection) -> str | None:
    """The commit the stored history was read at (``None``: none was read)."""
    row = c.execute("SELECT value FROM meta WHERE key=?", (HEAD_KEY,)).fetchone()
    return row[0] if row else None


def activity(c: sqlite3.Connection) -> dict[str, tuple[float, float]]:
    """Path -> (how often it changed, how often recently), each as log count scaled to [0, 1]; files that
    change often are where bugs get fixed."""
    rows = c.execute("SELECT path, ncommits, nrecent FROM histlen").fetchall()
    top_all = math.log1p(max((r[1] for r in rows), default=0)) or 1.0
    top_recent = math.log1p(max((r[2] for r in rows), default=0)) or 1.0
    return {p: (math.log1p(n) / top_all, math.log1p(m) / top_recent) for p, n, m in rows}
