"""JSON from the model endpoint nested deeper than Python's parser goes (a review: tool-call arguments of 100,000
'[', an SSE event or a whole answer nested so deep) ended the run at once with a RecursionError: bad arguments go
back to the model as any invalid ones do, and such a chunk or answer is retried as a malformed one is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from genie_tui.core.events import TurnRetrying
from genie_tui.providers.client import ModelClient
from genie_tui.providers.scripted import Reply, ScriptedServer
from genie_tui.providers.wire import completion_body

DEEP = "[" * 100_000
FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


@pytest.mark.parametrize("arguments", [DEEP, '{"a":' * 100_000, '{"path": ' + "[" * 5000 + "]" * 5000 + "}"],
                         ids=["unclosed lists", "unclosed objects", "valid but deep"])
def test_tool_call_arguments_nested_too_deeply_go_back_to_the_model(make_repo, arguments: str) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    script = [Reply(tool_calls=[("read_file", arguments)], tool_style="whole"), FINISH]
    with ScriptedServer(script) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "fix it", "--repo", str(repo),
                               "--base-url", server.base_url, "--model", "m", "--json"], capture_output=True,
                              text=True, env=dict(os.environ), stdin=subprocess.DEVNULL, timeout=120, check=False)
        requests = server.requests
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["status"] == "finished"
    [result] = [m["content"] for m in requests[-1]["messages"] if m["role"] == "tool"]
    assert "read_file: arguments are nested too deeply to parse" in result, result


def _chunk(delta: str) -> str:
    return ('{"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [{"index": 0, '
            f'"delta": {{"content": {delta}}}}}]}}')


async def _turn(base_url: str) -> tuple[list[Any], Any]:
    client = ModelClient(model="m", base_url=base_url, api_key=None, timeout=10.0, max_retries=2,
                         backoff_base=0.01, backoff_max=0.05)
    items: list[Any] = []
    try:
        async for item in client.stream_turn([{"role": "user", "content": "go"}], []):
            items.append(item)
    finally:
        await client.aclose()
    return items[:-1], items[-1]


@pytest.mark.parametrize("reply", [Reply(events=[DEEP]), Reply(events=[_chunk(DEEP)]),
                                   Reply(events=[_chunk('"a"'), DEEP], fault="mislabeled")],
                         ids=["an event", "a delta in an event", "an event of a stream labelled JSON"])
async def test_a_stream_chunk_nested_too_deeply_is_retried_as_a_malformed_one(reply: Reply) -> None:
    with ScriptedServer([reply, FINISH]) as server:
        events, turn = await _turn(server.base_url)
        assert len(server.requests) == 2
    [retry] = [e for e in events if isinstance(e, TurnRetrying)]
    assert retry.reason == "malformed stream chunk (invalid JSON: nested too deeply)", retry.reason
    assert [c.name for c in turn.tool_calls] == ["finish"] and turn.attempts == 2


async def test_a_whole_json_answer_nested_too_deeply_is_retried_as_a_malformed_one() -> None:
    hits: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            hits.append(1)
            data = ('{"choices": ' + DEEP if len(hits) == 1 else json.dumps(completion_body(body, FINISH, 1))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        events, turn = await _turn(f"http://127.0.0.1:{server.server_address[1]}/v1")
    finally:
        server.shutdown()
        server.server_close()
    [retry] = [e for e in events if isinstance(e, TurnRetrying)]
    assert retry.reason == "malformed answer: JSON nested too deeply to parse", retry.reason
    assert [c.name for c in turn.tool_calls] == ["finish"] and len(hits) == 2
