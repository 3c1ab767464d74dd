"""Reassembling one streamed attempt of an assistant turn: chunks in, core events and an :class:`AssistantTurn`
out. Kept apart from the HTTP and retry plumbing in ``client.py``; no SDK import (chunks are duck-typed)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from genie_tui.core.events import (
    Event,
    TextDelta,
    ToolCallArgsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    UsageReported,
)
from genie_tui.tokens import estimate_tokens as estimate


def estimate_tokens(text: str) -> int:
    """About four characters of English per token (``genie_tui.tokens``): for budgets when the endpoint reports
    no usage."""
    return estimate(text)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call; ``arguments`` is ``None`` and ``error`` says why when the JSON did not parse."""

    id: str
    name: str
    raw_arguments: str
    arguments: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AssistantTurn:
    """One finished assistant turn; ``attempts`` counts the requests it took (1 = no retry)."""

    content: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    usage: UsageReported | None
    attempts: int = 1

    def to_message(self) -> dict[str, Any]:
        """The assistant message to append to the conversation for the next request."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.raw_arguments}}
                for c in self.tool_calls
            ]
        return message


def parse_arguments(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse tool-call arguments; an empty string means no arguments (some servers send nothing)."""
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"arguments are not valid JSON ({exc.msg} at char {exc.pos})"
    except RecursionError:  # '[' x 100,000, or valid JSON deeper than the parser goes: the model's error too
        return None, "arguments are nested too deeply to parse"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}"
    return value, None


@dataclass
class _PendingCall:
    wire_id: str  # as the server sent it
    id: str = ""  # as genie passes it on: unique in the conversation (set when the call is announced)
    name: str = ""
    args: list[str] = field(default_factory=list)
    announced: bool = False


def call_ids(messages: list[dict[str, Any]]) -> set[str]:
    """The tool-call ids a conversation already uses."""
    return {c["id"] for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []
            if isinstance(c, dict) and isinstance(c.get("id"), str)}


