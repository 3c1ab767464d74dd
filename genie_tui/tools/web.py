"""Web tools: browse_url (fetch a page as text) and web_search (ask a search endpoint)."""

from __future__ import annotations

import html
import json
import re
import threading
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote_plus, unquote, urlparse

from genie_tui.config.search_url import hide_userinfo, shown_search_url
from genie_tui.tools.base import ToolContext, ToolError, ToolOutput
from genie_tui.tools.web_html import parse_html
from genie_tui.tools.web_types import (
    BINARY,
    looks_like_text,
    page_encoding,
    starts_as_html,
    textual,
)

if TYPE_CHECKING:
    from genie_tui.tools.web_guard import Guard

MAX_CHARS = 20_000
MAX_BYTES = 5_000_000  # read no more of a page than this
TOTAL_S = 30.0  # nor for longer than this, however the bytes trickle in
READ_TIMEOUT_S = 20.0
MAX_CODINGS = 2  # a page compressed more times over than this (Content-Encoding: gzip, gzip, gzip) is refused
MAX_REDIRECTS = 20
MAX_SHOWN = 200  # characters of a URL or a question echoed in a message
_FEED = 50_000  # bytes a decoding stage pulls from the one before it at a time


def _clip(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` for a one-line message: control characters escaped (a newline shows as ``\\n``), at most ``limit``
    characters of it, then "…"."""
    text = re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text[:limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def _shown(url: str, limit: int = MAX_SHOWN) -> str:
    """``url`` for a one-line message: credentials redacted, clipped as ``_clip`` does."""
    return _clip(hide_userinfo(url), limit)


def _check_url(url: Any) -> str:
    try:
        ok = isinstance(url, str) and urlparse(url.strip()).scheme in ("http", "https") and bool(urlparse(url).netloc)
    except ValueError:
        ok = False
    if not ok:
        raise ToolError(f"url must be an http(s) URL, got {_clip(repr(hide_userinfo(url) if isinstance(url, str) else url))}")
    url = url.strip()
    try:
        port = urlparse(url).port
    except ValueError:
        port = 0
    if port == 0:
        raise ToolError(f"{_shown(url)}: invalid port (a port is 1 to 65535)")
    return url


def _bad_port(url: str) -> bool:
    """``url`` names a port of other characters than ASCII digits (``²``, ``٣``; a port out of range is the
    guard's to refuse, and httpx refuses ``x`` itself)."""
    try:
        hostport = urlparse(url).netloc.rpartition("@")[2]
    except ValueError:  # unbalanced brackets: not about the port, httpx names it
        return False
    port = hostport.rpartition("]")[2] if hostport.startswith("[") else hostport
    port = port.partition(":")[2]
    return bool(port) and not (port.isascii() and port.isdigit())


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    content_type: str
    body: bytes
    encoding: str
    truncated: bool  # the page was longer than MAX_BYTES
    status: int = 200

    @property
    def text(self) -> str:
        try:
            return self.body.decode(self.encoding, errors="replace")
        except (UnicodeError, LookupError, ValueError, TypeError):  # a codec that refuses "replace" (idna)
            return self.body.decode("utf-8", errors="replace")


class _Inflater:
    """One gzip or deflate stream, undone at most ``n`` output bytes at a time (zlib's ``max_length``), the
    input it has not reached kept in ``tail``. A gzip stream may be several members one after another (RFC 1952
    2.2; some servers send them): each is undone in turn, and bytes after the last that begin no member (zero
    padding, junk) are ignored."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.zlib = zlib.decompressobj(31 if coding in ("gzip", "x-gzip") else 15)
        self.tail = b""
        self.started = False
        self.ended = False  # the stream is over: no more output, whatever input follows

    def pull(self, n: int) -> bytes:
        if self.zlib.eof:
            if self.coding == "deflate" or self.tail[:2] != b"\x1f\x8b"[:len(self.tail)]:
                self.ended = True
            if self.ended or len(self.tail) < 2:  # a next member's magic bytes may still be on their way
                return b""
            self.zlib = zlib.decompressobj(31)
        try:
            out = self.zlib.decompress(self.tail, n)
        except zlib.error:
            if self.coding != "deflate" or self.started:
                raise
            self.zlib = zlib.decompressobj(-15)  # "deflate" without the zlib header, as some servers send it
            out = self.zlib.decompress(self.tail, n)
        self.started = self.started or bool(out) or len(self.tail) > 2
        self.tail = self.zlib.unused_data if self.zlib.eof else self.zlib.unconsumed_tail
        return out


class _Decoder:
    """Undoes a page's Content-Encoding (gzip or deflate, at most ``MAX_CODINGS`` of them stacked) as its raw
    bytes arrive, never making more than the bytes asked for: a 2 KB gzip of a gzip of 1 GB is read to the cap,
    not inflated whole."""

    def __init__(self, codings: list[str]) -> None:
        self.stages = [_Inflater(coding) for coding in reversed(codings)]  # listed in the order applied

    def decode(self, data: bytes, room: int) -> bytes:
        """The page's bytes that ``data`` (the next raw bytes) completes, at most ``room`` of them."""
        if not self.stages:
            return data[:room]
        self.stages[0].tail += data
        return self._pull(len(self.stages) - 1, room)

    def _pull(self, i: int, n: int) -> bytes:
        stage, out = self.stages[i], bytearray()
        while len(out) < n and not stage.ended:
            if len(stage.tail) < 2 and i > 0:  # two: a gzip member's magic, to tell whether another one follows
                stage.tail += self._pull(i - 1, _FEED)
            before = len(stage.tail)
            got = stage.pull(n - len(out))
            out += got
            if not got and len(stage.tail) == before:
                break
        return bytes(out)


def _codings(url: str, header: str) -> list[str]:
    codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
    if len(codings) > MAX_CODINGS:
        raise ToolError(f"{_shown(url)}: the page is compressed {len(codings)} times over (Content-Encoding: "
                        f"{_clip(header, 60)}); genie undoes at most {MAX_CODINGS}")
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise ToolError(f"{_shown(url)}: content encoding {_clip(coding, 40)!r} is not supported (gzip and deflate are)")
    return codings


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
            outcome.append(ToolError(f"{_shown(url)}: cannot fetch ({type(exc).__name__}: {_clip(str(exc), 300)})"))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(TOTAL_S)
    if worker.is_alive():
        stop.set()
        raise ToolError(f"{_shown(url)}: took longer than {TOTAL_S:.0f} s to download; try a smaller page")
    result = outcome[0]
    if isinstance(result, ToolError):
        raise result
    return result


def _download(url: str, stop: threading.Event, guard: Guard) -> Fetched | ToolError:
    import httpx

    from genie_tui.tools.web_guard import Blocked, client

    body = bytearray()
    truncated = False
    shown = _shown(url)
    try:
        with client(guard, follow_redirects=False, timeout=READ_TIMEOUT_S,
                    headers={"User-Agent": "genie/0.1 (terminal coding agent)",
                             "Accept-Encoding": "gzip, deflate"}) as session:
            # redirects followed here, each redirect's body left unread: httpx would read (and inflate) it whole
            request = session.build_request("GET", url)
            for _ in range(MAX_REDIRECTS + 1):
                response = session.send(request, stream=True)
                if response.next_request is None:
                    break
                response.close()
                request = response.next_request
                location = response.headers.get("location", "")
                if _bad_port(location):  # httpx reads ":٨٠" (other scripts' digits) as port 80 and goes there
                    return ToolError(f"{shown}: redirects to {_shown(location, 100)}: invalid port (a port is 1 to "
                                     "65535); not followed")
                if request.url.scheme not in ("http", "https"):  # file://, ftp://: httpx would say "unsupported"
                    return ToolError(f"{shown}: redirects to {_shown(response.headers.get('location', ''), 100)}, "
                                     "which is not an http(s) URL; not followed")
            else:
                return ToolError(f"{shown}: more than {MAX_REDIRECTS} redirects")
            try:
                if response.status_code >= 400:
                    return ToolError(f"{shown}: HTTP {response.status_code} {_clip(response.reason_phrase, 80)}")
                decoder = _Decoder(_codings(url, ", ".join(response.headers.get_list("content-encoding"))))
                for raw in response.iter_raw():  # as it arrives; decoded here, to at most the cap
                    body += decoder.decode(raw, MAX_BYTES + 1 - len(body))
                    if len(body) > MAX_BYTES:
                        del body[MAX_BYTES:]
                        truncated = True
                        break
                    if stop.is_set():
                        return ToolError(f"{shown}: abandoned")
                final, ctype, status = str(response.url), response.headers.get("content-type", ""), response.status_code
                charset = response.charset_encoding
            finally:
                response.close()
    except ToolError as exc:
        return exc
    except Blocked as exc:
        return ToolError(str(exc))
    except httpx.TimeoutException:
        return ToolError(f"{shown}: timed out after {READ_TIMEOUT_S:.0f} s")
    except zlib.error as exc:
        return ToolError(f"{shown}: the page's compressed data is broken ({_clip(str(exc), 100)})")
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return ToolError(f"{shown}: cannot fetch ({type(exc).__name__}: {_clip(str(exc), 300)})")
    except ImportError as exc:  # a socks:// proxy without httpx's optional socksio package
        return ToolError(f"{shown}: cannot fetch ({_clip(str(exc), 300)})")
    head = bytes(body[:4096])
    encoding = page_encoding(head, charset, ctype)
    return Fetched(final, ctype, bytes(body), encoding, truncated, status)


def browse_url(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    url = _check_url(args.get("url"))
    response = _get(ctx, url)
    ctype = response.content_type
    wide = response.encoding.lower().replace("-", "").startswith(("utf16", "utf32"))  # a mark makes it so too
    if not wide and b"\0" in response.body[:8192]:  # whatever the server says it is, this is not text
        raise ToolError(f"{_shown(url)}: binary content ({_clip(ctype or 'no content type', 80)}); not shown")
    unsure = not ctype.strip() or not (textual(ctype) or ctype.startswith(BINARY))  # no label, or one not known
    if "html" in ctype or (unsure and starts_as_html(response.body)):
        text = parse_html(response.text).text()
    elif textual(ctype) or (not ctype.startswith(BINARY) and looks_like_text(response.body, response.encoding)):
        text = response.text
    else:
        raise ToolError(f"{_shown(url)}: content type {_clip(ctype, 80)} is not text")
    if not text.strip():  # said, so that the model neither takes an empty answer for a failure nor fetches again
        text = ("[the page is empty]" if not response.body.strip() else "[the page has no text outside scripts, "
                "styles and navigation; it may be built by JavaScript, which genie does not run]")
    more = len(text) - MAX_CHARS
    if more > 0 or response.truncated:
        text = text[:MAX_CHARS] + ("\n[truncated: " + (f"{more} more characters" if more > 0 else "the page")
                                   + (f", and the page was cut at {MAX_BYTES // 1_000_000} MB" if response.truncated
                                      else "") + "]")
    return ToolOutput(f"{hide_userinfo(response.url)}\n\n{text}")


def _real_href(href: str) -> str:
    # DuckDuckGo's HTML results wrap targets as /l/?uddg=<url>
    parsed = urlparse(href)
    target = parse_qs(parsed.query).get("uddg")
    return unquote(target[0]) if target else href


def _field(item: dict[str, Any], key: str) -> str:
    """A JSON result's field as text; missing or null is empty (``str(None)`` showed "None" as a title or snippet)."""
    value = item.get(key)
    return "" if value is None else str(value)


def web_search(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    question = args.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ToolError("question must be non-empty text")
    template = ctx.settings.web_search_url or ""
    if "{query}" not in template:  # every search would get the same page, whatever the question
        raise ToolError(f"the web_search_url setting ({_clip(repr(shown_search_url(template)))}) has no {{query}} for the question; "
                        "set it to a search URL such as https://html.duckduckgo.com/html/?q={query}")
    url = template.replace("{query}", quote_plus(question.strip()))
    # the endpoint you chose may be internal (a search service of yours); one a repository's config chose may not
    response = _get(ctx, url, trusted=not getattr(ctx.settings, "sources", {}).get("web_search_url", "").startswith("repo "))
    results: list[tuple[str, str, str]] = []
    if "json" in response.content_type:
        try:
            data = json.loads(response.text)
        except (ValueError, RecursionError):  # [[[[… nested deeper than the parser goes
            raise ToolError(f"search endpoint returned invalid JSON ({_shown(url)})") from None
        items = data.get("results") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ToolError(f"search endpoint returned JSON without a 'results' list ({_shown(url)})")
        for item in items[:8]:
            if isinstance(item, dict):
                results.append((_field(item, "title"), _field(item, "url"), _field(item, "content")))
    else:
        parser = parse_html(response.text)
        seen: set[str] = set()
        for href, title in parser.links:
            target = _real_href(html.unescape(href))
            if not target.startswith("http") or target in seen or not title or urlparse(target).netloc == urlparse(url).netloc:
                continue
            seen.add(target)
            results.append((title, target, ""))
            if len(results) >= 8:
                break
    if not results and response.status != 200:  # DuckDuckGo answers 202 and a challenge page when rate limiting
        raise ToolError(f"search endpoint answered HTTP {response.status} without results ({_shown(url)}); it may be "
                        "limiting requests: try again later, or set web_search_url to another endpoint")
    if not results:
        return ToolOutput(f"no results for {_clip(repr(question))}")
    lines = [f"{n}. {_clip(' '.join(title.split()), 200)}\n   {_clip(link, 500)}"
             + (f"\n   {_clip(' '.join(snippet.split()), 300)}" if snippet else "")
             for n, (title, link, snippet) in enumerate(results, 1)]
    text = "\n".join(lines)
    if len(text) > MAX_CHARS:  # eight results as capped above stay well under it; the cap holds regardless
        text = text[:MAX_CHARS] + "\n[truncated]"
    return ToolOutput(text + "\n\nUse browse_url to read a result.")
