"""How an open index keeps up with the disk while genie runs (the agent's index, ``RepoIndex.open(watch=True)``).

Before each search, definition or reference lookup, file search and repo map, :meth:`Following._follow` takes in
what changed since the last: with a watcher (inotify) the files it saw change, else (macOS, Windows, no inotify
instance left, a watch limit reached) by looking at every file's size and ctime, about 100 ms on a 1M-line
repository; and, when git's HEAD moved (a commit, an amend, a reset, a checkout), the history the ranking reads.
More than :data:`MAX_INLINE` files to parse or delete (a branch switch), or more than ``history.INLINE`` commits to
read or take out, are not taken in on the asker's thread: they are caught up in the background as the first build
is (``building``, with its progress), and lookups answer meanwhile from what is indexed; once its files are in (an embedding pass may go on), lookups follow again. A catch-up
that failed is not started again before :data:`RETRY_S`. A patch genie applied is only noted (``refresh(paths,
wait=False)``: nothing is read on the app's event loop); the next lookup reads its files first, or hands them to a
background build still parsing, which reads them at its next file and goes on (see inbox.py), or, bringing the
history to HEAD, rolls that back, reads them and brings it again (:meth:`Following._history_update`). A build that takes
no file meanwhile (a worker stopped, a slow parse) or another genie's build is waited for up to
:data:`PATCH_WAIT_S`, once: after that lookups answer without waiting until the build takes files again or they
find the lock free.
"""

from __future__ import annotations

import os
import posixpath
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genie_tui.errors import GenieError
from genie_tui.retrieval import build, history
from genie_tui.retrieval import watch as watch_mod
from genie_tui.retrieval.files import build_dir
from genie_tui.retrieval.githead import BASIS, GitHead
from genie_tui.retrieval.inbox import Inbox, Ticket
from genie_tui.retrieval.store import WAITING, Closed, LockBusy, Stopped, Store, TooMany

if TYPE_CHECKING:
    from genie_tui.retrieval.snapshot import Snapshot

#: files to parse or delete that a lookup takes in itself (about 2-5 ms each); more are caught up in the background
MAX_INLINE = 200
#: how long a lookup after a patch waits for another genie process's update before it answers without the patch
PATCH_WAIT_S = 10.0
#: how long after a failed catch-up lookups answer from what is indexed before one is started again
RETRY_S = 30.0
#: how many times a catch-up's history update makes way for a patch (each time it starts again)
HISTORY_YIELDS = 3


class _PatchOrStop:
    """Set once the index closes or a lookup hands the background build a patch's files (history.update's stop)."""

    def __init__(self, stop: threading.Event, inbox: Inbox) -> None:
        self._stop, self._inbox = stop, inbox

    def is_set(self) -> bool:
        return self._stop.is_set() or self._inbox.waiting