def unique_id(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... when the conversation has it already (the suffix a restored
    session of older genie gets too); the id returned is added to ``taken``."""
    new, n = wanted, 1
    while new in taken:
        n += 1
        new = f"{wanted}-{n}"
    taken.add(new)
    return new


class Assembler:
    """Reassembles one attempt's chunks into events and, at the end, a turn.

    Tool-call ids are made unique in the conversation (``taken``) as calls arrive: some servers number calls
    per request (``call_0`` in every turn), and strict back ends refuse a history with an id twice.
    """

    def __init__(self, taken: set[str] | None = None) -> None:
        self.content: list[str] = []
        self.calls: list[_PendingCall] = []
        self._by_index: dict[int, _PendingCall] = {}
        self._taken = set(taken or ())
        self.finish_reason: str | None = None
        self.usage: Any = None

    def feed(self, chunk: Any) -> list[Event]:
        """The events of one chunk. Raises :class:`MalformedChunk` for a chunk of the wrong shape (the SDK hands
        on what a server sent unchecked: ``null``, ``"delta": "x"``, a number as the text): the attempt is
        retried, as a chunk that is no JSON is, rather than failing the run or sending a number on as text."""
        try:
            return self._feed(chunk)
        except (AttributeError, TypeError, ValueError) as exc:
            raise MalformedChunk(_shape(exc)) from None

    def _feed(self, chunk: Any) -> list[Event]:
        events: list[Event] = []
        if getattr(chunk, "usage", None) is not None:
            usage = chunk.usage
            _expect(usage.prompt_tokens, (int, type(None)), "usage.prompt_tokens")
            _expect(usage.completion_tokens, (int, type(None)), "usage.completion_tokens")
            self.usage = usage
        for choice in _expect(chunk.choices, (list, tuple, type(None)), "choices") or ():
            if _expect(choice.index, (int, type(None)), "choice index") not in (0, None):
                continue  # n > 1 is never requested; ignore stray alternatives
            delta = choice.delta
            if delta is not None:
                if _expect(delta.content, (str, type(None)), "delta.content"):
                    self.content.append(delta.content)
                    events.append(TextDelta(delta.content))
                for tc in _expect(delta.tool_calls, (list, tuple, type(None)), "delta.tool_calls") or ():
                    events.extend(self._tool_delta(tc))
            if _expect(choice.finish_reason, (str, type(None)), "finish_reason"):
                self.finish_reason = choice.finish_reason
        return events

    def _tool_delta(self, tc: Any) -> list[Event]:
        _expect(tc.id, (str, type(None)), "tool call id")
        index = _expect(tc.index, (int, type(None)), "tool call index")
        index = index if index is not None else len(self.calls)
        if tc.function is not None:
            _expect(tc.function.name, (str, type(None)), "tool call name")
        call = self._by_index.get(index)
        # Some servers reuse index 0 for every call; a new id at a used index is a new call (also when the call
        # before it took no arguments: ``list_dir`` sent "" and the next call's arguments were read as its own).
        if call is None or (tc.id and call.wire_id != tc.id and call.announced):
            call = _PendingCall(wire_id=tc.id or f"call_{uuid.uuid4().hex[:16]}")
            self._by_index[index] = call
            self.calls.append(call)
        elif tc.id and not call.announced:
            call.wire_id = tc.id
        fn = tc.function
        events: list[Event] = []
        if fn is not None and fn.name and not call.name:
            call.name = fn.name
        if call.name and not call.announced:
            self._announce(call)
            events.append(ToolCallStarted(call.id, call.name))
            events.extend(ToolCallArgsDelta(call.id, call.name, a) for a in call.args if a)
        if fn is not None and fn.arguments:
            arguments = as_text(_expect(fn.arguments, (str, dict, list), "tool call arguments"))
            call.args.append(arguments)
            if call.announced:
                events.append(ToolCallArgsDelta(call.id, call.name, arguments))
        return events

    def _announce(self, call: _PendingCall) -> None:
        call.announced = True
        call.id = unique_id(call.wire_id, self._taken)

    def finish(self, prompt_estimate: int, attempts: int) -> tuple[list[Event], AssistantTurn]:
        events: list[Event] = []
        calls = []
        for call in self.calls:
            raw = "".join(call.args)
            if not call.announced:  # a call that never got a name: still surface it so the agent can object
                self._announce(call)
                events.append(ToolCallStarted(call.id, call.name))
            arguments, error = parse_arguments(raw)
            calls.append(ToolCall(call.id, call.name, raw, arguments, error))
            events.append(ToolCallCompleted(call.id, call.name, arguments, raw))
        content = "".join(self.content)
        if self.usage is not None:
            usage = UsageReported(int(self.usage.prompt_tokens or 0), int(self.usage.completion_tokens or 0))
        else:
            produced = content + "".join(c.raw_arguments + c.name for c in calls)
            usage = UsageReported(prompt_estimate, estimate_tokens(produced), estimated=True)
        events.append(usage)
        turn = AssistantTurn(content, tuple(calls), self.finish_reason or "stop", usage, attempts)
        return events, turn


class MalformedChunk(ValueError):
    """A streamed chunk that is JSON, but not of the shape the protocol gives it."""


def _expect(value: Any, kinds: tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, kinds):  # a bool is an int to isinstance
        raise TypeError(f"{what} is {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, default=lambda v: type(v).__name__)
    except (TypeError, ValueError):
        text = type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


def _shape(exc: Exception) -> str:
    """What was wrong with a chunk, in a few words: ours, or the Python error reading it (``'NoneType' object
    has no attribute 'choices'`` for ``data: null``)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 80 else text[:79] + "…"


def as_text(arguments: Any) -> str:
    """Tool-call arguments as the JSON text the protocol specifies; some servers (TGI, llama.cpp builds of
    early 2026) send a JSON object instead of a string."""
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def carried(chunk: Any) -> int:
    """How many characters of the reply ``chunk`` carries: text, tool-call names and arguments, and any other
    text a server streams in the delta (``reasoning_content``), which genie does not use but which is progress."""
    n = 0
    for choice in getattr(chunk, "choices", None) or ():
        delta = getattr(choice, "delta", None)
        if getattr(choice, "finish_reason", None):
            n += 1
        if delta is None:
            continue
        content = getattr(delta, "content", None)
        n += len(content) if isinstance(content, str) else 0
        for tc in getattr(delta, "tool_calls", None) or ():
            fn = getattr(tc, "function", None)
            n += 1 + sum(len(v) for v in (getattr(fn, "name", None), getattr(fn, "arguments", None)) if isinstance(v, str))
        extra = getattr(delta, "model_extra", None)
        n += sum(len(v) for v in extra.values() if isinstance(v, str)) if isinstance(extra, dict) else 0
    return n
