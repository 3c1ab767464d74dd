"""Checks of a session's records: only the fields genie reads (to resume, export or list a session) are
checked; unknown record kinds and extra fields are fine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

_ROLES = ("system", "user", "assistant", "tool")


def record_problem(rec: dict[str, Any]) -> str | None:
    """What makes a record unusable for resuming, exporting or listing, or ``None``.

    Only the fields genie reads are checked; unknown record kinds and extra fields are fine.
    """
    kind = rec["type"]
    if is_number(rec.get("ts")) and not _is_date(rec["ts"]):  # a time every reader can take as one (seconds)
        return "the time is not a date"
    if kind == "start":
        if not isinstance(rec.get("repo"), str):
            return "no repository"
        if "\x00" in rec["repo"] or not Path(rec["repo"]).is_absolute():
            # genie records the resolved path: anything else would resume in whatever directory genie runs in
            return "the repository is not an absolute path"
        if not isinstance(rec.get("task", ""), str):
            return "the task is not text"
        if not is_number(rec.get("ts", 0)):
            return "the time is not a number"
        if not are_tools(rec.get("tools", [])):
            return "the tools are not a list of function schemas"
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
    elif kind == "patch":  # restated in every request, and in the summary of the run that resumes it
        files = rec.get("files", [])
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            return "the files are not a list of paths"
        if not all(isinstance(rec.get(k), (str, type(None))) for k in ("id", "reason", "diff")):
            return "the id, reason or diff is not text"
        if not isinstance(rec.get("applied", False), bool):
            return "applied is not true or false"
    elif kind == "end" and not isinstance(rec.get("status", "?"), str):
        return "the status is not text"
    elif kind == "recorded_review" and not _are_pairs(rec.get("stale") or []):
        return "stale is not a list of patch ids with the reason each no longer applies"
    return None


def are_tools(value: object) -> bool:
    """A list of ``{"type": "function", "function": {"name": ..., "parameters": {...}}}`` as genie records them
    (what ``genie export`` copies into the fine-tuning file and checks the calls against)."""
    return isinstance(value, list) and all(map(_is_tool_schema, value))


def _is_tool_schema(tool: object) -> bool:
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return False
    parameters = function.get("parameters", {})
    properties = parameters.get("properties", {}) if isinstance(parameters, dict) else None
    return isinstance(properties, dict) and all(isinstance(p, dict) for p in properties.values())


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def seconds(value: object) -> float | None:
    """A record's ``ts`` as seconds since the epoch, or ``None`` when it is none (not a number, or one that is no
    date: see :func:`record_problem`)."""
    if is_number(value) and _is_date(value):
        return float(value)
    return None


def _are_pairs(value: object) -> bool:
    """``[[id, why], ...]``, as ``UserIntent.user_reviewed_recorded`` records the patches no longer applying."""
    return isinstance(value, list) and all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair) for pair in value)


def _is_date(value: float) -> bool:
    """Whether a session list can show ``value`` as a local time: NaN, the infinities (JSON's ``1e400``) and
    times past what the platform's time_t holds (``1e308``, an integer of 400 digits) cannot be."""
    try:
        time.localtime(value)
    except (OverflowError, OSError, ValueError):
        return False
    return True


def _is_tool_call(call: object) -> bool:
    if not isinstance(call, dict) or not isinstance(call.get("id"), str):
        return False
    function = call.get("function")
    return (isinstance(function, dict) and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments") or "", str))
