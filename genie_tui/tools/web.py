"""Web tools: browse_url (fetch a page as text) and web_search (ask a search endpoint)."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote_plus, unquote, urlparse

from genie_tui.tools.base import ToolContext, ToolError, ToolOutput

MAX_CHARS = 20_000
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


def _get(ctx: ToolContext, url: str) -> Any:
    import httpx

    try:
        response = httpx.get(url, follow_redirects=True, timeout=20.0,
                             headers={"User-Agent": "genie/0.1 (terminal coding agent)"})
    except httpx.TimeoutException:
        raise ToolError(f"{url}: timed out after 20 s") from None
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        raise ToolError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})") from None
    if response.status_code >= 400:
        raise ToolError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
    return response


def browse_url(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    url = _check_url(args.get("url"))
    response = _get(ctx, url)
    ctype = response.headers.get("content-type", "")
    if "html" in ctype:
        parser = _TextExtractor()
        parser.feed(response.text)
        text = parser.text()
    elif ctype.startswith("text/") or "json" in ctype or "xml" in ctype or not ctype:
        text = response.text
    else:
        raise ToolError(f"{url}: content type {ctype} is not text")
    truncated = len(text) > MAX_CHARS
    text = text[:MAX_CHARS] + (f"\n[truncated: {len(text) - MAX_CHARS} more characters]" if truncated else "")
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
    response = _get(ctx, url)
    results: list[tuple[str, str, str]] = []
    if "json" in response.headers.get("content-type", ""):
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
