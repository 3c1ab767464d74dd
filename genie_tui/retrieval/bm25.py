"""Field-weighted BM25 (BM25F) over the ``postings`` table, computed for the query's terms only.

Fields: path, definition names, docstrings, body. Several weightings are computed in one pass over the
postings because each becomes a separate ranking signal.

Speed (a query of a long issue reads about 17k postings in a 1M-line repository): :class:`Postings` keeps
what does not change between index updates -- each file's length norms, document frequencies and recently
read posting lists -- and most postings (body-only ones) are scored once for all weightings that share a
body weight. Every score is computed with the same floating-point operations in the same order as the plain
formula, so caching changes speed only, never a ranking.

In a large repository (:data:`LARGE` files or more) the postings are scored with numpy instead: the per-posting
dictionary updates were two thirds of a query's BM25 time. numpy's ``bincount`` adds each file's shares one by one
in input order, which is the order of the loop (terms sorted, then file ids), and every other step is the same
elementwise operation, so the two paths give bit-identical scores in the same order. Small repositories keep
the loop: there numpy's import (0.1 s) would cost a one-query ``genie search`` more than it saves.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from operator import itemgetter
from typing import Any

from genie_tui.retrieval.textutil import is_doc_path, is_test_path

K1 = 1.2
B = (0.3, 0.5, 0.5, 0.75)  # length normalisation per field: paths and names are short and regular
MAX_TERMS = 80
COMMON = 0.25
LARGE = 3000  # files
# fewer source files than this, and idf counts every file (Postings.source_freqs): over two source files a word is
# in none, one or both, and a caller named in a pasted trace outranked the raising frame on that alone
MIN_SOURCES = 20
# postings kept in memory per index (40-60 bytes each). At 300k, the long lists of a 1M-line repository
# (a quarter of the limit at most each) were read again and again: 60 issue texts read 2,235 lists from SQLite
# per pass; with 1M, all of them stayed (394k postings, RSS +6 MB) and BM25 took 6 instead of 15 ms per query
CACHED_POSTINGS = 1_000_000

Weighting = tuple[float, float, float, float]
Row = tuple[int, int]  # fid, its counts packed by :func:`pack_tf`
# A posting's four counts are one stored integer: SQLite returned a posting of five columns in 0.9-1.3 us and
# one of two in 0.45-0.6 us, and reading the postings of new words was most of a slow query on a 1M-line
# repository. Body counts take the low 24 bits, then path 7, names 16 and docs 16 (63 bits in all); a larger
# count is stored as the most its field holds (BM25 is saturated long before: tf / (tf + K1) differs by < 1e-4).
_TB, _TP, _TN = 24, 7, 16
_TB_MAX, _TP_MAX, _TN_MAX = (1 << _TB) - 1, (1 << _TP) - 1, (1 << _TN) - 1


def pack_tf(tp: int, tn: int, td: int, tb: int) -> int:
    """A posting's counts in the path, definition names, docstrings and body, as the index stores them."""
    return (min(tb, _TB_MAX) | min(tp, _TP_MAX) << _TB | min(tn, _TN_MAX) << (_TB + _TP)
            | min(td, _TN_MAX) << (_TB + _TP + _TN))


def unpack_tf(v: int) -> tuple[int, int, int, int]:
    """The counts :func:`pack_tf` stored: path, names, docs, body (of one integer, or of a numpy array of them)."""
    return (v >> _TB) & _TP_MAX, (v >> (_TB + _TP)) & _TN_MAX, v >> (_TB + _TP + _TN), v & _TB_MAX

# a posting list as three columns: file ids, body tf / its norm, and the path, names and doc ones when any is
# non-zero (a quarter of the postings); columns rather than a tuple per posting take a third of the memory
Scaled = tuple[list[int], "array[float]", "list[tuple[float, float, float] | None]"]


