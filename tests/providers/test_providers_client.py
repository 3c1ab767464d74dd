"""ModelClient against the scripted server, through the real openai SDK (never mocked)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genie_tui.core.events import (
    TextDelta,
    ToolCallArgsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    TurnRetrying,
    UsageReported,
)
from genie_tui.providers.client import AssistantTurn, ModelClient, ModelError
from genie_tui.providers.retry import parse_retry_after
from genie_tui.providers.scripted import Reply, ScriptedServer

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "fix the bug"}]
PARAMS = {"type": "object", "properties": {"path": {"type": "string"}}}
TOOLS = [{"type": "function", "function": {"name": "read_file", "description": "read", "parameters": PARAMS}}]


@contextlib.contextmanager
def serve(script: list[Any], **kwargs: Any) -> Iterator[ScriptedServer]:
    with ScriptedServer(script, **kwargs) as server:
        yield server


def client_for(server: ScriptedServer, **kwargs: Any) -> ModelClient:
    options: dict[str, Any] = {"timeout": 5.0, "max_retries": 4, "backoff_base": 0.01, "backoff_max": 1.0}
    options.update(kwargs)
    key = options.pop("api_key", None)
    return ModelClient(model="scripted-model", base_url=server.base_url, api_key=key, **options)


async def run_turn(client: ModelClient, tools: list[dict[str, Any]] | None = None) -> tuple[list[Any], AssistantTurn]:
    items: list[Any] = []
    try:
        async for item in client.stream_turn(MESSAGES, TOOLS if tools is None else tools):
            items.append(item)
    finally:
        await client.aclose()
    assert isinstance(items[-1], AssistantTurn), "the last item must be the turn"
    assert not any(isinstance(i, AssistantTurn) for i in items[:-1])
    return items[:-1], items[-1]


def after_last_retry(events: list[Any]) -> list[Any]:
    idx = max((i for i, e in enumerate(events) if isinstance(e, TurnRetrying)), default=-1)
    return events[idx + 1:]


async def test_text_and_tool_call_deltas_are_reassembled() -> None:
    reply = Reply("I will read the file first.", [("read_file", {"path": "src/app.py"}),
                                                    ("search_code", {"query": "parse_config", "k": 3})],
                  chunk_chars=4, prompt_tokens=120, completion_tokens=30)
    with serve([reply]) as server:
        events, turn = await run_turn(client_for(server))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "I will read the file first."
    assert sum(isinstance(e, TextDelta) for e in events) > 3  # really streamed in pieces
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    assert [e.name for e in started] == ["read_file", "search_code"]
    for call, start in zip(turn.tool_calls, started, strict=True):
        deltas = [e for e in events if isinstance(e, ToolCallArgsDelta) and e.call_id == call.id]
        assert len(deltas) > 2 and "".join(d.delta for d in deltas) == call.raw_arguments
        assert events.index(start) < events.index(deltas[0])
    assert turn.tool_calls[0].arguments == {"path": "src/app.py"}
    assert turn.tool_calls[1].arguments == {"query": "parse_config", "k": 3}
    completed = [e for e in events if isinstance(e, ToolCallCompleted)]
    assert [c.arguments for c in completed] == [c.arguments for c in turn.tool_calls]
    assert turn.finish_reason == "tool_calls" and turn.attempts == 1
    assert turn.usage == UsageReported(120, 30, estimated=False) and events[-1] == turn.usage
    sent = server.requests[0]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["tools"] == TOOLS and sent["messages"] == MESSAGES
    msg = turn.to_message()
    assert msg["tool_calls"][1]["function"] == {"name": "search_code", "arguments": turn.tool_calls[1].raw_arguments}


async def test_the_history_is_serialised_for_an_estimate_only_when_the_endpoint_reports_no_usage(monkeypatch) -> None:
    # the estimate serialised a long session's whole history at every request, on the app's event loop
    import genie_tui.providers.client as client_module

    estimated: list[int] = []
    real = client_module.estimate_tokens
    monkeypatch.setattr(client_module, "estimate_tokens", lambda text: estimated.append(len(text)) or real(text))
    with serve([Reply("counted", prompt_tokens=120, completion_tokens=3)]) as server:
        _, turn = await run_turn(client_for(server))
    assert turn.usage == UsageReported(120, 3, estimated=False) and estimated == []
    with serve([Reply("first")], reject_stream_options=True) as server:  # no usage reported: estimated
        _, turn = await run_turn(client_for(server))
    assert turn.usage is not None and turn.usage.estimated and estimated and estimated[0] > len("first")


async def test_malformed_tool_arguments_are_reported_not_raised() -> None:
    with serve([Reply(tool_calls=[("read_file", '{"path": "a.py"')])]) as server:
        _, turn = await run_turn(client_for(server))
    call = turn.tool_calls[0]
    assert call.arguments is None and call.raw_arguments == '{"path": "a.py"'
    assert call.error and "not valid JSON" in call.error


async def test_endpoint_rejecting_stream_options_is_asked_again_without_it() -> None:
    with serve([Reply("first"), Reply("second")], reject_stream_options=True) as server:
        client = client_for(server)
        _, first = await run_turn(client)
        _, second = await run_turn(client)
    assert (first.content, second.content) == ("first", "second")
    assert "stream_options" in server.requests[0]
    assert all("stream_options" not in r for r in server.requests[1:]) and len(server.requests) == 3
    assert first.usage is not None and first.usage.estimated and first.usage.prompt_tokens > 0


async def test_429_retry_after_is_honoured() -> None:
    stamps: list[float] = []

    def at(reply: Reply):
        def entry(body: dict) -> Reply:
            stamps.append(time.monotonic())
            return reply
        return entry

    with serve([at(Reply(fault="429", retry_after=0.6)), at(Reply("ok"))]) as server:
        events, turn = await run_turn(client_for(server, backoff_base=0.001))
    retry = next(e for e in events if isinstance(e, TurnRetrying))
    assert retry.delay == pytest.approx(0.6) and retry.attempt == 2 and retry.max_attempts == 5
    assert "429" in retry.reason
    assert stamps[1] - stamps[0] >= 0.58
    assert turn.content == "ok" and turn.attempts == 2


async def test_a_429_for_an_account_out_of_credit_is_not_retried() -> None:
    # OpenAI answers 429 both for "slow down" and for "no credit left"; waiting does not add credit
    broke = Reply(fault="429", error_code="insufficient_quota",
                  error_message="You exceeded your current quota, please check your plan and billing details.")
    with serve([broke, Reply("unreachable")]) as server:
        start = time.monotonic()
        with pytest.raises(ModelError) as info:
            await run_turn(client_for(server, backoff_base=1.0))
    assert len(server.requests) == 1 and time.monotonic() - start < 1
    message = str(info.value)
    assert "gave up" not in message and "quota" in message and "billing" in message, message


async def test_a_server_that_ignores_stream_still_gives_a_turn() -> None:
    # some servers and proxies answer a streamed request with one JSON completion
    whole = Reply("the answer", [("read_file", {"path": "a.py"})], fault="nostream")
    with serve([whole]) as server:
        events, turn = await run_turn(client_for(server))
    assert turn.content == "the answer" and turn.finish_reason == "tool_calls" and turn.attempts == 1
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("read_file", {"path": "a.py"})]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "the answer"
    assert any(isinstance(e, ToolCallCompleted) for e in events)
    assert turn.usage is not None and not turn.usage.estimated and len(server.requests) == 1


async def test_an_event_stream_labelled_as_json_is_read_as_the_stream_it_is() -> None:
    # some servers and proxies label every answer application/json, their event streams too; the SDK reads
    # those as streams, and so must genie
    reply = Reply("the answer", [("read_file", {"path": "a.py"})], fault="mislabeled", chunk_chars=3)
    with serve([reply, Reply("unreachable")]) as server:
        events, turn = await run_turn(client_for(server))
    assert turn.content == "the answer" and turn.finish_reason == "tool_calls" and turn.attempts == 1
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("read_file", {"path": "a.py"})]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "the answer"
    assert turn.usage is not None and not turn.usage.estimated and len(server.requests) == 1


async def test_an_html_page_or_a_json_error_instead_of_a_stream_is_named() -> None:
    # a captive portal or a proxy's login page answers 200 with HTML: no retry can help, and the user must
    # learn what came back, not "connection cut?"
    with serve([Reply(fault="html"), Reply("unreachable")]) as server:
        with pytest.raises(ModelError) as info:
            await run_turn(client_for(server))
    message = str(info.value)
    assert len(server.requests) == 1 and "text/html" in message and "Sign in to continue" in message, message
    error = Reply(fault="nostream", error_message="model 'qwen' is not loaded")
    with serve([error, error, Reply("unreachable")]) as server:
        with pytest.raises(ModelError) as info:
            await run_turn(client_for(server, max_retries=1))
    assert "model 'qwen' is not loaded" in str(info.value) and "connection cut" not in str(info.value)


async def test_retry_after_is_capped_by_backoff_max() -> None:
    with serve([Reply(fault="429", retry_after=3600), Reply("ok")]) as server:
        start = time.monotonic()
        events, turn = await run_turn(client_for(server, backoff_max=0.2))
    assert next(e for e in events if isinstance(e, TurnRetrying)).delay == pytest.approx(0.2)
    assert time.monotonic() - start < 3 and turn.content == "ok"


def test_parse_retry_after_forms() -> None:
    from email.utils import formatdate

    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert 25 < (parse_retry_after({"retry-after": formatdate(time.time() + 30, usegmt=True)}) or 0) <= 30
    assert parse_retry_after({"retry-after": "soon"}) is None and parse_retry_after({}) is None


async def test_500_then_success() -> None:
    with serve([Reply(fault="500"), Reply("recovered")]) as server:
        events, turn = await run_turn(client_for(server))
    assert [type(e) for e in events if isinstance(e, TurnRetrying)] == [TurnRetrying]
    assert "500" in next(e for e in events if isinstance(e, TurnRetrying)).reason
    assert turn.content == "recovered" and len(server.requests) == 2


@pytest.mark.parametrize("fault", ["drop", "truncate", "malformed"])
async def test_cut_or_broken_stream_is_retried_and_partial_turn_never_used(fault: str) -> None:
    broken = Reply("PARTIAL-" * 8, [("propose_patch", {"diff": "--- a/x\n+++ b/x\n"})], chunk_chars=4, fault=fault)
    with serve([broken, Reply("whole answer")]) as server:
        events, turn = await run_turn(client_for(server))
    retry = next(i for i, e in enumerate(events) if isinstance(e, TurnRetrying))
    assert any(isinstance(e, TextDelta) and "PART" in e.text for e in events[:retry])  # it was streamed...
    assert turn.content == "whole answer" and turn.tool_calls == () and turn.attempts == 2  # ...but not used
    assert not any(isinstance(e, ToolCallCompleted) for e in events)
    assert "".join(e.text for e in after_last_retry(events) if isinstance(e, TextDelta)) == "whole answer"


@pytest.mark.parametrize("stall", [Reply(fault="hang", hang_seconds=10),  # before the response starts
                                   Reply("slow " * 10, chunk_delay=2.0)])  # in the middle of the stream
async def test_hang_times_out_and_is_retried(stall: Reply) -> None:
    with serve([stall, Reply("awake")]) as server:
        start = time.monotonic()
        events, turn = await run_turn(client_for(server, timeout=0.4))
    elapsed = time.monotonic() - start
    assert "timeout" in next(e for e in events if isinstance(e, TurnRetrying)).reason
    assert turn.content == "awake" and 0.35 < elapsed < 5


async def test_retries_exhausted_gives_one_clear_line() -> None:
    with serve([Reply(fault="429")] * 3 + [Reply("too late")]) as server:
        events: list[Any] = []
        client = client_for(server, max_retries=2)
        with pytest.raises(ModelError) as info:
            async for item in client.stream_turn(MESSAGES, TOOLS):
                events.append(item)
        await client.aclose()
    message = str(info.value)
    assert "\n" not in message and server.base_url in message
    assert "gave up after 3 attempts" in message and "429 Too Many Requests" in message
    assert len(server.requests) == 3 and sum(isinstance(e, TurnRetrying) for e in events) == 2


async def test_401_is_not_retried_and_never_shows_the_key() -> None:
    key = "sk-test-supersecret-0123456789"
    with serve([Reply(fault="401"), Reply("unreachable")]) as server:
        with pytest.raises(ModelError) as info:
            await run_turn(client_for(server, api_key=key))
    assert "rejected the API key" in str(info.value) and key not in str(info.value)
    assert len(server.requests) == 1


async def test_list_models_and_unreachable_endpoint() -> None:
    with serve([], models=("llama3.1:8b", "qwen2.5-coder:7b")) as server:
        client = client_for(server)
        assert await client.list_models() == ["llama3.1:8b", "qwen2.5-coder:7b"]
        await client.aclose()
        dead = f"http://127.0.0.1:{server.base_url.split(':')[2].split('/')[0]}/v1"
    # the server is stopped now: nothing listens on that port any more
    client = ModelClient(model="m", base_url=dead, api_key=None, timeout=2, max_retries=1, backoff_base=0.01)
    with pytest.raises(ModelError, match="connection error"):
        await client.list_models()
    await client.aclose()


async def test_closing_the_turn_closes_the_http_stream() -> None:
    slow = Reply("word " * 400, chunk_chars=5, chunk_delay=0.02)  # ~8 s if read to the end
    with serve([slow]) as server:
        client = client_for(server)
        start = time.monotonic()
        async with contextlib.aclosing(client.stream_turn(MESSAGES, TOOLS)) as stream:
            seen = 0
            async for item in stream:
                seen += isinstance(item, TextDelta)
                if seen == 3:
                    break
        while server.aborted == 0 and time.monotonic() - start < 3:
            await asyncio.sleep(0.02)
        await client.aclose()
        assert server.aborted == 1 and time.monotonic() - start < 3


async def test_cancelling_the_task_closes_the_http_stream() -> None:
    slow = Reply("word " * 400, chunk_chars=5, chunk_delay=0.02)
    with serve([slow]) as server:
        client = client_for(server)
        first = asyncio.Event()

        async def consume() -> None:
            async for item in client.stream_turn(MESSAGES, TOOLS):
                if isinstance(item, TextDelta):
                    first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        start = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        while server.aborted == 0 and time.monotonic() - start < 3:
            await asyncio.sleep(0.02)
        await client.aclose()
        assert server.aborted == 1 and time.monotonic() - start < 3


def test_importing_the_client_loads_neither_the_sdk_nor_textual() -> None:
    code = ("import sys, genie_tui.providers.client, genie_tui.providers.scripted;"
            "print(sorted(m for m in ('openai', 'textual') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("style, fault", [("whole", None), ("same_index", None), ("object", None),
                                          ("object", "nostream")])
async def test_tool_call_shapes_of_other_servers(style: str, fault: str | None) -> None:
    calls = [("read_file", {"path": "a.py"}), ("read_file", {"path": "b.py"}), ("finish", {"summary": "done"})]
    with serve([Reply(tool_calls=calls, tool_style=style, chunk_chars=3, fault=fault)]) as server:
        events, turn = await run_turn(client_for(server))
    assert [(c.name, c.arguments) for c in turn.tool_calls] == calls
    assert all(json.loads(c.raw_arguments) == args for c, (_, args) in zip(turn.tool_calls, calls, strict=True))
    assert all(isinstance(e.delta, str) for e in events if isinstance(e, ToolCallArgsDelta))
    assert len({c.id for c in turn.tool_calls}) == 3
    assert [e.name for e in events if isinstance(e, ToolCallStarted)] == ["read_file", "read_file", "finish"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200), arg=st.text(max_size=100), size=st.integers(1, 20))
def test_any_split_reassembles_exactly(text: str, arg: str, size: int) -> None:
    reply = Reply(text, [("search_code", {"query": arg})], chunk_chars=size)

    async def go() -> tuple[list[Any], AssistantTurn]:
        with serve([reply]) as server:
            return await run_turn(client_for(server))

    events, turn = asyncio.run(go())
    assert turn.content == text == "".join(e.text for e in events if isinstance(e, TextDelta))
    assert turn.tool_calls[0].arguments == {"query": arg}


async def test_a_400_for_another_reason_is_not_retried_and_keeps_stream_options() -> None:
    with serve([Reply(fault="400"), Reply(fault="400"), Reply("ok")]) as server:
        client = client_for(server)
        with pytest.raises(ModelError, match="rejected the request .400 Bad Request"):
            await run_turn(client)
        _, turn = await run_turn(client)
    assert ["stream_options" in r for r in server.requests] == [True, False, True]
    assert turn.content == "ok" and turn.usage is not None and not turn.usage.estimated


async def test_missing_key_on_401_says_which_variable_to_set() -> None:
    with serve([Reply(fault="401")]) as server:
        with pytest.raises(ModelError, match="requires an API key .set GENIE_API_KEY or OPENAI_API_KEY"):
            await run_turn(client_for(server))
    assert server.requests and len(server.requests) == 1


async def test_credentials_in_the_base_url_never_reach_the_message() -> None:
    with serve([Reply(fault="403")]) as server:
        url = server.base_url.replace("http://", "http://alice:hunter2secret@")
        client = ModelClient(model="m", base_url=url, api_key=None, timeout=5, max_retries=0)
        with pytest.raises(ModelError) as info:
            async for _ in client.stream_turn(MESSAGES, TOOLS):
                pass
        await client.aclose()
    message = str(info.value)
    assert "403 Forbidden" in message and server.base_url in message
    assert "hunter2" not in message and "alice" not in message


async def test_a_slow_first_byte_within_the_timeout_is_not_a_failure() -> None:
    with serve([Reply("patience", fault="hang", hang_seconds=0.3)]) as server:
        events, turn = await run_turn(client_for(server, timeout=3))
    assert turn.content == "patience" and turn.attempts == 1
    assert not any(isinstance(e, TurnRetrying) for e in events)


async def test_a_base_url_without_v1_gets_a_hint_on_404() -> None:
    with serve([Reply("unreachable")]) as server:
        bare = server.base_url.removesuffix("/v1")
        client = ModelClient(model="m", base_url=bare, api_key=None, timeout=5, max_retries=0)
        with pytest.raises(ModelError) as info:
            await run_turn(client)
    message = str(info.value)
    assert "404" in message and f"expect the base URL to end in /v1 ({bare}/v1)" in message
    assert "\n" not in message


async def test_the_v1_hint_never_shows_credentials_from_the_base_url() -> None:
    with serve([Reply("unreachable")]) as server:
        port = server.base_url.split(":")[2].split("/")[0]
        url = f"http://alice:hunter2@127.0.0.1:{port}/api?token=s3cret%2Fvalue"
        client = ModelClient(model="m", base_url=url, api_key=None, timeout=5, max_retries=0)
        with pytest.raises(ModelError) as info:
            await run_turn(client)
    message = str(info.value)
    assert f"end in /v1 (http://127.0.0.1:{port}/api/v1)" in message, message
    assert "hunter2" not in message and "s3cret" not in message and "alice" not in message, message  # echoed URL


async def test_listing_models_gives_up_after_one_timeout() -> None:
    """A server that accepts the connection and never answers costs one timeout, not one per retry."""
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    client = ModelClient(model="m", base_url=url, api_key=None, timeout=0.5, max_retries=3, backoff_base=0.01)
    started = time.monotonic()
    try:
        with pytest.raises(ModelError, match="timeout"):
            await client.list_models()
        elapsed = time.monotonic() - started
    finally:
        await client.aclose()
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
    assert len(held) == 1, f"{len(held)} connections in {elapsed:.2f}s"  # one attempt, not one per retry


@pytest.mark.parametrize("choices", [["x"], [{"message": "x"}], [{"message": {"tool_calls": ["read_file"]}}],
                                     [{"message": {"tool_calls": [{"function": "read_file"}]}}]])
async def test_a_json_completion_of_the_wrong_shape_is_a_retried_malformed_answer(choices: list[Any]) -> None:
    bad = Reply(fault="nostream", body={"id": "c1", "object": "chat.completion", "choices": choices})
    with serve([bad, Reply("recovered")]) as server:
        events, turn = await run_turn(client_for(server))
    retry = next(e for e in events if isinstance(e, TurnRetrying))
    assert retry.reason.startswith("malformed answer: choices[0]") and "not an object" in retry.reason, retry
    assert turn.content == "recovered" and turn.attempts == 2 and len(server.requests) == 2



def _serve_in_a_process(script: Any) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "genie_tui.providers.scripted", str(script)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


async def test_a_burst_of_chunks_lets_the_event_loop_run(tmp_path: Any) -> None:
    """A fast server's burst is parsed by the SDK without a pause; the app's screen shares the loop, so the
    stream must let it run every few milliseconds. The server runs in a process of its own, as a real one does
    (in this process, the GIL would hand the loop pauses the stream did not make). The gaps are counted in this
    thread's CPU time, so that the machine's other work preempting the test is not taken for the stream's."""
    script = tmp_path / "burst.json"
    script.write_text(json.dumps([{"content": "x" * 12000, "chunk_chars": 1}]))
    proc, base_url = await asyncio.to_thread(_serve_in_a_process, script)
    gaps: list[float] = []
    flowing = asyncio.Event()  # from the first token on: connecting is not what is measured
    done = asyncio.Event()

    async def ticker() -> None:
        await flowing.wait()
        last = time.thread_time()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.thread_time()
            gaps.append(now - last)
            last = now

    text: list[str] = []
    try:
        client = ModelClient(model="scripted-model", base_url=base_url, api_key=None, timeout=10.0, max_retries=0)
        task = asyncio.create_task(ticker())
        try:
            async for item in client.stream_turn(MESSAGES, TOOLS):
                if isinstance(item, TextDelta):
                    flowing.set()
                    text.append(item.text)
        finally:
            done.set()
            flowing.set()
            await task
            await client.aclose()
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.communicate, timeout=5)
    assert "".join(text) == "x" * 12000 and len(gaps) > 20
    assert max(gaps) < 0.06, f"the loop waited {max(gaps) * 1000:.0f} ms for the stream"
