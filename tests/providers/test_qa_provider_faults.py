"""What a review found the client did with a misbehaving endpoint (the scripted server, the real SDK): chunks that
are JSON of the wrong shape failed the run, a number as text printed a traceback; a whole JSON answer cut off or
stalled was not retried; an endless page was read into memory; two calls at one index were merged."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from genie_tui.core.events import TextDelta, ToolCallCompleted, TurnRetrying
from genie_tui.providers.client import ModelClient, ModelError
from genie_tui.providers.scripted import Reply, ScriptedServer

MESSAGES = [{"role": "user", "content": "go"}]
FINISH = Reply(tool_calls=[("finish", {"summary": "recovered"})])


def _chunk(choice: Any = None, **extra: Any) -> str:
    return json.dumps({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                       "choices": [] if choice is None else [choice], **extra})


def _delta(delta: Any, finish: Any = None) -> str:
    return _chunk({"index": 0, "delta": delta, "finish_reason": finish})


SHAPES = {
    "null": "null", "a number": "5", "a list": "[]", "choices of numbers": '{"choices": [1]}',
    "a delta that is text": _delta("x"), "tool calls that are text": _delta({"tool_calls": "x"}),
    "a number as text": _delta({"content": 5}), "an object as text": _delta({"content": {"a": 1}}),
    "a function that is text": _delta({"tool_calls": [{"index": 0, "id": "q", "function": "list_dir"}]}),
    "a list as an index": _delta({"tool_calls": [{"index": [0], "id": "q", "function": {"name": "x"}}]}),
    "a number as a name": _delta({"tool_calls": [{"index": 0, "id": "q", "function": {"name": 5}}]}),
    "usage as text": _chunk(usage={"prompt_tokens": "lots", "completion_tokens": 1}),
    "a number as finish_reason": _delta({}, 5),
}


async def _turn(client: ModelClient) -> tuple[list[Any], Any]:
    items: list[Any] = []
    try:
        async for item in client.stream_turn(MESSAGES, []):
            items.append(item)
    finally:
        await client.aclose()
    return items[:-1], items[-1]


def _client(server: ScriptedServer, **kwargs: Any) -> ModelClient:
    options: dict[str, Any] = {"timeout": 5.0, "max_retries": 2, "backoff_base": 0.01, "backoff_max": 0.1, **kwargs}
    return ModelClient(model="m", base_url=server.base_url, api_key=None, **options)


@pytest.mark.parametrize("shape", SHAPES)
async def test_a_chunk_of_the_wrong_shape_is_retried_as_a_malformed_one(shape: str) -> None:
    bad = Reply(events=[_delta({"role": "assistant", "content": "half "}), SHAPES[shape]])
    with ScriptedServer([bad, FINISH]) as server:
        events, turn = await _turn(_client(server))
    retries = [e for e in events if isinstance(e, TurnRetrying)]
    assert len(retries) == 1 and retries[0].reason.startswith("malformed stream chunk ("), retries
    assert [c.name for c in turn.tool_calls] == ["finish"] and turn.content == ""
    assert all(isinstance(e.text, str) for e in events if isinstance(e, TextDelta))


@pytest.mark.parametrize("fault", ["cutbody", "stallbody"])
async def test_a_whole_json_answer_cut_off_or_stalled_is_retried(fault: str) -> None:
    with ScriptedServer([Reply(fault=fault, hang_seconds=3), FINISH]) as server:
        events, turn = await _turn(_client(server, timeout=1.0))
    [retry] = [e for e in events if isinstance(e, TurnRetrying)]
    assert ("connection error" if fault == "cutbody" else "no answer within 1s (timeout)") in retry.reason, retry.reason
    assert [c.name for c in turn.tool_calls] == ["finish"]


@pytest.mark.parametrize("kind", ["text/html", "application/json"])
async def test_an_answer_that_never_ends_is_not_read_whole(kind: str) -> None:
    with ScriptedServer([Reply(fault="endless", body=kind)]) as server:
        started = time.monotonic()
        with pytest.raises(ModelError) as caught:
            await _turn(_client(server, max_retries=0))
    said = str(caught.value)
    assert time.monotonic() - started < 10
    assert ("larger than 32 MB" in said) if kind == "application/json" else ("instead of an event stream" in said)


async def test_two_calls_at_one_index_stay_two_when_the_first_takes_no_arguments() -> None:
    # list_dir sent "" as its arguments; the next call's id at index 0 was read as list_dir's arguments
    events = [_delta({"role": "assistant", "content": ""}),
              _delta({"tool_calls": [{"index": 0, "id": "a", "type": "function",
                                      "function": {"name": "list_dir", "arguments": ""}}]}),
              _delta({"tool_calls": [{"index": 0, "id": "b", "type": "function",
                                      "function": {"name": "read_file", "arguments": ""}}]}),
              _delta({"tool_calls": [{"index": 0, "function": {"arguments": '{"path": "calc.py"}'}}]}),
              _delta({}, "tool_calls"), "[DONE]"]
    with ScriptedServer([Reply(events=events)]) as server:
        items, turn = await _turn(_client(server))
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("list_dir", {}), ("read_file", {"path": "calc.py"})]
    assert [e.name for e in items if isinstance(e, ToolCallCompleted)] == ["list_dir", "read_file"]


def _endless(event: str, delay: float) -> Any:
    """``event`` over and over, ``delay`` seconds apart (the server thread ends with the client's connection)."""
    while True:
        yield event
        time.sleep(delay)


@pytest.mark.parametrize("kind", ["keep-alive comments", "empty deltas"])
async def test_a_stream_kept_open_with_nothing_of_the_reply_is_given_up(kind: str) -> None:
    # a stuck proxy's keep-alives reset the read timeout: the turn waited forever (found by a review)
    event = ": ping" if kind == "keep-alive comments" else _delta({})
    stalled = Reply(events=_endless(event, 0.05))
    with ScriptedServer([stalled, FINISH]) as server:
        t0 = time.monotonic()
        events, turn = await _turn(_client(server, timeout=0.4))
        took = time.monotonic() - t0
    retries = [e for e in events if isinstance(e, TurnRetrying)]
    assert [r.reason for r in retries] == ["the endpoint sent nothing of the reply for 2 s while keeping the stream open"]
    assert [c.name for c in turn.tool_calls] == ["finish"] and took < 10


async def test_a_reasoning_stream_is_progress_and_a_reply_that_never_ends_is_cut_off(monkeypatch) -> None:
    import genie_tui.providers.client as client_mod

    thinking = [_delta({"reasoning_content": "hmm "}) for _ in range(30)]  # 30 x 0.05 s: past 0.4 s x 5 of nothing
    reasoned = Reply(events=[*thinking, _delta({"content": "ok"}, "stop")], chunk_delay=0.05)
    monkeypatch.setattr(client_mod, "MAX_REPLY_CHARS", 50_000)
    flood = Reply(events=_endless(_delta({"content": "again " * 100}), 0.0))
    with ScriptedServer([reasoned, flood, FINISH]) as server:
        events, turn = await _turn(_client(server, timeout=0.4))
        assert turn.content == "ok" and not [e for e in events if isinstance(e, TurnRetrying)]
        events, turn = await _turn(_client(server, timeout=0.4))
    retries = [e for e in events if isinstance(e, TurnRetrying)]
    assert [r.reason for r in retries] == ["the reply passed 50,000 characters without ending (a model repeating itself?)"]
    assert [c.name for c in turn.tool_calls] == ["finish"]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert len(text) < 60_000  # what streamed before the cut (then discarded by the retry)
