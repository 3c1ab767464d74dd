"""Bring the persisted index up to date with the working tree, re-reading only files that changed.

A file is unchanged when its size and ctime match what was stored (the change time: any write moves it, also one
that puts the mtime back, ``touch -r``, ``rsync -t``, ``cp -p``, and so does a ``chmod``, which may make an
unreadable file readable); when they differ, its content hash (git's blob id) decides whether it needs parsing
again, so a ``git checkout`` that only touches timestamps costs a read, not a parse.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from stat import S_ISLNK, S_ISREG
from threading import Event

from genie_tui.retrieval import files as F
from genie_tui.retrieval import workers
from genie_tui.retrieval.bm25 import pack_tf
from genie_tui.retrieval.extract import Parsed, anonymous, parse
from genie_tui.retrieval.inbox import Inbox
from genie_tui.retrieval.inside import ALIAS, OUTSIDE, Inside, alias_of, alias_reason
from genie_tui.retrieval.spans import chunks, stored_terms
from genie_tui.retrieval.store import Stopped, TooMany
from genie_tui.retrieval.textutil import (
    decode_source,
    path_tokens,
    split_lines,
    tokenize,
)

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class BuildStats:
    files: int = 0
    parsed: int = 0
    removed: int = 0  # files no longer indexed: deleted, or left out now (too large since the limit was lowered)
    definitions: int = 0
    changed: set[int] = field(default_factory=set)  # ids of the rows of ``files`` written or deleted
    workers: int = 0  # worker processes started to share the parsing (workers.py), 0 when none
    in_workers: int = 0  # files they parsed (the rest: this process)
    died: int = 0  # workers that died, their files parsed here
    hung: int = 0  # workers killed for giving no result in time (workers.HANG_SECONDS), their files parsed here
    text_only: int = 0  # files of a known language indexed as text: their parse failed or ran out of time


def blob_hash(data: bytes) -> str:
    """git's blob id of ``data`` (so it matches ``git ls-files -s`` for clean files)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


FileData = tuple[list, list, list, list, list, tuple[int, int, int, int], list, list]


class TextOnly(tuple):  # type: ignore[type-arg]
    """The :data:`FileData` of a file of a known language indexed as text, its parse having failed or run out of
    time (what ``genie index`` counts and ``--explain`` says why of)."""

    __slots__ = ()


def analyse(path: str, lang: str | None, data: bytes) -> FileData:
    """Everything the index stores about one file (pure, so it can run in a worker process)."""
    text = decode_source(data, lang)
    if lang and not text.isascii():
        data = text.encode("utf-8")  # a Latin-1 file's ``größe`` is a name to the grammars, which read UTF-8
    parsed = parse(path, lang, data) if lang else Parsed()
    defs = [(d.name, d.kind, d.line, d.end_line, d.parent, d.doc) for d in parsed.defs]
    decls = [(d.name, d.line, d.end_line, d.parent) for d in parsed.decls]  # see declared.py
    # the first 200 lines that use a name: tree-sitter yields its captures in no stable order
    refs = [(n, ",".join(map(str, sorted(set(ls))[:200]))) for n, ls in parsed.refs.items()]
    line_tokens = [tokenize(line) for line in split_lines(text)]
    body = [t for toks in line_tokens for t in toks]
    # what a file defines, not the values it names (cobra's ``EnablePrefixMatching`` is no file about prefixes)
    names = [t for d in parsed.defs if not anonymous(d.name, lang) and d.kind != "value" for t in tokenize(d.name)]
    fields = (path_tokens(path), names,
              [t for d in parsed.defs if d.doc for t in tokenize(d.doc)], body)
    chunk_rows = []
    # a definition's chunk starts at its decorators: a task quoting ``@app.route('/refund')`` means the handler.
    # Named values make no chunks of their own: a module's constants stay in its windows of module-level code
    # with the imports beside them, and a class's attributes in its header. As one-line chunks they cut the
    # windows the fixes land in: on the retrieval benchmark line recall fell from 0.554 to 0.546 (sphinx's
    # std.py lost line 46, a constant after the imports, from its first span)
    spans = [(d.name, d.kind, d.head or d.line, d.end_line) for d in parsed.defs if d.kind != "value"]
    for start, end, name in chunks(spans, len(line_tokens), [bool(toks) for toks in line_tokens]):
        counts_c = Counter(t for toks in line_tokens[start - 1:end] for t in toks)
        chunk_rows.append((start, end, name, sum(counts_c.values()), *stored_terms(counts_c)))
    counts = [Counter(f) for f in fields]
    terms = sorted(set().union(*counts))
    postings = [(t, pack_tf(counts[0][t], counts[1][t], counts[2][t], counts[3][t])) for t in terms]
    lens = (len(fields[0]), len(fields[1]), len(fields[2]), len(fields[3]))
    return defs, refs, parsed.imports, chunk_rows, postings, lens, parsed.strings, decls


