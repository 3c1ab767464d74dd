"""Web tools: browse_url (fetch a page as text) and web_search (ask a search endpoint)."""

from __future__ import annotations

import html
import json
import re
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote_plus, unquote, urlparse

from genie_tui.tools.base import ToolContext, ToolError, ToolOutput

if TYPE_CHECKING:
    from genie_tui.tools.web_guard import Guard

MAX_CHARS = 20_000
MAX_BYTES = 5_000_000  # read no more of a page than this
TOTAL_S = 30.0  # nor for longer than this, however the bytes trickle in
READ_TIMEOUT_S = 20.0
_SKIP = {"script", "style", "noscript", "svg", "head", "nav", "footer"}
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article", "dt", "dd"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._skip = 0
        self._href: str | None = None
        self._link_text: list[str] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        if tag == "pre":
            self._pre += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag == "pre" and self._pre:
            self._pre -= 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a" and self._href:
            self.links.append((self._href, " ".join("".join(self._link_text).split())))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data if self._pre else re.sub(r"\s+", " ", data))
        if self._href is not None:
            self._link_text.append(data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.parts).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _check_url(url: Any) -> str:
    try:
        ok = isinstance(url, str) and urlparse(url.strip()).scheme in ("http", "https") and bool(urlparse(url).netloc)
    except ValueError:
        ok = False
    if not ok:
        raise ToolError(f"url must be an http(s) URL, got {url!r}")
    return url.strip()


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    content_type: str
    body: bytes
    encoding: str
    truncated: bool  # the page was longer than MAX_BYTES

    @property
    def text(self) -> str:
        return self.body.decode(self.encoding, errors="replace")


def _allowed_hosts(ctx: ToolContext) -> set[str]:
    raw = getattr(ctx.settings, "web_allow_hosts", "") or ""
    return {h.strip().lower() for h in raw.split(",") if h.strip()}


def _get(ctx: ToolContext, url: str, trusted: bool = False) -> Fetched:
    """GET ``url`` (redirects followed): at most ``MAX_BYTES`` of the body and ``TOTAL_S`` seconds in all, so
    a huge page or a server that trickles a byte a second cannot hold the agent. The download runs in a
    thread of its own; at the deadline it is abandoned (it stops at its next read). Internal addresses are
    refused unless allowed (``web_guard``); ``trusted``: the URL's host is the user's choice (the search
    endpoint), so it is allowed even when internal."""
    from genie_tui.tools.web_guard import Guard

    allowed = _allowed_hosts(ctx)
    if trusted:
        parts = urlparse(url)
        if parts.hostname:
            allowed.add(parts.hostname.lower() if parts.port is None else f"{parts.hostname.lower()}:{parts.port}")
    guard = Guard(allowed)
    outcome: list[Fetched | ToolError] = []
    stop = threading.Event()
    def work() -> None:
        try:
            outcome.append(_download(url, stop, guard))
        except Exception as exc:  # noqa: BLE001 - a thread's exception would be lost; the agent gets one line
            outcome.append(ToolError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})".splitlines()[0]))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(TOTAL_S)
    if worker.is_alive():
        stop.set()
        raise ToolError(f"{url}: took longer than {TOTAL_S:.0f} s to download; try a smaller page")
    result = outcome[0]
    if isinstance(result, ToolError):
        raise result
    return result


def _download(url: str, stop: threading.Event, guard: Guard) -> Fetched | ToolError:
    import httpx

    from genie_tui.tools.web_guard import Blocked, client

    body = bytearray()
    truncated = False
    try:
        with client(guard, follow_redirects=True, timeout=READ_TIMEOUT_S,
                    headers={"User-Agent": "genie/0.1 (terminal coding agent)"}) as session, \
                session.stream("GET", url) as response:
            if response.status_code >= 400:
                return ToolError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            for block in response.iter_bytes():  # as it arrives (a chunk size would wait to fill it)
                body += block
                if len(body) > MAX_BYTES:
                    del body[MAX_BYTES:]
                    truncated = True
                    break
                if stop.is_set():
                    return ToolError(f"{url}: abandoned")
            encoding = response.encoding or "utf-8"
            final, ctype = str(response.url), response.headers.get("content-type", "")
    except Blocked as exc:
        return ToolError(str(exc))
    except httpx.TimeoutException:
        return ToolError(f"{url}: timed out after {READ_TIMEOUT_S:.0f} s")
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return ToolError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})")
    except ImportError as exc:  # a socks:// proxy without httpx's optional socksio package
        return ToolError(f"{url}: cannot fetch ({exc})")
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "utf-8"
    return Fetched(final, ctype, bytes(body), encoding, truncated)


def browse_url(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    url = _check_url(args.get("url"))
    response = _get(ctx, url)
    ctype = response.content_type
    wide = response.encoding.lower().replace("-", "").startswith(("utf16", "utf32")) \
        or response.body[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or response.body[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not wide and b"\0" in response.body[:8192]:  # whatever the server says it is, this is not text
        raise ToolError(f"{url}: binary content ({ctype or 'no content type'}); not shown")
    if "html" in ctype:
        parser = _TextExtractor()
        parser.feed(response.text)
        text = parser.text()
    elif ctype.startswith("text/") or "json" in ctype or "xml" in ctype or not ctype:
        text = response.text
    else:
        raise ToolError(f"{url}: content type {ctype} is not text")
    more = len(text) - MAX_CHARS
    if more > 0 or response.truncated:
        text = text[:MAX_CHARS] + ("\n[truncated: " + (f"{more} more characters" if more > 0 else "the page")
                                   + (f", and the page was cut at {MAX_BYTES // 1_000_000} MB" if response.truncated
                                      else "") + "]")
    return ToolOutput(f"{response.url}\n\n{text}")


def _real_href(href: str) -> str:
    # DuckDuckGo's HTML results wrap targets as /l/?uddg=<url>
    parsed = urlparse(href)
    target = parse_qs(parsed.query).get("uddg")
    return unquote(target[0]) if target else href


def web_search(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    question = args.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ToolError("question must be non-empty text")
    template = ctx.settings.web_search_url
    url = template.replace("{query}", quote_plus(question.strip()))
    response = _get(ctx, url, trusted=True)
    results: list[tuple[str, str, str]] = []
    if "json" in response.content_type:
        try:
            data = json.loads(response.text)
        except ValueError:
            raise ToolError(f"search endpoint returned invalid JSON ({url})") from None
        items = data.get("results") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ToolError(f"search endpoint returned JSON without a 'results' list ({url})")
        for item in items[:8]:
            if isinstance(item, dict):
                results.append((str(item.get("title", "")), str(item.get("url", "")), str(item.get("content", ""))))
    else:
        parser = _TextExtractor()
        parser.feed(response.text)
        seen: set[str] = set()
        for href, title in parser.links:
            target = _real_href(html.unescape(href))
            if not target.startswith("http") or target in seen or not title or urlparse(target).netloc == urlparse(url).netloc:
                continue
            seen.add(target)
            results.append((title, target, ""))
            if len(results) >= 8:
                break
    if not results:
        return ToolOutput(f"no results for {question!r}")
    lines = [f"{n}. {title}\n   {link}" + (f"\n   {snippet[:300]}" if snippet else "")
             for n, (title, link, snippet) in enumerate(results, 1)]
    return ToolOutput("\n".join(lines) + "\n\nUse browse_url to read a result.")
