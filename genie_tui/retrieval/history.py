"""The repository's own history as evidence: commits whose messages resemble the query vote for the files
they changed (how people here solved similar problems before is a strong hint of where to look)."""

from __future__ import annotations

import heapq
import math
import sqlite3
import subprocess
import threading
from array import array
from collections import Counter, OrderedDict
from pathlib import Path

from genie_tui.retrieval.textutil import tokenize

MAX_COMMITS = 20000
MAX_FILES_PER_COMMIT = 40
RECENT = 500  # commits that count as recent activity
K1 = 1.2  # BM25's, for commits (as SQLite's FTS5 has them) and files' history documents
B = 0.75
CACHED_POSTINGS = 1_000_000  # history postings kept in memory per index (8 MB)
HEAD_KEY = "history_head"  # the index's meta key for the commit the stored history was read at


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
    0.7 s that the cold build no longer waits for)."""

    def __init__(self, repo: Path, head: str) -> None:
        self._out: bytes | None = None
        self._thread = threading.Thread(target=self._run, args=(repo, head), name="genie-git-log", daemon=True)
        self._thread.start()

    def _run(self, repo: Path, head: str) -> None:
        try:
            # core.quotepath=off: otherwise git prints a non-ASCII name as "b\303\251ta.py", which matches no file
            r = subprocess.run(["git", "-c", "core.quotepath=off", "log", "--no-merges", f"-n{MAX_COMMITS}",
                                "--format=%x00%H%x01%s%n%b%x02", "--name-only", "--no-renames", head],
                               cwd=repo, check=False, capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            return
        if r.returncode == 0:
            self._out = r.stdout

    def result(self) -> bytes | None:
        """The log's output, or ``None`` when git failed or timed out."""
        self._thread.join()
        return self._out


def update(c: sqlite3.Connection, repo: Path, current_head: str, log: Log | None = None) -> int:
    """Re-read commit messages when HEAD moved (from ``log`` when it was started already); returns the number
    of commits stored."""
    for table in ("commits", "histterm", "histpost", "histlen"):
        c.execute(f"DELETE FROM {table}")
    if not current_head:
        return 0
    out = (log or Log(repo, current_head)).result()
    if out is None:
        return 0
    rows = []
    for chunk in out.decode("utf-8", "replace").split("\0"):
        sha, sep, rest = chunk.partition("\x01")
        if not sep:
            continue
        msg, _, names = rest.partition("\x02")
        files = [f for f in names.split("\n") if f.strip()]
        if not files or len(files) > MAX_FILES_PER_COMMIT:
            continue
        rows.append((sha.strip(), "\n".join(files), tokenize(msg)))
    by_commit: dict[str, list[tuple[int, int]]] = {}  # term -> (commit id, count), by commit id
    by_file: dict[str, dict[str, int]] = {}  # term -> path -> count over the commits that changed the file
    length: Counter[str] = Counter()  # path -> words of those commits (its history document's length)
    commits: Counter[str] = Counter()
    recent: Counter[str] = Counter()
    for i, (_, changed, words) in enumerate(rows, 1):
        files = changed.split("\n")
        for f in files:
            commits[f] += 1
            length[f] += len(words)
            if i <= RECENT:
                recent[f] += 1
        for t, n in Counter(words).items():
            by_commit.setdefault(t, []).append((i, n))
            paths = by_file.get(t)
            if paths is None:
                paths = by_file[t] = {}
            for f in files:
                paths[f] = paths.get(f, 0) + n
    c.executemany("INSERT INTO commits(id, sha, files, ntok) VALUES(?,?,?,?)",
                  ((i, sha, changed, len(words)) for i, (sha, changed, words) in enumerate(rows, 1)))
    # in the order of the tables' keys (inserted at random places, the rows took half of the update's time)
    c.executemany("INSERT INTO histterm VALUES(?,?,?)",
                  ((t, i, n) for t in sorted(by_commit) for i, n in by_commit[t]))
    c.executemany("INSERT INTO histpost VALUES(?,?,?)",
                  ((t, f, n) for t in sorted(by_file) for f, n in sorted(by_file[t].items())))
    c.executemany("INSERT INTO histlen VALUES(?,?,?,?)", ((f, n, commits[f], recent[f]) for f, n in length.items()))
    return len(rows)


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
        self._commits: tuple[int, array[float]] | None = None  # count; by commit id, BM25's K1 * length norm
        # files with a history: their number, paths, ids and BM25's K1 * length norm by id
        self._files: tuple[int, list[str], dict[str, int], array[float]] | None = None

    @property
    def cached_postings(self) -> int:
        """How many postings are held in memory now."""
        return self._cached

    def _postings(self, c: sqlite3.Connection, terms: list[str], table: str, ids: dict[str, int] | None = None,
                  last: int = 0) -> dict[str, tuple[array[int], array[int]]]:
        """Each of ``terms`` with its postings in ``table``: commit ids up to ``last`` (``histterm``) or the ids
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
                elif key > last:
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
            ntok = [n for (n,) in c.execute("SELECT ntok FROM commits ORDER BY id")]  # ids 1, 2, ...
            avgdl = sum(ntok) / max(len(ntok), 1) or 1.0  # messages with no word to search ("🎉", ".")
            self._commits = (len(ntok), array("d", [0.0, *(K1 * (1 - B + B * d / avgdl) for d in ntok)]))
        n, norm = self._commits
        postings = self._postings(c, terms, "histterm", last=n)
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
                scores[cid] = scores.get(cid, 0.0) + idf * ((tf * k1p) / (tf + norm[cid]))
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