def source_ids(files: Mapping[int, Any]) -> list[int]:
    """The ids of the files (``rank.FileInfo``) a fix usually goes into: code, not tests, documentation or text."""
    return [fid for fid, f in files.items() if f.lang is not None and not is_test_path(f.path) and not is_doc_path(f.path)]


def doc_freqs(c: sqlite3.Connection, terms: Iterable[str]) -> dict[str, int]:
    """Term -> number of indexed files containing it, as the build stores it (counting a query's words' postings
    took up to 6.5 ms of a warm query on a 1M-line repository, and 42 ms with the index's pages not in the
    system's cache); terms in no file are left out."""
    uniq = list(dict.fromkeys(terms))
    out: dict[str, int] = {}
    for i in range(0, len(uniq), 400):
        part = uniq[i:i + 400]
        marks = ",".join("?" * len(part))
        out.update(c.execute(f"SELECT term, n FROM df WHERE term IN ({marks})", part).fetchall())
    return out


def select_terms(tokens: list[str], df: Mapping[str, int], n_docs: int, limit: int = MAX_TERMS) -> dict[str, float]:
    """Query term -> weight (1 + log of its count in the query), the ``limit`` rarest terms that occur."""
    counts = Counter(t for t in tokens if df.get(t))
    keep = sorted(counts, key=lambda t: (df[t], t))[:limit]  # ties by name: the same on every run
    # in a large repository, terms in over a quarter of the files add little but cost the most (long
    # posting lists): drop them when enough rarer terms remain (measured: p95 217 -> 171 ms at 7k files;
    # on small repositories it cost a little accuracy, so they keep every term)
    rare = [t for t in keep if df[t] <= COMMON * n_docs]
    if n_docs >= LARGE and len(rare) >= 8:
        keep = rare
    return {t: 1.0 + math.log(counts[t]) for t in keep}


# every field at once (path, names, doc, body weighted 2, 3, 1, 1), then each alone: what ranking asks for
FIELDS: list[Weighting] = [(2, 3, 1, 1), (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)]


