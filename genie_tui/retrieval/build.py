"""Bring the persisted index up to date with the working tree, re-reading only files that changed.

A file is unchanged when its size and mtime match what was stored; when they differ, its content hash
(git's blob id) decides whether it needs parsing again, so a ``git checkout`` that only touches mtimes costs
a read, not a parse.
"""

from __future__ import annotations

import hashlib
from collections import Counter
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from genie_tui.retrieval import files as F
from genie_tui.retrieval.extract import Parsed, parse
from genie_tui.retrieval.textutil import path_tokens, tokenize

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class BuildStats:
    files: int = 0
    parsed: int = 0
    removed: int = 0
    definitions: int = 0


def blob_hash(data: bytes) -> str:
    """git's blob id of ``data`` (so it matches ``git ls-files -s`` for clean files)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _store_file(c: sqlite3.Connection, fid: int, path: str, lang: str | None, data: bytes) -> int:
    text = data.decode("utf-8", "replace")
    parsed = parse(path, lang, data) if lang else Parsed()
    c.executemany("INSERT INTO defs VALUES(?,?,?,?,?,?,?)",
                  [(fid, d.name, d.kind, d.line, d.end_line, d.parent, d.doc) for d in parsed.defs])
    c.executemany("INSERT INTO refs VALUES(?,?,?)",
                  [(fid, n, ",".join(map(str, ls[:200]))) for n, ls in parsed.refs.items()])
    c.executemany("INSERT INTO imports VALUES(?,?,?,?)", [(fid, *imp) for imp in parsed.imports])
    fields = (path_tokens(path), [t for d in parsed.defs for t in tokenize(d.name)],
              [t for d in parsed.defs if d.doc for t in tokenize(d.doc)], tokenize(text))
    counts = [Counter(f) for f in fields]
    terms = set().union(*counts)
    c.executemany("INSERT INTO postings VALUES(?,?,?,?,?,?)",
                  [(t, fid, counts[0][t], counts[1][t], counts[2][t], counts[3][t]) for t in terms])
    c.execute("UPDATE files SET lp=?, ln=?, ld=?, lb=? WHERE id=?", (*(len(f) for f in fields), fid))
    return len(parsed.defs)


def _clear_file(c: sqlite3.Connection, fid: int) -> None:
    for table in ("defs", "refs", "imports"):
        c.execute(f"DELETE FROM {table} WHERE file_id=?", (fid,))
    c.execute("DELETE FROM postings WHERE fid=?", (fid,))


def update(c: sqlite3.Connection, repo: Path, progress: Progress | None = None,
           only: list[str] | None = None, on_batch: Callable[[], None] | None = None) -> BuildStats:
    """Sync the index with the tree (or just the paths in ``only``); returns what was done."""
    stats = BuildStats()
    limit = F.max_bytes()
    known = {row[1]: row for row in c.execute("SELECT id, path, size, mtime, hash, excluded FROM files")}
    if only is None:
        entries = [e.path for e in F.list_files(repo)]
    else:
        entries = only
    total = len(entries)
    present: set[str] = set()
    batch = 0
    for i, path in enumerate(entries):
        if progress and (i % 200 == 0):
            progress(i, total)
        full = repo / path
        try:
            st = full.stat()
        except OSError:
            continue
        if not os.path.isfile(full):
            continue
        present.add(path)
        stats.files += 1
        old = known.get(path)
        if old is not None and old[2] == st.st_size and old[3] == st.st_mtime_ns:
            continue
        reason = F.path_exclusion(path)
        data = b""
        if reason is None:
            try:
                data = full.read_bytes() if st.st_size <= limit else full.open("rb").read(8192)
            except OSError as exc:
                reason = f"unreadable ({exc.strerror or exc})"
        if reason is None:
            reason = F.content_exclusion(data, st.st_size, limit)
        digest = blob_hash(data) if reason is None else ""
        if old is not None and reason is None and old[4] == digest and old[5] is None:
            c.execute("UPDATE files SET size=?, mtime=? WHERE id=?", (st.st_size, st.st_mtime_ns, old[0]))
            continue
        lang = F.language_of(path) if reason is None else None
        nlines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        if old is not None:
            fid = old[0]
            _clear_file(c, fid)
            c.execute("UPDATE files SET size=?, mtime=?, hash=?, lang=?, nlines=?, excluded=? WHERE id=?",
                      (st.st_size, st.st_mtime_ns, digest, lang, nlines, reason, fid))
        else:
            cur = c.execute("INSERT INTO files(path, size, mtime, hash, lang, nlines, excluded) "
                            "VALUES(?,?,?,?,?,?,?)", (path, st.st_size, st.st_mtime_ns, digest, lang, nlines,
                                                       reason))
            fid = int(cur.lastrowid or 0)
        if reason is None:
            stats.definitions += _store_file(c, fid, path, lang, data)
            stats.parsed += 1
            batch += 1
            if batch >= 500:  # readers on other threads see partial progress
                c.commit()
                batch = 0
                if on_batch is not None:
                    on_batch()
    gone = [(row[0], p) for p, row in known.items()
            if p not in present and (only is None or p in entries)]
    for fid, _ in gone:
        _clear_file(c, fid)
        c.execute("DELETE FROM files WHERE id=?", (fid,))
    stats.removed = len(gone)
    c.commit()
    if progress:
        progress(total, total)
    return stats