class Following:
    """The part of ``RepoIndex`` that follows the disk (its attributes are set in ``RepoIndex.__init__``)."""

    repo: Path
    on_wait: Callable[[str], None] | None
    _write: Any  # threading.RLock
    _thread: threading.Thread | None
    _stop: threading.Event
    _inbox: Inbox
    _files_done: threading.Event
    _watch: watch_mod.Watcher | None
    _follows: bool  # look at the disk before each lookup (open(watch=True)), with or without a watcher
    _dirty: bool  # a refresh was asked for that no update has done yet
    _written: set[str]  # files genie wrote (its patches), read first by the next lookup
    _noted: threading.Lock  # held to change ``_written``
    _progress: Callable[[int, int], None] | None
    _head: GitHead
    _snap: Snapshot
    _store: Store
    # another genie's build lock: the shared end of the wait for it, and whether a wait ran out and was told
    _lock_wait: tuple[float | None, bool, bool] = (None, False, False)
    _left: Ticket | None = None  # a patch's files a lookup gave up waiting for the build to take (see _hand_over)
    _failed: tuple[float, str] = (-RETRY_S, "")  # when a background build last failed, and why
    _written_failed = ""  # why reading a patch's files last failed
    _built: bool = False  # a background build's files were all taken in once
    _far = False  # the update reading a patch's files left the history to a catch-up (too many commits)

    if TYPE_CHECKING:  # RepoIndex's
        def _update(self, progress: Callable[[int, int], None] | None = None, quick: bool = False,
                    block: bool = True, only: list[str] | None = None, max_parse: int | None = None) -> None: ...

        def _warn(self, msg: str) -> None: ...

        @property
        def building(self) -> bool: ...

    def _history_begin(self, c: sqlite3.Connection, lookup: bool) -> tuple:
        """Before an update reads the files: HEAD's commit (None when git failed: the history stays, asked again next
        time), the signature it was read at, whether the stored history is another's, git's log of the commits to
        read, which runs meanwhile (see history.Log), and how many commits the update may take in (a ``lookup``'s,
        also one reading a patch's files: history.INLINE; more are a catch-up's)."""
        head, head_seen = self._head.read()
        stale = head is not None and history.stored_head(c) != head
        again = not stale and bool(head) and head_seen[-BASIS:] != self._head.seen[-BASIS:]  # (after opening too)
        stale = stale or again and history.basis_changed(c, self.repo)  # git fetch --unshallow, git replace
        limit = history.INLINE if lookup else None
        since = history.extendable(c) if stale and head and not again else None  # (again: all is read)
        # git logs the commits meanwhile (a lookup's update only those after the stored head: a full read is not its)
        log = history.Log(self.repo, head, since, limit=limit) if stale and head and (since or limit is None) else None
        return head, head_seen, stale, log, limit

    def _history_end(self, c: sqlite3.Connection, head: str | None, head_seen: tuple, stale: bool,
                     log: history.Log | None, limit: int | None) -> bool:
        """After the files: the stored history brought to HEAD (not when the index is closing); True when it is left
        for a catch-up, more than ``limit`` commits to read, take out or move."""
        read: int | None = 0
        if stale and head is not None and not self._stop.is_set():
            try:
                read = self._history_update(c, head, log, limit)
            except TooMany:
                return True
            if read is not None:  # else git failed: the history stays as it was
                self._store.set_meta(history.HEAD_KEY, head)
                c.commit()
        if head is not None and read is not None and (not stale or not self._stop.is_set()):
            self._head.seen = head_seen  # a lookup reads the history again when HEAD moves from here
        return False

    def _history_update(self, c: sqlite3.Connection, head: str, log: history.Log | None,
                        limit: int | None) -> int | None:
        """``history.update``; a background build's makes way for a patch's files handed to it meanwhile (see
        Inbox), as its files' part does: rolled back, it reads them and brings the history again from what git
        logged, up to HISTORY_YIELDS times (then the patch waits for it). The lookup after a patch during the
        catch-up of a reset --soft HEAD~6000 on sphinx (13,300 commits to take out) waited 1.2 s for it."""
        inbox = self._inbox if threading.current_thread() is self._thread else None
        if inbox is None:
            return history.update(c, self.repo, head, log, limit, self._stop)
        inbox.ready = True  # it takes them (a lookup waits for that)
        try:
            for _ in range(HISTORY_YIELDS):
                try:
                    return history.update(c, self.repo, head, log, limit, _PatchOrStop(self._stop, inbox))
                except Stopped:
                    if self._stop.is_set():
                        raise
                paths = inbox.take()
                if paths:  # in a transaction of their own, committed (as the files' part reads them)
                    inbox.done(build.update(c, self.repo, only=paths, stop=self._stop).changed)
        finally:
            inbox.ready = False
        return history.update(c, self.repo, head, log, limit, self._stop)

    def _busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def refresh(self, paths: Sequence[str] = (), *, wait: bool = True) -> None:
        """Re-read the files whose size or ctime changed (with a watcher, those it saw change). ``wait`` false
        (after a patch, on the app's event loop): only noted, with the ``paths`` written, for the next lookup.
        During a background build it is done when the build ends (waited for, it froze the app). A path outside
        the repository is ignored; ``./a.py`` and an absolute path inside it name ``a.py``."""
        own = {p for p in map(self._own_path, paths) if p}
        with self._noted:  # replaced, not changed: a lookup's thread may be reading it; under the lock, or a
            self._written = self._written | own  # lookup taking out those it read at once could lose these
        self._dirty = True
        if wait and not self._busy():
            self._dirty = False
            self._update(None, quick=True)

    def _own_path(self, path: str | os.PathLike[str]) -> str:
        """``path`` as the index names it (posix, relative to the repository), "" when it is outside."""
        text = os.fspath(path)
        if os.path.isabs(text):
            text = os.path.relpath(text, self.repo)
        rel = posixpath.normpath(text.replace(os.sep, "/"))
        return "" if rel in (".", "") or rel == ".." or rel.startswith(("../", "/", ".git/")) or rel == ".git" \
            else rel

    def _background(self, progress: Callable[[int, int], None] | None, quick: bool = False) -> None:
        """The background build: a failure is one warning (searches go on with what is indexed), not a traceback.
        What changed meanwhile (a patch, files it had read, a scan's change during its embedding pass) is taken in
        after it as a lookup takes it in, past MAX_INLINE files as a catch-up (it held the write lock with
        ``building`` false: 250 files changed during a first build, each lookup waited 2.8 s for them)."""
        try:
            self._update(progress, quick=quick)
            while self._dirty:
                self._dirty = False
                try:
                    self._update(self._progress if self.building else None, quick=True,
                                 max_parse=None if self.building else MAX_INLINE)
                except TooMany:
                    self._dirty = True
                    self._catching_up()
        except Stopped:
            pass
        except Exception as exc:  # noqa: BLE001 - a bug too is one line, not a thread's traceback over the screen
            if self._stop.is_set():  # closing under it (genie quitting): nothing to tell
                return
            text = str(exc) if isinstance(exc, GenieError) else \
                f"the index could not be built ({type(exc).__name__}: {exc}); searches answer from what is indexed"
            told, self._failed = self._failed[1], (time.monotonic(), text)
            if text != told:  # a catch-up failing again alike is not told again
                self._warn(text)
        finally:
            self._inbox.close()
            self._store.release()

    def _catch_up(self, quick: bool = True) -> None:
        """Bring in a change too large for a lookup to wait for, on a thread, as the first build is."""
        self._catching_up()
        self._thread = threading.Thread(target=self._background, args=(self._progress, quick), name="genie-index",
                                        daemon=True)
        self._thread.start()

    def _catching_up(self) -> None:
        """The background thread takes in a change too large for a lookup: lookups answer meanwhile from what is
        indexed (``building``) and hand it the files genie writes."""
        self._inbox.open()
        self._files_done.clear()
        if self._progress is not None:  # not the last build's numbers ("600 of 600 files so far")
            self._progress(0, 0)

    def _follow(self) -> None:
        """Before a lookup: take in what changed on disk (see the module's doc); not while a build parses."""
        if not (self._follows or self._dirty or self._written):
            return
        try:
            if self._written:
                self._take_written()
            if not self._hold():  # a background build parses: answered from what is indexed
                return
        except (Stopped, Closed):  # closing
            return
        except sqlite3.ProgrammingError:
            if self._stop.is_set():  # its connection closed under it (genie quitting)
                return
            raise
        except GenieError as exc:  # reading a patch's files failed (a full disk): left to the scans, which see
            self._written, self._dirty = set(), True  # them changed, not tried by every lookup, said once alike
            told, self._written_failed = self._written_failed, str(exc)
            if str(exc) != told:
                self._warn(str(exc))
            return
        try:
            w = self._watch
            if self._far:  # found by the update that read a patch's files: not looked into again
                self._far = False
                raise TooMany
            if self._dirty or self._head.moved() or (self._follows and (w is None or w.pending())):
                dirty, self._dirty = self._dirty, False
                try:  # not while another genie process updates (or stopped doing so): later
                    self._update(None, quick=True, block=False, max_parse=MAX_INLINE)
                except BaseException:
                    self._dirty = self._dirty or dirty
                    raise
        except LockBusy:
            pass
        except TooMany:
            self._dirty = True  # read by the catch-up, or by a lookup once it may start one
            if self._busy():  # its embedding pass goes on: its thread takes the change in after it
                self._catching_up()
            elif time.monotonic() - self._failed[0] >= RETRY_S and not self._written:
                self._catch_up()  # not while a patch's files wait: the lookup reading them starts it after
        except (Stopped, Closed):  # closing
            pass
        except sqlite3.ProgrammingError:
            if not self._stop.is_set():
                raise
        except GenieError as exc:
            self._warn(str(exc))
        finally:
            self._write.release()

    def _hold(self) -> bool:
        """Take the write lock, unless a background build holds it to parse (False then): a lookup waits for
        another lookup's update, not for a catch-up."""
        while not self._write.acquire(timeout=0.05):
            if self.building:
                return False
        if self.building:  # started while this thread waited
            self._write.release()
            return False
        return True

    def _hand_over(self, paths: list[str]) -> bool | None:
        """Hand the files genie wrote to the background build, which holds the write lock (see :class:`Inbox`):
        True once it has read them, False when its update ended first (they are read here), None when it did not
        take them within PATCH_WAIT_S (a worker stopped, a slow parse, another genie's build lock): answered
        without them, which it reads when it takes files again; until then later lookups do not wait (each waited
        PATCH_WAIT_S again)."""
        left, (_, gave_up, told) = self._left, self._lock_wait
        if left is not None and left.is_set():  # taken (or given back): the build goes on, waited for again
            self._left = left = None
        if left is not None and set(paths) <= set(left.paths):
            return None
        ticket = self._inbox.put(paths)
        if ticket is None:  # its update ends (its files are in, or it failed): read here once it has
            if self._stop.wait(0.01):
                raise Stopped
            return False
        if left is not None or (gave_up and not self._inbox.ready):  # waited for once (also for the other genie's
            self._left = ticket  # lock it waits for): left beside the files left before, if any
            return None
        end = time.monotonic() + PATCH_WAIT_S
        while not ticket.wait(0.05):
            if self._stop.is_set():
                self._inbox.withdraw(ticket)
                raise Stopped
            if not self._busy() and self._inbox.withdraw(ticket):  # its thread ended
                return False
            if self._write.acquire(timeout=0):  # the lookup that held it is done, and the build does not parse (an
                taken = not self._inbox.withdraw(ticket)  # embedding pass before its catch-up): read here
                self._write.release()
                if not taken:
                    return False
            left = self._left
            if time.monotonic() >= end or (left is not None and not left.is_set()):  # or another lookup gave up
                self._left, self._lock_wait = ticket, (None, True, told)
                return None
        if ticket.ok:
            self._lock_wait = (None, False, False)
        return ticket.ok

    def _take_written(self) -> None:
        """Read the files genie wrote, whatever else changed: the agent's next lookup sees its patch. A new file
        git ignores, or one in a build directory (indexed only if git tracks it), is left to the scans. Another
        genie's build is waited for without the write lock, up to PATCH_WAIT_S once (see the module's doc)."""
        written = sorted(self._written)
        stored = set(self._snap.all_paths)
        new = [p for p in written if p not in stored and not build_dir(p)]
        ignored = watch_mod.check_ignore(str(self.repo), new) if new else set()
        paths = [p for p in written if p in stored or (p in new and ignored is not None and p not in ignored)]
        try:
            while paths:
                # free while building too when a catch-up waits for the embedding pass before it: read here (handed
                # to it, a patch was not read until the pass ended)
                if self._write.acquire(timeout=0 if self.building else 0.05):
                    read = self._read_written(paths)
                elif self.building:  # it parses: it reads them itself, without stopping (see Inbox)
                    read = self._hand_over(paths)
                else:  # another lookup's update
                    continue
                if read is None:
                    return  # answered from what is indexed; the patch is read later
                if read:
                    break
        except BaseException:  # the end of a wait is not left for a later one (it gave up after one look)
            self._lock_wait = (None, *self._lock_wait[1:])
            raise
        with self._noted:
            self._written = self._written - set(written)

    def _read_written(self, paths: list[str]) -> bool | None:
        """Read ``paths`` (the write lock held, given back here): True when read, False to try again while another
        genie's build holds the build lock, None when that was waited for PATCH_WAIT_S (once)."""
        try:
            try:
                self._update(None, quick=True, block=False, only=paths)
            except TooMany:  # its files are in; HEAD moved too far: the catch-up's, started by this lookup
                self._far = True
            self._lock_wait = (None, False, False)  # found free: the next busy lock is waited for again
            return True
        except LockBusy:
            pass
        finally:
            self._write.release()
        end, gave_up, told = self._lock_wait
        now = time.monotonic()
        if gave_up or (end is not None and now >= end):
            self._lock_wait = (None, True, told)
            return None
        if not told and self.on_wait is not None:
            self.on_wait(WAITING)
        self._lock_wait = (now + PATCH_WAIT_S if end is None else end, False, True)
        if self._stop.wait(0.1):
            raise Stopped from None
        return False
