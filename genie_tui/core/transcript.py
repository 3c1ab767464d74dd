"""A saved session read back as what happened: one line per record for ``genie replay``, and the conversation
items (the user's messages, the model's text, tool calls with their results, notes) the app shows on resume.

Both read the records the same lenient way: a line that is not a record, or a record this version cannot read,
is named and skipped, never the end of the read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from genie_tui.core.session import loads_json, numbered_records

#: a record whose fields are not what this version reads (``describe`` indexes into it and unpacks its pairs)
UNREADABLE = (KeyError, TypeError, AttributeError, IndexError, ValueError)


@dataclass(frozen=True, slots=True)
class PastTool:
    """A tool call of the session and its result (``None``: the session stopped before it ran)."""

    call_id: str
    name: str
    arguments: dict[str, Any] | None
    raw: str
    result: str | None = None
    ok: bool = True


@dataclass(frozen=True, slots=True)
class PastItem:
    """One conversation item: ``kind`` is user, text, tool or note; ``tone`` is error, good or ''."""

    kind: str
    text: str = ""
    tone: str = ""
    tool: PastTool | None = None


def read_transcript(path: Path) -> list[PastItem]:
    """The conversation a session holds, oldest first, with a note for every line that could not be read."""
    problems: list[str] = []
    items: list[PastItem] = []
    waiting: dict[str, list[int]] = {}  # a call id -> the indices of its calls still without a result
    for number, rec in numbered_records(path, problems):
        try:
            _add(items, waiting, rec)
        except UNREADABLE:
            items.append(PastItem("note", f"line {number}: a {rec.get('type')!r} record this version cannot "
                                          "read; skipped", "error"))
    items.extend(PastItem("note", f"{problem}; skipped", "error") for problem in problems)
    return items


def _add(items: list[PastItem], waiting: dict[str, list[int]], rec: dict[str, Any]) -> None:
    kind = rec["type"]
    if kind == "start":  # the task is the first user message; the app says which session this is
        return
    if kind != "message":
        line = describe(rec)
        if line is not None:
            items.append(PastItem("note", line, _tone(rec)))
        return
    msg = rec["message"]
    role, content = msg["role"], msg.get("content") or ""
    if not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False)
    if role == "user" and rec.get("delivers_notes"):  # genie's notes to the model, not the user's words
        items.append(PastItem("note", "→ model: " + _clip(content, 300)))
    elif role == "user":
        items.append(PastItem("user", content))
    elif role == "assistant":
        if content.strip():
            items.append(PastItem("text", content))
        for call in msg.get("tool_calls") or []:
            raw = call["function"].get("arguments") or ""
            try:
                arguments = loads_json(raw) if raw.strip() else {}
            except ValueError:
                arguments = None
            item = PastItem("tool", tool=PastTool(call["id"], call["function"]["name"],
                                                  arguments if isinstance(arguments, dict) else None, raw))
            # registered only once the call is read: a call that cannot be (no name) must leave no index behind
            # for a later result to land on another item
            waiting.setdefault(call["id"], []).append(len(items))
            items.append(item)
    elif role == "tool":
        pending = waiting.get(msg["tool_call_id"])
        tool = items[pending[0]].tool if pending else None
        if pending and tool is not None:
            at = pending.pop(0)
            ok = not content.startswith(("error", "not run"))
            items[at] = replace(items[at], tool=replace(tool, result=content, ok=ok))
        else:
            items.append(PastItem("note", "  -> " + _clip(content, 400)))


def _tone(rec: dict[str, Any]) -> str:
    kind = rec["type"]
    if kind == "error":
        return "error"
    if kind in ("patch", "tests"):
        return "good" if rec.get("applied" if kind == "patch" else "passed") else "error"
    if kind == "end":
        return "good" if rec.get("status") == "finished" else "error"
    return ""


def describe(rec: dict[str, Any]) -> str | None:  # a flat table of record kinds
    """One record as ``genie replay`` prints it, or ``None`` for a record it leaves out.

    Raises:
        KeyError, TypeError, AttributeError, IndexError: a record without the fields this version reads.
    """
    kind = rec["type"]
    if kind == "start":
        chosen = [f"playbooks turned {state}: {', '.join(map(str, rec[key]))}"
                  for state, key in (("on", "playbooks"), ("off", "disabled_playbooks")) if rec.get(key)]
        return "\n".join([f"session started in {rec.get('repo')} (model {rec.get('config', {}).get('model')})",
                          f"task: {rec.get('task')}", *chosen])
    if kind == "message":
        msg = rec["message"]
        role = msg["role"]
        if role == "system":
            return None
        if role == "user":
            return f"user: {msg['content']}"
        if role == "assistant":
            parts = [f"assistant: {msg['content']}"] if msg.get("content") else []
            for call in msg.get("tool_calls") or []:
                parts.append(f"tool call {call['function']['name']} {_clip(call['function']['arguments'], 300)}")
            return "\n".join(parts) or None
        if role == "tool":
            return "  -> " + _clip(msg.get("content", ""), 400)
    if kind == "question":
        return f"question: {rec['question']}" + (f" [{' / '.join(map(str, rec['choices']))}]" if rec.get("choices")
                                                  else "")
    if kind == "answer":  # none: nobody answered (no terminal, no --answers left), as `genie run` says it
        return f"answer: {rec['answer'] if rec['answer'] is not None else '(none: the model proceeds on an assumption)'}"
    if kind == "plan":
        return f"plan ({rec['source']}): " + "; ".join(f"[{s['status']}] {s['text']}" for s in rec["steps"])
    if kind == "approval":
        return _verdict(rec)
    if kind == "patch":
        return f"patch {rec['id']} {'applied' if rec['applied'] else 'not applied'} {rec['files']}" + (
            f": {rec['reason']}" if rec.get("reason") else "")
    if kind == "tests":
        verdict = "passed" if rec["passed"] else "timed out" if rec.get("timed_out") is True else "failed"
        return f"tests {verdict} (exit {rec['exit_code']}): {rec['command']}"
    if kind == "error":
        return f"error: {rec['message']}"
    if kind == "end":
        return f"session {rec['status']}: {rec.get('summary', '')}"
    if kind == "resume":
        return "session resumed"
    if kind == "playbooks" and isinstance(rec.get("toggled"), str):  # the user's choice; activations are not
        return f"user turned playbook {rec['toggled']} {'on' if rec.get('on') else 'off'}"
    if kind == "undo":
        return f"user undid the last patch: {', '.join(map(str, rec.get('files') or []))}"
    if kind == "command_approval":  # a command the model chose, not the project's tests
        return f"user {'allowed' if rec['approved'] else 'refused'} running {rec['command']}"
    if kind == "approval_mode":
        return f"user switched patch approval to {rec['mode']}"
    if kind == "recorded_review":  # the patches recorded under never, reviewed as one diff
        return _recorded_review(rec)
    if kind == "model":
        return f"user switched the model to {rec['model']}"
    if kind == "commit":
        return f"committed {str(rec['sha'])[:10]} on branch {rec['branch']}"
    return None


def _recorded_review(rec: dict[str, Any]) -> str:
    ids = ", ".join(map(str, rec["ids"]))
    told = [f"user reviewed the recorded patches {ids} as one diff and " + (
        f"applied {rec['how']} as {rec['patch_id']}" if rec.get("patch_id") else "rejected it")] if ids else []
    told += [f"recorded patch {i} no longer applied ({why})" for i, why in rec.get("stale") or []]
    return "; ".join(told) + (f", comment: {rec['comment']}" if rec.get("comment") else "")


def _verdict(rec: dict[str, Any]) -> str | None:
    """An approval record as what was decided: ``hunks`` is "all" or the 0-based indexes approved (none: the
    user rejected the patch). Under ``never`` nothing was decided: the patch record after it says so."""
    patch, hunks, mode = rec["patch_id"], rec["hunks"], rec.get("mode")
    if mode == "never":
        return None
    if mode == "auto":
        return f"patch {patch} approved automatically (approval mode auto)"
    if hunks == "all":
        verdict = f"user approved patch {patch}" + (" after editing it" if rec.get("edited") else "")
    elif hunks:
        verdict = f"user approved hunk(s) {', '.join(str(h + 1) for h in hunks)} of patch {patch}"
    else:
        verdict = f"user rejected patch {patch}"
    return verdict + (f", comment: {rec['comment']}" if rec.get("comment") else "")


def retold(rec: dict[str, Any], after: dict[str, Any] | None) -> bool:
    """Whether ``rec`` is the error that ended a run and ``after`` the run's end record saying it again, so a
    reader is told it once, by the end (``session failed: ...``), as the app shows a run that fails."""
    return (rec.get("type") == "error" and after is not None and after.get("type") == "end"
            and after.get("status") == "failed" and after.get("summary") == rec.get("message"))


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + " ..."
