"""The optional semantic signal: chunk embeddings cached in the index, cosine similarity at query time.

On only when ``embeddings_model`` is set. Each definition-level chunk (the same chunks the spans come from)
is embedded as ``path + newline + its lines``; vectors are stored as float32 bytes keyed by the model and a
hash of that input, so re-indexing after an edit embeds only the chunks whose text changed, and switching
model re-embeds everything (the old model's vectors are dropped). Search embeds the query -- and, with
hypothetical-code queries on, the code a chat model expects to find -- and scores each file by its best
chunk. Any failure leaves a one-line warning and the keyword ranking as it was.

numpy is imported only here, and this module only when semantic search is on, so ``genie search``
without embeddings starts as fast as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genie_tui.config.settings import display_url
from genie_tui.retrieval.build import blob_hash
from genie_tui.retrieval.embed import (
    BATCH,
    MAX_INPUT_CHARS,
    PARALLEL,
    Embedder,
    EmbeddingError,
    SemanticConfig,
    hypothetical_code,
)
from genie_tui.retrieval.files import language_of
from genie_tui.retrieval.query import strip_boilerplate
from genie_tui.retrieval.store import Stopped
from genie_tui.retrieval.textutil import decode_source, split_lines

if TYPE_CHECKING:
    import numpy as np

Progress = Callable[[int, int], None]
RELOAD_SECONDS = 2.0  # while a background pass embeds, searches reload the vectors at most this often


@dataclass(slots=True)
class EmbedStats:
    """One pass: chunks with a vector afterwards, chunks embedded now (sent to the endpoint), requests."""

    chunks: int = 0
    embedded: int = 0
    requests: int = 0
    elsewhere: bool = False  # skipped: another process (or thread) was embedding this index


def chunk_input(path: str, lines: list[str], start: int, end: int) -> str:
    """What is embedded for one chunk: the path gives the model the context the lines lack."""
    return (f"{path}\n" + "\n".join(lines[start - 1:end]))[:MAX_INPUT_CHARS]


def sync(c: sqlite3.Connection, repo: Path, embedder: Embedder, progress: Progress | None = None,
         on_batch: Callable[[], None] | None = None, stats: EmbedStats | None = None) -> EmbedStats:
    """Embed the chunks of every file whose vectors are missing or stale; commits after each batch so
    searches use what is embedded so far. Raises :class:`EmbeddingError` (work done so far is kept, and
    counted in ``stats``)."""
    stats = stats if stats is not None else EmbedStats()
    requests0 = embedder.requests
    try:
        _sync(c, repo, embedder, stats, progress, on_batch)
    finally:
        stats.chunks = c.execute("SELECT COUNT(*) FROM chunk_vecs").fetchone()[0]
        stats.requests = embedder.requests - requests0
    return stats


def _sync(c: sqlite3.Connection, repo: Path, embedder: Embedder, stats: EmbedStats, progress: Progress | None,
          on_batch: Callable[[], None] | None) -> None:
    model = embedder.cfg.model
    for table in ("vectors", "chunk_vecs", "vec_files"):  # a new model re-embeds; old vectors are no use
        c.execute(f"DELETE FROM {table} WHERE model != ?", (model,))
    c.execute("DELETE FROM vec_files WHERE file_id NOT IN (SELECT id FROM files WHERE excluded IS NULL)")
    c.execute("DELETE FROM chunk_vecs WHERE file_id NOT IN (SELECT file_id FROM vec_files)")
    c.commit()
    pending = c.execute("SELECT f.id, f.path, f.hash FROM files f LEFT JOIN vec_files v ON v.file_id = f.id "
                        "AND v.model = ? WHERE f.excluded IS NULL AND (v.hash IS NULL OR v.hash != f.hash "
                        "OR v.path != f.path) ORDER BY f.id", (model,)).fetchall()
    if pending:
        _embed_files(c, repo, embedder, pending, stats, progress, on_batch)
        live = c.execute("SELECT COUNT(DISTINCT hash) FROM chunk_vecs").fetchone()[0]
        if c.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] > 1.25 * live + 100:
            # edits leave vectors nobody uses; keep a few (a reverted edit is free) but not forever
            c.execute("DELETE FROM vectors WHERE hash NOT IN (SELECT hash FROM chunk_vecs)")
            c.commit()


def _embed_files(c: sqlite3.Connection, repo: Path, embedder: Embedder, pending: list[tuple[int, str, str]],
                 stats: EmbedStats, progress: Progress | None, on_batch: Callable[[], None] | None) -> None:
    model = embedder.cfg.model
    counts = dict(c.execute("SELECT file_id, COUNT(*) FROM chunks GROUP BY file_id").fetchall())
    total = sum(counts.get(fid, 0) for fid, _, _ in pending)
    known = {h for (h,) in c.execute("SELECT hash FROM vectors WHERE model = ?", (model,))}
    queue: dict[str, str] = {}
    waiting: list[tuple[int, str, str, list[tuple[int, int, str]]]] = []
    done = 0

    def flush() -> None:
        if queue:
            hashes = list(queue)
            vecs = embedder.embed([queue[h] for h in hashes])
            c.executemany("INSERT OR REPLACE INTO vectors(model, hash, vec) VALUES(?,?,?)",
                          [(model, h, v.tobytes()) for h, v in zip(hashes, vecs)])
            known.update(hashes)
            stats.embedded += len(hashes)
            queue.clear()
        for fid, path, fhash, rows in waiting:
            c.execute("DELETE FROM chunk_vecs WHERE file_id = ?", (fid,))
            c.executemany("INSERT INTO chunk_vecs VALUES(?,?,?,?,?)", [(fid, model, *r) for r in rows])
            c.execute("INSERT OR REPLACE INTO vec_files VALUES(?,?,?,?)", (fid, model, path, fhash))
        waiting.clear()
        c.commit()
        if on_batch is not None:
            on_batch()
        if progress is not None:
            progress(done, total)

    for fid, path, fhash in pending:
        try:
            data = (repo / path).read_bytes()
        except OSError:
            continue
        if blob_hash(data) != fhash:
            continue  # changed since it was indexed: the next update re-chunks and embeds it
        lines = split_lines(decode_source(data, language_of(path)))
        rows = []
        for start, end in c.execute("SELECT start, end_line FROM chunks WHERE file_id = ? ORDER BY start", (fid,)):
            text = chunk_input(path, lines, start, end)
            if not any(ch.isalnum() for ch in text[len(path):]):
                continue  # blank lines only: nothing to mean
            h = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
            rows.append((start, end, h))
            if h not in known:
                queue[h] = text
        waiting.append((fid, path, fhash, rows))
        done += counts.get(fid, 0)
        if len(queue) >= BATCH * PARALLEL:
            flush()
    flush()


class Hits:
    """Similarities of one query: per file (scaled to [0, 1]) and, on demand, per chunk of a file."""

    def __init__(self, matrix: _Matrix, sims: np.ndarray) -> None:
        import numpy as np

        self._m = matrix
        self._sims = sims
        best = np.maximum.reduceat(sims, matrix.first) if len(sims) else sims
        top = float(best.max()) if len(best) else 0.0
        # The median file is unrelated to almost any query: it is the zero, the best file is one. Raw cosines
        # sit in a narrow band (0.2-0.6 is typical), so dividing by the top alone would barely separate them.
        self.floor = float(np.median(best)) if len(best) > 1 else 0.0
        self.span = max(top - self.floor, 1e-6)
        scaled = (best - self.floor) / self.span
        self.files: dict[int, float] = {int(f): float(v) for f, v in zip(matrix.fids, scaled) if v > 0}

    def chunks(self, fid: int) -> dict[tuple[int, int], float]:
        """``(start, end) -> similarity`` for the chunks of file ``fid``, on the same scale as ``files``."""
        i = self._m.row_of.get(fid)
        if i is None:
            return {}
        lo, hi = int(self._m.first[i]), int(self._m.first[i + 1]) if i + 1 < len(self._m.first) else len(self._sims)
        return {(int(self._m.starts[j]), int(self._m.ends[j])): max(0.0, (float(self._sims[j]) - self.floor) / self.span)
                for j in range(lo, hi)}


class _Matrix:
    """Every current chunk vector of one model, rows grouped by file (loaded once, reloaded after updates)."""

    def __init__(self, c: sqlite3.Connection, model: str) -> None:
        import numpy as np

        rows = c.execute(
            "SELECT cv.file_id, cv.start, cv.end_line, v.vec FROM vec_files vf "
            "JOIN files f ON f.id = vf.file_id AND f.hash = vf.hash AND f.path = vf.path AND f.excluded IS NULL "
            "JOIN chunk_vecs cv ON cv.file_id = vf.file_id JOIN vectors v ON v.model = cv.model AND v.hash = cv.hash "
            "WHERE vf.model = ? ORDER BY cv.file_id, cv.start", (model,)).fetchall()
        if rows:  # a server that changed its dimension mid-way: keep the most common one
            sizes: dict[int, int] = {}
            for r in rows:
                sizes[len(r[3])] = sizes.get(len(r[3]), 0) + 1
            size = max(sizes, key=lambda k: sizes[k])
            rows = [r for r in rows if len(r[3]) == size]
        self.vecs = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float32).reshape(len(rows), -1) \
            if rows else np.zeros((0, 0), dtype=np.float32)
        fids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        self.starts = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        self.ends = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
        change = np.flatnonzero(np.diff(fids)) + 1 if len(fids) else np.zeros(0, dtype=np.int64)
        self.first = np.concatenate([[0], change]).astype(np.int64) if len(fids) else change
        self.fids = fids[self.first] if len(fids) else fids
        self.row_of = {int(f): i for i, f in enumerate(self.fids)}

    def __len__(self) -> int:
        return len(self.vecs)


class Semantic:
    """The semantic signal of one open index: its clients, the loaded vectors and a small query cache."""

    def __init__(self, cfg: SemanticConfig, warn: Callable[[str], None], stop: threading.Event | None = None) -> None:
        self.cfg = cfg
        self.embedder = Embedder(cfg)
        self._warn = warn
        self._matrix: _Matrix | None = None
        self._gen = 0
        self._loaded: tuple[int, float] = (-1, 0.0)
        self._queries: OrderedDict[tuple[str, bool], Any] = OrderedDict()
        self._hyde_failed = False
        self._off_warned = False
        self._sync_lock = threading.Lock()
        self.last = EmbedStats()
        self.stop = stop  # its index's: once set, a pass ends at its next batch

    @contextlib.contextmanager
    def _exclusive(self, lock_path: Path) -> Iterator[bool]:
        """One embedding pass at a time per index, across threads and processes; others skip instead of
        waiting (they search with what is embedded so far)."""
        if not self._sync_lock.acquire(blocking=False):
            yield False
            return
        try:
            try:
                import fcntl
            except ImportError:
                yield True
                return
            with open(lock_path, "a+b") as fh:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            self._sync_lock.release()

    def sync(self, c: sqlite3.Connection, repo: Path, lock_path: Path, progress: Progress | None = None) -> None:
        """Bring the vectors up to date; a failure is one warning and leaves the keyword ranking as it is."""
        if self.embedder.failed:
            return
        with self._exclusive(lock_path) as mine:
            if not mine:
                with contextlib.suppress(sqlite3.Error):
                    self.last = EmbedStats(c.execute("SELECT COUNT(*) FROM chunk_vecs").fetchone()[0], elsewhere=True)
                return
            self.last = EmbedStats()
            try:
                sync(c, repo, self.embedder, progress, on_batch=self._bump, stats=self.last)
            except EmbeddingError as exc:
                self._off(exc)
            except sqlite3.OperationalError as exc:  # busy for long: the next update tries again
                self._warn(f"embedding vectors could not be stored ({exc}); trying again on the next update")
            self._bump()

    def _bump(self) -> None:
        self._gen += 1
        if self.stop is not None and self.stop.is_set():  # genie quitting: what is embedded stays
            raise Stopped

    def summary(self) -> dict[str, Any]:
        """The model, chunks embedded and the last pass's work (``elsewhere``: none, another process was embedding)."""
        last = self.last
        return {"model": self.cfg.model, "chunks": last.chunks, "embedded": last.embedded,
                "requests": last.requests, "elsewhere": last.elsewhere,
                "hyde": self.cfg.hyde and self.cfg.chat_model is not None}

    def hits(self, c: sqlite3.Connection, query: str, hyde: bool | None, files: Mapping[int, Any]) -> Hits | None:
        """Similarities for ``query``, or ``None`` when nothing is embedded or the endpoint failed. ``files``:
        the indexed files, whose most common language hypothetical code is written in."""
        gen, at = self._loaded
        now = time.monotonic()
        if self._matrix is None or (gen != self._gen and now - at >= RELOAD_SECONDS):
            self._loaded = (self._gen, now)
            self._matrix = _Matrix(c, self.cfg.model)
        if not len(self._matrix):
            return None
        language = None
        if (hyde or (hyde is None and self.cfg.hyde)) and self.cfg.chat_model is not None:
            langs = Counter(f.lang for f in files.values() if f.lang)
            language = langs.most_common(1)[0][0] if langs else None
        qvec = self._query_vector(query, hyde, language)
        if qvec is None:
            return None
        if qvec.shape[0] != self._matrix.vecs.shape[1]:
            self._stale(c, self._matrix.vecs.shape[1], qvec.shape[0])
            return None
        import numpy as np

        # einsum, not ``@``: a matrix-vector product is memory-bound, and OpenBLAS's thread pool made it 50x
        # slower (15 ms instead of 0.3 ms for 1,100 chunks) on a busy two-core machine
        return Hits(self._matrix, np.einsum("ij,j->i", self._matrix.vecs, qvec))

    def _query_vector(self, query: str, hyde: bool | None, language: str | None) -> np.ndarray | None:
        if hyde is None:
            use_hyde = self.cfg.hyde and self.cfg.chat_model is not None
        else:
            use_hyde = hyde
        if use_hyde and self.cfg.chat_model is None:
            if not self._hyde_failed:
                self._warn("hypothetical-code queries need a chat model (set base_url or api_key); "
                           "embedding the query text")
            self._hyde_failed = True
            use_hyde = False
        key = (query, use_hyde and not self._hyde_failed)
        if key in self._queries:
            self._queries.move_to_end(key)
            return self._queries[key]
        text = strip_boilerplate(query).strip()[:MAX_INPUT_CHARS] or query[:MAX_INPUT_CHARS]
        texts = [text]
        if key[1]:
            try:
                code = hypothetical_code(self.cfg, text, language)
                if code:
                    texts.append(code)
            except EmbeddingError as exc:
                self._hyde_failed = True
                self._warn(f"{exc}; embedding the query text instead")
        try:
            vecs = self.embedder.embed(texts, interactive=True)
        except EmbeddingError as exc:
            self._off(exc)
            return None
        # HyDE averages the hypothetical documents with the query itself: the code carries the vocabulary of
        # the repository, the query keeps the intent when the model guesses wrong names.
        q = vecs.mean(axis=0)
        import numpy as np

        q = q / max(float(np.linalg.norm(q)), 1e-9)
        self._queries[key] = q
        if len(self._queries) > 32:
            self._queries.popitem(last=False)
        return q

    def _stale(self, c: sqlite3.Connection, stored: int, dim: int) -> None:
        """The endpoint answers with another dimension than the stored vectors (another model behind the same
        name): they can never match a query again, so they are dropped and the next update embeds anew."""
        try:
            c.execute("DELETE FROM vectors WHERE model = ? AND length(vec) != ?", (self.cfg.model, 4 * dim))
            c.execute("DELETE FROM vec_files WHERE model = ?", (self.cfg.model,))
            c.execute("DELETE FROM chunk_vecs WHERE model = ?", (self.cfg.model,))
            c.commit()
        except sqlite3.OperationalError:  # busy: the vectors stay, and so does this warning next time
            c.rollback()
        self._matrix = None
        self._warn(f"embeddings endpoint {display_url(self.cfg.base_url)} now answers with {dim}-dimensional "
                   f"vectors, the index holds {stored}-dimensional ones for {self.cfg.model}: they are embedded "
                   "again on the next update (keyword ranking meanwhile)")

    def _off(self, exc: EmbeddingError) -> None:
        """The endpoint failed for good: say so once; the embedder refuses further calls at once."""
        if not self._off_warned:
            self._off_warned = True
            self._warn(f"{exc}; semantic search is off for this run (keyword ranking continues)")

    def close(self) -> None:
        self.embedder.close()
