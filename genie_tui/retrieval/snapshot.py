"""The in-memory table of indexed files that searches read: built after each index update, never changed after.

After an update that changed a few files the new table is the last one with those rows replaced: reading and
building all of it again was a third of re-indexing one file of a 1M-line repository (40 of 140 ms).
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
from pathlib import Path

from genie_tui.retrieval import bm25, rank
from genie_tui.retrieval.chunk_cache import ChunkRows
from genie_tui.retrieval.files import remote_names
from genie_tui.retrieval.jsconfig import CONFIG_NAME
from genie_tui.retrieval.modules import ModuleMap

COLUMNS = "id, path, lang, nlines, excluded, lp, ln, ld, lb, size, ctime, hash"
# past this many changed rows, reading the whole table is about as quick as replacing them one by one
PATCH_MAX = 2000
_CONFIG_MAX = 1_000_000


def _read_config(repo: Path, rel: str) -> str | None:
    """A config file's text for the module map; None when it cannot be read or is too big to be one."""
    try:
        with open(os.path.join(repo, rel), "rb") as f:
            data = f.read(_CONFIG_MAX + 1)
    except OSError:
        return None
    return data.decode("utf-8-sig", "replace") if len(data) <= _CONFIG_MAX else None  # without a BOM before it


# a git dependency's URL in Cargo.lock (``source = "git+https://github.com/x/core?branch=main#1a2b"``) or a
# Cargo.toml (``core = { git = "https://github.com/x/core" }``)
_CARGO_GIT = re.compile(r"""(?:\bgit\+|\bgit[ \t]*=[ \t]*["'])([^"'?#\s]+)""")


