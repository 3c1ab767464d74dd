"""``RepoIndex``: the retrieval engine's one public object (search, symbols, repo map, explain). Thread safety:
each thread has its own SQLite connection; writes serialise on a lock; the in-memory file table is replaced,
never mutated, so readers see a consistent snapshot."""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from genie_tui.retrieval import bm25, build, explain, history, rank, spans, symbols
from genie_tui.retrieval import files as F
from genie_tui.retrieval import watch as watch_mod
from genie_tui.retrieval.follow import Following
from genie_tui.retrieval.framefiles import repo_frames
from genie_tui.retrieval.githead import GitHead
from genie_tui.retrieval.histterms import Terms
from genie_tui.retrieval.inbox import Inbox
from genie_tui.retrieval.model import Location, SearchResult
from genie_tui.retrieval.query import analyze
from genie_tui.retrieval.snapshot import Snapshot
from genie_tui.retrieval.store import (
    CacheUnusable,
    Closed,
    StaleIndex,
    Store,
    TooMany,
    db_path,
    is_corruption,
)

if TYPE_CHECKING:
    from genie_tui.retrieval.semantic import Hits, Semantic

log = logging.getLogger(__name__)
# warnings reach people through ``RepoIndex.warnings``: without a handler, logging printed each a second time
log.addHandler(logging.NullHandler())
CLOSE_WAIT_S = 1.0  # how long close() waits for a background thread (an embedding request may take longer)
BACKGROUND_NICE = 10  # ``os.nice`` of a background build's parsing workers: the app stays responsive
_T = TypeVar("_T")


