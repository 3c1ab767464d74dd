"""A history that strict servers accept: every tool call's arguments a JSON object, and no reply without text or
calls. The session keeps what the model sent; this only shapes the request."""

from __future__ import annotations

import json
from typing import Any

#: how much of an unparsable tool-call argument string is sent back (the model sees what went wrong)
UNPARSED_CHARS = 500


def sendable_arguments(raw: str | None) -> str:
    """Tool-call arguments as the history sends them back: always a JSON object.

    vLLM, llama.cpp and SGLang parse every historical call's arguments to render their chat templates and
    answer 400 when one is not a JSON object, so a single cut-off call would fail every later request, and a
    resumed session too. The session keeps what the model sent; this only shapes the request.
    """
    if not raw or not raw.strip():
        return "{}"
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
        value = None
    if isinstance(value, dict):
        return raw
    more = len(raw) - UNPARSED_CHARS
    shown = raw if more <= 0 else raw[:UNPARSED_CHARS] + f"... [{more} more chars]"
    return json.dumps({"unparsed_arguments": shown}, ensure_ascii=False)


#: what an empty reply of the model's (no text, no tool call) is sent back as
EMPTY_REPLY = "[no reply]"


def sendable(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` with every assistant tool call's arguments made a JSON object, and an empty reply given text
    (the spec requires content without tool_calls; Mistral answers 400): copies only what changes."""
    out = []
    for message in messages:
        if message.get("role") == "assistant" and not message.get("tool_calls") and not message.get("content"):
            message = {**message, "content": EMPTY_REPLY}
            message.pop("tool_calls", None)  # an empty list of calls is refused too
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        sent = [sendable_arguments(c["function"].get("arguments")) for c in calls] if calls else []
        if any(s is not c["function"].get("arguments") for s, c in zip(sent, calls or [], strict=True)):
            message = {**message, "tool_calls": [{**c, "function": {**c["function"], "arguments": s}}
                                                  for s, c in zip(sent, calls, strict=True)]}
        out.append(message)
    return out
