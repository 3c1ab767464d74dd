"""One patch operation at a time per repository: ``genie apply`` and ``genie undo`` hold this lock from
planning to the last write, so two of them never plan against the same bytes or number the same journal entry.

The lock is an advisory ``flock`` on ``<undo dir>/<repo key>.lock`` beside the repository's journal. Where
``fcntl`` does not exist (Windows is not a target) it is a no-op rather than a crash. A thread that holds it
may take it again (``commit_applied`` under an apply's lock): a second ``flock`` of the same file in the same
process would wait for itself.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

WAIT_SECONDS = 30.0

_held = threading.local()  # the lock files this thread holds


class Busy(Exception):
    """Another genie process kept the repository's lock longer than :data:`WAIT_SECONDS`."""


@contextmanager
def repo_lock(repo: Path, wait: float | None = None, stop: Callable[[], bool] | None = None) -> Iterator[None]:
    """Hold the repository's patch lock; raise ``OSError`` if it cannot be created, :class:`Busy` on timeout
    (or once ``stop()`` is true: a commit stopped with its turn waits no longer)."""
    from genie_tui.patching.undo import journal_dir

    path = journal_dir(repo).with_suffix(".lock")
    held: set[Path] = _held.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline or (stop is not None and stop()):
                        raise Busy("another genie apply, undo or commit is still running in this repository; "
                                   "try again when it has finished") from None
                    time.sleep(0.02)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
