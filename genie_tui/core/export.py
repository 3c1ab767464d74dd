"""``genie export``: a session as OpenAI chat fine-tuning records (``messages`` and ``tools``).

A record is what the model was sent at one of its turns, exactly (:mod:`genie_tui.core.request_log`: the system
prompt with the plan, patch and approval mode as they stood, ``[no reply]`` for an empty reply, compaction's
elided, shrunk and left-out messages, the tools of that request), followed by the reply the model gave to it.
The session's last turn gives one record, which holds every earlier turn whose request it extends. A turn whose
request a later one does not extend (compaction elided or left out what the model had seen, or shortened its
reply) gives a record of its own, so no reply is trained on context other than what the model was given
(except for the system prompt's restated state: the plan as it stood at the record's turn). In the history, an
assistant message the model never wrote in that form (an elided copy, ``[no reply]``) gets ``weight`` 0, as do
refused calls and patches the user did not take as proposed. A record in which every assistant message has
``weight`` 0 has nothing to train on and is left out.

A session recorded before genie kept what each request sent is exported as before: its messages as the session
keeps them, which is not exactly what the model was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genie_tui.core import request_log
from genie_tui.core.records import are_tools, record_problem
from genie_tui.core.restore import RestoredState, restore
from genie_tui.core.sendable import sendable_arguments
from genie_tui.core.session import loads_json
from genie_tui.errors import GenieError
from genie_tui.tools.base import ToolError
from genie_tui.tools.registry import validate


def iter_export(path: Path) -> Iterator[dict[str, Any]]:
    """OpenAI chat fine-tuning records (``messages`` and ``tools``) for one trajectory."""
    return export_records(restore(path), path)


def export_records(state: RestoredState, path: Path | None = None,
                   left_out: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
    """:func:`iter_export` of a session read already (``path`` names it in errors). A record with nothing to
    train on is left out (into ``left_out``, if given): every assistant message in it has ``weight`` 0, as when
    the only reply a record adds (compaction splits a session into several) is a call genie refused. It would
    teach nothing, and a strict reader of the file refuses it.

    Raises:
        GenieError: a ``request`` record whose messages cannot be read (the message names the file and line).
    """
    for record in _records(state, path):
        if any(m["role"] == "assistant" and m.get("weight") != 0 for m in record["messages"]):
            yield record
        elif left_out is not None:
            left_out.append(record)


def _records(state: RestoredState, path: Path | None) -> Iterator[dict[str, Any]]:
    turns = _turns(state, path)
    if turns is None:
        yield from _recorded_as_kept(state)
        return
    overruled = state.overruled_calls()
    results = _results(state.messages)
    chain: list[int] = []  # the turns since the last record: each one's request extends the one before
    for k, (sent, tools, reply) in enumerate(turns):
        if k + 1 < len(turns) and _extends(turns[k + 1], sent, tools, reply):
            chain.append(k)
            continue  # the next turn's record holds this one as it was sent
        schemas = _schemas(tools)
        # Trained on: the replies of the chain, each where the model wrote it (its request is this one's prefix)
        # and as it wrote it. The other assistant messages are context only: trained on in an earlier record, or
        # sent in a form the model never wrote (an elided copy, ``[no reply]``), or from a genie that kept no
        # requests; so are refused calls and patches the user did not take as proposed.
        trained = {len(turns[j][0]): turns[j][2] for j in chain}
        chain = []
        messages = []
        for at, message in enumerate(sent):
            if message.get("role") == "assistant":
                own = trained.get(at)
                if own is None or _form(own) != _form(message) or \
                        _export_message(own, schemas, overruled).get("weight") == 0:
                    message = {**message, "weight": 0}
            messages.append(message)
        messages.append(_export_message(reply, schemas, overruled))
        # its calls' results, which no request of the model's had yet: not trained on, but a strict reader of the
        # file wants every call answered (a call still running or cut off is "not run", as resuming makes it)
        messages += [_export_message(m, schemas, overruled) for m in results.get(_call_ids(reply), [])]
        yield {"messages": messages, "tools": tools}


def _turns(state: RestoredState, path: Path | None
           ) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]] | None:
    """Each model turn that the session recorded the request of: (messages sent, tools sent, reply), in order;
    ``None`` when the session's last reply has no such request (a session from before genie recorded them)."""
    tools = state.start.get("tools") or []
    before: list[dict[str, Any]] = []
    recorded: list[dict[str, Any]] = []  # the messages of the message records so far
    pending = None
    turns = []
    last_known = False  # whether the latest reply so far has its request on record
    for number, rec in state.records:
        if rec["type"] == "request":
            pending = None
            if "sent" not in rec:  # an older genie's request (a session resumed by this one)
                before = []
                continue
            try:
                before = request_log.decode(rec["sent"], before, recorded)
                problem = next(filter(None, (record_problem({"type": "message", "message": m}) for m in before)),
                               None)
                if problem:
                    raise ValueError(problem)
                if "tools" in rec:
                    if not are_tools(rec["tools"]):
                        raise ValueError("the tools are not a list of function schemas")
                    tools = rec["tools"]
            except ValueError as exc:
                raise GenieError(f"{path or 'session'}:{number}: damaged 'request' record ({exc})") from None
            pending = (before, tools)
        elif rec["type"] == "message":
            message = rec["message"]
            recorded.append(message)
            if message.get("role") == "assistant":
                last_known = pending is not None
                if pending is not None:
                    turns.append((*pending, message))
            pending = None
    return turns if turns and last_known else None


def _call_ids(message: dict[str, Any]) -> tuple[str, ...]:
    return tuple(c["id"] for c in message.get("tool_calls") or [])


def _results(messages: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """The tool results right after each assistant message with calls, by its calls' ids (unique in a session)."""
    out: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    ids: tuple[str, ...] = ()
    for message in messages:
        if message.get("role") == "assistant":
            ids = _call_ids(message)
            if ids:
                out[ids] = []
        elif message.get("role") == "tool" and ids:
            out[ids].append(message)
        else:
            ids = ()
    return out


def _extends(later: tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]],
             sent: list[dict[str, Any]], tools: list[dict[str, Any]], reply: dict[str, Any]) -> bool:
    """Whether the ``later`` turn's request carries ``sent`` (its system prompt aside: it restates the state) and
    then ``reply`` as the model wrote it."""
    messages, later_tools, _ = later
    skip = 1 if sent and messages and sent[0].get("role") == messages[0].get("role") == "system" else 0
    return (later_tools == tools and len(messages) > len(sent) and messages[skip:len(sent)] == sent[skip:]
            and messages[len(sent)].get("role") == "assistant"
            # an empty reply comes back as ``[no reply]``: no record of its own, to teach silence
            and (_form(messages[len(sent)]) == _form(reply) or not (reply.get("content") or reply.get("tool_calls"))))


def _form(message: dict[str, Any]) -> str:
    """An assistant message in the form the requests send it, as text to compare: whether a message sent is one
    the model wrote in that form."""
    out = _export_message(message, {}, set())
    out.pop("weight", None)
    return json.dumps(out, sort_keys=True, ensure_ascii=False)


def _schemas(tools: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["function"]["name"]: t["function"].get("parameters") or {} for t in tools}  # checked by restore


def _recorded_as_kept(state: RestoredState) -> Iterator[dict[str, Any]]:
    """The export of a session recorded before genie kept what each request sent: its messages as kept."""
    tools = state.start.get("tools") or []
    schemas = _schemas(tools)
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
