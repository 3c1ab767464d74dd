"""The files genie wrote (a patch's) that a lookup hands to the background build while it parses, for it to read at
its next file (retrieval/follow.py hands them over, ``build.update`` reads them: its ``patches``)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Ticket(threading.Event):
    """Files handed to the background build (:class:`Inbox`), set once it has read them (``ok``) or given them back."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__()
        self.paths, self.ok = paths, False


class Inbox:
    """The files genie wrote (a patch's) that a lookup hands to the background build while it parses (``build.update``'s
    ``patches``): it reads them at its next file in its own transaction (SQLite has one writer), commits them with what
    it parsed so far, reloads the files table and goes on; the lookup then answers with them. The build was stopped for
    them before: its thread ended, so nothing was building until a lookup started the rest as a catch-up
    (``IndexService.wait`` returned with the first build's files not in), and each restart parsed again what it had
    not committed (up to ``build.BATCH_FILES`` files) and started its workers again: a catch-up of 2,000 changed
    files with a patch every 0.5 s never ended."""

    def __init__(self, reload: Callable[[set[int]], None]) -> None:
        self._reload = reload
        self._lock = threading.Lock()
        self._open = False  # a background build is under way: what is handed is read by it or given back
        self.ready = False  # ... and is in ``build.update`` (it holds the build lock): it reads them at its next file
        self.waiting = False  # handed and not taken yet (the build looks at it between files)
        self._handed: list[Ticket] = []
        self._taken: list[Ticket] = []

    def open(self) -> None:
        """Before a background build starts (or takes a change in after its embedding pass)."""
        with self._lock:
            self._open = True

    def close(self) -> None:
        """Its update ended (or its thread): what it did not read is given back, for the lookups to read."""
        with self._lock:
            self._open = self.ready = self.waiting = False
            back, self._handed, self._taken = self._handed + self._taken, [], []
        for ticket in back:
            ticket.set()

    def put(self, paths: list[str]) -> Ticket | None:
        """Hand ``paths`` over; None when no build takes them (its update is ending: the lookup reads them)."""
        with self._lock:
            if not self._open:
                return None
            ticket = Ticket(paths)
            self._handed.append(ticket)
            self.waiting = True
            return ticket

    def withdraw(self, ticket: Ticket) -> bool:
        """Take ``ticket`` back unless the build has taken it (False: it is being read, wait for it)."""
        with self._lock:
            if ticket not in self._handed:
                return False
            self._handed.remove(ticket)
            self.waiting = bool(self._handed)
            return True

    def take(self) -> list[str]:
        """The build: the paths handed since it last looked."""
        with self._lock:
            taking, self._handed, self.waiting = self._handed, [], False
            self._taken += taking
        return sorted({p for ticket in taking for p in ticket.paths})

    def done(self, changed: set[int]) -> None:
        """The build: what it took is committed (``changed``: the rows it wrote or deleted); those rows are read
        again before the lookups answer (the whole files table took 40 ms at 11,000 files, at every patch)."""
        self._reload(changed)
        with self._lock:
            read, self._taken = self._taken, []
        for ticket in read:
            ticket.ok = True
            ticket.set()
