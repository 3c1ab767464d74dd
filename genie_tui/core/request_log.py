"""What each request sent the model, kept in the session so that ``genie export`` can give exactly that.

A request's messages are not the session's messages: the system prompt restates the current plan, patch and
approval mode (and says how many turns were left out), an empty reply goes back as ``[no reply]``, arguments are
made JSON objects, turned-off playbooks are cut, and :func:`genie_tui.core.context.compact` elides, shrinks and
leaves out what does not fit the budget. None of that can be rebuilt afterwards (it depends on the calibrated
token meter and on state that changed since), so the ``request`` record carries it, as ``sent``: a list whose
items are either a message sent as it stands, or ``[a, b]``, the messages ``a`` to ``b - 1`` of the previous
``request`` record of the file (as sent then), or ``["m", back, count]``, ``count`` of the ``message`` records
before this request, from the ``back``-th last on. Requests share most of their messages with the one before and
the rest are mostly the messages just recorded, so a request costs the file little more than the messages that
changed (the system prompt when the plan did). The first request of a session object (a new session, each resume)
refers to no request before it.

A ``request`` record also carries ``tools`` when they differ from the last ones it recorded (the first request of a
session object always does): a session resumed by a newer genie is sent that genie's tools, not its start record's.
"""

from __future__ import annotations

from typing import Any

from genie_tui.core.session import Session


def record(session: Session, step: int, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> None:
    """Record the ``request`` the agent is about to send: its step, message count and :func:`encode` d messages.

    The previous request is remembered only once the record is written: a record that failed is not referred to.
    """
    before, tools_before = session.last_request
    extra: dict[str, Any] = {} if tools == tools_before else {"tools": tools}
    sent = encode(messages, before, session.new_messages)
    session.record("request", step=step, messages=len(messages), sent=sent, **extra)
    session.new_messages = []
    session.last_request = (list(messages), tools)


def encode(messages: list[dict[str, Any]], before: list[dict[str, Any]],
           recorded: list[dict[str, Any]]) -> list[Any]:
    """``messages`` as references into ``before`` (the previous request's) or ``recorded`` (the last ``message``
    records of the file, in order) where they are the same objects, else whole.

    The history's messages are never changed once appended (compaction makes changed copies and keeps reusing
    them), so most are the very objects sent before; a copy made anew (the system prompt, a message with a turned
    off playbook cut) is compared only with the message at the same place before, which keeps this linear.
    """
    at = {id(m): i for i, m in enumerate(before)}
    back = {id(m): len(recorded) - i for i, m in enumerate(recorded)}
    out: list[Any] = []
    expect = 0
    for message in messages:
        j = at.get(id(message))
        if j is None and id(message) in back:
            n = back[id(message)]
            last = out[-1] if out else None
            if isinstance(last, list) and len(last) == 3 and last[1] - last[2] == n:
                last[2] += 1
            else:
                out.append(["m", n, 1])
            expect += 1
            continue
        if j is None and expect < len(before) and before[expect] == message:
            j = expect
        if j is None:
            out.append(message)
            expect += 1
            continue
        if out and isinstance(out[-1], list) and len(out[-1]) == 2 and out[-1][1] == j:
            out[-1][1] = j + 1
        else:
            out.append([j, j + 1])
        expect = j + 1
    return out


def decode(sent: object, before: list[dict[str, Any]], recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages a ``request`` record's ``sent`` stands for, given the previous request's and the ``message``
    records before it.

    Raises:
        ValueError: ``sent`` is not what :func:`encode` makes (a damaged record).
    """
    if not isinstance(sent, list):
        raise ValueError("sent is not a list")  # noqa: TRY004 - a damaged record, as restore says of others
    out: list[dict[str, Any]] = []
    for item in sent:
        if isinstance(item, dict):
            out.append(item)
        elif isinstance(item, list) and len(item) == 2 and all(type(n) is int for n in item) \
                and 0 <= item[0] < item[1] <= len(before):
            out.extend(before[item[0]:item[1]])
        elif isinstance(item, list) and len(item) == 3 and item[0] == "m" and all(type(n) is int for n in item[1:]) \
                and 0 < item[2] <= item[1] <= len(recorded):
            start = len(recorded) - item[1]
            out.extend(recorded[start:start + item[2]])
        else:
            raise ValueError("sent refers to messages the request before did not have")
    return out
