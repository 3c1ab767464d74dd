"""Web pages as text for browse_url and web_search: an HTML parser that keeps the words and links and drops the
rest, forgiving of the end tags real pages leave out."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

HTML_PENDING = 100_000  # characters of one unfinished tag or comment the HTML parser may hold
_FEED = 50_000  # characters of HTML fed to the parser at a time
_SKIP = {"script", "style", "noscript", "svg", "head", "nav", "footer"}
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article", "dt", "dd",
          "table", "caption", "select", "option"}
_LINE = {"tr", "option"}  # blocks that start a line but end none: rows and options one a line, no blank between
_CELL = "\x1f"  # between two cells of a row until text() makes it " | "; taken out of the page's own text
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
# HTML5 "in head": any start tag but these implies </head>, so a page that leaves </head> out still has a body
_IN_HEAD = {"html", "head", "base", "link", "meta", "title", "style", "script", "noscript", "template"}
# main content never sits in navigation or a footer: it ends any skipped block left open before it
_MAIN = {"body", "main", "article"}
# HTML tags that break out of an unclosed <svg> (HTML5 foreign content, abridged)
_NOT_SVG = {"b", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
            "h5", "h6", "hr", "i", "img", "li", "menu", "ol", "p", "pre", "span", "strong", "table", "ul"}


class _TextExtractor(HTMLParser):
    """Page text and links. Open elements are kept on a stack, so one left unclosed ends with its parent (an end
    tag closes whatever is open inside it, as browsers do) rather than at the end of the document; a skipped
    block (``_SKIP``) also ends where ``_IN_HEAD``, ``_MAIN`` and ``_NOT_SVG`` say."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._stack: list[str] = []
        self._open: Counter[str] = Counter()  # so an end tag of nothing open is dropped without a search
        self._skip: list[int] = []  # where on the stack the skipped elements open
        self._href: str | None = None
        self._link_text: list[str] = []
        self._pre = 0
        self._rows: list[int] = []  # cells so far in each open table row

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._open["head"] and tag not in _IN_HEAD:
            self._close("head")
        if self._skip and tag in _MAIN:
            self._pop(self._skip[0])
        while self._open["svg"] and tag in _NOT_SVG:
            self._close("svg")
        if tag == "a" and self._open["a"]:  # links do not nest
            self._close("a")
        if tag not in _VOID:
            if tag in _SKIP:
                self._skip.append(len(self._stack))
            self._stack.append(tag)
            self._open[tag] += 1
        if tag == "pre":
            self._pre += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "tr":
            self._rows.append(0)
        if tag in ("td", "th") and self._rows:
            if self._rows[-1] and not self._skip:
                self.parts.append(_CELL)
            self._rows[-1] += 1
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if self._open[tag]:
            self._close(tag)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def _close(self, tag: str) -> None:
        """Ends the innermost open ``tag`` and everything open inside it (searched from the top: what the search
        passes is popped, so a page costs time in proportion to its tags, however deep they nest)."""
        at = len(self._stack) - 1
        while self._stack[at] != tag:
            at -= 1
        self._pop(at)

    def _pop(self, at: int) -> None:
        while len(self._stack) > at:
            tag = self._stack.pop()
            self._open[tag] -= 1
            if self._skip and self._skip[-1] >= len(self._stack):
                self._skip.pop()
            if tag == "pre":
                self._pre -= 1
            if tag == "tr":
                self._rows.pop()
            if tag in _BLOCK and tag not in _LINE:
                self.parts.append("\n")
            if tag == "a" and self._href:
                self.links.append((self._href, " ".join("".join(self._link_text).split())))
                self._href = None

    def handle_data(self, data: str) -> None:
        if self._stack[-1:] == ["head"] and data.strip():  # text in <head> itself: the body has begun
            self._close("head")
        if self._skip:
            return
        if self._pre:
            self.parts.append(data.replace(_CELL, " "))
        else:  # indenting in the source (between <tr> and <td>, say) does not indent the line
            text = re.sub(r"\s+", " ", data)
            if not self.parts or self.parts[-1].endswith("\n"):
                text = text.lstrip(" ")
            if text:
                self.parts.append(text)
        if self._href is not None:
            self._link_text.append(data)

    def text(self) -> str:
        text = re.sub(f" *{_CELL} *", " | ", "".join(self.parts))
        lines = [line.rstrip() for line in text.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# A numeric character reference past U+10FFFF is U+FFFD (HTML's rule); one of thousands of digits made Python's
# unescape fail (int() takes at most 4,300) and the whole page with it. Leading zeros are dropped first.
_ZEROS = re.compile(r"&#([xX]?)0+([0-9a-fA-F]*)")
_HUGE_REF = re.compile(r"&#(?:[0-9]{8,}|[xX][0-9a-fA-F]{7,});?")


def parse_html(page: str) -> _TextExtractor:
    """``page`` parsed a piece at a time. One tag or comment left unfinished for over ``HTML_PENDING`` characters
    (``<a <a <a …`` for megabytes: the parser's regular expression held 800 MB for it) is dropped up to the next
    ``>``, and parsing goes on from there."""
    parser = _TextExtractor()
    page = _HUGE_REF.sub("\ufffd", _ZEROS.sub(lambda m: f"&#{m[1]}{m[2] or 0}", page))
    at = 0
    while at < len(page):
        parser.feed(page[at:at + _FEED])
        at += _FEED
        if len(parser.rawdata) > HTML_PENDING:
            end = page.find(">", at)
            parser.rawdata = ""  # the parser's buffer: what it has not parsed yet
            at = len(page) if end < 0 else end + 1
    return parser
