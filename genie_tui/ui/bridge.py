"""Core events -> Textual messages, and the one worker loop that pumps an agent turn into the UI.

Each core event becomes one ``AgentEvent`` message posted to the main screen, which routes it to the pane
that owns that state. Nothing here renders; coalescing happens in the panes (see STYLE.md, "Flow").
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

from textual.message import Message

from genie_tui.core import events as ev
from genie_tui.printable import printable


class AgentPort(Protocol):
    """What the UI needs from an agent (``genie_tui.core.agent.Agent`` satisfies it)."""

    task: str
    patches: list[dict[str, Any]]
    explicit_playbooks: list[str]
    disabled_playbooks: set[str]

    def run(self, task: str) -> AsyncIterator[ev.Event]: ...
    def cancel(self) -> None: ...
    def user_plan_edit(self, steps: list[ev.PlanStep]) -> None: ...
    def add_context(self, text: str) -> None: ...
    def user_undid(self, files: list[str], label: str, tag: str = "") -> None: ...
    def set_approval_mode(self, mode: str) -> None: ...
    def set_model(self, model: str) -> None: ...
    def set_playbook(self, name: str, active: bool) -> tuple[tuple[str, str], ...]: ...
    def new_patch_id(self) -> str: ...
    async def user_reviewed_recorded(self, ids: list[str], stale: list[tuple[str, str]], patch_id: str = "",
                                     files: Any = (), diff: str = "", how: str = "",
                                     comment: str | None = None) -> list[Any]: ...


class AgentEvent(Message):
    """One core event, delivered to the screen in the order the agent produced it; ``agent`` is the agent whose
    turn produced it (an event of an agent the app no longer holds, after ``/clear``, is not shown)."""

    def __init__(self, event: ev.Event, agent: object | None = None) -> None:
        super().__init__()
        self.event = event
        self.agent = agent


class TurnEnded(Message):
    """The agent's event iterator ended (normally, cancelled, or with an exception)."""

    def __init__(self, error: str | None = None, agent: object | None = None) -> None:
        super().__init__()
        self.error = error
        self.agent = agent


class JsonStringField:
    """Incrementally extract one top-level string field from streamed JSON (``{"diff": "..."}``).

    Tool-call arguments arrive as JSON fragments; the patch pane wants the decoded diff text as it grows,
    without re-parsing the whole prefix on every fragment (that is quadratic on a 3,000-line diff).
    """

    __slots__ = ("_buf", "_escape", "_high", "_key", "_pos", "_state")

    def __init__(self, key: str) -> None:
        self._key = f'"{key}"'
        self._buf = ""
        self._pos = 0
        self._state = "seek"  # seek -> colon -> open -> inside -> done
        self._escape = ""
        self._high = ""

    def _decode(self, seq: str) -> str:
        ch = _unescape(seq)
        if self._high:
            high, self._high = self._high, ""
            if "\udc00" <= ch <= "\udfff":
                return (high + ch).encode("utf-16", "surrogatepass").decode("utf-16")
            return "\ufffd" + ch
        if "\ud800" <= ch <= "\udbff":
            self._high = ch
            return ""
        return ch

    def feed(self, fragment: str) -> str:
        """Add a fragment; return newly decoded characters of the field (may be empty)."""
        self._buf += fragment
        out: list[str] = []
        buf = self._buf
        i = self._pos
        while i < len(buf) and self._state != "done":
            if self._state == "seek":
                at = buf.find(self._key, i)
                if at < 0:
                    i = max(i, len(buf) - len(self._key))
                    break
                i = at + len(self._key)
                self._state = "open"
            elif self._state == "open":
                ch = buf[i]
                i += 1
                if ch == '"':
                    self._state = "inside"
                elif ch not in ": \t\r\n":
                    self._state = "seek"
            else:  # inside
                if self._escape:
                    self._escape += buf[i]
                    i += 1
                    if self._escape[1] == "u" and len(self._escape) < 6:
                        continue
                    out.append(self._decode(self._escape))
                    self._escape = ""
                    continue
                end = _next_special(buf, i)
                out.append(buf[i:end])
                i = end
                if i < len(buf):
                    if buf[i] == '"':
                        self._state = "done"
                    else:
                        self._escape = "\\"
                    i += 1
        # Drop consumed text so the buffer stays small.
        self._buf = buf[i:]
        self._pos = 0
        return "".join(out)


def _next_special(buf: str, i: int) -> int:
    q = buf.find('"', i)
    b = buf.find("\\", i)
    cands = [x for x in (q, b) if x >= 0]
    return min(cands) if cands else len(buf)


def _unescape(seq: str) -> str:
    try:
        return str(json.loads(f'"{seq}"'))
    except ValueError:
        return ""


def summarize_args(arguments: dict[str, Any] | None, raw: str, limit: int = 80) -> str:
    """A one-line view of tool arguments for the conversation log (without terminal control sequences)."""
    if arguments is None:
        text = printable(raw)
    else:
        parts = []
        for k, v in arguments.items():
            s = printable(v if isinstance(v, str) else json.dumps(v))  # cleaned before it is cut short
            s = s.replace("\n", "⏎")
            parts.append(f"{printable(k)}={s[:40]}{'…' if len(s) > 40 else ''}")
        text = " ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