def repo_names(repo: Path) -> frozenset[str]:
    """What the repository is called, in lower case: its directory's name and its names on its hosted remotes
    (``json`` of ``git@github.com:serde-rs/json.git``), as Cargo names a git dependency's checkout of it
    (``~/.cargo/git/checkouts/json-<hash>/<commit>/``); not a name its Cargo.lock or Cargo.toml gives a git
    dependency (a clone in ``core/`` depending on ``github.com/other/core``: that checkout is the dependency's)."""
    names = {repo.name.lower(), *remote_names(repo)}
    for rel in ("Cargo.lock", "Cargo.toml"):
        for url in _CARGO_GIT.findall(_read_config(repo, rel) or ""):
            names.discard(url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git").lower())
    return frozenset(names - {""})


def _is_config(path: str) -> bool:
    """A file the module map reads: a JS/TS config (tsconfig.json path aliases, workspace package.json names) or
    the root go.mod (the module a Go frame's file must belong to)."""
    return path == "go.mod" or (path.endswith(".json") and CONFIG_NAME.search(path) is not None)  # endswith: 0.5 ms, not 11


def _info(r: tuple) -> rank.FileInfo:
    return rank.FileInfo(r[0], r[1], r[2], r[3], (r[5], r[6], r[7], r[8]))


def data_version(c: sqlite3.Connection) -> int:
    """SQLite's count of commits by other connections, as this connection has seen them."""
    return int(c.execute("PRAGMA data_version").fetchone()[0])


class Snapshot:
    """The stored files (``rows``: id -> the row of ``COLUMNS``) and what searches derive from the indexed ones.

    ``conn`` and ``version`` say where and when the rows were read: a later update on the same connection, with
    no other connection's commit in between, may replace just the rows it changed (:meth:`read`)."""

    def __init__(self, rows: dict[int, tuple], before: Snapshot | None = None, repo: Path | None = None,
                 conn: sqlite3.Connection | None = None, version: int = -1, *,
                 files: dict[int, rank.FileInfo] | None = None, all_paths: list[str] | None = None,
                 configs: tuple | None = None, vector: bool | None = None) -> None:
        self.rows = rows
        # BM25 with numpy or not (None: by size), as bm25.Postings; an update keeps the first snapshot's choice
        self.vector = before.vector if before is not None else vector
        self.conn = conn
        self.version = version
        self.repo = repo
        if files is None:
            files = {fid: _info(r) for fid, r in rows.items() if r[4] is None}
        self.files = files
        totals = [0, 0, 0, 0]
        for f in files.values():
            lens = f.lens
            totals[0] += lens[0]
            totals[1] += lens[1]
            totals[2] += lens[2]
            totals[3] += lens[3]
        n = max(len(files), 1)
        self.avg = (totals[0] / n, totals[1] / n, totals[2] / n, totals[3] / n)
        self.by_path = {f.path: f.id for f in files.values()}
        self.all_paths = all_paths if all_paths is not None else sorted(r[1] for r in rows.values())
        paths = list(self.by_path)
        # the module map depends on the paths and the config files it reads (when first needed): after an edit
        # they are usually those of ``before``
        if configs is None:
            configs = tuple(sorted((r[1], r[9], r[10], r[11]) for r in rows.values() if _is_config(r[1])))
        if before is not None and before.mods_paths == paths and before.mods_configs == configs:
            self.mods: ModuleMap = before.mods
        else:
            self.mods = ModuleMap(paths, None if repo is None else functools.partial(_read_config, repo),
                                  None if repo is None else functools.partial(repo_names, repo))
        self.mods_paths: list[str] = paths
        self.mods_configs = configs
        self.postings = bm25.Postings({f.id: f.lens for f in files.values()}, self.avg, vector=self.vector,
                                      sources=functools.partial(bm25.source_ids, files))
        self.fixed: rank.FixedSignals | None = None  # with the history's activity, at the first query
        self.chunks = ChunkRows()

    @classmethod
    def read(cls, c: sqlite3.Connection, before: Snapshot | None, repo: Path | None,
             changed: set[int] | None = None) -> Snapshot:
        """The files as stored now. With ``changed`` (the rows this connection's update wrote or deleted since
        ``before`` was read), and no other connection's commit since, only those rows are read again."""
        version = data_version(c)  # before the rows: a commit in between makes the next read a full one
        if changed is not None and before is not None and before.conn is c and before.version == version \
                and len(changed) <= PATCH_MAX:
            new = cls._patched(c, before, changed) if changed else cls._same(before)
        else:
            rows = {r[0]: r for r in c.execute(f"SELECT {COLUMNS} FROM files")}
            new = cls(rows, before, repo, c, version)
        if before is not None:
            new.chunks.carry(before.chunks, new.stamps)
        return new

    def known_rows(self, c: sqlite3.Connection) -> dict[str, tuple] | None:
        """The files table as ``build.update`` reads it, when these rows are what ``c`` sees (read from it with no
        other connection's commit since; reading 11,000 rows was slow), else ``None``."""
        if self.conn is not c or self.version != data_version(c):
            return None
        return {r[1]: (r[0], r[1], r[9], r[10], None, r[4]) for r in self.rows.values()}

    def stamps(self, fids: list[int]) -> dict[int, tuple[str, int, int, str]]:
        """The path, size, ctime and blob id of those of ``fids`` that are indexed (as the chunk cache keys them: a
        file re-read as the watcher saw it change, whatever its stat, has another blob id)."""
        rows = self.rows
        return {fid: (r[1], r[9], r[10], r[11]) for fid in fids if (r := rows.get(fid)) is not None and r[4] is None}

    @classmethod
    def _same(cls, before: Snapshot) -> Snapshot:
        """``before`` again, with a cache of its own: the update found nothing to change."""
        return cls(before.rows, before, before.repo, before.conn, before.version, files=before.files,
                   all_paths=before.all_paths, configs=before.mods_configs)

    @classmethod
    def _patched(cls, c: sqlite3.Connection, before: Snapshot, changed: set[int]) -> Snapshot:
        ids = sorted(changed)
        fresh = {r[0]: r for r in c.execute(f"SELECT {COLUMNS} FROM files WHERE id IN ({','.join('?' * len(ids))})",
                                            ids)}
        old_rows = before.rows
        rows = dict(old_rows)
        for fid in ids:
            if fid in fresh:
                rows[fid] = fresh[fid]
            else:
                rows.pop(fid, None)
        last = max(old_rows, default=0)
        # rows and files keep the order of their ids (a full read's), so results that tie rank the same either way
        if any(fid not in old_rows and fid < last for fid in fresh):
            return cls(dict(sorted(rows.items())), before, before.repo, c, before.version)
        files = dict(before.files)
        for fid in ids:
            new = fresh.get(fid)
            if new is None or new[4] is not None:
                files.pop(fid, None)
            elif fid in files or fid not in old_rows:  # in place, or new (after every other id)
                files[fid] = _info(new)
            else:  # indexed again after being left out: built again, in the order of ids
                return cls(rows, before, before.repo, c, before.version)
        paths_same = all(fid in old_rows and fid in fresh and fresh[fid][1] == old_rows[fid][1] for fid in ids)
        configs_same = paths_same and not any(_is_config(old_rows[fid][1]) for fid in ids)
        return cls(rows, before, before.repo, c, before.version, files=files,
                   all_paths=before.all_paths if paths_same else None,
                   configs=before.mods_configs if configs_same else None)
