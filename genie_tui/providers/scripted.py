"""A scripted OpenAI-compatible chat server on loopback, for tests and the keyless demo.

It speaks the wire protocol the real API speaks (SSE chunks: a role chunk, content in small deltas, tool-call
arguments split over several chunks, ``finish_reason``, a usage chunk when asked, ``[DONE]``), so the client
under test runs through the real openai SDK instead of a mock. Each chat request consumes the next entry of
the script; an entry can also inject a fault (429, 500, a dropped connection, a malformed chunk, a hang).

It also answers ``POST /v1/embeddings`` with deterministic vectors: a hashed bag of "concepts", where words
that mean the same thing (``picture``, ``photo``, ``image``) land in the same dimension, so a query can be
similar to code it shares no word with -- what a real embedding model does, without one.

Stdlib only: importing this never pulls in the SDK or Textual.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from genie_tui.providers.wire import FAULTS, Reply, ScriptEntry, completion_body, stream_events

__all__ = ["FAULTS", "Reply", "ScriptEntry", "ScriptedServer", "main"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request logging: tests and the demo would drown in it."""

    # --- routing ------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        if self.path.split("?")[0].rstrip("/").endswith("/v1/models"):
            models = self.server.owner.models
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "scripted"} for m in models]
            self._json(200, {"object": "list", "data": data})
        else:
            self._error(404, f"no such route: GET {self.path}", "not_found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.split("?")[0].rstrip("/").endswith("/v1/embeddings"):
            self._embeddings(raw)
            return
        if not self.path.split("?")[0].rstrip("/").endswith("/v1/chat/completions"):
            self._error(404, f"no such route: POST {self.path}", "not_found")
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            self._error(400, f"request body is not JSON: {exc}", "invalid_request_error")
            return
        owner = self.server.owner
        with owner._lock:
            owner.requests.append(body)
            owner.headers.append({k.lower(): v for k, v in self.headers.items()})
        if owner.reject_stream_options and "stream_options" in body:
            self._error(400, "Unrecognized request argument supplied: stream_options", "invalid_request_error")
            return
        reply = owner._next_reply(body)
        if reply is None:
            self._error(500, "scripted server: script exhausted", "server_error")
            return
        self._answer(body, reply)

    # --- answers ------------------------------------------------------------------------------------------

    def _answer(self, body: dict[str, Any], reply: Reply) -> None:
        owner = self.server.owner
        if reply.fault == "hang":
            # Then answer normally: a client with a longer timeout just sees a slow first byte.
            if owner._stopping.wait(reply.hang_seconds):
                self.close_connection = True
                return
        if reply.fault is not None and reply.fault.isdigit():
            status = int(reply.fault)
            headers = {}
            if reply.retry_after is not None:
                headers["Retry-After"] = f"{reply.retry_after:g}"
            kind = reply.error_code or {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
            self._error(status, reply.error_message or f"scripted {status}", kind, headers)
            return
        if reply.fault == "html":
            self._raw(200, "text/html; charset=utf-8", b"<html><body><h1>Sign in to continue</h1></body></html>")
        elif reply.fault in ("cutbody", "stallbody", "endless"):
            self._broken_body(body, reply)
        elif reply.fault == "nostream" and reply.error_message:
            self._error(200, reply.error_message, reply.error_code or "server_error")
        elif reply.fault == "nostream" and reply.body is not None:
            self._raw(200, "application/json", json.dumps(reply.body).encode())
        elif body.get("stream") and reply.fault != "nostream":
            self._stream(body, reply)
        else:
            self._json(200, completion_body(body, reply, owner._new_id(), owner.reuse_call_ids))

    def _stream(self, body: dict[str, Any], reply: Reply) -> None:
        owner = self.server.owner
        events = reply.events if reply.events is not None else \
            stream_events(body, reply, owner._new_id(), owner.reuse_call_ids)
        self.send_response(200)
        label = "application/json" if reply.fault == "mislabeled" else "text/event-stream; charset=utf-8"
        self.send_header("Content-Type", label)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for event in events:  # an event that starts with ":" is an SSE comment (a keep-alive), sent as it is
                self._write_chunk(f"{event if event.startswith(':') else 'data: ' + event}\n\n".encode())
                if reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
            if reply.fault == "drop":
                # An abrupt close: no terminating chunk, like a proxy or server dying mid-stream.
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:  # the client went away (cancelled or timed out): count it, nothing else to do
            self.close_connection = True
            with self.server.owner._lock:
                self.server.owner.aborted += 1

    def _embeddings(self, raw: bytes) -> None:
        owner = self.server.owner
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            self._error(400, f"request body is not JSON: {exc}", "invalid_request_error")
            return
        with owner._lock:
            owner.embedding_requests.append(body)
            fault = owner.embed_faults.pop(0) if owner.embed_faults else None
        if fault is not None and fault.fault == "hang" and owner._stopping.wait(fault.hang_seconds):
            self.close_connection = True
            return
        if fault is not None and (fault.fault or "").isdigit():
            self._answer(body, fault)  # an HTTP error, with Retry-After when the fault sets retry_after
            return
        if owner.reject_base64 and body.get("encoding_format") == "base64":
            self._error(400, "encoding_format must be 'float'", "invalid_request_error")
            return
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) and t for t in inputs):
            self._error(400, "input must be a non-empty string or list of non-empty strings", "invalid_request_error")
            return
        data = []
        for i, text in enumerate(inputs):
            vec = concept_vector(text, owner.concepts, owner.embed_dim)
            value: Any = vec
            if body.get("encoding_format") == "base64":
                value = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
            data.append({"object": "embedding", "index": i, "embedding": value})
        tokens = sum(len(t.split()) for t in inputs)
        self._json(200, {"object": "list", "data": data, "model": body.get("model", ""),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    def _broken_body(self, body: dict[str, Any], reply: Reply) -> None:
        """A completion cut halfway through its body, or a page that never ends."""
        data = json.dumps(completion_body(body, reply, self.server.owner._new_id())).encode()
        endless = reply.fault == "endless"
        self.send_response(200)
        self.send_header("Content-Type", str(reply.body or "text/html") if endless else "application/json")
        if not endless:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.close_connection = True
        try:
            if not endless:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                if reply.fault == "stallbody":
                    self.server.owner._stopping.wait(reply.hang_seconds)
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            filler = b"<p>" + b"x" * 65536 + b"</p>\n"
            while not self.server.owner._stopping.is_set():
                self.wfile.write(filler)
        except OSError:  # the client stopped reading
            pass

    # --- helpers ------------------------------------------------------------------------------------------

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._raw(status, "application/json", json.dumps(payload).encode(), headers)

    def _raw(self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _error(self, status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> None:
        self._json(status, {"error": {"message": message, "type": kind, "param": None, "code": kind}}, headers)


#: words that share a meaning share a dimension of the scripted embeddings (extend per test with ``concepts``)
CONCEPTS: dict[str, str] = {
    **dict.fromkeys(("picture", "pictures", "photo", "photos", "image", "images", "img", "thumbnail"), "image"),
    **dict.fromkeys(("shrink", "smaller", "downsize", "resize", "scale", "reduce"), "shrink"),
    **dict.fromkeys(("download", "fetch", "http", "url", "request", "network", "internet"), "network"),
    **dict.fromkeys(("save", "store", "record", "database", "sql", "persist", "row"), "storage"),
    **dict.fromkeys(("log", "logger", "message", "print", "warn", "logging"), "logging"),
}
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _bucket(key: str, dim: int) -> int:
    return int(hashlib.md5(key.encode()).hexdigest()[:8], 16) % dim


def concept_vector(text: str, concepts: dict[str, str], dim: int) -> list[float]:
    """A deterministic embedding: one unit per concept word in its concept's dimension, a little weight per
    other word (so unrelated texts are not identical), L2-normalised."""
    vec = [0.0] * dim
    for word in _WORDS.findall(text):
        w = word.lower()
        concept = concepts.get(w)
        if concept is not None:
            vec[_bucket("concept:" + concept, dim)] += 1.0
        else:
            vec[_bucket("word:" + w, dim)] += 0.05
    norm = sum(v * v for v in vec) ** 0.5
    return [v / norm for v in vec] if norm else [1.0] + [0.0] * (dim - 1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedServer


class ScriptedServer:
    """Serve ``script`` on ``http://127.0.0.1:<free port>/v1`` from a daemon thread.

    ``requests`` records every chat request body in arrival order, so a test can assert on what the client
    sent (e.g. that the request after a rejected patch carries the review comment). When the script runs
    out, chat requests get HTTP 500 "scripted server: script exhausted".
    """

    def __init__(
        self,
        script: Sequence[ScriptEntry],
        models: Sequence[str] = ("scripted-model",),
        *,
        port: int = 0,
        reject_stream_options: bool = False,
        concepts: dict[str, str] | None = None,
        embed_dim: int = 256,
        embed_faults: Sequence[Reply] = (),
        reject_base64: bool = False,
        reuse_call_ids: bool = False,
        fallback: ScriptEntry | None = None,
    ) -> None:
        self.script: list[ScriptEntry] = list(script)
        self.fallback = fallback  # the answer once the script is over (None: HTTP 500 "script exhausted")
        self.models = tuple(models)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # each chat request's HTTP headers, names in lower case
        self.aborted = 0  # streams the client closed before the end (cancellation tests watch this)
        self.reject_stream_options = reject_stream_options
        self.concepts = dict(CONCEPTS if concepts is None else concepts)
        self.embed_dim = embed_dim
        self.embed_faults = list(embed_faults)  # consumed one per embeddings request, before normal answers
        self.embedding_requests: list[dict[str, Any]] = []
        self.reject_base64 = reject_base64  # like servers that only send JSON lists of floats
        self.reuse_call_ids = reuse_call_ids  # tool-call ids numbered per request (call_0 every turn), as some do
        self._port = port
        self._lock = threading.Lock()
        self._cursor = 0
        self._ids = 0
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @property
    def remaining(self) -> int:
        """How many script entries have not been consumed yet."""
        with self._lock:
            return len(self.script) - self._cursor

    def start(self) -> ScriptedServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Server(("127.0.0.1", self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="scripted-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # wake "hang" handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self, body: dict[str, Any]) -> Reply | None:
        with self._lock:
            if self._cursor >= len(self.script):
                entry = self.fallback
                if entry is None:
                    return None
            else:
                entry = self.script[self._cursor]
                self._cursor += 1
        return entry if isinstance(entry, Reply) else entry(body)

    def _new_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    @classmethod
    def from_json(cls, path: str | Path, **kwargs: Any) -> ScriptedServer:
        """Load a script file: a JSON list of reply objects, or ``{"models": [...], "replies": [...]}``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # RecursionError: '[' x 100,000 was a traceback
            raise ValueError(f"{path}: cannot read script: {exc}") from exc
        models = kwargs.pop("models", None)
        if isinstance(data, dict):
            models = models or data.get("models")
            data = data.get("replies", [])
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ValueError(f"{path}: a script is a JSON list of reply objects")
        try:
            replies = [Reply.from_dict(item) for item in data]
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"{path}: bad reply: {exc}") from exc
        return cls(replies, models=tuple(models or ("scripted-model",)), **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genie_tui.providers.scripted",
                                     description="Serve a scripted OpenAI-compatible model on 127.0.0.1.")
    parser.add_argument("script", help="JSON script: a list of reply objects")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--reuse-call-ids", action="store_true",
                        help="number tool calls per request (call_0 in every turn), as some servers do")
    args = parser.parse_args(argv)
    try:
        server = ScriptedServer.from_json(args.script, port=args.port, reuse_call_ids=args.reuse_call_ids).start()
    except (ValueError, OSError) as exc:
        print(f"scripted: {exc}", file=sys.stderr)
        return 1
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
