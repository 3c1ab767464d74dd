"""The stored history's words as queries read them: commits whose messages resemble a query, and the files'
history documents (see history.py, which stores them)."""

from __future__ import annotations

import heapq
import math
import sqlite3
import threading
from array import array
from collections import OrderedDict

from genie_tui.retrieval.history import generation, stored_head

K1 = 1.2  # BM25's, for commits (as SQLite's FTS5 has them) and files' history documents
B = 0.75
CACHED_POSTINGS = 1_000_000  # history postings kept in memory per index (8 MB)


class Terms:
    """The stored history's postings of the words a query asks about, read from the index when a word is first
    asked for and kept (the most recently used, up to ``max_postings`` in all, 8 bytes each): every query of a
    session asks for its words again. For one stored history (``head``, the commit it was read at): a new one
    needs a new :class:`Terms`.

    On sphinx (12,800 commits) SQLite's FTS5 ranked the commits for a query in 16 ms, and reading the files'
    postings took 9 ms; from memory both take about a millisecond. The scores are the same sums in the same
    order: FTS5's ``bm25()`` for :meth:`votes`, and what the per-file query computed for :meth:`file_scores`."""

    def __init__(self, head: str | None, max_postings: int = CACHED_POSTINGS, gen: str | None = None) -> None:
        self.head, self.gen = head, gen  # with ``gen`` (history.generation), for that writing of it alone
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
        if stored_head(c) == self.head and (self.gen is None or generation(c) == self.gen):
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
