"""Sessions as JSONL trajectories: every message, tool call, question, plan edit, approval, error and the end.

One record per line, appended and flushed as it happens, so a crash or a kill loses at most the line being
written and a session can always be resumed from its file.

One process at a time writes a session: the writer holds an exclusive ``flock`` on the file (the operating
system drops it when the process ends, even by a crash or a kill, so no stale lock is ever left), and resuming
a session another process holds is refused. Reading (list, replay, export) takes no lock.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genie_tui.config.paths import user_data_dir
from genie_tui.errors import GenieError, UsageError
from genie_tui.patching.gitops import task_slug

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system (Windows is not a target): no lock, no crash
    fcntl = None  # type: ignore[assignment]


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


def loads_json(text: str | bytes) -> Any:
    """``json.loads``, with a value nested too deeply for the parser (a ``RecursionError``) a ``ValueError``
    like any other invalid JSON: every reader of session lines (and of the tool-call arguments in them) skips
    or names such a line instead of crashing."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None


class SessionBusy(GenieError):
    """The session is held by another genie process (running it, or open in the app)."""


#: The session files this process holds locked: (st_dev, st_ino) -> [fd, holders]. A lock is per process, so
#: a second ``Session`` on the same file in this process (the app resuming the session it has open, a test)
#: shares the descriptor instead of refusing itself.
_HELD: dict[tuple[int, int], list[int]] = {}
_HELD_GUARD = threading.Lock()


def _hold(path: Path, *, create: bool) -> tuple[tuple[int, int], int]:
    """Open ``path`` for appending and lock it for this process; returns the key and descriptor.

    Raises:
        SessionBusy: another process holds the session.
        OSError: the file cannot be opened (or created).
    """
    flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0) | (os.O_CREAT if create else 0)
    fd = os.open(path, flags, 0o666)
    try:
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        with _HELD_GUARD:
            held = _HELD.get(key)
            if held is not None:
                held[1] += 1
                os.close(fd)
                return key, held[0]
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise SessionBusy(f"session {path.stem} is in use by another genie process (running, or open "
                                      "in the app); wait for it to end, or quit it, then resume") from None
                raise
            _HELD[key] = [fd, 1]
            return key, fd
    except BaseException:
        os.close(fd)
        raise


def _release(key: tuple[int, int]) -> None:
    with _HELD_GUARD:
        held = _HELD.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] <= 0:
            del _HELD[key]
            os.close(held[0])  # closing the last descriptor drops the lock


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

    def _lock(self, *, create: bool) -> int:
        if self._fd is None:
            key, self._fd = _hold(self.path, create=create)
            self._release = weakref.finalize(self, _release, key)
        return self._fd

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
        stamp = time.strftime("%Y%m%d-%H%M%S")
        session_id = f"{stamp}-{task_slug(redact(task, scrub), 32)}-{secrets.token_hex(2)}"
        directory = sessions_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GenieError(f"cannot create the sessions directory {directory} ({exc.strerror})") from None
        return cls(directory / f"{session_id}.jsonl", session_id, scrub)

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
        """Cut off a torn last line (a crash mid-write), so the next record starts on a line of its own."""
        try:
            data = self.path.read_bytes()
            if data and not data.endswith(b"\n"):
                os.ftruncate(self._lock(create=False), data.rfind(b"\n") + 1)
        except OSError as exc:
            raise GenieError(f"cannot write the session file {self.path} ({exc.strerror or exc})") from None

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
        try:
            fd = self._lock(create=True)
            while payload:
                payload = payload[os.write(fd, payload):]
        except OSError as exc:
            if new:  # no record made it: the file would be an empty or torn session, listed as damaged forever
                self.close()
                try:
                    self.path.unlink()
                except OSError:
                    pass
            raise GenieError(f"cannot write the session file {self.path} ({exc.strerror or exc})") from None
        finally:
            if self._closed:
                self._unlock()
        self._written = True


def read_records(path: Path) -> list[dict[str, Any]]:
    """All complete records; a torn last line (crash mid-write, even inside a UTF-8 sequence) is skipped."""
    return [record for _, record in numbered_records(path)]


