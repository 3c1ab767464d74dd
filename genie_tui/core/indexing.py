"""The code index as a session uses it: opened once per repository and process, built in the background.

The app starts it when it opens on a repository and ``genie run`` before its first request, so the index is
usually built by the time the agent first searches; until then its tools and the user's search pane answer from
what is indexed so far, and say so. The agent's tools, the search pane and every session of the process share one
index (one build, one watcher). :meth:`IndexService.status` is the build's progress and :meth:`IndexService.news`
what it has to tell the user (a damaged cache rebuilt, a watcher limit, a cache it cannot write); ``stop`` ends a
build at its next file, keeping what it stored, so quitting never waits for it.
"""

from __future__ import annotations

import threading
import time
import weakref
from pathlib import Path
from typing import Any

from genie_tui.errors import GenieError

RETRY_S = 30.0  # an index that could not be opened (a full disk, a cache it cannot write) is tried again after this
MAP_WAIT_S = 20.0  # how long the first turn waits for a build before it outlines the repository from part of it
TOOL_WAIT_S = 10.0  # ... an agent's search before it answers from what is indexed so far (and says so)
PANE_WAIT_S = 1.0  # ... the user's search in the search pane


class IndexService:
    """One repository's index, opened on a thread of its own (:meth:`start`) and built in the background."""

    def __init__(self, repo: Path, settings: Any) -> None:
        self.repo, self.settings = repo, settings
        self._lock = threading.Lock()
        self._opener: threading.Thread | None = None
        self._index: Any = None
        self._error: GenieError | None = None
        self._failed_at = 0.0
        self._error_told = True
        self._warnings_told = 0
        self._notes: list[str] = []  # said by the service itself (waiting for another genie's build)
        self._closed = False
        self.done = self.total = 0  # the build's progress, in files

    @property
    def closed(self) -> bool:  # stopped (genie quitting): :func:`shared` makes another for a later user
        return self._closed

    def start(self) -> None:
        """Open the index on a thread, its build going on in the background; returns at once."""
        with self._lock:
            if self._closed or self._index is not None or (self._opener is not None and self._opener.is_alive()):
                return
            if self._error is not None and time.monotonic() - self._failed_at < RETRY_S:
                return
            self._opener = threading.Thread(target=self._open, name="genie-index-open", daemon=True)
            self._opener.start()

    def _open(self) -> None:
        from genie_tui.retrieval import RepoIndex

        try:
            index = RepoIndex.open(self.repo, settings=self.settings, watch=True, background=True,
                                   progress=self._progress, on_wait=self._note)
        except Exception as exc:  # noqa: BLE001 - an unwritable cache, a full disk: told once, tried again after RETRY_S
            if not isinstance(exc, GenieError):  # a thread's traceback would reach the screen, and get() say "closed"
                exc = GenieError(f"cannot open the code index: {exc}")
            with self._lock:
                same = self._error is not None and str(self._error) == str(exc)  # a retry that failed alike
                self._error, self._failed_at, self._error_told = exc, time.monotonic(), self._error_told and same
            return
        with self._lock:
            if not self._closed:
                self._index, self._error = index, None
                return
        index.close()  # stopped while it opened

    def _note(self, text: str) -> None:
        with self._lock:
            self._notes.append(text)

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def get(self) -> Any:
        """The index, once open (its build may still run); raises the GenieError that kept it from opening."""
        self.start()
        opener = self._opener
        if opener is not None:
            opener.join()
        index = self._index
        if index is None:
            raise self._error or GenieError("the code index was closed (genie is quitting)")
        return index

    def status(self) -> tuple[bool, int, int]:
        """Whether the index is being opened or built, and the build's files done and to do."""
        opener, index = self._opener, self._index
        busy = (opener is not None and opener.is_alive()) or (index is not None and index.building)
        return busy, self.done, self.total

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the build's files; True when they are in (or it failed)."""
        end = time.monotonic() + timeout
        opener = self._opener
        if opener is not None:
            opener.join(timeout)
        index = self._index
        if index is None:  # failed, closed, or still opening after ``timeout``
            return opener is None or not opener.is_alive()
        while index.building and time.monotonic() < end:  # its files: an embedding pass may go on after them
            index.wait(min(0.1, max(0.0, end - time.monotonic())))
        return not index.building

    def news(self) -> list[str]:
        """What the index has to tell the user and has not told yet (each said once)."""
        out: list[str] = []
        with self._lock:
            out += self._notes
            self._notes.clear()
            if self._index is not None:
                warnings = self._index.warnings
                out += warnings[self._warnings_told:]
                self._warnings_told = len(warnings)
            if self._error is not None and not self._error_told:
                out.append(str(self._error))
                self._error_told = True
        return out

    def stop(self) -> None:
        """Stop the build at its next file (what it stored stays: the next start goes on from there) and close."""
        with self._lock:
            self._closed = True
            index, self._index = self._index, None
            opener = self._opener
        if opener is not None:  # one still opening closes what it opened: waited for, so that no build outlives
            opener.join()       # genie's exit (at interpreter shutdown, it failed with a traceback)
        if index is not None:
            index.close()


_services: weakref.WeakValueDictionary[Path, IndexService] = weakref.WeakValueDictionary()
_registry_lock = threading.Lock()


def shared(repo: Path, settings: Any) -> IndexService:
    """The process's index of ``repo`` (made with ``settings`` by its first user; kept while one holds it)."""
    key = Path(repo).resolve()
    with _registry_lock:
        service = _services.get(key)
        if service is None or service.closed:
            service = _services[key] = IndexService(key, settings)
        return service


def stop_all() -> None:
    """Stop every index's build and close it (the app quitting, the end of ``genie run``)."""
    with _registry_lock:
        services = list(_services.values())
        _services.clear()
    for service in services:
        service.stop()
