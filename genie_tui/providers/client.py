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
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from genie_tui.config.settings import display_url
from genie_tui.core.events import (
    Event,
    TextDelta,
    ToolCallArgsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    TurnRetrying,
    UsageReported,
)
from genie_tui.errors import UsageError
from genie_tui.providers.retry import (
    Failure,
    IncompleteStream,
    ModelError,
    NotAStream,
    backoff_delay,
    classify,
    scrub,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["AssistantTurn", "ModelClient", "ModelError", "ToolCall", "display_url", "estimate_tokens"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "not-needed"


def estimate_tokens(text: str) -> int:
    """About four characters per token: good enough for budgets when the endpoint reports no usage."""
    return (len(text) + 3) // 4


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call; ``arguments`` is ``None`` and ``error`` says why when the JSON did not parse."""

    id: str
    name: str
    raw_arguments: str
    arguments: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AssistantTurn:
    """One finished assistant turn; ``attempts`` counts the requests it took (1 = no retry)."""

    content: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    usage: UsageReported | None
    attempts: int = 1

    def to_message(self) -> dict[str, Any]:
        """The assistant message to append to the conversation for the next request."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.raw_arguments}}
                for c in self.tool_calls
            ]
        return message


def parse_arguments(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse tool-call arguments; an empty string means no arguments (some servers send nothing)."""
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"arguments are not valid JSON ({exc.msg} at char {exc.pos})"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}"
    return value, None


@dataclass
class _PendingCall:
    wire_id: str  # as the server sent it
    id: str = ""  # as genie passes it on: unique in the conversation (set when the call is announced)
    name: str = ""
    args: list[str] = field(default_factory=list)
    announced: bool = False


def call_ids(messages: list[dict[str, Any]]) -> set[str]:
    """The tool-call ids a conversation already uses."""
    return {c["id"] for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []
            if isinstance(c, dict) and isinstance(c.get("id"), str)}


def unique_id(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... when the conversation has it already (the suffix a restored
    session of older genie gets too); the id returned is added to ``taken``."""
    new, n = wanted, 1
    while new in taken:
        n += 1
        new = f"{wanted}-{n}"
    taken.add(new)
    return new


class _Assembler:
    """Reassembles one attempt's chunks into events and, at the end, a turn.

    Tool-call ids are made unique in the conversation (``taken``) as calls arrive: some servers number calls
    per request (``call_0`` in every turn), and strict back ends refuse a history with an id twice.
    """

    def __init__(self, taken: set[str] | None = None) -> None:
        self.content: list[str] = []
        self.calls: list[_PendingCall] = []
        self._by_index: dict[int, _PendingCall] = {}
        self._taken = set(taken or ())
        self.finish_reason: str | None = None
        self.usage: Any = None

    def feed(self, chunk: Any) -> list[Event]:
        events: list[Event] = []
        if getattr(chunk, "usage", None) is not None:
            self.usage = chunk.usage
        for choice in chunk.choices or ():
            if choice.index not in (0, None):
                continue  # n > 1 is never requested; ignore stray alternatives
            delta = choice.delta
            if delta is not None:
                if delta.content:
                    self.content.append(delta.content)
                    events.append(TextDelta(delta.content))
                for tc in delta.tool_calls or ():
                    events.extend(self._tool_delta(tc))
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
        return events

    def _tool_delta(self, tc: Any) -> list[Event]:
        index = tc.index if tc.index is not None else len(self.calls)
        call = self._by_index.get(index)
        # Some servers reuse index 0 for every call; a new id at a used index is a new call.
        if call is None or (tc.id and call.wire_id != tc.id and call.announced and call.args):
            call = _PendingCall(wire_id=tc.id or f"call_{uuid.uuid4().hex[:16]}")
            self._by_index[index] = call
            self.calls.append(call)
        elif tc.id and not call.announced:
            call.wire_id = tc.id
        fn = tc.function
        events: list[Event] = []
        if fn is not None and fn.name and not call.name:
            call.name = fn.name
        if call.name and not call.announced:
            self._announce(call)
            events.append(ToolCallStarted(call.id, call.name))
            events.extend(ToolCallArgsDelta(call.id, call.name, a) for a in call.args if a)
        if fn is not None and fn.arguments:
            arguments = _as_text(fn.arguments)
            call.args.append(arguments)
            if call.announced:
                events.append(ToolCallArgsDelta(call.id, call.name, arguments))
        return events

    def _announce(self, call: _PendingCall) -> None:
        call.announced = True
        call.id = unique_id(call.wire_id, self._taken)

    def finish(self, prompt_estimate: int, attempts: int) -> tuple[list[Event], AssistantTurn]:
        events: list[Event] = []
        calls = []
        for call in self.calls:
            raw = "".join(call.args)
            if not call.announced:  # a call that never got a name: still surface it so the agent can object
                self._announce(call)
                events.append(ToolCallStarted(call.id, call.name))
            arguments, error = parse_arguments(raw)
            calls.append(ToolCall(call.id, call.name, raw, arguments, error))
            events.append(ToolCallCompleted(call.id, call.name, arguments, raw))
        content = "".join(self.content)
        if self.usage is not None:
            usage = UsageReported(int(self.usage.prompt_tokens or 0), int(self.usage.completion_tokens or 0))
        else:
            produced = content + "".join(c.raw_arguments + c.name for c in calls)
            usage = UsageReported(prompt_estimate, estimate_tokens(produced), estimated=True)
        events.append(usage)
        turn = AssistantTurn(content, tuple(calls), self.finish_reason or "stop", usage, attempts)
        return events, turn


def _as_text(arguments: Any) -> str:
    """Tool-call arguments as the JSON text the protocol specifies; some servers (TGI, llama.cpp builds of
    early 2026) send a JSON object instead of a string."""
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


async def _unstreamed(stream: Any) -> Any | None:
    """What a server that did not stream sent instead: its whole completion as one chunk (some servers and
    proxies ignore ``stream``), or :class:`NotAStream` for an error object or a page (a captive portal's). None
    for an event stream, and for any type other than JSON or HTML, which is read as the stream it should be."""
    response = getattr(stream, "response", None)
    media = (response.headers.get("content-type") or "").split(";")[0].strip().lower() if response else ""
    if media not in ("application/json", "text/html"):
        return None
    body = (await response.aread()).decode("utf-8", "replace")
    data: Any = None
    if media == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            pass
    if isinstance(data, dict) and isinstance(data.get("choices"), list):
        from openai.types.chat import ChatCompletionChunk

        choices = []
        for choice in data["choices"]:
            message = choice.get("message") or {}
            delta: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
            calls = message.get("tool_calls") or []
            if calls:
                delta["tool_calls"] = [{**call, "index": i, "function": {
                    **(call.get("function") or {}),
                    "arguments": _as_text((call.get("function") or {}).get("arguments") or "")}}
                    for i, call in enumerate(calls)]
            choices.append({"index": choice.get("index", 0), "delta": delta,
                            "finish_reason": choice.get("finish_reason")})
        return ChatCompletionChunk.model_validate({  # a ValidationError is a ValueError: a malformed answer
            "id": data.get("id") or "", "object": "chat.completion.chunk", "created": data.get("created") or 0,
            "model": data.get("model") or "", "choices": choices, "usage": data.get("usage")})
    if isinstance(data, dict) and data.get("error"):
        error = data["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise NotAStream(f"an error instead of a stream: {message or json.dumps(error)}", True)
    text = " ".join(re.sub(r"<[^>]*>", " ", body).split())[:120]
    raise NotAStream(f"the endpoint answered with {media} instead of an event stream ({text!r}); check the base "
                     "URL: an OpenAI-compatible API, usually ending in /v1", False)


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
                          step: int = 0) -> AsyncIterator[Event | AssistantTurn]:
        """Yield the events of one assistant turn; the last item is the :class:`AssistantTurn`.

        Events: ``TextDelta``, ``ToolCallStarted``, ``ToolCallArgsDelta`` while streaming; then
        ``ToolCallCompleted`` per call and one ``UsageReported``. A failed or cut-off attempt yields
        ``TurnRetrying`` (``attempt`` is the number of the attempt about to start): discard everything
        streamed since the turn began. Raises :class:`ModelError` when retries are exhausted or the error
        is not transient. Close the generator (``contextlib.aclosing``) to stop early: the HTTP stream is
        closed at once.
        """
        del step  # part of the seam for callers that log per step; the request does not depend on it
        max_attempts = self.max_retries + 1
        prompt_estimate = estimate_tokens(json.dumps(messages) + (json.dumps(tools) if tools else ""))
        taken = call_ids(messages)
        attempt = 0
        while True:
            attempt += 1
            assembler = _Assembler(taken)
            try:
                stream = await self._open(messages, tools)
                try:
                    whole = await _unstreamed(stream)
                    if whole is not None:
                        for event in assembler.feed(whole):
                            yield event
                    else:
                        async for chunk in stream:
                            for event in assembler.feed(chunk):
                                yield event
                finally:
                    await stream.close()
                if assembler.finish_reason is None:
                    raise IncompleteStream("the stream ended before the turn finished (connection cut?)")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - classify() re-raises what it does not understand
                if assembler.finish_reason is None:
                    failure = self._classify(exc)
                    if not failure.retryable or attempt >= max_attempts:
                        raise self._error(failure, attempt) from None
                    delay = backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_max,
                                          retry_after=failure.retry_after)
                    yield TurnRetrying(attempt + 1, max_attempts, delay, failure.reason)
                    await asyncio.sleep(delay)
                    continue
                # The turn was complete; only the usage chunk or [DONE] got lost. Use it.
            events, turn = assembler.finish(prompt_estimate, attempt)
            for event in events:
                yield event
            yield turn
            return

    async def _open(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        import openai

        params: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True}
        if tools:
            params["tools"] = tools
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
                return sorted([m.id async for m in self._sdk.models.list()])
            except Exception as exc:  # noqa: BLE001 - classify() re-raises what it does not understand
                failure = self._classify(exc)
                if failure.status == 404:
                    failure = Failure("the endpoint has no models list (404 Not Found at GET /models)", False)
                if failure.timed_out or not failure.retryable or attempt > min(1, self.max_retries):
                    raise self._error(failure, attempt) from None
                await asyncio.sleep(backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_max,
                                                  retry_after=failure.retry_after))

    async def aclose(self) -> None:
        if self._sdk_client is not None:
            await self._sdk_client.close()
            self._sdk_client = None
