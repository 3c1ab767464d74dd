"""What a fetched page is by its Content-Type and its first bytes: text, HTML, or neither, and how to decode it
(browse_url)."""

from __future__ import annotations

import codecs
import re

HTML_START = re.compile(rb"\s*<(?:!doctype\s+html|html|head|meta)\b", re.IGNORECASE)

# application/ subtypes that are text (with or without "x-"); others, and application/octet-stream, are sniffed
TEXT_SUBTYPES = {"javascript", "ecmascript", "json", "xml", "yaml", "toml", "sh", "shellscript", "csh", "python",
                 "perl", "ruby", "php", "httpd-php", "tex", "latex", "sql", "graphql", "markdown", "csv", "diff",
                 "patch", "ndjson", "jsonl", "www-form-urlencoded", "sparql-query", "rtf"}
BINARY = ("image/", "audio/", "video/", "font/", "model/")  # refused by their label; an SVG is "image/svg+xml"


def textual(ctype: str) -> bool:
    """Whether the Content-Type ``ctype`` names text (no content type at all counts as text, as before)."""
    mime = ctype.split(";")[0].strip().lower()
    subtype = mime.partition("/")[2].removeprefix("x-")
    return (not mime or mime.startswith("text/") or "json" in mime or "xml" in mime
            or subtype in TEXT_SUBTYPES or subtype.rpartition("+")[2] in TEXT_SUBTYPES)


def looks_like_text(body: bytes, encoding: str) -> bool:
    """Whether a page whose label does not say (application/octet-stream, or a type genie does not know) is text
    by its bytes, as a browser sniffs: the first 8 KB decode in the page's charset (UTF-8 if none) and hold no
    control characters but tab, newlines, form feed and escape (the NUL test has been made already)."""
    try:
        sample = codecs.getincrementaldecoder(encoding)().decode(body[:8192], final=False)
    except (UnicodeError, LookupError, ValueError, TypeError):
        return False
    return not re.search(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]", sample)


def starts_as_html(body: bytes) -> bool:
    """Whether a page whose label does not say what it is starts as an HTML page does (a doctype, ``<html>``,
    ``<head>`` or ``<meta>``, after any UTF-8 byte order mark), as a browser sniffs an unlabelled page."""
    return bool(HTML_START.match(body[:1024].removeprefix(b"\xef\xbb\xbf")))


def _text_encoding(name: str | None, sample: bytes) -> str:
    """The page's charset if it is a text encoding that can decode ``sample`` with errors replaced, else UTF-8
    (``charset=idna`` refuses errors="replace", ``charset=undefined`` decodes nothing, ``hex`` is not text)."""
    try:
        info = codecs.lookup(name or "utf-8")
        if not getattr(info, "_is_text_encoding", True):
            return "utf-8"
        sample.decode(info.name, errors="replace")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return "utf-8"
    return info.name


_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([A-Za-z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def _meta_name(tag: bytes) -> bytes | None:
    """The charset one ``<meta>`` tag declares: its ``charset``, or the ``content`` of an ``http-equiv`` of
    Content-Type, as browsers read them; not a charset a description mentions (``content="... charset=x"``)."""
    attrs = {k.lower(): v.strip(b"\"'") for k, v in _ATTRIBUTE.findall(tag)}
    if b"charset" in attrs:
        found = re.match(rb"\s*([A-Za-z0-9._:-]+)", attrs[b"charset"])
    elif attrs.get(b"http-equiv", b"").lower() == b"content-type":
        found = _CHARSET.search(attrs.get(b"content", b""))
    else:
        return None
    return found.group(1) if found else None


def _meta_charset(ctype: str, head: bytes) -> str | None:
    """The charset an HTML page names in a ``<meta charset>`` or ``<meta http-equiv="Content-Type">`` in
    ``head``, its first 4 KB, as browsers prescan a page whose header names none. An unlabelled page counts as
    HTML only when it starts as one (a script that mentions ``<meta charset=...>`` in a string is no page). A
    page that says UTF-16 there is read as UTF-8 (its bytes so far were ASCII), and a charset that does not
    write ASCII as ASCII (EBCDIC's ``cp037``) cannot be what the page's own ASCII markup was written in."""
    if "html" not in ctype and (ctype or not HTML_START.match(head)):
        return None
    found = next(filter(None, map(_meta_name, _META.findall(head))), None)
    name = found.decode("ascii") if found else None
    if name and name.lower().replace("-", "").startswith(("utf16", "utf32")):
        return "utf-8"
    try:
        return name if name and "<meta charset=".encode(name) == b"<meta charset=" else None
    except (UnicodeError, LookupError, ValueError, TypeError):
        return None


# A byte order mark names the encoding whatever the header or the page says (as browsers decode): UTF-32's
# first, since its little-endian mark begins with UTF-16's. The codecs named read the mark and drop it.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _bom_encoding(head: bytes) -> str | None:
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def page_encoding(head: bytes, charset: str | None, ctype: str) -> str:
    """How to decode a page whose first 4 KB are ``head``: its byte order mark, else the header's ``charset``, else
    what its ``<meta>`` says, else UTF-8."""
    return _bom_encoding(head) or _text_encoding(charset or _meta_charset(ctype, head), head)
