"""File names in a diff's headers: git's quoted form read back, timestamps and ``a/``/``b/`` prefixes dropped."""

from __future__ import annotations

import re

# git's C-style escapes (quote.c): a byte in octal, or one of these letters
_C_ESCAPE = re.compile(r"\\(?:([0-3][0-7]{2})|(.))", re.DOTALL)
_NAMED = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _byte(m: re.Match[str]) -> str:
    if m.group(1):  # a byte past ASCII as surrogateescape holds it, so that its sequence decodes as UTF-8 below
        b = int(m.group(1), 8)
        return chr(b) if b < 0x80 else chr(0xDC00 + b)
    named = _NAMED.get(m.group(2))
    if named is None:
        raise ValueError(m.group(0))
    return named


def unquote(p: str) -> str:
    """A name as git quotes it (``"a/caf\\303\\251.txt"``, ``"b/back\\\\slash.txt"``, with ``core.quotePath=false``
    ``"b/日本\\tx.txt"``) read back; any other as it is. git escapes bytes: octal escapes are the bytes of UTF-8 (or
    of a name that is not UTF-8, kept as surrogateescape keeps it); other characters stand for themselves."""
    if len(p) < 2 or p[0] != '"' or p[-1] != '"':
        return p
    body = p[1:-1]
    try:
        return _C_ESCAPE.sub(_byte, body).encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    except (UnicodeError, ValueError):  # an escape git never writes: not a quoted name after all
        return body


def header_name(p: str) -> str:
    """The name a header's path stands for. A name git quoted is exact: a backslash in it is a character of the
    name (a POSIX name may hold one). Unquoted, a path with backslashes and no ``/`` past its ``a/`` or ``b/`` is a
    Windows path a model wrote (``src\\app.py``); git always quotes a name with a backslash."""
    if p.startswith('"'):
        return unquote(p)
    head = p[:2] if p.startswith(("a/", "b/")) else ""
    rest = p[len(head):]
    return head + rest.replace("\\", "/") if "\\" in rest and "/" not in rest else p


def clean_path(raw: str) -> str | None:
    """A path from a ``---``/``+++`` line without timestamp or quotes; ``None`` for /dev/null."""
    p = raw.split("\t", 1)[0].strip()
    if not p.startswith('"'):
        # "--- a/x 2024-01-01 10:00:00.000000000 +0100" (diff -u with spaces instead of a tab)
        m = re.match(r"^(.*?)\s+\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d", p)
        if m:
            p = m.group(1)
    p = header_name(p)
    if p in ("/dev/null", "dev/null", "a/dev/null", "b/dev/null"):
        return None
    return p


def strip_prefix(p: str | None) -> str | None:
    """Best guess without a repository: drop a leading ``a/``, ``b/`` or ``./``."""
    if p is None:
        return None
    if p.startswith(("a/", "b/")):
        return p[2:]
    if p.startswith("./"):
        return p[2:]
    return p


def git_header_paths(line: str) -> tuple[str | None, str | None]:
    """The two paths of a ``diff --git`` line."""
    rest = line[len("diff --git "):].strip()
    if rest.startswith('"'):
        m = re.match(r'^("(?:[^"\\]|\\.)*")\s+(.*)$', rest)
        if m:
            return unquote(m.group(1)), header_name(m.group(2))
    parts = rest.split(" ")
    # "a/x y b/x y": pick the split whose halves name the same file, else the first " b/".
    for i in range(1, len(parts)):
        a, b = " ".join(parts[:i]), " ".join(parts[i:])
        if strip_prefix(a) == strip_prefix(b):
            return header_name(a), header_name(b)
    idx = rest.find(" b/")
    if idx > 0:
        return header_name(rest[:idx]), header_name(rest[idx + 1:])
    return (header_name(parts[0]), header_name(parts[-1])) if len(parts) >= 2 else (None, None)


def same_name(path: str | None, name: str) -> bool:
    """Whether a ---/+++ path names ``name`` from a rename/copy line, with or without one leading directory
    (``a/``, ``b/`` or any other prefix git was told to use)."""
    if path is None:
        return False
    return path == name or path.split("/", 1)[-1] == name