#: What the parse of code it cannot take raises (patterns nested thousands deep; langs.TooSlow is a ValueError).
UNPARSABLE = (RecursionError, MemoryError, ValueError, LookupError, AttributeError, TypeError, IndexError)


def _analyse_job(job: tuple[int, str, str | None, bytes]) -> tuple[int, FileData]:
    try:
        return job[0], analyse(job[1], job[2], job[3])
    except UNPARSABLE:
        # code the parse cannot take is still text: one such file failed the whole build, and with it every
        # search
        return job[0], TextOnly(analyse(job[1], None, job[3]))


def _write(c: sqlite3.Connection, fid: int, fd: FileData, stamp: tuple[int, int, str, str | None, int],
           df: Counter[str]) -> int:
    """Store a parsed file's rows; ``stamp``: its size, ctime, hash, language and lines, given its row with them."""
    defs, refs, imports, chunk_rows, postings, lens, strings, decls = fd
    df.update(map(itemgetter(0), postings))
    c.executemany("INSERT INTO defs VALUES(?,?,?,?,?,?,?)", [(fid, *d) for d in defs])
    c.executemany("INSERT INTO refs VALUES(?,?,?)", [(fid, *r) for r in refs])
    c.executemany("INSERT INTO imports VALUES(?,?,?,?)", [(fid, *imp) for imp in imports])
    c.executemany("INSERT INTO chunks VALUES(?,?,?,?,?,?,?)", [(fid, *ch) for ch in chunk_rows])
    c.executemany("INSERT INTO postings VALUES(?,?,?)", [(t, fid, tf) for t, tf in postings])
    c.executemany("INSERT INTO strings VALUES(?,?,?,?)", [(fid, *s) for s in strings])
    c.executemany("INSERT INTO decls VALUES(?,?,?,?,?)", [(fid, *d) for d in decls])
    c.execute("UPDATE files SET lp=?, ln=?, ld=?, lb=?, size=?, ctime=?, hash=?, lang=?, nlines=?, excluded=NULL "
              "WHERE id=?", (*lens, *stamp, fid))
    return len(defs)


def _clear_file(c: sqlite3.Connection, fid: int, df: Counter[str]) -> None:
    for table in ("defs", "refs", "imports", "chunks", "strings", "decls"):
        c.execute(f"DELETE FROM {table} WHERE file_id=?", (fid,))
    df.subtract(t for (t,) in c.execute("SELECT term FROM postings WHERE fid=?", (fid,)))
    c.execute("DELETE FROM postings WHERE fid=?", (fid,))


def _store_df(c: sqlite3.Connection, df: Counter[str]) -> None:
    """Add the changes ``df`` counted (files per term, from :func:`_write` and :func:`_clear_file`) to the
    ``df`` table, before each commit: a query reads each term's document frequency from it (see
    :func:`bm25.doc_freqs`), and a search during a build finds the files committed so far."""
    c.executemany("INSERT INTO df VALUES(?,?) ON CONFLICT(term) DO UPDATE SET n = n + excluded.n",
                  sorted((t, n) for t, n in df.items() if n))
    c.executemany("DELETE FROM df WHERE term=? AND n<=0", sorted((t,) for t, n in df.items() if n < 0))
    df.clear()


