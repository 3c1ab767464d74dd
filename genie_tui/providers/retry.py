"""Retry policy for model requests: which failures are transient, how long to wait, what to tell the user.

Kept apart from the streaming code so the policy is plain functions over exceptions and headers. The openai
SDK is imported inside the functions that classify its exceptions, never at module import.
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from genie_tui.errors import GenieError

_KEY_LIKE = re.compile(r"\b(sk|key|tok)[-_][A-Za-z0-9_*.-]{6,}")


class ModelError(GenieError):
    """The model endpoint failed for good (after retries, or with a non-retryable error); one line."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failed attempt: ``reason`` is one user-facing line without secrets."""

    reason: str
    retryable: bool
    retry_after: float | None = None
    status: int | None = None
    timed_out: bool = False


class IncompleteStream(Exception):
    """The stream ended (cleanly or not) before the model sent a ``finish_reason``."""


class NotAStream(Exception):
    """The endpoint answered a streamed request with something else (an HTML page, a JSON error object)."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


def backoff_delay(attempt: int, *, base: float, cap: float, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based).

    A server's ``Retry-After`` wins (capped at ``cap``, so a hostile or confused server cannot park the
    session for an hour); otherwise exponential backoff with full jitter, which spreads retries of many
    clients instead of having them stampede together.
    """
    if retry_after is not None:
        return max(0.0, min(retry_after, cap))
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return (rng or random).uniform(0.0, ceiling)


def parse_retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` / ``Retry-After`` (delta-seconds or an HTTP date); ``None`` if absent."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def scrub(text: str, secret: str | None) -> str:
    """Remove the API key (and anything that looks like one) from text that may reach a user or a log."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return _KEY_LIKE.sub("***", text)


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        message = err.get("message") if isinstance(err, dict) else err
        if isinstance(message, str) and message:
            return message
    if isinstance(body, str) and body:
        return body
    message = getattr(exc, "message", "") or str(exc)
    return re.sub(r"^Error code: \d+ - ", "", message)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def classify(exc: BaseException, *, model: str, timeout: float, key_present: bool) -> Failure:
    """Turn an exception from one attempt into a :class:`Failure` (user-facing reason, retryable or not)."""
    import openai

    if isinstance(exc, IncompleteStream):
        return Failure(str(exc) or "the stream ended before the turn finished", True)
    if isinstance(exc, NotAStream):
        return Failure(_one_line(str(exc), 300), exc.retryable)
    if isinstance(exc, openai.APITimeoutError):
        return Failure(f"no answer within {timeout:g}s (timeout)", True, timed_out=True)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = _one_line(str(cause)) if cause is not None and str(cause) else type(cause).__name__ if cause else ""
        return Failure(f"connection error{': ' + detail if detail else ''}", True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "error"
        label = f"{status} {phrase}"
        message = _one_line(_server_message(exc))
        if status == 401:
            why = "the endpoint rejected the API key" if key_present else \
                "the endpoint requires an API key (set GENIE_API_KEY or OPENAI_API_KEY)"
            return Failure(f"{why} ({label})", False, status=status)
        if status == 403:
            return Failure(f"access denied ({label}): {message}", False, status=status)
        if status == 404:
            return Failure(f"not found ({label}): {message} — check the model name '{model}' and the base URL "
                           "(`genie models` lists what the endpoint offers)", False, status=status)
        if status == 429 and "insufficient_quota" in (getattr(exc, "code", None), getattr(exc, "type", None)):
            # OpenAI's 429 for an account without credit: waiting and asking again cannot help
            return Failure(f"the account is out of quota or credit ({label}): {message}", False, status=status)
        retryable = status in (408, 409, 429) or status >= 500
        reason = label if message in ("", label, phrase) else f"{label}: {message}"
        if not retryable:
            reason = f"the endpoint rejected the request ({reason})"
        return Failure(reason, retryable, parse_retry_after(exc.response.headers), status)
    if isinstance(exc, openai.APIError):  # an error event inside an otherwise fine stream
        return Failure(f"error in stream: {_one_line(_server_message(exc))}", True)
    if isinstance(exc, RecursionError):  # the SDK's json.loads of an event nested deeper than the parser goes
        return Failure("malformed stream chunk (invalid JSON: nested too deeply)", True)
    if isinstance(exc, (json.JSONDecodeError, ValueError)):
        return Failure(f"malformed stream chunk ({_one_line(str(exc), 80)})", True)
    # reading a whole answer that is no stream: the SDK does not wrap its HTTP library's errors (httpx, or the
    # httpx2 that openai 3 brings), so they are known by their classes' names
    kinds = {k.__name__ for k in type(exc).__mro__ if k.__module__.partition(".")[0] in ("httpx", "httpx2")}
    if "TimeoutException" in kinds:
        return Failure(f"no answer within {timeout:g}s (timeout)", True, timed_out=True)
    if "DecodingError" in kinds:
        return Failure(f"malformed answer ({_one_line(str(exc), 80) or 'its body cannot be decoded'})", True)
    if "TransportError" in kinds:
        return Failure(f"connection error: {_one_line(str(exc)) or type(exc).__name__}", True)
    raise exc
