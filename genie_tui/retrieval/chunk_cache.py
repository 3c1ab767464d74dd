"""The stored chunks of recently ranked files, kept in memory between queries.

Each query scores the definition chunks of its top 30 files (``rank.add_chunks``); on a 1M-line repository
reading them from SQLite was about 4 ms of a query, and the same files come back query after query. The
rows are kept as read, so scoring them gives what reading them again would.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable

from genie_tui.retrieval.spans import Row, row

CACHED_CHARS = 8_000_000  # characters of stored terms kept per index (about 10 MB)
_ROW_CHARS = 100  # what a row costs besides its terms, counted in characters


Stamp = tuple[str, int, int, str]  # path, size, ctime, blob id: the build writes them whenever it re-reads a file


class ChunkRows:
    """Chunk rows ``(start, end, name, ntok, terms, counts)`` of recently used files, by file id, for one snapshot of
    the index (at most ``max_chars`` characters in all), each with the file's :data:`Stamp` when read;
    :meth:`carry` takes over the files an update left alone."""

    def __init__(self, max_chars: int = CACHED_CHARS) -> None:
        self._files: OrderedDict[int, tuple[list[Row], int, Stamp | None]] = OrderedDict()
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
        # the stamp first: a build committing in between leaves an older stamp with newer rows, which the next
        # update drops, never newer with older
        stamp = c.execute("SELECT path, size, ctime, hash FROM files WHERE id=?", (fid,)).fetchone()
        read = c.execute("SELECT start, end_line, name, ntok, terms, counts FROM chunks WHERE file_id=?", (fid,)).fetchall()
        size = sum(len(r[4]) + len(r[5]) + _ROW_CHARS for r in read)
        rows = list(map(row, read))
        with self._lock:
            if fid not in self._files and size <= self._max // 4:
                self._files[fid] = (rows, size, tuple(stamp) if stamp else None)
                self._size += size
                while self._size > self._max:
                    self._size -= self._files.popitem(last=False)[1][1]
        return rows

    def carry(self, old: ChunkRows, stamps: Callable[[list[int]], dict[int, Stamp]]) -> None:
        """Take over the files of ``old`` whose stamp is still the one they were read with (not re-read since, so
        the same chunks); ``stamps`` gives the current stamps of the files asked for (none for one that is gone
        or no longer indexed)."""
        with old._lock:
            held = list(old._files.items())
        now = stamps([fid for fid, _ in held]) if held else {}
        kept = [(fid, hit) for fid, hit in held if hit[2] is not None and now.get(fid) == hit[2]]
        with self._lock:
            for fid, hit in kept:
                if fid not in self._files:
                    self._files[fid] = hit
                    self._size += hit[1]

    def __contains__(self, fid: int) -> bool:
        return fid in self._files