# SQLite's page cache while the index is written (KiB; SQLite's default is 2 MB). Postings go into a B-tree keyed by
# term, so each file's rows land all over it: with 2 MB, writing a 1M-line repository's rows took 10-12 s of CPU,
# with 32 MB 6.6-7.2 s (128 MB: 7.0-8.3 s). Given back when the update ends.
BUILD_CACHE_KB = 32768
BATCH_FILES = 1000  # parsed files per commit


def update(c: sqlite3.Connection, repo: Path, progress: Progress | None = None, only: list[str] | None = None,
           on_batch: Callable[[int], None] | None = None, nice: int = 0, known: dict[str, tuple] | None = None,
           stop: Event | None = None, max_parse: int | None = None, patches: Inbox | None = None) -> BuildStats:
    """Sync the index with the tree (or just the paths in ``only``); returns what was done. ``on_batch(n)``: told of
    each commit (every :data:`BATCH_FILES` files parsed, ``n`` so far). ``nice``: how much lower the workers'
    priority is. ``known``: the rows of ``files`` exactly as stored (:func:`stored`; a hash may be ``None``).
    ``stop``: once set, the build raises :class:`Stopped` at its next file (the app quitting, Esc, SIGTERM).
    ``max_parse``: :class:`TooMany` is raised, nothing written, when more files than that need parsing or
    deleting. ``patches``: files a lookup hands over meanwhile (a patch's): ``waiting`` is looked at between files
    (also those deleted); what ``take`` gives is read then, committed with what was written so far, and ``done`` is
    told."""
    before = c.execute("PRAGMA cache_size").fetchone()[0]
    c.execute(f"PRAGMA cache_size=-{BUILD_CACHE_KB}")
    try:
        return _update(c, repo, progress, only, on_batch, nice, known, stop or Event(), max_parse, patches)
    except BaseException:
        # what was not committed goes, as if the process had ended (each commit leaves a consistent index):
        # kept in the open transaction, the next update would commit it without the document frequencies
        with suppress(sqlite3.Error):  # a damaged file: the error that found it is the one to report
            c.rollback()
        raise
    finally:
        c.execute(f"PRAGMA cache_size={int(before)}")


def stored(c: sqlite3.Connection) -> dict[str, tuple]:
    """Path -> ``(id, path, size, ctime, hash, excluded)`` of every row of ``files``."""
    return {row[1]: row for row in c.execute("SELECT id, path, size, ctime, hash, excluded FROM files")}


def stored_paths(c: sqlite3.Connection) -> list[str]:
    return [p for (p,) in c.execute("SELECT path FROM files")]


def _lstat_all(prefix: str, paths: Iterable[str]) -> dict[str, os.stat_result]:
    """``os.lstat`` of each path that has one (one system call each, about 3.5 us)."""
    out = {}
    lstat = os.lstat
    for path in paths:
        try:
            out[path] = lstat(prefix + path)
        except OSError:
            pass  # gone, or looked at again (and its error met) when git lists it
    return out


def _unchanged(known: dict[str, tuple], seen: dict[str, os.stat_result], limit: int, inside: Inside) -> set[str]:
    """The known files that are indexed and unchanged (the same size and ctime, a regular file, not over the
    size limit, in a directory inside the repository and reached through no link): most of them at each refresh, found in one pass
    (per file, the loop of :func:`_update` took a quarter of re-indexing one file of a 1M-line repository),
    while git lists the files (those it no longer lists are then taken out)."""
    same = {p for p, st in seen.items() if (o := known[p])[5] is None and o[2] == st.st_size
            and o[3] == st.st_ctime_ns and st.st_size <= limit and S_ISREG(st.st_mode)}
    bad = {d for d in {p.rpartition("/")[0] for p in same} if not inside.dir_ok(d) or d in inside.linked}
    return {p for p in same if p.rpartition("/")[0] not in bad} if bad else same