class Postings:
    """BM25F over one snapshot of the index; build a new one after every index update (it caches).

    Args:
        lens: file id -> token count per field, for the files that may be scored.
        avg: mean token count per field.
        max_rows: how many postings to keep in memory (recently used terms first).
        vector: score with numpy (None: when there are :data:`LARGE` files or more).
        sources: gives the ids of the source files (see :meth:`source_freqs`); None: every file.
    """

    def __init__(self, lens: Mapping[int, tuple[int, int, int, int]], avg: tuple[float, float, float, float],
                 max_rows: int = CACHED_POSTINGS, vector: bool | None = None,
                 sources: Callable[[], Iterable[int]] | None = None) -> None:
        self.lens = lens
        self.avg = avg
        self.n_docs = max(len(lens), 1)
        self.vector = len(lens) >= LARGE if vector is None else vector
        if self.vector:  # imported with the index, not at its first query
            import numpy  # noqa: F401
        self._dense: tuple[Any, Any] | None = None  # numpy: each field's norms by file id, and which ids count
        self._norms: dict[int, tuple[float, float, float, float, int]] = {}
        self._df: dict[str, int] = {}
        self._sources = sources
        self._source_ids: Any = None  # a set of ids, or numpy's mask over them: read at the first question
        self._n_sources = 0
        self._source_df: dict[str, int] = {}
        self._rows: OrderedDict[str, Scaled] = OrderedDict()
        self._cached = 0
        self._max_rows = max_rows
        self._lock = threading.Lock()

    def doc_freqs(self, c: sqlite3.Connection, terms: Iterable[str]) -> dict[str, int]:
        """Term -> number of files containing it (terms in no file are left out), as :func:`doc_freqs`."""
        uniq = list(dict.fromkeys(terms))
        known = self._df
        missing = [t for t in uniq if t not in known]
        if missing:
            found = doc_freqs(c, missing)
            if len(known) < 500_000:
                known.update({t: found.get(t, 0) for t in missing})
            return {t: d for t in uniq if (d := known.get(t, found.get(t, 0)))}
        return {t: d for t in uniq if (d := known[t])}

    def source_freqs(self, c: sqlite3.Connection, terms: Iterable[str]) -> tuple[dict[str, float], int]:
        """Term -> number of source files containing it (code that is no test, documentation or plain text: where
        fixes go), and the number of source files; every file's (:meth:`doc_freqs`) when there are fewer than
        :data:`MIN_SOURCES`.

        For the idf of a file's score: a word that tests, changelogs and docs repeat (pytest's ``xfail``) still
        tells the few source files that hold it apart. On the retrieval benchmark (weights refitted), in-sample
        Acc@1 0.567 -> 0.577, Acc@5 0.825 -> 0.835, MRR 0.767 -> 0.777, line recall 0.546 -> 0.563; held out
        (``fit``) 0.536 / 0.797 / 0.741 / 0.530 -> 0.543 / 0.794 / 0.744 / 0.539: a small gain, within noise.
        """
        uniq = list(dict.fromkeys(terms))
        if self._source_ids is None:
            ids = set(self._sources()) if self._sources is not None else set(self.lens)
            self._n_sources = len(ids)
            if self.vector and ids:
                import numpy as np

                mask = np.zeros(max(ids) + 1, dtype=bool)
                mask[list(ids)] = True
                ids = mask  # type: ignore[assignment]
            self._source_ids = ids
        src, n_src = self._source_ids, self._n_sources
        if n_src < MIN_SOURCES:
            return self.doc_freqs(c, uniq), self.n_docs
        known = self._source_df
        for t in uniq:
            if t not in known:
                fids = self.postings(c, t)[0]
                if self.vector:
                    known[t] = int(src[fids[fids < len(src)]].sum())
                else:
                    known[t] = sum(map(src.__contains__, fids))
        if any(not known[t] for t in uniq):
            # a term in no source file counts as often as over all files: it cannot tell sources apart, and at
            # the largest idf it would lift the tests and docs that hold it over every source file
            every = self.doc_freqs(c, [t for t in uniq if not known[t]])
            scale = n_src / self.n_docs
            return {t: known[t] or every.get(t, 0) * scale for t in uniq}, n_src
        return {t: known[t] for t in uniq}, n_src

    def postings(self, c: sqlite3.Connection, term: str) -> Scaled:
        """The postings of ``term`` by file id, counts divided by the file's length norm (files of this
        snapshot only); from memory when the term was read recently."""
        with self._lock:
            rows = self._rows.get(term)
            if rows is not None:
                self._rows.move_to_end(term)
                return rows
        read = c.execute("SELECT fid, tf FROM postings WHERE term=? ORDER BY fid", (term,)).fetchall()
        rows = self._columns(read) if self.vector else self._scaled(read)
        with self._lock:
            if term not in self._rows and len(rows[0]) <= self._max_rows // 4:
                self._rows[term] = rows
                self._cached += len(rows[0])
                while self._cached > self._max_rows:
                    self._cached -= len(self._rows.popitem(last=False)[1][0])
        return rows

    def _scaled(self, rows: list[Row]) -> Scaled:
        fids: list[int] = []
        body: array[float] = array("d")
        other: list[tuple[float, float, float] | None] = []
        lens, avg, norms = self.lens, self.avg, self._norms
        for fid, v in rows:
            nrm = norms.get(fid)
            if nrm is None:
                ln = lens.get(fid)
                if ln is None:
                    continue
                n0, n1, n2, n3 = (1 - B[i] + B[i] * ln[i] / (avg[i] or 1.0) for i in range(4))
                nrm = norms[fid] = (n0, n1, n2, n3, fid)  # one int object per file, shared by every list
            tb = v & _TB_MAX
            if v > _TB_MAX:  # a count in the path, names or docs (a quarter of the postings)
                tp, tn, td, _ = unpack_tf(v)
                other.append((tp / nrm[0], tn / nrm[1], td / nrm[2]))
            elif tb:
                other.append(None)
            else:
                continue
            fids.append(nrm[4])
            body.append(tb / nrm[3])
        return fids, body, other

    def _columns(self, rows: list[Row]) -> tuple[Any, Any]:
        """numpy's form of :meth:`_scaled`: file ids, and the four fields' counts divided by their norms."""
        import numpy as np

        if self._dense is None:
            fids = np.fromiter(self.lens, dtype=np.int64, count=len(self.lens))
            lens = np.array(list(self.lens.values()), dtype=np.float64).reshape(-1, 4)
            size = int(fids.max()) + 1 if len(fids) else 1
            norms = np.ones((4, size))
            for i in range(4):  # as _scaled: (1 - b) + (b * len) / avg
                norms[i, fids] = 1 - B[i] + B[i] * lens[:, i] / (self.avg[i] or 1.0)
            known = np.zeros(size, dtype=bool)
            known[fids] = True
            self._dense = norms, known
        norms, known = self._dense
        a = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)  # 2.5x np.array's speed
        fid = a[:, 0]
        a = a[known[np.minimum(fid, len(known) - 1)] & (fid < len(known))]
        fid, v = a[:, 0], a[:, 1]
        return fid, np.stack(unpack_tf(v)) / norms[:, fid]

    def _score_columns(self, c: sqlite3.Connection, qterms: Mapping[str, float], df: Mapping[str, float],
                       weightings: list[Weighting], n_docs: int, top: int | None) -> list[dict[int, float]]:
        import numpy as np

        terms = sorted(qterms)
        cols = [self.postings(c, t) for t in terms]
        fid = np.concatenate([f for f, _ in cols])
        tfs = np.concatenate([s for _, s in cols], axis=1)
        w_idf = np.repeat([math.log(1 + (n_docs - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) * qterms[t]
                           for t in terms], [len(f) for f, _ in cols])
        size = len(self._dense[1]) if self._dense is not None else 1
        out = []
        for w in weightings:
            tf = w[0] * tfs[0] + w[1] * tfs[1] + w[2] * tfs[2] + w[3] * tfs[3]
            hit = tf != 0
            t = tf[hit]
            ids = fid[hit]
            sums = np.bincount(ids, weights=w_idf[hit] * t / (K1 + t), minlength=size)
            ids, first = np.unique(ids, return_index=True)
            if top is not None:
                # the best, ties in the loop's order (by first share): sorted(..., reverse=True)[:top] of the
                # dict below, without building it (on a 1M-line repository 5,000 files match, 300 are kept)
                vals = sums[ids]
                cut = len(vals) - top
                near = np.flatnonzero(vals >= np.partition(vals, cut)[cut]) if cut > 0 else np.arange(len(vals))
                ids = ids[near[np.lexsort((first[near], -vals[near]))[:top]]]
            else:
                ids = ids[np.argsort(first, kind="stable")]  # the loop's order: by first share (ties keep it)
            out.append(dict(zip(ids.tolist(), sums[ids].tolist())))
        return out

    def score(self, c: sqlite3.Connection, qterms: Mapping[str, float], df: Mapping[str, float],
              weightings: list[Weighting], n_docs: int | None = None, top: int | None = None) -> list[dict[int, float]]:
        """One ``{file id: score}`` per weighting of (path, names, doc, body); the idf takes ``df`` out of
        ``n_docs`` files (default: all of them). With ``top``, only the ``top`` best files of each, best first
        (of equal scores, the one that scored first)."""
        out: list[dict[int, float]] = [{} for _ in weightings]
        if not qterms:
            return out
        n_docs = self.n_docs if n_docs is None else n_docs
        if self.vector:
            return self._score_columns(c, qterms, df, weightings, n_docs, top)
        # a posting found in the body alone has tf = body weight * scaled body count in every weighting,
        # so its share is computed once per distinct body weight
        by_body: dict[float, list[dict[int, float]]] = {}
        for w, d in zip(weightings, out):
            if w[3]:
                by_body.setdefault(w[3], []).append(d)
        groups = list(by_body.items())
        unit = groups[0][1] if len(groups) == 1 and groups[0][0] == 1 else None  # the usual case, unrolled
        pair = unit if unit is not None and len(unit) == 2 else None
        # a weighting of one field with weight 1, such as (0, 1, 0, 0), has tf = that field's value exactly (the
        # other products are +0.0); the rest take the whole formula. Both keep the weightings' order per file.
        mixed_steps: list[tuple[int, Weighting, dict[int, float]]] = [
            (w.index(1) if sorted(w) == [0, 0, 0, 1] else -1, w, d) for w, d in zip(weightings, out)]
        # all fields at once and each alone (the usual call), written out: the loop over weightings was a third
        # of scoring. The same operations in the same order, so the same float results.
        fields = out if weightings == FIELDS else None
        # terms in sorted order, files by id: the order the sums were always taken in (same float results)
        for term in sorted(qterms):
            d_t = df.get(term, 0)
            w_idf = math.log(1 + (n_docs - d_t + 0.5) / (d_t + 0.5)) * qterms[term]
            for fid, s3, mixed in zip(*self.postings(c, term)):
                if fields is not None and mixed is not None:
                    s0, s1, s2 = mixed
                    d_all, d_path, d_names, d_doc, d_body = fields
                    tf = 2 * s0 + 3 * s1 + s2 + s3
                    d_all[fid] = d_all.get(fid, 0.0) + w_idf * tf / (K1 + tf)
                    if s0:
                        d_path[fid] = d_path.get(fid, 0.0) + w_idf * s0 / (K1 + s0)
                    if s1:
                        d_names[fid] = d_names.get(fid, 0.0) + w_idf * s1 / (K1 + s1)
                    if s2:
                        d_doc[fid] = d_doc.get(fid, 0.0) + w_idf * s2 / (K1 + s2)
                    if s3:
                        d_body[fid] = d_body.get(fid, 0.0) + w_idf * s3 / (K1 + s3)
                elif mixed is not None:
                    s0, s1, s2 = mixed
                    vals = (s0, s1, s2, s3)
                    for field, w, d in mixed_steps:
                        tf = vals[field] if field >= 0 else w[0] * s0 + w[1] * s1 + w[2] * s2 + w[3] * s3
                        if tf:
                            d[fid] = d.get(fid, 0.0) + w_idf * tf / (K1 + tf)
                elif pair is not None:
                    v = w_idf * s3 / (K1 + s3)
                    d1, d2 = pair
                    d1[fid] = d1.get(fid, 0.0) + v
                    d2[fid] = d2.get(fid, 0.0) + v
                elif unit is not None:
                    v = w_idf * s3 / (K1 + s3)
                    for d in unit:
                        d[fid] = d.get(fid, 0.0) + v
                else:
                    for coef, dicts in groups:
                        tf = coef * s3
                        if tf:
                            v = w_idf * tf / (K1 + tf)
                            for d in dicts:
                                d[fid] = d.get(fid, 0.0) + v
        if top is not None:
            out = [dict(sorted(d.items(), key=itemgetter(1), reverse=True)[:top]) for d in out]
        return out


def score(c: sqlite3.Connection, qterms: Mapping[str, float], df: Mapping[str, float], n_docs: int,
          lens: Mapping[int, tuple[int, int, int, int]], avg: tuple[float, float, float, float],
          weightings: list[Weighting]) -> list[dict[int, float]]:
    """One ``{file id: score}`` per weighting of (path, names, doc, body), without caching."""
    p = Postings(lens, avg, max_rows=0)
    p.n_docs = n_docs
    return p.score(c, qterms, df, weightings)
