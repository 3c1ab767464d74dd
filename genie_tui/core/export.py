"""``genie export``: a session as OpenAI chat fine-tuning records (``messages`` and ``tools``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genie_tui.core.restore import RestoredState, restore
from genie_tui.core.sendable import sendable_arguments
from genie_tui.core.session import loads_json
from genie_tui.tools.base import ToolError
from genie_tui.tools.registry import validate


def iter_export(path: Path) -> Iterator[dict[str, Any]]:
    """OpenAI chat fine-tuning records (``messages`` and ``tools``) for one trajectory."""
    return export_records(restore(path))


def export_records(state: RestoredState) -> Iterator[dict[str, Any]]:
    """:func:`iter_export` of a session read already."""
    tools = state.start.get("tools") or []
    schemas = {t["function"]["name"]: t["function"].get("parameters") or {} for t in tools}  # checked by restore
    overruled = state.overruled_calls()
    messages = [_export_message(m, schemas, overruled) for m in state.messages]
    # an example teaches only through assistant messages; a session that never got one has nothing to teach
    if any(m["role"] == "assistant" for m in messages):
        yield {"messages": messages, "tools": tools}


def _call_problem(name: str, arguments: str | None, schemas: dict[str, dict[str, Any]]) -> str | None:
    """Why a recorded call is not worth training on (genie refused it), or ``None``."""
    try:
        args = loads_json(arguments or "{}")
    except ValueError:
        return "not JSON"
    if not isinstance(args, dict):
        return "not an object"
    if not schemas:
        return None  # a trajectory without tool schemas: nothing to check against
    try:
        validate(name, dict(args), schemas)  # the check genie ran before the call, against the tools it had then
    except ToolError as exc:
        return str(exc)
    return None


def _export_message(msg: dict[str, Any], schemas: dict[str, dict[str, Any]], overruled: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": msg["role"]}
    if msg["role"] == "assistant":
        out["content"] = msg.get("content") or None
        if msg.get("tool_calls"):
            out["tool_calls"] = []
            for call in msg["tool_calls"]:
                name, arguments = call["function"]["name"], call["function"].get("arguments")
                if _call_problem(name, arguments, schemas) or call["id"] in overruled:
                    # A call genie refused, or a patch the user rejected, cut down or edited, stays in the history
                    # (its result, with what the user took and their comment, follows) but is not trained on.
                    out["weight"] = 0
                # As the requests sent it back: a JSON object, also when the model's text was not one (a file
                # with one unparsable ``arguments`` is refused as a whole by fine-tuning APIs).
                out["tool_calls"].append({"id": call["id"], "type": "function",
                                          "function": {"name": name, "arguments": sendable_arguments(arguments)}})
        if out["content"] is None and "tool_calls" not in out:
            out["content"] = ""
    elif msg["role"] == "tool":
        out["tool_call_id"] = msg["tool_call_id"]
        out["content"] = msg.get("content", "")
    else:
        out["content"] = msg.get("content", "")
    return out
