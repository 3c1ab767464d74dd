"""The one place the patch engine writes files: temp file + rename, with rollback if any write fails.

``write_file`` is the same atomic write for other callers (``genie export -o``)."""

from __future__ import annotations

import glob
import os
import tempfile
import threading
from pathlib import Path

_writing = threading.Lock()  # held while write_all writes or rolls back: see settle()


def _write_atomic(path: Path, data: bytes, mode: int | None, make_dirs: bool = True,
                  temp: tuple[str, str] | None = None) -> None:
    """Write ``data`` through a temp file beside ``path``, then rename it over ``path``; ``mode`` None
    gives the mode any new file gets (umask); ``make_dirs`` creates missing parent directories (a new file
    of a patch)."""
    if make_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = temp or (f".{path.name}.", ".genie-tmp")
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _drop_stale_temps(path: Path) -> None:
    """Remove the temp files a write of ``path`` killed part-way (SIGKILL) left beside it: 29 MB of
    ``.big.txt.6souwkoy.genie-tmp`` stayed in the work tree for good, in ``git status`` and the index. Called
    under the repository's patch lock, so no other genie is writing ``path`` (tempfile's names: 8 characters)."""
    try:
        for stale in path.parent.glob(f".{glob.escape(path.name)}.{'?' * 8}.genie-tmp"):
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def _umask() -> int:
    """The process's umask: read where Linux shows it, since setting it to read it back (the fallback) opens a
    moment in which another thread's new file gets no umask at all."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode(executable: bool) -> int:
    """The mode git gives a file it creates: 0666, or 0777 for an executable one, less the umask."""
    return (0o777 if executable else 0o666) & ~_umask()


def _prune_dirs(repo: Path, path: Path) -> None:
    """Remove directories a deletion left empty, as git does (never the repository root)."""
    parent = path.parent
    root = repo.resolve()
    while parent.resolve() != root and root in parent.resolve().parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


class Changed(OSError):
    """A file no longer holds the bytes the change was computed from (someone wrote it meanwhile)."""


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _missing_dirs(repo: Path, path: Path) -> list[Path]:
    """The parent directories of ``path`` that do not exist yet, deepest first."""
    out = []
    parent = path.parent
    while parent != repo and not os.path.lexists(parent):
        out.append(parent)
        parent = parent.parent
    return out


def write_all(repo: Path, writes: dict[str, tuple[bytes | None, int | None]],
              before: dict[str, tuple[bytes | None, int | None]]) -> None:
    """Apply ``writes`` (rel path -> (bytes or None to delete, mode)); on any error restore ``before`` and
    remove the directories created for new files. A file that no longer holds its ``before`` bytes is not
    overwritten: :class:`Changed` is raised (and everything restored) instead."""
    with _writing:
        _write_all(repo, writes, before)


def settle(timeout: float) -> bool:
    """Wait until no patch is being written in this process (each is whole: written, or rolled back), at most
    ``timeout`` seconds; whether none is. A process that quits at once (``os._exit`` on a second Ctrl+C) asks
    first, so that it never leaves a patch half-written (Ctrl+C twice during a 1,500-file patch left 399 files
    changed)."""
    if not _writing.acquire(timeout=timeout):
        return False
    _writing.release()
    return True


def _write_all(repo: Path, writes: dict[str, tuple[bytes | None, int | None]],
               before: dict[str, tuple[bytes | None, int | None]]) -> None:
    done: list[str] = []
    made: list[Path] = []
    try:
        # Deletions last, so a rename's new file exists before its old one goes.
        for rel in sorted(writes, key=lambda r: writes[r][0] is None):
            data, mode = writes[rel]
            path = repo / rel
            if _current(path) != before.get(rel, (None, None))[0]:
                raise Changed(f"{rel} changed while it was being written")
            _drop_stale_temps(path)
            if data is None:
                if os.path.lexists(path):
                    os.unlink(path)
                    _prune_dirs(repo, path)
            else:
                made.extend(_missing_dirs(repo, path))
                _write_atomic(path, data, mode)
            done.append(rel)
    except BaseException:
        for rel in done:
            old, mode = before.get(rel, (None, None))
            path = repo / rel
            try:
                if old is None:
                    if os.path.lexists(path):
                        os.unlink(path)
                else:
                    _write_atomic(path, old, mode)
            except OSError:
                pass
        for d in sorted(set(made), key=lambda p: len(p.parts), reverse=True):
            try:
                d.rmdir()  # only if empty: never anything that was there before
            except OSError:
                pass
        raise


def write_file(path: Path, data: bytes, mode: int | None = None, temp: tuple[str, str] | None = None) -> None:
    """Write ``path`` atomically with ``mode`` (None: a new file's usual mode), in an existing directory; on
    failure nothing is left behind. ``temp``: the temp file's name prefix and suffix, for a caller that clears
    the leftovers of a process killed meanwhile."""
    _write_atomic(path, data, mode, make_dirs=False, temp=temp)
