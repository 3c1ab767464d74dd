"""The repository's own history as evidence: commits whose messages resemble the query vote for the files
they changed (how people here solved similar problems before is a strong hint of where to look)."""

from __future__ import annotations

import heapq
import json
import math
import sqlite3
import subprocess
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable
from pathlib import Path

from genie_tui.retrieval.textutil import tokenize

MAX_COMMITS = 20000
MAX_FILES_PER_COMMIT = 40
RECENT = 500  # commits that count as recent activity
K1 = 1.2  # BM25's, for commits (as SQLite's FTS5 has them) and files' history documents
B = 0.75
CACHED_POSTINGS = 1_000_000  # history postings kept in memory per index (8 MB)
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


class Terms:
    """The stored history's postings of the words a query asks about, read from the index when a word is first
    asked for and kept (the most recently used, up to ``max_postings`` in all, 8 bytes each): every query of a
    session asks for its words again. For one stored history (``head``, the commit it was read at): a new one
    needs a new :class:`Terms`.

    On sphinx (12,800 commits) SQLite's FTS5 ranked the commits for a query in 16 ms, and reading the files'
    postings took 9 ms; from memory both take about a millisecond. The scores are the same sums in the same
    order: FTS5's ``bm25()`` for :meth:`votes`, and what the per-file query computed for :meth:`file_scores`."""

    def __init__(self, head: str | None, max_postings: int = CACHED_POSTINGS) -> None:
        self.head = head
        self._lock = threading.Lock()
        self._held: OrderedDict[tuple[str, str], tuple[array[int], array[int]]] = OrderedDict()  # (table, term)
        self._cached = 0
        self._max = max_postings
        # the commits' number, first id (a newer commit has a lower one), and by id from it, BM25's K1 * length norm
        self._commits: tuple[int, int, array[float]] | None = None
        # files with a history: their number, paths, ids and BM25's K1 * length norm by id
        self._files: tuple[int, list[str], dict[str, int], array[float]] | None = None

    @property
    def cached_postings(self) -> int:
        """How many postings are held in memory now."""
        return self._cached

    def _postings(self, c: sqlite3.Connection, terms: list[str], table: str, ids: dict[str, int] | None = None,
                  span: tuple[int, int] = (0, 0)) -> dict[str, tuple[array[int], array[int]]]:
        """Each of ``terms`` with its postings in ``table``: commit ids within ``span`` (``histterm``) or the ids
        ``ids`` gives paths (``histpost``, paths sorted) and counts; those not held are read. Only what the commit
        or file table read before names: a build may have stored another history since."""
        out: dict[str, tuple[array[int], array[int]]] = {}
        with self._lock:
            for t in terms:
                hit = self._held.get((table, t))
                if hit is not None:
                    self._held.move_to_end((table, t))
                    out[t] = hit
        new = [t for t in dict.fromkeys(terms) if t not in out]
        for t in new:
            out[t] = (array("i"), array("i"))
        for i in range(0, len(new), 500):
            part = new[i:i + 500]
            for t, key, tf in c.execute(f"SELECT * FROM {table} WHERE term IN ({','.join('?' * len(part))})", part):
                keys, tfs = out[t]
                if ids is not None:
                    key = ids.get(key)
                    if key is None:
                        continue
                elif not span[0] <= key <= span[1]:
                    continue
                keys.append(key)
                tfs.append(tf)
        with self._lock:
            for t in new:
                size = len(out[t][0])
                if (table, t) not in self._held and size <= self._max // 4:
                    self._held[(table, t)] = out[t]
                    self._cached += size
                    while self._cached > self._max:
                        self._cached -= len(self._held.popitem(last=False)[1][0])
        return out

    def _same_history(self, c: sqlite3.Connection) -> bool:
        """Whether the history stored now is the one this was made for; when a build has stored another since,
        what was read may mix the two, so it is dropped (and the index makes a new :class:`Terms`)."""
        if stored_head(c) == self.head:
            return True
        with self._lock:
            self.head = "(stale)"
            self._held.clear()
            self._cached = 0
        return False

    def file_scores(self, c: sqlite3.Connection, qterms: dict[str, float]) -> dict[str, float]:
        """BM25 of the query against each file's history document (all messages of commits that touched it),
        each term weighted by ``qterms``."""
        if not qterms:
            return {}
        if self._files is None:
            lens = dict(c.execute("SELECT path, len FROM histlen"))
            avg = (sum(lens.values()) or 1) / max(len(lens), 1)
            paths = list(lens)
            self._files = (len(lens), paths, {p: i for i, p in enumerate(paths)},
                           array("d", [K1 * (1 - B + B * ln / avg) for ln in lens.values()]))
        n, paths, ids, norms = self._files
        postings = self._postings(c, list(qterms), "histpost", ids=ids)
        out: dict[str, float] = {}
        k1p = K1 + 1
        for t in sorted(qterms):  # the order SQLite gave the rows in, term by term, each term's paths sorted
            ids, tfs = postings[t]
            if not ids:
                continue
            idf = math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5)) * qterms[t]
            for i, tf in zip(ids, tfs):
                p = paths[i]
                out[p] = out.get(p, 0.0) + idf * tf * k1p / (tf + norms[i])
        return out if self._same_history(c) else {}

    def votes(self, c: sqlite3.Connection, terms: list[str], top: int = 30) -> dict[str, float]:
        """File -> vote from the ``top`` commits whose messages best match any of ``terms`` (by BM25 as SQLite's
        FTS5 computes it: an idf of at least 1e-6, the sum over the terms in their order). A commit shares its
        score among the files it changed, by the square root of their number."""
        terms = list(dict.fromkeys(terms))
        if not terms:
            return {}
        if self._commits is None:
            rows = c.execute("SELECT id, ntok FROM commits ORDER BY id").fetchall()  # ids first, first + 1, ...
            avgdl = sum(n for _, n in rows) / max(len(rows), 1) or 1.0  # messages with no word to search ("🎉", ".")
            self._commits = (len(rows), rows[0][0] if rows else 0,
                             array("d", [K1 * (1 - B + B * d / avgdl) for _, d in rows]))
        n, first, norm = self._commits
        postings = self._postings(c, terms, "histterm", span=(first, first + n - 1))
        scores: dict[int, float] = {}
        k1p = K1 + 1.0
        for t in terms:
            ids, tfs = postings[t]
            if not ids:
                continue
            idf = math.log((n - len(ids) + 0.5) / (len(ids) + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            for cid, tf in zip(ids, tfs):
                scores[cid] = scores.get(cid, 0.0) + idf * ((tf * k1p) / (tf + norm[cid - first]))
        best = heapq.nsmallest(top, scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if not best:
            return {}
        changed = dict(c.execute(f"SELECT id, files FROM commits WHERE id IN ({','.join('?' * len(best))})",
                                 [cid for cid, _ in best]))
        if not self._same_history(c):
            return {}
        out: dict[str, float] = {}
        for cid, score in best:
            names = changed.get(cid, "").split("\n")
            share = score / len(names) ** 0.5
            for f in names:
                out[f] = out.get(f, 0.0) + share
        return out


def activity(c: sqlite3.Connection) -> dict[str, tuple[float, float]]:
    """Path -> (how often it changed, how often recently), each as log count scaled to [0, 1]; files that
    change often are where bugs get fixed."""
    rows = c.execute("SELECT path, ncommits, nrecent FROM histlen").fetchall()
    top_all = math.log1p(max((r[1] for r in rows), default=0)) or 1.0
    top_recent = math.log1p(max((r[2] for r in rows), default=0)) or 1.0
    return {p: (math.log1p(n) / top_all, math.log1p(m) / top_recent) for p, n, m in rows}
