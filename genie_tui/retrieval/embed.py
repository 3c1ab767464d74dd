"""Clients for the optional semantic signal: an OpenAI-compatible ``/embeddings`` endpoint, and the chat
model that writes hypothetical code for a query.

Retries follow the provider's policy (``genie_tui.providers.retry``: 429 with ``Retry-After``, 5xx,
timeouts), with two differences that keep search responsive: a refused connection or a timeout is retried
once (a server that is not running or has hung will not recover in the next few seconds), and interactive
calls (embedding a query) retry once with a short timeout. After a failure for good the client stays off for
the rest of the process, so a dead endpoint costs one warning, not one per search. The SDK and numpy load on
first use.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genie_tui.config.settings import display_url
from genie_tui.errors import GenieError
from genie_tui.reading import loads_json

if TYPE_CHECKING:
    import numpy as np

    from genie_tui.config.settings import Settings
    from genie_tui.retrieval.semantic import Semantic

BATCH = 128  # inputs per request: OpenAI allows 2048, but local servers (Ollama on a CPU) answer big batches slowly
PARALLEL = 4  # requests in flight while indexing: a remote endpoint's latency, not its throughput, is the limit
MAX_INPUT_CHARS = 8000  # about 2k tokens of code: inside every common embedding model's context
QUERY_TIMEOUT = 15.0  # seconds; a search should not wait for the index-time timeout
HYDE_TIMEOUT = 30.0
HYDE_MAX_CHARS = 2000  # the stream is closed after this much code (see hypothetical_code)
DEFAULT_BASE_URL = "https://api.openai.com/v1"


class EmbeddingError(GenieError):
    """The embeddings (or hypothetical-code) endpoint failed for good; one line, no secrets."""


@dataclass(frozen=True, slots=True)
class SemanticConfig:
    """Where and how to embed, derived from the settings; ``chat_model`` is set when a chat model is
    configured (for hypothetical-code queries, on by default when ``hyde``)."""

    model: str
    base_url: str
    api_key: str | None = None
    timeout: float = 120.0
    max_retries: int = 4
    backoff_base: float = 1.0
    chat_model: str | None = None
    chat_base_url: str | None = None
    chat_api_key: str | None = None
    hyde: bool = True

    @classmethod
    def from_settings(cls, s: Settings) -> SemanticConfig | None:
        """``None`` unless ``embeddings_model`` is set: semantic search is opt-in."""
        if not s.embeddings_model:
            return None
        chat = s.model if s.model_configured and s.model else None
        return cls(model=s.embeddings_model, base_url=(s.embeddings_base_url or s.base_url or DEFAULT_BASE_URL),
                   api_key=s.embeddings_api_key or s.api_key, timeout=s.timeout, max_retries=s.max_retries,
                   backoff_base=s.backoff_base, chat_model=chat, chat_base_url=s.base_url,
                   chat_api_key=s.api_key, hyde=bool(getattr(s, "embeddings_hypothetical", True)))


def semantic_for(repo: Path, settings: Settings | None, warn: Callable[[str], None],
                 stop: threading.Event | None = None) -> Semantic | None:
    """The semantic signal of ``repo``'s index when ``settings`` (read from the config files when ``None``)
    turn it on, else ``None``."""
    if settings is None:
        from genie_tui.config.settings import endpoint_problem, load_settings

        try:
            settings = load_settings(repo, {}, check_endpoints=False, model_needed=False)
        except GenieError:
            return None  # the CLI reports a broken config itself; the index works without it
        problem = endpoint_problem(settings) if settings.embeddings_model else None
        if problem:  # the embeddings (or the hypothetical code's chat) endpoint would get the user's key
            warn(f"semantic search is off: {problem}")
            return None
    if not getattr(settings, "embeddings_model", None):
        return None
    from genie_tui.retrieval.semantic import Semantic

    cfg = SemanticConfig.from_settings(settings)
    return Semantic(cfg, warn, stop) if cfg is not None else None


class Embedder:
    """Batched embedding requests through the openai SDK (sync: indexing runs on a thread)."""

    def __init__(self, cfg: SemanticConfig) -> None:
        self.cfg = cfg
        self.failed: str | None = None  # set after a failure for good; later calls raise at once
        self.requests = 0
        self._base64 = True  # 4 bytes a number instead of ~20 characters of JSON, and much faster to decode
        self._clients: dict[float, Any] = {}
        self._lock = threading.Lock()

    def _sdk(self, timeout: float) -> Any:
        with self._lock:
            client = self._clients.get(timeout)
            if client is None:
                from openai import OpenAI

                client = self._clients[timeout] = OpenAI(api_key=self.cfg.api_key or "not-needed",
                                                         base_url=self.cfg.base_url.rstrip("/"),
                                                         timeout=timeout, max_retries=0)
            return client

    def embed(self, texts: list[str], *, interactive: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (texts are cut to :data:`MAX_INPUT_CHARS`)."""
        import numpy as np

        batches = [texts[i:i + BATCH] for i in range(0, len(texts), BATCH)]
        if len(batches) > 1 and not interactive:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(PARALLEL, len(batches)), thread_name_prefix="genie-embed") as pool:
                rows = list(pool.map(lambda b: self._request(b, False), batches))
        else:
            rows = [self._request(b, interactive) for b in batches]
        out = np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.where(norms > 0, norms, 1.0)).astype(np.float32)  # stored as float32 bytes

    def _request(self, batch: list[str], interactive: bool) -> np.ndarray:
        import openai

        from genie_tui.providers.retry import backoff_delay, classify, scrub

        if self.failed:
            raise EmbeddingError(self.failed)
        cfg = self.cfg
        timeout = min(cfg.timeout, QUERY_TIMEOUT) if interactive else cfg.timeout
        retries = min(cfg.max_retries, 1) if interactive else cfg.max_retries
        inputs = [t[:MAX_INPUT_CHARS] or " " for t in batch]
        attempt = 0
        while True:
            attempt += 1
            with self._lock:
                self.requests += 1
            try:
                raw = self._sdk(timeout).embeddings.with_raw_response.create(
                    model=cfg.model, input=inputs, encoding_format="base64" if self._base64 else "float")
                # loads_json: '[' x 100,000 is a malformed answer too (its RecursionError went past classify())
                return _vectors(loads_json(raw.content), len(inputs))
            except (EmbeddingError, TypeError, AttributeError, ValueError, KeyError) as exc:
                self.failed = f"embeddings endpoint {display_url(cfg.base_url)}: malformed answer ({exc})"
                raise EmbeddingError(self.failed) from None
            except Exception as exc:  # noqa: BLE001 - classify() re-raises what it does not understand
                if isinstance(exc, openai.BadRequestError) and self._base64:
                    self._base64 = False  # a server that knows only "float": ask again, and from now on
                    continue
                failure = classify(exc, model=cfg.model, timeout=timeout, key_present=bool(cfg.api_key))
                # a refused connection or a request that outlasted the whole timeout is tried once more, not
                # max_retries times: neither server is likely to recover in seconds, and with the default 120 s
                # timeout four retries of a hung endpoint held `genie index` (and a search after an edit) for
                # ten minutes; 429 and 5xx keep the full policy, they say when to come back
                limit = min(retries, 1) if isinstance(exc, openai.APIConnectionError) else retries
                if not failure.retryable or attempt > limit:
                    gave_up = f"gave up after {attempt} attempts: " if failure.retryable and attempt > 1 else ""
                    reason = scrub(failure.reason, cfg.api_key)
                    self.failed = f"embeddings endpoint {display_url(cfg.base_url)}: {gave_up}{reason}"
                    raise EmbeddingError(self.failed) from None
                time.sleep(backoff_delay(attempt, base=cfg.backoff_base, cap=5.0 if interactive else 30.0,
                                         retry_after=failure.retry_after))

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                with contextlib.suppress(Exception):
                    client.close()
            self._clients.clear()


