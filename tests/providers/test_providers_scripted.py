"""The scripted server speaks the streaming wire protocol (checked on raw bytes, without the SDK)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from genie_tui.providers.scripted import Reply, ScriptedServer


def _sse(text: str) -> list[str]:
    return [line[len("data: "):] for line in text.split("\n\n") if line.startswith("data: ")]


def _chat(server: ScriptedServer, **body: object) -> httpx.Response:
    payload = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **body}
    return httpx.post(f"{server.base_url}/chat/completions", json=payload, timeout=5)


def test_stream_has_role_deltas_split_tool_args_finish_usage_and_done() -> None:
    reply = Reply("Hello, world", [("read_file", {"path": "src/app.py"})], chunk_chars=5)
    with ScriptedServer([reply]) as server:
        resp = _chat(server, stream=True, stream_options={"include_usage": True})
    events = _sse(resp.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content = [c["choices"][0]["delta"].get("content") for c in chunks[1:] if c["choices"]]
    assert "".join(x for x in content if x) == "Hello, world"
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks if c["choices"]
             and "tool_calls" in c["choices"][0]["delta"]]
    assert calls[0]["id"] and calls[0]["function"]["name"] == "read_file"
    assert all("id" not in c and "name" not in c["function"] for c in calls[1:])
    assert len(calls) > 3  # the arguments really are split
    assert json.loads("".join(c["function"]["arguments"] for c in calls)) == {"path": "src/app.py"}
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert server.requests[0]["stream"] is True


def test_no_usage_chunk_unless_asked_and_non_stream_json() -> None:
    with ScriptedServer([Reply("a"), Reply("plain", prompt_tokens=7, completion_tokens=3)]) as server:
        chunks = [json.loads(e) for e in _sse(_chat(server, stream=True).text)[:-1]]
        body = _chat(server).json()
    assert all(c["choices"] for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["message"]["content"] == "plain"
    assert body["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def test_faults_and_exhausted_script() -> None:
    script = [Reply(fault="429", retry_after=2), Reply("abcdefghijklmnop", chunk_chars=2, fault="malformed"),
              Reply("abcdefghijklmnop", chunk_chars=2, fault="truncate")]
    with ScriptedServer(script) as server:
        limited = _chat(server, stream=True)
        malformed = _sse(_chat(server, stream=True).text)
        truncated = _sse(_chat(server, stream=True).text)
        exhausted = _chat(server, stream=True)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed[-1])
    assert "[DONE]" not in truncated
    assert all(json.loads(e)["choices"][0]["finish_reason"] is None for e in truncated)
    assert exhausted.status_code == 500
    assert exhausted.json()["error"]["message"] == "scripted server: script exhausted"


def test_drop_closes_the_socket_mid_stream() -> None:
    with ScriptedServer([Reply("x" * 64, fault="drop")]) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            _chat(server, stream=True)


def test_callable_entries_see_the_request_and_models_route_accepts_any_prefix() -> None:
    def echo(body: dict) -> Reply:
        return Reply(f"you said {body['messages'][-1]['content']}")

    with ScriptedServer([echo], models=("a", "b")) as server:
        assert _chat(server).json()["choices"][0]["message"]["content"] == "you said hi"
        root = server.base_url.removesuffix("/v1")
        ids = [m["id"] for m in httpx.get(f"{root}/api/v1/models", timeout=5).json()["data"]]
    assert ids == ["a", "b"]


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 5000 + "]" * 5000], ids=["unclosed", "valid but deep"])
def test_a_script_nested_too_deeply_is_one_line(tmp_path: Path, text: str, capsys) -> None:
    """json's RecursionError was a traceback of ``python -m genie_tui.providers.scripted``."""
    from genie_tui.providers.scripted import main

    (tmp_path / "deep.json").write_text(text)
    assert main([str(tmp_path / "deep.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"scripted: {tmp_path / 'deep.json'}: cannot read script: maximum recursion depth") and \
        len(err.splitlines()) == 1, err


def test_from_json_and_module_cli(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    finish = {"name": "finish", "arguments": {"summary": "ok"}}
    script.write_text(json.dumps([{"content": "hi", "tool_calls": [finish]}]))
    server = ScriptedServer.from_json(script)
    assert server.script[0].tool_calls == [("finish", {"summary": "ok"})]
    (tmp_path / "bad.json").write_text('[{"contnet": "typo"}]')
    with pytest.raises(ValueError, match="contnet"):
        ScriptedServer.from_json(tmp_path / "bad.json")

    proc = subprocess.Popen([sys.executable, "-m", "genie_tui.providers.scripted", str(script)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        body = httpx.post(f"{base_url}/chat/completions", json={"model": "m", "messages": []}, timeout=5).json()
        assert body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "finish"
    finally:
        proc.terminate()
        proc.communicate(timeout=5)
