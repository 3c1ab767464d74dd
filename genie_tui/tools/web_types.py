"""What a fetched page is by its Content-Type and its first bytes: text, HTML, or neither (browse_url)."""

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
