"""The script data model and the OpenAI wire format the scripted server sends (pure functions, stdlib only).

Kept apart from the HTTP plumbing in ``scripted.py`` so what goes over the wire can be read in one place:
the chunk sequence of a streamed chat completion, the non-streamed body, and the usage numbers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FAULTS = (None, "429", "500", "drop", "truncate", "malformed", "hang", "nostream", "html",
          "mislabeled", "cutbody", "stallbody", "endless")  # or any HTTP status


@dataclass
class Reply:
    """One scripted answer to one chat request.

    ``tool_calls`` holds ``(name, arguments)`` pairs; a ``str`` argument is sent verbatim (use it to
    script malformed JSON). ``fault`` replaces the answer with a failure:

    - ``"429"``, ``"500"`` or any other status such as ``"401"``: an HTTP error (with ``Retry-After``
      when ``retry_after`` is set);
    - ``"drop"``: some chunks, then the socket closes with no ``finish_reason``;
    - ``"truncate"``: some chunks, then a cleanly ended body with no ``finish_reason`` and no ``[DONE]``;
    - ``"malformed"``: some chunks, then one that is not JSON;
    - ``"hang"``: nothing for ``hang_seconds``, then the normal answer (exceed the client's timeout);
    - ``"nostream"``: the whole answer as one JSON completion although a stream was asked for (servers and
      proxies that ignore ``stream``), or with ``error_message``, a JSON error object with status 200, or with
      ``body``, that JSON body verbatim (script a malformed completion);
    - ``"html"``: status 200 with an HTML page (a captive portal or a proxy's login page).
    - ``"mislabeled"``: the normal event stream, labelled ``application/json`` (servers and proxies that label
      every answer so).
    - ``"cutbody"``: a JSON completion whose connection closes halfway through its body (``Content-Length`` says
      more is coming); ``"stallbody"``: the same, closed only after ``hang_seconds``.
    - ``"endless"``: status 200 with a body that never ends (until the client goes away), of the type ``body``
      names (``"text/html"`` when none).

    ``events`` replaces the streamed answer's ``data:`` payloads, sent verbatim and followed by nothing (script a
    chunk of the wrong shape: ``"null"``, ``'{"choices": [1]}'``).

    ``error_code`` replaces the error body's ``type`` and ``code`` of an HTTP fault (OpenAI's 429 for an account
    out of credit says ``insufficient_quota``) and ``error_message`` its message.

    ``tool_style`` mimics servers seen in the wild: ``"split"`` (OpenAI: arguments over several chunks),
    ``"whole"`` (one chunk per call, as Ollama sends them), ``"same_index"`` (every call at index 0),
    ``"object"`` (one chunk per call with the arguments as a JSON object, not a string: TGI, and llama.cpp
    builds of early 2026).
    """

    content: str = ""
    tool_calls: list[tuple[str, dict[str, Any] | str]] = field(default_factory=list)
    finish_reason: str | None = None
    fault: str | None = None
    retry_after: float | None = None
    chunk_chars: int = 8
    chunk_delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    hang_seconds: float = 30.0
    tool_style: str = "split"
    error_code: str | None = None
    error_message: str | None = None
    body: Any = None
    events: Iterable[str] | None = None  # the stream's events as they are sent (may be endless); ":..." is a comment

    def __post_init__(self) -> None:
        status = self.fault or ""
        if self.fault not in FAULTS and not (status.isascii() and status.isdigit() and 400 <= int(status) <= 599):
            raise ValueError(f"unknown fault {self.fault!r} (expected one of {FAULTS[1:]})")
        if self.tool_style not in ("split", "whole", "same_index", "object"):
            raise ValueError(f"unknown tool_style {self.tool_style!r}")
        if self.chunk_chars < 1:
            raise ValueError("chunk_chars must be at least 1")
        self.tool_calls = [(str(name), args) for name, args in self.tool_calls]

    @property
    def effective_finish_reason(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        """Build a reply from a JSON object; ``tool_calls`` items are ``{"name", "arguments"}`` or pairs."""
        data = dict(data)
        calls = []
        for item in data.pop("tool_calls", []) or []:
            if isinstance(item, dict):
                calls.append((item["name"], item.get("arguments", {})))
            else:
                name, args = item
                calls.append((name, args))
        known = set(cls.__dataclass_fields__) - {"tool_calls"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown reply field(s): {', '.join(sorted(unknown))}")
        return cls(tool_calls=calls, **data)


ScriptEntry = Reply | Callable[[dict[str, Any]], Reply]


def _pieces(text: str, size: int) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _args(arguments: dict[str, Any] | str) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def usage_of(body: dict[str, Any], reply: Reply) -> dict[str, int]:
    """The reply's scripted usage, or an estimate from the request and reply sizes (the prompt counts the tool
    schemas too, as real endpoints count them)."""
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = _estimate_tokens(json.dumps(body.get("messages", [])) + json.dumps(body.get("tools") or []))
    completion = reply.completion_tokens
    if completion is None:
        args = "".join(a if isinstance(a, str) else json.dumps(a) for _, a in reply.tool_calls)
        completion = _estimate_tokens(reply.content + args)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def call_id(n: int, i: int, reuse_ids: bool = False) -> str:
    """The id of call ``i`` of request ``n``: unique, or with ``reuse_ids`` numbered per request (``call_0`` in
    every turn), as some servers number them."""
    return f"call_{i}" if reuse_ids else f"call_{n}_{i}"


def completion_body(body: dict[str, Any], reply: Reply, n: int, reuse_ids: bool = False) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` object for request ``n``."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": call_id(n, i, reuse_ids), "type": "function",
             "function": {"name": name, "arguments": a if reply.tool_style == "object" else _args(a)}}
            for i, (name, a) in enumerate(reply.tool_calls)
        ]
    return {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "scripted-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.effective_finish_reason}],
        "usage": usage_of(body, reply),
    }


def stream_events(body: dict[str, Any], reply: Reply, n: int, reuse_ids: bool = False) -> list[str]:
    """The ``data:`` payloads of a streamed answer, in order (cut short for stream faults)."""
    base = {"id": f"chatcmpl-{n}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body.get("model", "scripted-model")}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return json.dumps({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in _pieces(reply.content, reply.chunk_chars)]
    for i, (name, a) in enumerate(reply.tool_calls):
        index = 0 if reply.tool_style == "same_index" else i
        head: dict[str, Any] = {"index": index, "id": call_id(n, i, reuse_ids), "type": "function",
                                "function": {"name": name, "arguments": ""}}
        if reply.tool_style in ("whole", "object"):
            head["function"]["arguments"] = a if reply.tool_style == "object" and isinstance(a, dict) else _args(a)
            events.append(chunk({"tool_calls": [head]}))
            continue
        events.append(chunk({"tool_calls": [head]}))
        events += [chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                   for piece in _pieces(_args(a), reply.chunk_chars)]
    if reply.fault in ("drop", "truncate", "malformed"):
        # Cut the turn at its midpoint (at least after the role chunk and one delta when there is one).
        events = events[: max(2, len(events) // 2)]
        if reply.fault == "malformed":
            events.append('{"id": "broken", "choices": [{"delta": {"content": "x"')
        return events
    events.append(chunk({}, reply.effective_finish_reason))
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append(json.dumps({**base, "choices": [], "usage": usage_of(body, reply)}))
    events.append("[DONE]")
    return events
