"""Streaming chat client for OpenAI-compatible endpoints, on the openai SDK, emitting genie's core events.

All retrying happens here (the SDK's own retries are off) so every retry is visible as a ``TurnRetrying``
event. A turn counts only if the model sent a ``finish_reason``: the SDK ends the iteration quietly when a
connection is closed cleanly mid-stream, so a turn without one is retried from the start and never used.
The SDK is imported when the first request is made, keeping ``import genie_tui.providers.client`` cheap.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from genie_tui.config.settings import display_url
from genie_tui.core.events import Event, TurnRetrying
from genie_tui.errors import UsageError
from genie_tui.printable import without_surrogates
from genie_tui.providers.assembler import (
    Assembler,
    AssistantTurn,
    ToolCall,
    as_text,
    call_ids,
    carried,
    estimate_tokens,
)
from genie_tui.providers.retry import (
    Failure,
    IncompleteStream,
    ModelError,
    NotAStream,
    backoff_delay,
    classify,
    scrub,
)
from genie_tui.reading import loads_json

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["AssistantTurn", "ModelClient", "ModelError", "ToolCall", "display_url", "estimate_tokens"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# A burst of chunks (a fast local server, a buffered network read) is parsed by the SDK without yielding to the
# event loop, which the app shares: after this much parsing, the stream lets the loop run (repaints, keys)
YIELD_EVERY_S = 0.008
NO_KEY = "not-needed"
#: how much of an answer that is no event stream is read: a whole JSON completion, or an error page's start
MAX_ANSWER_BYTES = 32 << 20
MAX_PAGE_BYTES = 64 << 10


#: one streamed reply's text, tool-call arguments and reasoning, at most (a model in a loop, a flooding server):
#: far past any model's output limit (128k tokens is about 500k characters), so only a runaway reply meets it
MAX_REPLY_CHARS = 8_000_000
#: a stream that stays open with nothing of the reply in it (keep-alive comments, empty deltas) is given up after
#: this many ``timeout``s (10 min by default: a reasoning model may think that long, streaming its reasoning)
STALLED_TIMEOUTS = 5


def encodable(value: Any) -> Any:
    """``value`` (JSON: dicts, lists, strings) with each lone surrogate in its strings as U+FFFD
    (:func:`~genie_tui.printable.without_surrogates`)."""
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, dict):
        return {k: encodable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encodable(v) for v in value]
    return value


async def _unstreamed(stream: Any) -> list[Any] | None:
    """What a server that did not stream sent instead: its whole completion as one chunk (some servers and
    proxies ignore ``stream``), or :class:`NotAStream` for an error object or a page (a captive portal's). None
    for an event stream, and for any type other than JSON or HTML, which is read as the stream it should be.
    An event stream labelled ``application/json`` (as some servers and proxies label every answer) is read
    whole here, and its chunks returned: the SDK reads it as a stream whatever its label."""
    response = getattr(stream, "response", None)
    media = (response.headers.get("content-type") or "").split(";")[0].strip().lower() if response else ""
    if media not in ("application/json", "text/html"):
        return None
    limit = MAX_ANSWER_BYTES if media == "application/json" else MAX_PAGE_BYTES
    pieces, size = [], 0
    async for piece in response.aiter_bytes():  # a page that never ends grew by a gigabyte every 3 s
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            break
    if size > limit and media == "application/json":
        raise NotAStream(f"the answer is larger than {limit >> 20} MB, which no chat completion is; check the base "
                         "URL: an OpenAI-compatible API, usually ending in /v1", False)
    body = b"".join(pieces).decode("utf-8", "replace")
    data: Any = None
    if media == "application/json":
        try:
            data = json.loads(body)
        except RecursionError:  # JSON nested deeper than the parser goes, which no completion is
            raise NotAStream("malformed answer: JSON nested too deeply to parse", True) from None
        except ValueError:
            chunks = _labelled_stream(body)
            if chunks is not None:
                return chunks
    if isinstance(data, dict) and isinstance(data.get("choices"), list):
        from openai.types.chat import ChatCompletionChunk

        choices = []
        for n, choice in enumerate(data["choices"]):
            choice = _object(choice, f"choices[{n}]")
            message = _object(choice.get("message"), f"choices[{n}].message")
            delta: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
            calls = message.get("tool_calls") or []
            if not isinstance(calls, list):
                raise NotAStream(f"malformed answer: choices[{n}].message.tool_calls is not a list", True)
            tool_calls = []
            for i, call in enumerate(calls):
                where = f"choices[{n}].message.tool_calls[{i}]"
                function = _object(_object(call, where).get("function"), where + ".function")
                tool_calls.append({**call, "index": i, "function": {
                    **function, "arguments": as_text(function.get("arguments") or "")}})
            if tool_calls:
                delta["tool_calls"] = tool_calls
            choices.append({"index": choice.get("index", 0), "delta": delta,
                            "finish_reason": choice.get("finish_reason")})
        return [ChatCompletionChunk.model_validate({  # a ValidationError is a ValueError: a malformed answer
            "id": data.get("id") or "", "object": "chat.completion.chunk", "created": data.get("created") or 0,
            "model": data.get("model") or "", "choices": choices, "usage": data.get("usage")})]
    if isinstance(data, dict) and data.get("error"):
        raise _error_object(data["error"])
    text = " ".join(re.sub(r"<[^>]*>", " ", body).split())[:120]
    raise NotAStream(f"the endpoint answered with {media} instead of an event stream ({text!r}); check the base "
                     "URL: an OpenAI-compatible API, usually ending in /v1", False)


def _object(value: Any, where: str) -> dict[str, Any]:
    """``value`` of a JSON completion that must be an object (absent is empty); anything else is a malformed
    answer, retried as a malformed stream is."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        shown = json.dumps(value)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise NotAStream(f"malformed answer: {where} is {shown}, not an object", True)
    return value


def _error_object(error: Any) -> NotAStream:
    message = error.get("message") if isinstance(error, dict) else error
    return NotAStream(f"an error instead of a stream: {message or json.dumps(error)}", True)


def _labelled_stream(body: str) -> list[Any] | None:
    """The chunks of ``body`` if it is an event stream (``data:`` lines), up to ``[DONE]``; else None."""
    from openai.types.chat import ChatCompletionChunk

    payloads = [line[5:].strip() for line in body.splitlines() if line.startswith("data:")]
    if not payloads:
        return None
    chunks = []
    for payload in payloads:
        if payload == "[DONE]":
            break
        data = json.loads(payload)  # a ValueError or RecursionError: a malformed stream, retried as a chunk is
        if not isinstance(data, dict):
            raise ValueError(f"an event that is not a JSON object: {payload[:80]}")
        if data.get("error"):
            raise _error_object(data["error"])
        for choice in data.get("choices") or ():  # arguments as objects (TGI, llama.cpp), as the assembler takes them
            for call in (choice.get("delta") or {}).get("tool_calls") or ():
                function = call.get("function") or {}
                if function.get("arguments") is not None:
                    function["arguments"] = as_text(function["arguments"])
        chunks.append(ChatCompletionChunk.model_validate({"id": "", "object": "chat.completion.chunk", "created": 0,
                                                          "model": "", **data}))
    return chunks


class ModelClient:
    """Streams chat turns from one OpenAI-compatible endpoint, retrying transient failures itself."""

    def __init__(self, *, model: str, base_url: str | None, api_key: str | None, timeout: float = 120.0,
                 max_retries: int = 4, backoff_base: float = 1.0, backoff_max: float = 30.0) -> None:
        self.model = model
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise UsageError(f"base URL {display_url(self.base_url)!r} must start with http:// or https:// "
                             "(e.g. http://localhost:11434/v1)")
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._api_key = api_key
        self._sdk_client: AsyncOpenAI | None = None
        self._stream_options = True  # dropped for endpoints that reject the field

    @property
    def _sdk(self) -> AsyncOpenAI:
        if self._sdk_client is None:
            from openai import AsyncOpenAI

            self._sdk_client = AsyncOpenAI(api_key=self._api_key or NO_KEY, base_url=self.base_url,
                                           timeout=self.timeout, max_retries=0)
        return self._sdk_client

    def _classify(self, exc: BaseException) -> Failure:
        failure = classify(exc, model=self.model, timeout=self.timeout, key_present=bool(self._api_key))
        reason = failure.reason
        if failure.status == 404 and self.base_url:
            from urllib.parse import urlsplit

            parts = urlsplit(self.base_url)
            if not parts.path.rstrip("/").endswith("/v1"):
                with_v1 = parts._replace(path=parts.path.rstrip("/") + "/v1").geturl()
                reason += ("; most OpenAI-compatible servers expect the base URL to end in /v1 "
                           f"({display_url(with_v1)})")
        for secret in self._url_secrets():  # a server may echo the request URL back in its error
            reason = scrub(reason, secret)
        return dataclasses.replace(failure, reason=scrub(reason, self._api_key))

    def _url_secrets(self) -> list[str]:
        """The parts of the base URL that must not reach a message: user, password and query values, raw and
        decoded (a server may echo the URL either way), and the raw query string."""
        from urllib.parse import unquote, urlsplit

        from genie_tui.config.settings import url_secrets

        found = set(url_secrets(self.base_url))
        found |= {unquote(v) for v in found}
        query = urlsplit(self.base_url or "").query
        if query:
            found.add(query)
        return sorted(found, key=len, reverse=True)  # longest first: the query string before a value in it

    def _error(self, failure: Failure, attempts: int) -> ModelError:
        gave_up = f"gave up after {attempts} attempts: " if failure.retryable and attempts > 1 else ""
        return ModelError(f"model endpoint {display_url(self.base_url)}: {gave_up}{failure.reason}")

    async def stream_turn(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], *,
                          step: int = 0, taken: set[str] | None = None) -> AsyncIterator[Event | AssistantTurn]:
        """Yield the events of one assistant turn; the last item is the :class:`AssistantTurn`.

        Events: ``TextDelta``, ``ToolCallStarted``, ``ToolCallArgsDelta`` while streaming; then
        ``ToolCallCompleted`` per call and one ``UsageReported``. A failed or cut-off attempt yields
        ``TurnRetrying`` (``attempt`` is the number of the attempt about to start): discard everything
        streamed since the turn began. Raises :class:`ModelError` when retries are exhausted or the error
        is not transient. Close the generator (``contextlib.aclosing``) to stop early: the HTTP stream is
        closed at once. ``taken``: the tool-call ids of the whole conversation, when ``messages`` leaves some of
        it out (compaction): a server that numbers calls per request (``call_0`` each turn) gets them renamed
        against those too, so no id is used twice in a session.
        """
        del step  # part of the seam for callers that log per step; the request does not depend on it
        max_attempts = self.max_retries + 1
        taken = call_ids(messages) | (taken or set())
        attempt = 0
        while True:
            attempt += 1
            assembler = Assembler(taken)
            try:
                stream = await self._open(messages, tools)
                try:
                    whole = await _unstreamed(stream)
                    if whole is not None:
                        for chunk in whole:
                            for event in assembler.feed(chunk):
                                yield event
                    else:
                        resume = time.perf_counter() + YIELD_EVERY_S
                        loop, idle = asyncio.get_running_loop(), self.timeout * STALLED_TIMEOUTS
                        moved, size, chunks = loop.time(), 0, aiter(stream)
                        while True:
                            try:  # keep-alives and empty chunks reset the read timeout, not this one
                                async with asyncio.timeout_at(moved + idle):
                                    chunk = await anext(chunks)
                            except StopAsyncIteration:
                                break
                            except TimeoutError:
                                raise IncompleteStream(f"the endpoint sent nothing of the reply for {idle:g} s "
                                                       "while keeping the stream open") from None
                            if (grown := carried(chunk)) or getattr(chunk, "usage", None) is not None:
                                moved, size = loop.time(), size + grown
                            if size > MAX_REPLY_CHARS:
                                raise IncompleteStream(f"the reply passed {MAX_REPLY_CHARS:,} characters without "
                                                       "ending (a model repeating itself?)")
                            for event in assembler.feed(chunk):
                                yield event
                            if time.perf_counter() > resume:
                                await asyncio.sleep(0)
                                resume = time.perf_counter() + YIELD_EVERY_S
                finally:
                    await stream.close()
                if assembler.finish_reason is None:
                    raise IncompleteStream("the stream ended before the turn finished (connection cut?)")
                if assembler.finish_reason == "error":
                    # a router's upstream failed mid-turn (OpenRouter ends such a stream so): what came is partial
                    raise IncompleteStream("the endpoint ended the turn with finish_reason 'error'")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - classify() re-raises what it does not understand
                if assembler.finish_reason in (None, "error"):
                    failure = self._classify(exc)
                    if not failure.retryable or attempt >= max_attempts:
                        raise self._error(failure, attempt) from None
                    delay = backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_max,
                                          retry_after=failure.retry_after)
                    yield TurnRetrying(attempt + 1, max_attempts, delay, failure.reason)
                    await asyncio.sleep(delay)
                    continue
                # The turn was complete; only the usage chunk or [DONE] got lost. Use it.
            # the estimate serialises the whole history (~7 ms at 500 turns, on the app's event loop): only made
            # when the endpoint reported no usage
            prompt_estimate = 0 if assembler.usage is not None else \
                estimate_tokens(json.dumps(messages) + (json.dumps(tools) if tools else ""))
            events, turn = assembler.finish(prompt_estimate, attempt)
            for event in events:
                yield event
            yield turn
            return

    async def _open(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        # The SDK passes every message of ``messages`` through its TypedDict transform before sending: about
        # 0.2 ms a message, on the event loop the app draws with, so a 500-turn session froze the screen for a
        # fifth of a second at every request. The messages are plain JSON already; as ``extra_body`` the SDK
        # merges them into the same request body untouched.
        params: dict[str, Any] = {"model": self.model, "messages": [], "stream": True,
                                  "extra_body": {"messages": messages}}
        if tools:
            params["tools"] = tools
        try:
            return await self._create(params)
        except UnicodeEncodeError:
            # a lone surrogate: a byte of a file name or a file's text that is not UTF-8 (read with
            # surrogateescape), which JSON cannot carry. Sent as U+FFFD, which the tools read back (ToolContext.resolve)
            params["extra_body"] = {"messages": encodable(messages)}
            return await self._create(params)

    async def _create(self, params: dict[str, Any]) -> Any:
        import openai

        if not self._stream_options:
            return await self._sdk.chat.completions.create(**params)
        try:
            return await self._sdk.chat.completions.create(**params, stream_options={"include_usage": True})
        except (openai.BadRequestError, openai.UnprocessableEntityError):
            pass
        # Some local servers reject unknown fields: ask once more without it, and remember only if that
        # helped (a 400 for another reason, e.g. an over-long context, must not cost us usage reports).
        stream = await self._sdk.chat.completions.create(**params)
        self._stream_options = False
        return stream

    async def list_models(self) -> list[str]:
        """Model ids the endpoint offers (``GET /models``); one retry for transient failures, but not for a
        timeout: a server that let one whole timeout pass will not answer a listing in the next one either, and
        the user is waiting at a prompt."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._model_ids()
            except TimeoutError:  # the whole listing's time: a body that never ends resets each read's timeout
                raise self._error(Failure(f"the models list did not arrive within {self.timeout:g}s (timeout)", False,
                                          timed_out=True), attempt) from None
            except Exception as exc:  # noqa: BLE001 - classify() re-raises what it does not understand
                failure = self._classify(exc)
                if failure.status == 404:
                    failure = Failure("the endpoint has no models list (404 Not Found at GET /models)", False)
                if failure.timed_out or not failure.retryable or attempt > min(1, self.max_retries):
                    raise self._error(failure, attempt) from None
                await asyncio.sleep(backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_max,
                                                  retry_after=failure.retry_after))

    async def _model_ids(self) -> list[str]:
        """``GET /models`` read as it comes, at most MAX_PAGE_BYTES x 64 (4 MB) within ``timeout`` in all, checked:
        an endless body grew genie by gigabytes, and ids that are no text or a body that is no list of models
        raised from inside the SDK."""
        limit = MAX_PAGE_BYTES * 64
        async with asyncio.timeout(self.timeout), self._sdk.models.with_streaming_response.list() as response:
            body = bytearray()
            async for part in response.iter_bytes():
                body += part
                if len(body) > limit:
                    raise NotAStream(f"the models list passed {limit >> 20} MB", False)
        try:
            listed = loads_json(body)  # '[' x 100,000 too, whose RecursionError was a 57-line traceback
        except ValueError:
            raise NotAStream("the models list is not JSON", False) from None
        models = listed.get("data") if isinstance(listed, dict) else None
        if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
            raise NotAStream("the models list is not an object with a list of models under \"data\"", False)
        return sorted({m["id"] for m in models if isinstance(m.get("id"), str) and m["id"].strip()})

    async def aclose(self) -> None:
        if self._sdk_client is not None:
            await self._sdk_client.close()
            self._sdk_client = None