def _vectors(body: Any, n: int) -> np.ndarray:
    """The rows of an embeddings response, base64 (float32 little-endian) or JSON lists alike.

    Parsed here instead of by the SDK: its model classes build one Python object per number, which took
    seconds per thousand 768-dimensional vectors.
    """
    import numpy as np

    data = sorted(body["data"], key=lambda d: d["index"])
    rows = [np.frombuffer(base64.b64decode(d["embedding"]), dtype="<f4") if isinstance(d["embedding"], str)
            else np.asarray(d["embedding"], dtype=np.float32) for d in data]
    if len(rows) != n:
        raise EmbeddingError(f"{len(rows)} vectors for {n} inputs")
    if any(r.ndim != 1 for r in rows):
        raise EmbeddingError("an embedding that is not a list of numbers")
    if len({len(r) for r in rows}) != 1 or not len(rows[0]):
        raise EmbeddingError(f"vectors of lengths {sorted({len(r) for r in rows})}")
    out = np.stack(rows).astype(np.float32)
    if not np.isfinite(out).all():  # stored, a NaN would poison every similarity with its file for good
        raise EmbeddingError("NaN or infinite values")
    return out


_PROMPT = ("You are helping search a code repository{lang}. Given a task or issue, write the source code you "
           "expect to find in the file that has to change: the function or class involved, with realistic "
           "names, imports and comments. Write only code, no explanation, at most 30 lines.")
_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)
_FENCE = re.compile(r"^```[\w+-]*\s*$", re.MULTILINE)


def hypothetical_code(cfg: SemanticConfig, query: str, language: str | None = None) -> str:
    """The code the chat model expects to find for ``query`` (HyDE for code), through genie's model client.

    The reply streams and the stream is closed after :data:`HYDE_MAX_CHARS`: no ``max_tokens`` is sent,
    because newer OpenAI models reject it in favour of ``max_completion_tokens`` and local servers differ.
    Raises :class:`EmbeddingError` when the model cannot be reached.
    """
    from genie_tui.core.events import TextDelta, TurnRetrying
    from genie_tui.providers.client import ModelClient, ModelError

    assert cfg.chat_model is not None
    messages = [{"role": "system", "content": _PROMPT.format(lang=f" written mostly in {language}" if language else "")},
                {"role": "user", "content": query[:MAX_INPUT_CHARS]}]

    async def ask() -> str:
        client = ModelClient(model=cfg.chat_model or "", base_url=cfg.chat_base_url, api_key=cfg.chat_api_key,
                             timeout=min(cfg.timeout, HYDE_TIMEOUT), max_retries=min(cfg.max_retries, 1),
                             backoff_base=cfg.backoff_base, backoff_max=5.0)
        parts: list[str] = []
        try:
            stream_turn: Any = client.stream_turn(messages, [])  # an async generator: aclosing stops the HTTP stream
            async with contextlib.aclosing(stream_turn) as stream:
                async for ev in stream:
                    if isinstance(ev, TurnRetrying):
                        parts.clear()
                    elif isinstance(ev, TextDelta):
                        parts.append(ev.text)
                        if sum(map(len, parts)) >= HYDE_MAX_CHARS:
                            break
        finally:
            await client.aclose()
        return "".join(parts)

    try:
        text = _run(ask())
    except (ModelError, GenieError) as exc:
        raise EmbeddingError(f"hypothetical-code query: {exc}") from None
    return _FENCE.sub("", _THINK.sub("", text)).strip()


def _run(coro: Any) -> Any:
    """Run ``coro`` to completion from sync code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, name="genie-hyde", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")