def numbered_records(path: Path, problems: list[str] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """``read_records`` with each record's line number, for errors that name the line. With ``problems``, a
    line that is not a record is described there and skipped instead of ending the read."""
    records = []
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read session ({exc.strerror})") from None
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = loads_json(line.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError is a ValueError too, and so is a line nested too deeply
            if number - 1 == last:
                continue
            problem = f"{path}:{number}: not a genie trajectory (invalid JSON)"
        else:
            problem = None if isinstance(record, dict) and isinstance(record.get("type"), str) else \
                f"{path}:{number}: not a genie trajectory (a record is not an object with a type)"
        if problem is None:
            records.append((number, record))
        elif problems is None or not records:  # a file that does not start as a trajectory is not one
            raise UsageError(problem)
        else:
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


@dataclass
class SessionSummary:
    id: str
    path: Path
    task: str
    repo: str
    started: float
    status: str
    steps: int = 0


def list_sessions() -> list[SessionSummary]:
    """The sessions that can be resumed or exported, oldest id first; damaged files are left out."""
    return scan_sessions()[0]


def scan_sessions() -> tuple[list[SessionSummary], list[str]]:
    """The readable sessions, and one line (naming the file and line) for each damaged file left out."""
    out, damaged = [], []
    directory = sessions_dir()
    for path in sorted(directory.glob("*.jsonl")) if directory.is_dir() else []:
        try:
            state = restore(path)
        except GenieError as exc:
            damaged.append(str(exc))
            continue
        start = state.start
        out.append(SessionSummary(path.stem, path, start.get("task", ""), start["repo"], start.get("ts", 0),
                                  state.status, state.steps))
    return out, damaged


@dataclass
class RestoredState:
    """What resuming needs: the conversation, plan, step count and the original start record."""

    start: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)
    patches: list[dict[str, Any]] = field(default_factory=list)
    tests: dict[str, Any] | None = None
    steps: int = 0
    status: str = "interrupted"
    last_patch: int = 0  # the highest N of the patch ids (pN) on record: a resumed session goes on from there
    #: The active playbooks and why, and the files that selected them, as last recorded (empty when they never
    #: changed after the start): a resumed session does not announce again what its conversation already has.
    playbooks: list[tuple[str, str]] = field(default_factory=list)
    files_seen: list[str] = field(default_factory=list)
    #: The user's playbook choices as they stand at the end: asked for (``--playbook``, or turned on) and turned
    #: off. A resumed session keeps them: a playbook turned off does not come back by keyword or glob.
    playbooks_on: list[str] = field(default_factory=list)
    playbooks_off: list[str] = field(default_factory=list)
    #: Notes queued for the model's next request that it never got (``{"text", "key"}``, see Agent.add_note).
    notes: list[dict[str, Any]] = field(default_factory=list)


def restore(path: Path) -> RestoredState:
    """The state a session left.

    Raises:
        UsageError: the file cannot be read or is not a trajectory.
        GenieError: a record genie cannot use (the message names the file and line).
    """
    records = numbered_records(path)
    state = RestoredState(start=records[0][1])
    state.playbooks_on = _names(state.start.get("playbooks"))
    state.playbooks_off = _names(state.start.get("disabled_playbooks"))  # absent before genie kept them
    for number, rec in records:
        kind = rec["type"]
        problem = _record_problem(rec)
        if problem:
            # exit 1, not 2: the command was right, the file is damaged
            raise GenieError(f"{path}:{number}: damaged {kind!r} record ({problem})")
        if kind == "message":
            state.messages.append(rec["message"])
            if rec.get("delivers_notes"):
                state.notes = []
            if rec["message"].get("role") == "assistant":
                state.steps += 1
        elif kind == "plan":
            state.plan = rec["steps"]
        elif kind == "notes":
            state.notes = [{"text": n["text"], "key": n.get("key")} for n in rec["pending"]]
        elif kind == "patch":
            state.patches.append({k: rec.get(k) for k in ("id", "files", "applied", "reason", "diff")})
            state.last_patch = max(state.last_patch, _patch_number(rec.get("id")))
        elif kind == "approval":
            state.last_patch = max(state.last_patch, _patch_number(rec.get("patch_id")))
        elif kind == "undo":  # the user undid a patch (the app's Ctrl+U or /undo); this session's, if patch_id
            for patch in state.patches:
                if rec.get("patch_id") is not None and patch.get("id") == rec["patch_id"]:
                    patch["undone"] = True
        elif kind == "tests" and rec.get("project", True):  # a command of the model's choosing is not "the tests"
            state.tests = {k: rec.get(k) for k in ("command", "passed", "exit_code")}
        elif kind == "end":
            state.status = rec.get("status", "?")
        elif kind == "playbooks" and isinstance(rec.get("active"), list):
            state.playbooks = [(str(p[0]), str(p[1])) for p in rec["active"] if isinstance(p, list) and len(p) == 2]
            state.files_seen = [str(f) for f in rec.get("files") or () if isinstance(f, str)]
            name, on = rec.get("toggled"), rec.get("on")
            if isinstance(name, str) and isinstance(on, bool):  # the user's toggle, as Agent.set_playbook makes it
                state.playbooks_on = [n for n in state.playbooks_on if n != name] + ([name] if on else [])
                state.playbooks_off = [n for n in state.playbooks_off if n != name] + ([] if on else [name])
    _close_dangling_tool_calls(state.messages)
    _unique_call_ids(state.messages)
    return state


def _names(value: object) -> list[str]:
    return list(dict.fromkeys(v for v in value if isinstance(v, str))) if isinstance(value, list) else []


def _patch_number(patch_id: object) -> int:
    """``p7`` -> 7 (0 for anything else)."""
    text = str(patch_id or "")
    return int(text[1:]) if text[:1] == "p" and text[1:].isdigit() else 0


_ROLES = ("system", "user", "assistant", "tool")


def _record_problem(rec: dict[str, Any]) -> str | None:
    """What makes a record unusable for resuming, exporting or listing, or ``None``.

    Only the fields genie reads are checked; unknown record kinds and extra fields are fine.
    """
    kind = rec["type"]
    if kind == "start":
        if not isinstance(rec.get("repo"), str):
            return "no repository"
        if not isinstance(rec.get("task", ""), str):
            return "the task is not text"
        if not _is_number(rec.get("ts", 0)):
            return "the time is not a number"
    elif kind == "message":
        msg = rec.get("message")
        if not isinstance(msg, dict) or msg.get("role") not in _ROLES:
            return "no message with a role"
        if msg["role"] == "tool" and not isinstance(msg.get("tool_call_id"), str):
            return "a tool result without a tool_call_id"
        calls = msg.get("tool_calls") if msg["role"] == "assistant" else None
        if calls is not None and not (isinstance(calls, list) and all(map(_is_tool_call, calls))):
            return "a malformed tool call"
    elif kind == "plan":
        steps = rec.get("steps")
        if not isinstance(steps, list) or not all(
                isinstance(s, dict) and isinstance(s.get("text"), str) and isinstance(s.get("status"), str)
                for s in steps):
            return "no list of steps with text and status"
    elif kind == "notes" and not (isinstance(rec.get("pending"), list) and all(
            isinstance(n, dict) and isinstance(n.get("text"), str) and isinstance(n.get("key"), (str, type(None)))
            for n in rec["pending"])):
        return "no list of notes with text"
    elif kind == "end" and not isinstance(rec.get("status", "?"), str):
        return "the status is not text"
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_tool_call(call: object) -> bool:
    if not isinstance(call, dict) or not isinstance(call.get("id"), str):
        return False
    function = call.get("function")
    return (isinstance(function, dict) and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments") or "", str))


def missing_tool_results(messages: list[dict[str, Any]], content: str,
                         turn: int | None = None) -> list[dict[str, Any]]:
    """Results for the tool calls of the assistant message at index ``turn`` (default: the last one) that have
    none, so the API accepts the history.

    Only results after that message count: some servers send no ids and the same ``call_0`` comes back.
    """
    last = turn if turn is not None else max(
        (i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None)
    if last is None:
        return []
    answered = {m.get("tool_call_id") for m in messages[last + 1:] if m.get("role") == "tool"}
    return [{"role": "tool", "tool_call_id": c["id"], "content": content}
            for c in messages[last].get("tool_calls") or [] if c["id"] not in answered]


def _close_dangling_tool_calls(messages: list[dict[str, Any]]) -> None:
    """Every assistant turn's tool calls that got no result (a session stopped between a call and its result,
    maybe more than once) get an explicit one, right after that turn's results: the API refuses a history with
    an unanswered call anywhere in it."""
    turns = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    for at in reversed(turns):  # from the end, so inserting keeps the earlier indices valid
        end = next((j for j in range(at + 1, len(messages)) if messages[j].get("role") == "assistant"),
                   len(messages))
        missing = missing_tool_results(messages[:end], "not run: the session stopped before this call ran",
                                       turn=at)
        if missing:
            insert_at = at + 1
            while insert_at < end and messages[insert_at].get("role") == "tool":
                insert_at += 1
            messages[insert_at:insert_at] = missing


def _unique_call_ids(messages: list[dict[str, Any]]) -> None:
    """Tool-call ids made unique across the session, each turn's results renamed with their calls (in order,
    when one turn repeats an id): some servers number calls per request (``call_0`` every time), so a repeated
    id would make a result ambiguous. Genie makes ids unique as turns arrive (the same ``-2`` suffixes), so
    this changes only sessions recorded before it did."""
    seen: set[str] = set()
    turn: dict[str, list[str]] = {}  # this turn's original id -> the ids its calls got, in order
    for msg in messages:
        if msg.get("role") == "assistant":
            turn = {}
            for call in msg.get("tool_calls") or []:
                old = new = call["id"]
                n = 1
                while new in seen:
                    n += 1
                    new = f"{old}-{n}"
                seen.add(new)
                call["id"] = new
                turn.setdefault(old, []).append(new)
        elif msg.get("role") == "tool":
            ids = turn.get(msg.get("tool_call_id", ""))
            if ids:
                msg["tool_call_id"] = ids.pop(0) if len(ids) > 1 else ids[0]
