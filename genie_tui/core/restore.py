"""Reading a session back: what resuming needs (the conversation, plan, step count, patches), checked record by
record, and the list of sessions that can be resumed. Writing and locking a session is :mod:`genie_tui.core.session`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genie_tui.core.recorded import leave_never, reviewed
from genie_tui.core.records import record_problem, seconds
from genie_tui.core.session import numbered_records, sessions_dir
from genie_tui.core.session_lock import in_use
from genie_tui.errors import GenieError


@dataclass
class SessionSummary:
    id: str
    path: Path
    task: str
    repo: str
    started: float
    status: str
    steps: int = 0


def resolved(path: str) -> Path | None:
    """``path`` resolved, or ``None`` for a repository path that cannot be (a loop of links, a NUL in a damaged
    record): such a session belongs to no repository that can be named."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, ValueError):
        return None


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
        # a session without an end that another genie holds is not interrupted: it runs (or an app has it open)
        status = "in use" if state.status == "interrupted" and in_use(path) else state.status
        out.append(SessionSummary(path.stem, path, start.get("task", ""), start["repo"], start.get("ts", 0),
                                  status, state.steps))
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
    approve: str = "ask"  # the approval mode the session was left in: its start's, or the user's last switch
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
    #: The results of the ``propose_patch`` calls whose patch the user did not take as proposed: rejected, cut
    #: down to some of its hunks, or edited (the messages themselves, so they keep up with the ids
    #: :func:`restore` makes unique); see :meth:`overruled_calls`.
    overruled: list[dict[str, Any]] = field(default_factory=list)
    #: When the session's last record was written: a file it read or patched that changed later was changed
    #: by someone else (see :func:`changed_since`).
    last_ts: float = 0.0
    #: The file's records with their line numbers, as read: ``genie export`` takes what each request sent from them.
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def overruled_calls(self) -> set[str]:
        """The ids of the tool calls that proposed a patch the user did not take as proposed."""
        return {m["tool_call_id"] for m in self.overruled}

    def known_files(self) -> list[str]:
        """The repository files the model has seen the text of: those it read and those its patches were for, in
        the order it met them."""
        import json

        seen: dict[str, None] = {}
        reads: dict[str, str] = {}  # call id -> the path it read, until its result says it did
        for message in self.messages:
            if message.get("role") == "tool":
                path = reads.pop(message["tool_call_id"], None)
                content = message.get("content")
                if path is not None and isinstance(content, str) and not content.startswith(("error", "not run")):
                    seen[path] = None
            for call in message.get("tool_calls") or () if message.get("role") == "assistant" else ():
                if call["function"]["name"] != "read_file":
                    continue
                try:
                    path = json.loads(call["function"].get("arguments") or "{}").get("path")
                except (ValueError, RecursionError, AttributeError):
                    continue
                if isinstance(path, str) and path.strip():
                    reads[call["id"]] = path.strip()
        for patch in self.patches:
            for path in patch.get("files") or ():
                if isinstance(path, str):
                    seen[path] = None
        return list(seen)


def restore(path: Path) -> RestoredState:
    """The state a session left.

    Raises:
        UsageError: the file cannot be read or is not a trajectory.
        GenieError: a record genie cannot use (the message names the file and line).
    """
    records = numbered_records(path)
    state = RestoredState(start=records[0][1], records=records)
    state.playbooks_on = _names(state.start.get("playbooks"))
    state.playbooks_off = _names(state.start.get("disabled_playbooks"))  # absent before genie kept them
    overruled = False  # the user did not take the patch whose call's result is the next tool message as it was
    config = state.start.get("config")
    state.approve = str(config.get("approve") or "ask") if isinstance(config, dict) else "ask"
    for number, rec in records:
        kind = rec["type"]
        problem = record_problem(rec)
        if problem:
            # exit 1, not 2: the command was right, the file is damaged
            raise GenieError(f"{path}:{number}: damaged {kind!r} record ({problem})")
        state.last_ts = max(state.last_ts, seconds(rec.get("ts")) or 0.0)
        if kind == "message":
            state.messages.append(rec["message"])
            # a message after an end is a later run of the session (a follow-up in the app, a resume): until
            # that run's own end is on record, it was cut off, whatever the earlier run ended as
            state.status = "interrupted"
            if rec.get("delivers_notes"):
                state.notes = []
            if rec["message"].get("role") == "assistant":
                state.steps += 1
            elif rec["message"].get("role") == "tool" and overruled:
                state.overruled.append(rec["message"])
            overruled = False  # only the very next message can be that result (a kill may have lost it)
        elif kind == "plan":
            state.plan = rec["steps"]
        elif kind == "notes":
            state.notes = [{"text": n["text"], "key": n.get("key")} for n in rec["pending"]]
        elif kind == "patch":
            state.patches.append({**{k: rec.get(k) for k in ("id", "applied", "reason", "diff")},
                                  "files": rec.get("files", [])})
            state.last_patch = max(state.last_patch, _patch_number(rec.get("id")))
            if state.tests and rec.get("applied") is True:  # the last test run was of the code before it
                state.tests["stale"] = True
        elif kind == "approval":
            state.last_patch = max(state.last_patch, _patch_number(rec.get("patch_id")))
            # the user's own verdict (not auto or never): some hunks or none ("all" is every one), or an edit
            overruled = rec.get("mode") == "ask" and (rec.get("hunks") != "all" or rec.get("edited") is True)
        elif kind == "approval_mode" and isinstance(rec.get("mode"), str):  # the user's switch (intent.py)
            if state.approve == "never" != rec["mode"]:
                leave_never(state.patches)
            state.approve = rec["mode"]
        elif kind == "recorded_review" and isinstance(rec.get("ids"), list):  # see user_reviewed_recorded
            reviewed(state.patches, rec)
        elif kind == "undo":  # the user undid a patch (the app's Ctrl+U or /undo); this session's, if patch_id
            for patch in state.patches:
                if rec.get("patch_id") is not None and patch.get("id") == rec["patch_id"]:
                    patch["undone"] = True
            if state.tests:
                state.tests["stale"] = True
        elif kind == "tests" and rec.get("project", True):  # a command of the model's choosing is not "the tests"
            state.tests = {k: rec.get(k) for k in ("command", "passed", "exit_code")}
            state.tests.update(timed_out=rec.get("timed_out") is True, stale=False)
        elif kind == "end":
            state.status = rec.get("status", "?")
        elif kind == "playbooks" and isinstance(rec.get("active"), list):
            state.playbooks = [(str(p[0]), str(p[1])) for p in rec["active"] if isinstance(p, list) and len(p) == 2]
            state.files_seen = [str(f) for f in rec.get("files") or () if isinstance(f, str)]
            name, on = rec.get("toggled"), rec.get("on")
            if isinstance(name, str) and isinstance(on, bool):  # the user's toggle, as Agent.set_playbook makes it
                state.playbooks_on = [n for n in state.playbooks_on if n != name] + ([name] if on else [])
                state.playbooks_off = [n for n in state.playbooks_off if n != name] + ([] if on else [name])
    _drop_orphan_results(state.messages)
    _close_dangling_tool_calls(state.messages)
    _unique_call_ids(state.messages)
    return state


