"""Who writes a session: one process at a time, holding an exclusive ``flock`` on its file.

The operating system drops the lock when the process ends, even by a crash or a kill, so no stale lock is ever
left. Within a process, every :class:`~genie_tui.core.session.Session` on one file shares one descriptor.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

from genie_tui.errors import GenieError

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system (Windows is not a target): no lock, no crash
    fcntl = None  # type: ignore[assignment]


class SessionBusy(GenieError):
    """The session is held by another genie process (running it, or open in the app)."""


#: The session files this process holds locked: (st_dev, st_ino) -> [fd, holders]. A lock is per process, so
#: a second ``Session`` on the same file in this process (the app resuming the session it has open, a test)
#: shares the descriptor instead of refusing itself.
_HELD: dict[tuple[int, int], list[int]] = {}
_HELD_GUARD = threading.Lock()


def _hold(path: Path, *, create: bool, exclusive: bool = False) -> tuple[tuple[int, int], int]:
    """Open ``path`` for appending and lock it for this process; returns the key and descriptor. ``exclusive``:
    create the file, which must not exist yet.

    Raises:
        SessionBusy: another process holds the session.
        FileExistsError: ``exclusive``, and the file exists.
        OSError: the file cannot be opened (or created).
    """
    flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0) | (os.O_CREAT if create else 0) | \
        (os.O_CREAT | os.O_EXCL if exclusive else 0)
    fd = os.open(path, flags, 0o600)  # the conversation quotes the repository's code: the user's alone
    try:
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        with _HELD_GUARD:
            held = _HELD.get(key)
            if held is not None:
                held[1] += 1
                os.close(fd)
                return key, held[0]
            for attempt in range(_LOCK_TRIES):
                try:
                    if fcntl is not None:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                        raise
                    if attempt == _LOCK_TRIES - 1:
                        raise SessionBusy(f"session {path.stem} is in use by another genie process (running, or "
                                          "open in the app); wait for it to end, or quit it, then resume") from None
                    time.sleep(0.05)  # a listing's probe (see in_use) holds it for a moment, not a writer
            _HELD[key] = [fd, 1]
            return key, fd
    except BaseException:
        os.close(fd)
        raise


#: how often taking a session's lock is tried, 50 ms apart, before it counts as held by another process
_LOCK_TRIES = 4


def in_use(path: Path) -> bool:
    """Whether another genie process holds ``path`` (running it, or the app that has it open): probed with a
    shared lock, given back at once. A session this process holds is not "another's"."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        with _HELD_GUARD:
            if (info.st_dev, info.st_ino) in _HELD:
                return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
        return False
    finally:
        os.close(fd)  # gives the shared lock back


def _release(key: tuple[int, int]) -> None:
    with _HELD_GUARD:
        held = _HELD.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] <= 0:
            del _HELD[key]
            os.close(held[0])  # closing the last descriptor drops the lock