class RepoIndex(Following):
    """The code index of one repository, persisted in the user cache dir and updated incrementally (and, opened
    with ``watch``, kept in step with the disk before each lookup: see follow.py)."""

    def __init__(self, repo: Path, store: Store, vector: bool | None = None) -> None:
        self.repo = repo
        self._store = store
        self._write = threading.RLock()
        self._snap = Snapshot({}, vector=vector)  # its updates keep ``vector`` (BM25 with numpy; None: by size)
        self._rows_exact = False  # ``_snap.rows`` are the files table as its connection sees it (see known_rows)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()  # close(): a background build stops at its next file, what it stored stays
        self._inbox = Inbox(self._reload)  # a patch's files a lookup hands to the background build (follow.py)
        self.warnings: list[str] = []
        self.on_wait: Callable[[str], None] | None = None
        self.last_build: build.BuildStats = build.BuildStats()
        self._names: frozenset[str] | None = None  # see _own_names
        self._past: Terms | None = None  # the stored history's words, as queries read them
        self.build_seconds = 0.0
        self._sem: Semantic | None = None
        self._embed_progress: Callable[[int, int], None] | None = None
        self._watch: watch_mod.Watcher | None = None  # see open(watch=True)
        self._files_done = threading.Event()  # the background build's files are in (embedding may go on)
        self._follows, self._dirty, self._written = False, False, set()  # see follow.Following
        self._noted = threading.Lock()
        self._progress: Callable[[int, int], None] | None = None  # a background build's, also a catch-up's
        self._head = GitHead(repo)

    @classmethod
    def open(cls, repo: Path, *, progress: Callable[[int, int], None] | None = None,
             background: bool = False, settings: Any = None,
             embed_progress: Callable[[int, int], None] | None = None, thorough: bool = False,
             one_query: bool = False, watch: bool = False, on_wait: Callable[[str], None] | None = None) -> RepoIndex:
        """Open (building or updating) the index of ``repo``; ``background``: return at once, indexing in a thread
        (searches answer from what is indexed so far). ``settings``: semantic search (``embed_progress``).
        ``thorough``: check the whole cache for damage first. ``one_query`` (``genie search``): no numpy BM25.
        ``watch``: follow the disk before each lookup (with inotify where it can). ``on_wait``: told when waiting
        for another genie's update."""
        repo = Path(repo).resolve()
        store = Store(db_path(repo))
        self = cls(repo, store, vector=False if one_query else None)
        self.on_wait, self._progress, self._follows = on_wait, progress, watch
        self._sem = self._semantic(settings)
        self._embed_progress = embed_progress
        self._watch = watch_mod.start(str(repo)) if watch else None
        try:
            store.init(thorough=thorough)
            if background:  # searches answer from the stored index while it is brought up to date
                self._reload()
        except (StaleIndex, sqlite3.DatabaseError) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and not is_corruption(exc):
                raise
            self._warn(f"index cache was unusable ({exc}); rebuilding it")
            store.wipe()
            store.init()
        if background:
            self._thread = threading.Thread(target=self._background, args=(progress,), name="genie-index",
                                            daemon=True)
            self._inbox.open()
            self._thread.start()
        else:
            try:
                self._update(progress)
            except BaseException:  # a failed or stopped build (Ctrl-C) leaves no transaction, nor its lock
                store.close()
                raise
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build; True when the index is complete."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not (self._thread is not None and self._thread.is_alive())

    @property
    def building(self) -> bool:  # a background build's files are not all in (searches answer from those that are)
        return self._thread is not None and self._thread.is_alive() and not self._files_done.is_set()

    @property
    def first_build(self) -> bool:  # building, and no background build ended yet (a catch-up is not the first)
        return self.building and not self._built

    def close(self) -> None:
        self._stop.set()
        if not self.wait(CLOSE_WAIT_S):  # an embedding request on the wire: the process's exit ends the thread
            return
        for part in (self._watch, self._sem):
            if part is not None:
                part.close()
        self._store.close()

    def _warn(self, msg: str) -> None:
        log.warning(msg)
        self.warnings.append(msg)

    def _reload(self, changed: set[int] | None = None) -> None:
        """Load the files as stored; ``changed``: the ids of the rows this thread's update wrote or deleted."""
        self._snap = Snapshot.read(self._store.conn(), self._snap, self.repo, changed)

    def _update(self, progress: Callable[[int, int], None] | None = None, quick: bool = False,
                block: bool = True, only: list[str] | None = None, max_parse: int | None = None) -> None:
        behind = threading.current_thread() is self._thread
        deferred = False
        try:
            with self._write, self._store.build_lock(self.on_wait, block, self._stop):
                t0 = time.perf_counter()
                exact = self._rows_exact  # else the update's changes alone do not make the snapshot exact
                try:
                    deferred = self._update_locked(progress, quick, only, max_parse)
                except sqlite3.DatabaseError as exc:
                    if is_corruption(exc):
                        exact = False  # a new file: nothing of the snapshot is in it
                        self._rebuild_locked(exc, progress)
                    elif isinstance(exc, sqlite3.OperationalError):  # a full disk, a lock held for too long
                        self._store.conn().rollback()  # the index stays as it was; rebuilding would not help
                        raise CacheUnusable(self._store.path, exc) from None
                    else:
                        raise
                self.build_seconds = time.perf_counter() - t0
                self._reload(self.last_build.changed if exact else None)
                self._rows_exact = True
        finally:
            if behind:  # a patch's files handed to it and not read are given back, before ``building`` ends
                self._inbox.close()
        if deferred:  # the files are in; the history is the catch-up's (follow.py), the old one answers meanwhile
            raise TooMany
        if behind:  # a catch-up after it is not the first build (also while its embedding pass goes on)
            self._built = True
            self._files_done.set()
        if self._sem is not None:  # outside the build lock: a slow endpoint must not block other updates
            self._sem.sync(self._store.conn(), self.repo, Path(str(self._store.path) + ".embed.lock"),
                           self._embed_progress)

    def _rebuild_locked(self, exc: sqlite3.DatabaseError, progress: Callable[[int, int], None] | None) -> None:
        self._rows_exact = False
        self._warn(f"index cache was corrupt ({exc}); rebuilding it")
        self._store.wipe()
        self._store.init()
        self._update_locked(progress)

    def _repairing(self, read: Callable[[], _T]) -> _T:
        """``read()``, and again after a rebuild if it finds the cache damaged (a search may trip over it first)."""
        try:
            return read()
        except sqlite3.DatabaseError as exc:
            if self._stop.is_set():  # a connection closed under it: genie is quitting
                raise Closed from exc
            if not is_corruption(exc):
                raise
            self.wait()
            with self._write, self._store.build_lock():
                self._rebuild_locked(exc, None)
                self._reload()
        return read()

    def _update_locked(self, progress: Callable[[int, int], None] | None, quick: bool = False,
                       only: list[str] | None = None, max_parse: int | None = None) -> bool:
        """True when the history was left for a catch-up: a lookup's update (``max_parse``, or ``only`` a patch's
        files) found more commits to read, take out or move than :data:`history.INLINE`."""
        c = self._store.conn()
        step = self._history_begin(c, max_parse is not None or only is not None)
        # a build behind the app yields the cores to it: its workers run at a lower priority
        behind = threading.current_thread() is self._thread
        nice = BACKGROUND_NICE if behind else 0
        known = self._snap.known_rows(c) if self._rows_exact else None  # exact: its last update ended and was read
        self._rows_exact = False  # until the update has ended and its rows are read (a stopped one leaves its
        # writes in the connection's open transaction)
        w = self._watch
        try:  # with a watcher, a refresh reads only the files it saw change, when it can vouch for them
            if only is None and quick and w is not None:
                only = w.changed_files(known or build.stored(c))
            if w is not None and only is None:  # the directories of the files stored are watched before a scan
                w.arm(build.stored_paths(c), begin=True)
            patches = self._inbox if behind else None  # a patch's files a lookup hands it (inbox.py)
            if patches is not None:
                patches.ready = True
            try:
                self.last_build = build.update(c, self.repo, progress, only=only, nice=nice, known=known,
                                               stop=self._stop, on_batch=self._partial() if behind else None,
                                               max_parse=max_parse, patches=patches)
            finally:
                if patches is not None:
                    patches.ready = False
            if w is not None and only is None:  # and after it: those it found
                w.arm(build.stored_paths(c), begin=False)
        except BaseException:
            if w is not None:
                w.invalidate()  # what it saw was not taken in
            raise
        if w is not None and w.failure:
            self._warn(f"{w.failure}; re-indexing scans every file")
            self._watch = None  # the watcher's finaliser closes it
        return self._history_end(c, *step)

    def _partial(self) -> Callable[[int], None]:
        """For the background build, after each commit (``n`` files parsed): a reload for searches meanwhile once
        the files parsed since the last are a quarter of the rows it read (one per 1,000 files was quadratic)."""
        last = [0]

        def reload(n: int) -> None:
            if n - last[0] >= len(self._snap.rows) // 4:
                last[0] = n
                self._reload()
        return reload

    def _semantic(self, settings: Any) -> Semantic | None:  # optional (retrieval/semantic.py)
        from genie_tui.retrieval.embed import semantic_for

        return semantic_for(self.repo, settings, self._warn, self._stop)  # close() ends a pass at its next batch

    @property
    def semantic(self) -> dict[str, Any] | None:
        """``None`` when semantic search is off, else its model, chunks embedded and the last pass's work."""
        return None if self._sem is None else self._sem.summary()

    def _semantic_hits(self, query: str, hyde: bool | None) -> Hits | None:
        return None if self._sem is None else self._sem.hits(self._store.conn(), query, hyde, self._snap.files)

    # --- queries --------------------------------------------------------------------------------------

    @property
    def watching(self) -> bool:  # the files' changes are followed (``open(watch=True)``), else refresh() reads them
        return self._watch is not None

    @property
    def stats(self) -> dict[str, float]:
        """Indexed files, definitions and the last update's duration in seconds."""
        ndefs = self._repairing(lambda: self._store.conn().execute("SELECT COUNT(*) FROM defs").fetchone()[0])
        return {"files": len(self._snap.files), "definitions": ndefs, "seconds": self.build_seconds}

    def search(self, query: str, k: int = 10, *, hyde: bool | None = None) -> list[SearchResult]:
        """Ranked files for ``query`` (words, an error message, a stack trace or a whole issue). With semantic
        search on, ``hyde`` turns hypothetical-code queries on or off (``None``: the setting)."""
        self._follow()
        return self._repairing(lambda: self._search(query, k, hyde))

    def _search(self, query: str, k: int, hyde: bool | None) -> list[SearchResult]:
        sem = self._semantic_hits(query, hyde)
        ranked, q, qterms, idf = self._rank(query, rank.WEIGHTS, sem=sem, candidates=max(rank.CANDIDATES, k))
        out = []
        c = self._store.conn()
        scorer = spans.ChunkScorer(qterms, idf, q.code_idents)
        frames = repo_frames(q, self._snap.mods)  # once: a long log's frames took 8 ms per result file
        for s in rank.top(ranked, k):
            best = self._spans(c, s, q, qterms, idf, sem=sem, scorer=scorer, frames=frames)
            out.append(SearchResult(s.info.path, round(s.score, 4), best, rank.why(s, rank.WEIGHTS)))
        return out

    def _spans(self, c, s, q, qterms, idf, limit: int = spans.LIMIT, sem: Hits | None = None,  # type: ignore[no-untyped-def]
               scorer: spans.ChunkScorer | None = None, frames: list | None = None):
        """The best spans of one ranked file (``scorer`` and ``frames``: this query's, shared by its files)."""
        _, frame_lines, headers = self._span_inputs(c, s.info, q, with_rows=False, frames=frames)
        if s.said:  # where a message quoted in the task is written: as good a place as a stack frame
            frame_lines = {**frame_lines, **dict.fromkeys(s.said, 1.0)}
        if s.chunks is not None and s.hits is not None:  # scored while ranking (the chunk signal)
            scored, hits = s.chunks, s.hits
        else:
            scorer = scorer or spans.ChunkScorer(qterms, idf, q.code_idents)
            scored, hits = scorer.score(self._snap.chunks.get(c, s.info.id))
        return spans.best_spans(scored, q.code_idents, frame_lines, limit, hits=hits, headers=headers,
                                semantic=sem.chunks(s.info.id) if sem is not None else None)

    def _span_inputs(self, c, info, q, with_rows: bool = True, frames: list | None = None):  # type: ignore[no-untyped-def]
        """A file's chunks (unless ``with_rows`` is false), its stack-trace lines with their frames' strength and its
        class headers' start lines (also read by tools/bench_retrieval_lines.py to rank chunks as :meth:`_spans`)."""
        rows = self._snap.chunks.get(c, info.id)
        named: dict[str, list[int]] = {}
        for line, name in c.execute("SELECT line, name FROM defs WHERE file_id=? AND kind IN ('class', 'module')",
                                    (info.id,)):
            named.setdefault(name, []).append(line)
        headers = {line for lines in named.values() for line in lines}
        # a decorated class's header chunk starts at its decorators (``@dataclass``), above the class's line
        headers |= {r[0] for r in rows if r[2] in named and any(r[0] < ln <= r[1] for ln in named[r[2]])}
        rows = rows if with_rows else []
        frame_lines: dict[int, float] = {}
        for hits, line, strength in frames if frames is not None else repo_frames(q, self._snap.mods):
            if info.path in hits:
                frame_lines[line] = max(frame_lines.get(line, 0.0), strength)
        return rows, frame_lines, headers

    def _rank(self, query: str, weights: dict[str, float], all_signals: bool = False,  # type: ignore[no-untyped-def]
              sem: Hits | None = None, candidates: int = rank.CANDIDATES):
        snap = self._snap
        c = self._store.conn()
        q = analyze(query, self._own_names())
        df = snap.postings.doc_freqs(c, [*q.tokens, *(w.lower() for w in q.code_idents)])
        n = max(len(snap.files), 1)
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items() if d}
        qterms = bm25.select_terms(q.tokens, df, n)
        if snap.fixed is None:
            snap.fixed = rank.FixedSignals(history.activity(c))
        scored = rank.features(c, q, snap.files, snap.mods, snap.by_path, df, snap.avg,
                               activity=snap.fixed.activity, semantic=sem.files if sem is not None else None,
                               postings=snap.postings, fixed=snap.fixed, past=self._history_terms(), candidates=candidates)
        ranked = rank.combine(scored, weights)
        if weights.get("chunk") or all_signals:  # otherwise chunks are scored only for the results shown
            rank.add_chunks(c, ranked, qterms, idf, snap.chunks, idents=q.code_idents)
            ranked = rank.add_chunk_scores(ranked, weights)
        ranked = rank.add_graph(c, ranked, snap.mods, snap.by_path, weights)
        return ranked, q, qterms, idf

    def features(self, query: str) -> list[tuple[str, dict[str, float]]]:
        """Every candidate file with its raw signal values (for fitting weights in the benchmark)."""
        ranked, *_ = self._repairing(lambda: self._rank(query, rank.WEIGHTS, all_signals=True,
                                                         sem=self._semantic_hits(query, None)))
        return [(s.info.path, dict(s.feats)) for s in ranked]

    def _history_terms(self) -> Terms:
        """The history's postings as read so far, for the history written last (by any process; A, B, A: again)."""
        c, past = self._store.conn(), self._past
        head, gen = history.stored_head(c), history.generation(c)
        if past is None or past.head != head or past.gen != gen:
            past = self._past = Terms(head, gen=gen)
        return past

    def _own_names(self) -> frozenset[str]:
        """This repository's names on its hosted remotes (read once): a link into another project names none."""
        if self._names is None:
            self._names = F.remote_names(self.repo)
        return self._names

    def find_files(self, pattern: str, limit: int = 200) -> list[str]:
        """Paths matching a glob or containing ``pattern`` (any case): see :func:`files.find`."""
        self._follow()
        return F.find(self._snap.all_paths, pattern, limit)

    def definitions(self, symbol: str, path: str | None = None) -> list[Location]:
        """Where ``symbol`` (``name``, ``Class.method`` or ``module.name``) is defined, best first."""
        self._follow()
        return self._repairing(lambda: symbols.definitions(self._store.conn(), self.repo, self._snap.mods, symbol,
                                                           path))

    def references(self, symbol: str, path: str | None = None) -> list[Location]:
        """Where ``symbol`` is used (identifiers, calls, imports; also under an alias an import resolves to it),
        definitions left out. From ``path``, an imported name or alias means the definition it resolves to there."""
        self._follow()
        return self._repairing(lambda: symbols.references(self._store.conn(), self.repo, self._snap.mods, symbol,
                                                          path))

    def repo_map(self, task: str = "", files: Sequence[str] = (), budget_tokens: int = 1500) -> str:
        """An outline of the most relevant definitions, within ``budget_tokens`` as genie_tui.tokens counts them
        (4 characters of code, 1 of Chinese). The ``files`` in play (as the tools take paths) come first."""
        self._follow()
        from genie_tui.retrieval.repomap import render

        found = self._repairing(lambda: self._search(task, 8, None)) if task.strip() else []
        hits = {r.path: max(r.score, 0.1) for r in found}
        return self._repairing(lambda: render(self._store.conn(), self.repo, self._snap.files, hits, budget_tokens,
                                              task, files))

    def explain(self, path: str) -> str:
        """Why ``path`` is indexed or not."""
        return self._repairing(lambda: explain.explain(self._store.conn(), self.repo, path))
