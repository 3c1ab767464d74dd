"""Sessions as JSONL trajectories: every message, tool call, question, plan edit, approval, error and the end.

One record per line, appended and flushed as it happens, so a crash or a kill loses at most the line being
written and a session can always be resumed from its file.

One process at a time writes a session: the writer holds an exclusive ``flock`` on the file (the operating
system drops it when the process ends, even by a crash or a kill, so no stale lock is ever left), and resuming
a session another process holds is refused (see :mod:`genie_tui.core.session_lock`). Reading (list, replay, export)
takes no lock.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import time
import weakref
from pathlib import Path
from typing import Any

from genie_tui.config.paths import user_data_dir
from genie_tui.core.session_lock import _hold, _release
from genie_tui.errors import GenieError, UsageError
from genie_tui.patching.gitops import task_slug
from genie_tui.reading import loads_json

MIN_SECRET_LEN = 8


def redact(text: str, secrets_: tuple[str, ...] | list[str]) -> str:
    """``text`` with every secret (of at least :data:`MIN_SECRET_LEN` characters) replaced, in any letter case:
    session ids and branch names are lower-cased slugs of the task, so an exact match would miss them."""
    for secret in secrets_:
        if secret and len(secret) >= MIN_SECRET_LEN:
            text = re.sub(re.escape(secret), "<redacted>", text, flags=re.IGNORECASE)
    return text


def sessions_dir() -> Path:
    return user_data_dir() / "sessions"


class Session:
    """An open trajectory file. ``secrets`` are scrubbed from every record before it is written.

    The file is created by the first record and locked from then on (see the module's docstring) until
    :meth:`close`, the object's collection or the end of the process.
    """

    def __init__(self, path: Path, session_id: str, scrub: tuple[str, ...] = ()) -> None:
        self.path = path
        self.id = session_id
        # Placeholder keys of local servers ("ollama", "EMPTY") are ordinary words: scrubbing them would
        # corrupt the task text; real keys and passwords worth hiding are longer.
        self._scrub = tuple(s for s in scrub if s and len(s) >= MIN_SECRET_LEN)
        self._fd: int | None = None
        self._release: Any = None  # the finalizer that gives the lock back
        self._closed = False
        self._written = path.exists()  # a new session's file exists once a whole record is in it
        self._torn = False  # a failed record left part of itself at the end of the file
        self._end: int | None = None  # where this session's last record ended: a shorter file was cut by another
        self._task: str | None = None  # create()'s task: the file is created exclusively, under a new id if taken
        #: for :mod:`genie_tui.core.request_log`, which refers a request to them: the messages recorded since it
        #: last took them, and the last request's messages and tools as it recorded them
        self.new_messages: list[dict[str, Any]] = []
        self.last_request: tuple[list[dict[str, Any]], list[dict[str, Any]] | None] = ([], None)

    def _lock(self, *, create: bool) -> int:
        if self._fd is None:
            key, self._fd = _hold(self.path, create=create)
            self._release = weakref.finalize(self, _release, key)
        return self._fd

    def _lock_new(self) -> int:
        """Create and lock a new session's file. Its id was free when chosen, but another genie may have taken
        it since (ids of the same task in the same second differ in 4 random hex digits): then another id is
        drawn, so no two sessions ever share a file."""
        for _ in range(_ID_TRIES):
            try:
                key, self._fd = _hold(self.path, create=True, exclusive=True)
            except FileExistsError:
                self.id, self.path = _free_id(self._task or "", self._scrub)
                continue
            self._release = weakref.finalize(self, _release, key)
            return self._fd
        raise FileExistsError(errno.EEXIST, "no free session id", str(self.path))

    def close(self) -> None:
        """Give the lock back (another process may resume the session now). A later record (the end of a turn
        that was still stopping) takes it just for its write."""
        self._closed = True
        self._unlock()

    def _unlock(self) -> None:
        if self._release is not None:
            self._release()
        self._fd = self._release = None

    @classmethod
    def create(cls, task: str, *, scrub: tuple[str, ...] = ()) -> Session:
        """A new session of ``task``, with an id no session has; its file is created by the first record."""
        directory = sessions_dir()
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise GenieError(f"cannot create the sessions directory {directory} ({exc.strerror})") from None
        session_id, path = _free_id(task, scrub)
        session = cls(path, session_id, scrub)
        session._task = task
        return session

    @classmethod
    def reopen(cls, path: Path, *, scrub: tuple[str, ...] = ()) -> Session:
        """Continue appending to ``path``, locked first; a torn last line (a crash mid-write) is cut off then.

        Raises:
            SessionBusy: another genie process holds the session (nothing was changed).
            GenieError: the file cannot be opened for writing.
        """
        session = cls.claim(path, scrub=scrub)
        try:
            session.cut_torn_tail()
        except BaseException:
            session.close()
            raise
        return session

    @classmethod
    def claim(cls, path: Path, *, scrub: tuple[str, ...] = ()) -> Session:
        """``path`` locked for this process, unchanged (see :meth:`reopen`)."""
        session = cls(path, path.stem, scrub)
        try:
            session._lock(create=False)
        except OSError as exc:
            raise GenieError(f"cannot write the session file {path} ({exc.strerror or exc})") from None
        return session

    def cut_torn_tail(self) -> None:
        """End the file with a whole line, so the next record starts on a line of its own: a torn last line (a
        crash mid-write) is cut off; a last record whole but for its newline (an editor that adds none) gets it,
        as every reader takes that record."""
        try:
            data = self.path.read_bytes()
            if data and not data.endswith(b"\n"):
                fd, cut = self._lock(create=False), data.rfind(b"\n") + 1
                if not isinstance(_parsed(data[cut:]), str):
                    os.write(fd, b"\n")  # appended: the descriptor is O_APPEND
                else:
                    os.ftruncate(fd, cut)
        except OSError as exc:
            raise GenieError(f"cannot write the session file {self.path} ({exc.strerror or exc})") from None

    def _follow_path(self, fd: int) -> int:
        """The descriptor to append to: ``fd``, unless another program took the file away since the last record.

        Deleted (``rm``, the sessions folder cleaned): the file is written again, whole, from the open descriptor,
        which still holds every record. Replaced (an editor that saves by renaming a copy over it): the records go
        on in the file now at the path, whose edits are kept. Cut short (``> file``): a torn last line is cut off,
        so the next record starts a line of its own; the records cut away are lost.

        Raises:
            OSError: the file cannot be made again or opened.
        """
        held = os.fstat(fd)
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            now = None
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            if self._end is not None and held.st_size < self._end:
                self.cut_torn_tail()
            return fd
        if now is None:
            kept, offset = [], 0
            while chunk := os.pread(fd, 1 << 20, offset):
                kept.append(chunk)
                offset += len(chunk)
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._unlock()
            key, fd = _hold(self.path, create=True, exclusive=True)
            self._fd, self._release = fd, weakref.finalize(self, _release, key)
            data = b"".join(kept)
            while data:
                data = data[os.write(fd, data):]
            return fd
        self._unlock()
        fd = self._lock(create=False)
        self.cut_torn_tail()
        return fd

    def record(self, kind: str, **data: Any) -> None:
        """Append one record.

        Raises:
            GenieError: the file cannot be written (one line naming it); a new session's file is not left
                behind empty or with half a record.
        """
        line = redact(json.dumps({"type": kind, "ts": round(time.time(), 3), **data}, ensure_ascii=False,
                                 default=str), self._scrub)
        # Text that is not valid Unicode (a lone surrogate: a file name or argument that was not UTF-8) is kept as
        # the JSON escape ensure_ascii would write, so the line is valid UTF-8 and reads back to the same text.
        payload = (line + "\n").encode("utf-8", "backslashreplace")
        new = not self._written
        start: int | None = None
        made = False  # the file is this session's to remove (never another session's that took the id first)
        try:
            fresh = new and self._task is not None and self._fd is None
            fd = self._lock_new() if fresh else self._lock(create=True)
            made = new
            if not fresh:
                fd = self._follow_path(fd)
            if self._torn:  # a record before this one failed part-way and could not be taken back then
                self.cut_torn_tail()
                self._torn = False
            start, size = os.fstat(fd).st_size, len(payload)
            while payload:
                payload = payload[os.write(fd, payload):]
            self._end = start + size
        except OSError as exc:
            if start is not None and not new:
                # A full disk takes part of a record: the next one (the error, the end) would follow it on the
                # same line, and the session could never be read again. Take the part back, or cut it later.
                try:
                    os.ftruncate(fd, start)
                except OSError:
                    self._torn = True
            if new:  # no record made it: the file would be an empty or torn session, listed as damaged forever
                self.close()
                try:
                    if made:
                        self.path.unlink()
                except OSError:
                    pass
            raise GenieError(f"cannot write the session file {self.path} ({exc.strerror or exc})") from None
        finally:
            if self._closed:
                self._unlock()
        self._written = True
        if kind == "message":
            self.new_messages.append(data["message"])


#: how many ids a new session draws before it gives up (each taken one is another session's file)
_ID_TRIES = 100


def _free_id(task: str, scrub: tuple[str, ...]) -> tuple[str, Path]:
    """An id for a new session of ``task`` (time, the task's slug, 4 random hex digits) whose file does not
    exist, and that file's path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    slug = task_slug(redact(task, scrub), 32)
    for _ in range(_ID_TRIES):
        session_id = f"{stamp}-{slug}-{secrets.token_hex(2)}"
        path = sessions_dir() / f"{session_id}.jsonl"
        if not path.exists():
            break
    return session_id, path


def read_records(path: Path) -> list[dict[str, Any]]:
    """All complete records; a torn last line (crash mid-write, even inside a UTF-8 sequence) is skipped."""
    return [record for _, record in numbered_records(path)]


_INVALID = "invalid JSON"


def _parsed(line: bytes) -> dict[str, Any] | str:
    """``line`` as a record (a JSON object with a type), or why it is none."""
    try:
        record = loads_json(line.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is a ValueError too, and so is a line nested too deeply
        return _INVALID
    return record if isinstance(record, dict) and isinstance(record.get("type"), str) else \
        "a record is not an object with a type"


def numbered_records(path: Path, problems: list[str] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """``read_records`` with each record's line number, for errors that name the line. With ``problems``, a
    line that is not a record is described there and skipped instead of ending the read."""
    from genie_tui.reading import read_regular

    records = []
    try:  # a named pipe (or /dev/zero) among the sessions hung `sessions list`, /sessions and replay
        lines = read_regular(path, None).split(b"\n")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read session ({exc.strerror})") from None
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = _parsed(line)
        if not isinstance(record, str):
            records.append((number, record))
        elif record != _INVALID or number - 1 != last:  # a torn last line is no damage: a write that was cut
            problem = f"{path}:{number}: not a genie trajectory ({record})"
            if problems is None or not records:  # a file that does not start as a trajectory is not one
                raise UsageError(problem)
            problems.append(problem)
    if not records or records[0][1].get("type") != "start":
        where = f"{path}:{records[0][0]}" if records else str(path)
        raise UsageError(f"{where}: not a genie trajectory (no start record)")
    return records


def read_records_leniently(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The records of a session and the lines that are not records (for ``genie replay``, which shows what it
    can of a damaged file)."""
    problems: list[str] = []
    return [record for _, record in numbered_records(path, problems)], problems


def find_session(ref: str) -> Path:
    """A trajectory path from a path, a session id or a unique id prefix.

    The id is literal text (``*`` is no wildcard); an id that is complete wins over longer ids starting with it.
    """
    if not ref.strip():
        raise UsageError("the session id is empty (give an id, a unique prefix of one or a trajectory file; "
                         "see `genie sessions list`)")
    candidate = Path(ref).expanduser()
    if candidate.is_file():
        return candidate
    if "/" in ref or ref.endswith(".jsonl"):
        raise UsageError(f"{ref}: no such trajectory file")
    directory = sessions_dir()
    paths = sorted(directory.glob("*.jsonl")) if directory.is_dir() else []
    matches = [p for p in paths if p.stem == ref] or [p for p in paths if p.stem.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"no session {ref!r} (see `genie sessions list`)")
    raise UsageError(f"{ref!r} matches {len(matches)} sessions; give more of the id")