def _update(c: sqlite3.Connection, repo: Path, progress: Progress | None, only: list[str] | None,
            on_batch: Callable[[int], None] | None, nice: int, known: dict[str, tuple] | None, stop: Event,
            max_parse: int | None = None, patches: Inbox | None = None, spawn: bool = True) -> BuildStats:
    stats = BuildStats()
    taken: set[str] = set()  # the paths of the files handed over, read and committed by ``take``
    skip: set[int] = set()  # their rows: a result parsed from what they held before is not written

    def take() -> None:
        """Read the files handed over, if any, in this update's transaction (SQLite has one writer: this build), and
        commit them with what was written so far (with its document frequencies, as each batch is). In this
        thread: workers of its own, beside the build's, for a patch of over workers.MIN_BYTES were not wanted."""
        paths = patches.take() if patches is not None and patches.waiting else None
        if patches is not None and paths:  # none when the lookups took theirs back meanwhile
            _store_df(c, df)
            inner = _update(c, repo, None, paths, None, nice, None, stop, spawn=False)
            taken.update(paths)
            skip.update(inner.changed)
            stats.changed |= inner.changed
            for name in ("parsed", "removed", "definitions", "text_only"):
                setattr(stats, name, getattr(stats, name) + getattr(inner, name))
            patches.done(inner.changed)

    limit, n_workers = F.limits(repo)
    prefix = os.path.join(os.fspath(repo), "")
    seen_early: dict[str, os.stat_result] = {}
    inside = Inside(repo)
    present: set[str] = set()
    if only is None:
        # git lists the files while this process reads what is stored and looks at the files it knows (on 1M
        # lines: git 43 ms, SQLite 11, lstat 32 of the 120-170 that re-indexing one file took one after another)
        with ThreadPoolExecutor(1, thread_name_prefix="genie-ls-files") as pool:
            listing = pool.submit(F.list_files, repo)
            if known is None:
                known = stored(c)
            seen_early = _lstat_all(prefix, known)
            present = _unchanged(known, seen_early, limit, inside)
            entries = listing.result()
        present.intersection_update(entries)
    else:
        if known is None:
            known = stored(c)
        entries = only
    total = len(entries)
    jobs: list[tuple[int, str, str | None, bytes]] = []
    df: Counter[str] = Counter()  # files per term: what this update adds and takes away (see _store_df)
    stamps: dict[int, tuple[int, int, str, str | None, int]] = {}
    stale: set[int] = set()  # rows of files to parse again, kept as they were until their new ones are written
    stats.files = len(present)
    # strs, not Paths, and the directory's verdict kept while git lists its files: pathlib was a quarter of
    # re-indexing one file, and then os.path.join and the directory check were a quarter of the rest
    listed = set(entries) if only is None else set(entries) | known.keys()
    last_dir, dir_ok = None, True
    for n, path in enumerate(entries if not present else [p for p in entries if p not in present]):
        if n % 256 == 0 and stop.is_set():
            raise Stopped
        take()
        if path in taken:  # read with its patch (its row is gone if the patch deleted it)
            present.add(path)
            continue
        full = prefix + path
        try:
            st = seen_early.get(path) or os.lstat(full)  # a symlink is looked through below
            is_link = S_ISLNK(st.st_mode)
            d = path.rpartition("/")[0]
            if d != last_dir:  # a file under a linked directory (``src -> real``) may be another's alias too
                last_dir, dir_ok = d, inside.dir_ok(d)
            outside, via_link = not dir_ok or (is_link and not inside.file_ok(path, is_link)), is_link or d in inside.linked
            if is_link:
                st = os.stat(full)
        except OSError:
            continue
        if not S_ISREG(st.st_mode):
            continue
        present.add(path)
        stats.files += 1
        old = known.get(path)
        same = old is not None and old[2] == st.st_size and old[3] == st.st_ctime_ns and only is None  # a path
        # given was seen written (by the watcher): read whatever its stat says (``touch -r``, ``rsync -t``)
        if same and old[5] is None and not via_link and not outside and st.st_size <= limit:
            continue  # unchanged and indexed: most files, so the full test below is skipped
        alias = alias_of(inside, path, listed) if via_link and not outside else ""
        if same and (old[5] or "").startswith("too large") == (st.st_size > limit) \
                and (old[5] == OUTSIDE) == outside and (old[5] == alias_reason(alias) if alias else
                                                        not (old[5] or "").startswith(ALIAS)):
            continue  # unchanged, and a changed size limit (or symlink target) does not change its verdict
        reason = F.path_exclusion(path) or (OUTSIDE if outside else None) or \
            (alias_reason(alias) if alias else None)
        data = b""
        if reason is None:
            try:
                with open(full, "rb") as fh:
                    data = fh.read() if st.st_size <= limit else fh.read(8192)
            except OSError as exc:
                reason = f"unreadable ({exc.strerror or exc})"
        if reason is None:
            reason = F.content_exclusion(data, st.st_size, limit, path)
        digest = blob_hash(data) if reason is None else ""
        if old is not None and reason is None and old[5] is None and digest == (
                old[4] if old[4] is not None else c.execute("SELECT hash FROM files WHERE id=?", (old[0],)).fetchone()[0]):
            c.execute("UPDATE files SET size=?, ctime=? WHERE id=?", (st.st_size, st.st_ctime_ns, old[0]))
            stats.changed.add(old[0])
            continue
        lang = F.content_language(path, data) if reason is None else None
        nlines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        # A file still to be parsed gets its size, ctime and hash only with its data (in _write): a build that
        # is killed part-way (Ctrl-C, the app quitting) leaves it looking changed. One indexed before keeps its
        # old rows until then: a commit before (each batch's) left it with none, and a catch-up of a branch
        # switch of 2,500 files had 1,500 files that no lookup found, neither as they were nor as they are.
        seen = (st.st_size, st.st_ctime_ns, digest)
        stamp = seen if reason is not None else (None, None, None)
        if old is not None and reason is None:
            fid = old[0]
            stale.add(fid)
        elif old is not None:
            fid, stats.removed = old[0], stats.removed + (old[5] is None)  # now left out
            _clear_file(c, fid, df)
            c.execute("UPDATE files SET size=?, ctime=?, hash=?, lang=?, nlines=?, excluded=? WHERE id=?",
                      (*stamp, lang, nlines, reason, fid))
        else:
            cur = c.execute("INSERT INTO files(path, size, ctime, hash, lang, nlines, excluded) "
                            "VALUES(?,?,?,?,?,?,?)", (path, *stamp, lang, nlines, reason))
            fid = int(cur.lastrowid or 0)
        stats.changed.add(fid)
        if reason is None:
            jobs.append((fid, path, lang, data))
            stamps[fid] = (*seen, lang, nlines)
            if max_parse is not None and len(jobs) > max_parse:  # at once: reading the rest is slow too
                raise TooMany  # rolled back by update()
    asked = None if only is None else set(entries)
    gone = [(row[0], p) for p, row in known.items() if p not in present and (asked is None or p in asked)]
    if max_parse is not None and len(jobs) + len(gone) > max_parse:  # deleting thousands takes seconds too
        raise TooMany
    done = total - len(jobs)
    # closed on the way out of an error or a stop, so the workers end with the build
    n_workers = workers.count(n_workers, workers.work(jobs)) if spawn else 0

    def started(pids: list[int]) -> None:
        stats.workers = len(pids)

    def lost(_pid: int, hung: bool) -> None:
        stats.hung += hung
        stats.died += not hung

    with closing(workers.analysed(jobs, _analyse_job, n_workers, nice, started, lost=lost)) as results:
        for n, (fid, fd, remote) in enumerate(results, 1):
            if stop.is_set():
                raise Stopped
            take()
            if fid in skip:  # read again with its patch
                stamps.pop(fid, None)
            else:
                stats.in_workers += remote
                stats.text_only += isinstance(fd, TextOnly)
                if fid in stale:
                    _clear_file(c, fid, df)
                stats.definitions += _write(c, fid, fd, stamps.pop(fid), df)
                stats.parsed += 1
            if progress and n % 100 == 0:
                progress(done + n, total)
            if n % BATCH_FILES == 0:  # a stopped build keeps them, and readers on other threads see them
                _store_df(c, df)
                c.commit()
                if on_batch is not None:
                    on_batch(n)
    for fid, path in gone:  # thousands after a branch switch take seconds: patches are read meanwhile too
        take()
        if path not in taken:  # else a patch wrote it again (or deleted it already)
            _clear_file(c, fid, df)
            c.execute("DELETE FROM files WHERE id=?", (fid,))
            stats.changed.add(fid)
            stats.removed += 1
    _store_df(c, df)
    c.commit()
    if progress:
        progress(total, total)
    return stats