def _drop_orphan_results(messages: list[dict[str, Any]]) -> None:
    """Tool results that answer no call of the assistant turn they follow are left out: the API refuses a
    history with one (every later request of a resumed session failed, and a fine-tuning file with one is refused
    whole). Genie records each turn before its results, but a turn whose record failed (a full disk that had room
    again for the results) leaves them without their calls."""
    calls: set[str] = set()
    kept = []
    for message in messages:
        role = message.get("role")
        if role == "assistant":
            calls = {c["id"] for c in message.get("tool_calls") or []}
        elif role != "tool":
            calls = set()  # results come right after their turn: after the user's message, none is
        elif message["tool_call_id"] not in calls:
            continue
        kept.append(message)
    messages[:] = kept


def _names(value: object) -> list[str]:
    return list(dict.fromkeys(v for v in value if isinstance(v, str))) if isinstance(value, list) else []


def _patch_number(patch_id: object) -> int:
    """``p7`` -> 7 (0 for anything else, a number of more digits than any session reaches included: such an id
    is no id genie gave, ``int`` refuses one past 4,300 digits, and ``str`` the id after it)."""
    text = str(patch_id or "")
    digits = text[1:]
    return int(digits) if text[:1] == "p" and digits.isascii() and digits.isdigit() and len(digits) <= 18 else 0


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


#: the result of a call whose own was never recorded: a test run a ``kill -9`` cut short did run, in part
UNRECORDED = ("no result: the session stopped before this call's result was recorded (it may have run, in part: check "
              "before relying on it)")


def _close_dangling_tool_calls(messages: list[dict[str, Any]]) -> None:
    """Every assistant turn's tool calls that got no result (a session stopped between a call and its result,
    maybe more than once) get an explicit one, right after that turn's results: the API refuses a history with
    an unanswered call anywhere in it."""
    turns = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    for at in reversed(turns):  # from the end, so inserting keeps the earlier indices valid
        end = next((j for j in range(at + 1, len(messages)) if messages[j].get("role") == "assistant"),
                   len(messages))
        missing = missing_tool_results(messages[:end], UNRECORDED, turn=at)
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


#: a file's change later than the session's last record by more than this was not genie's (a record is written
#: right after the change it tells of, its time rounded to the millisecond)
CHANGE_SLACK_S = 0.05
#: how many of the files a session knows are looked at when it is resumed
CHANGED_CHECKED = 500


def changed_since(repo: Path, files: list[str], since: float) -> list[str]:
    """Which of ``files`` (paths in ``repo``) were changed or deleted after ``since``: by the user, a checkout or
    another tool while the session was not running. A path that never named a file is left out."""
    changed = []
    root = repo.resolve()
    for name in files[:CHANGED_CHECKED]:
        try:
            target = (root / name).resolve()
            target.relative_to(root)
        except (OSError, ValueError, RuntimeError):  # outside the repository, a loop of links, a name too long
            continue
        try:
            if target.stat().st_mtime > since + CHANGE_SLACK_S:
                changed.append(name)
        except FileNotFoundError:
            changed.append(name)  # deleted (a read that failed is not among the files: see known_files)
        except OSError:
            continue
    return changed
