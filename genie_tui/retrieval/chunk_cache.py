"""The stored chunks of recently ranked files, kept in memory between queries.

Each query scores the definition chunks of its top 40 files (``rank.add_chunks``); on a 1M-line repository
reading them from SQLite was about 4 ms of a query, and the same files come back query after query. The
rows are kept as read, so scoring them gives what reading them again would.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable

from genie_tui.retrieval.spans import Row

CACHED_CHARS = 8_000_000  # characters of stored terms kept per index (about 10 MB)
_ROW_CHARS = 100  # what a row costs besides its terms, counted in characters


class ChunkRows:
    """Chunk rows ``(start, end, name, ntok, terms)`` of recently used files, by file id, for one snapshot of
    the index (at most ``max_chars`` characters in all); :meth:`carry` takes over the files an update left
    alone."""

    def __init__(self, max_chars: int = CACHED_CHARS) -> None:
        self._files: OrderedDict[int, tuple[list[Row], int]] = OrderedDict()
        self._size = 0
        self._max = max_chars
        self._lock = threading.Lock()

    def get(self, c: sqlite3.Connection, fid: int) -> list[Row]:
        """The chunks of file ``fid``, in the order they were stored."""
        with self._lock:
            hit = self._files.get(fid)
            if hit is not None:
                self._files.move_to_end(fid)
                return hit[0]
        rows = c.execute("SELECT start, end_line, name, ntok, terms FROM chunks WHERE file_id=?", (fid,)).fetchall()
        size = sum(len(r[4]) + _ROW_CHARS for r in rows)
        with self._lock:
            if fid not in self._files and size <= self._max // 4:
                self._files[fid] = (rows, size)
                self._size += size
                while self._size > self._max:
                    self._size -= self._files.popitem(last=False)[1][1]
        return rows

    def carry(self, old: ChunkRows, unchanged: Callable[[int], bool]) -> None:
        """Take over the files of ``old`` for which ``unchanged(file id)`` holds (the same path, language, size
        and mtime: not re-read, so the same chunks)."""
        with old._lock:
            kept = [(fid, hit) for fid, hit in old._files.items() if unchanged(fid)]
        with self._lock:
            for fid, hit in kept:
                if fid not in self._files:
                    self._files[fid] = hit
                    self._size += hit[1]

    def __contains__(self, fid: int) -> bool:
        return fid in self._files
