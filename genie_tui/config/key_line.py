"""Which line of a TOML document defines a top-level key (or holds a bad byte), so config errors can point at it.

``tomllib`` gives values without positions. This scanner knows just enough TOML to find a key: table headers
(``[tool]``, ``[[tool]]``, ``["tool".sub]``), bare, quoted and dotted keys, and multi-line strings, whose
lines are text, not keys. It runs only on a document ``tomllib`` has already accepted.
"""

from __future__ import annotations

import re
import tomllib

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\]|\\.)*"')
_LITERAL = re.compile(r"'[^']*'")
_MULTI = ('"""', "'''")


def line_of(text: str, key: str) -> int:
    """The 1-based line where top-level ``key`` is assigned or opens a table; 1 if it cannot be found."""
    top_level = True  # keys after a table header belong to that table
    open_string: str | None = None  # the delimiter of the multi-line string the scan is inside
    # TOML ends lines at \n (\r\n) only; str.splitlines also splits at U+2028, U+0085 and others that a comment
    # or a string may hold, and every line after one was misnumbered
    for number, line in enumerate(text.split("\n"), 1):
        if open_string is not None:
            end = line.find(open_string)
            if end < 0:
                continue
            open_string = _opens_multiline(line[end + 3:])
            continue
        stripped = line.lstrip()
        if stripped.startswith("["):
            top_level = False
            first = _first_key(stripped[2:] if stripped.startswith("[[") else stripped[1:])
            if first is not None and first[0] == key:
                return number
            continue
        first = _first_key(stripped)
        if first is not None and top_level and first[0] == key and first[1][:1] in ("=", "."):
            return number
        open_string = _opens_multiline(line)
    return 1


def byte_position(data: bytes, offset: int) -> str:
    """``line:column`` of byte ``offset`` of ``data`` (the first that is not UTF-8), both 1-based, the column
    counted in characters as an editor counts it."""
    newline = b"\n"
    line_start = data.rfind(newline, 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return f"{data.count(newline, 0, offset) + 1}:{column}"


def _first_key(text: str) -> tuple[str, str] | None:
    """The first key component at the start of ``text`` (unquoted) and what follows it, stripped."""
    text = text.lstrip()
    match = _BASIC.match(text) or _LITERAL.match(text) or _BARE.match(text)
    if match is None:
        return None
    raw = match.group(0)
    if raw.startswith('"'):
        name = tomllib.loads(f"k = {raw}")["k"]  # escapes decoded as TOML does
    else:
        name = raw.strip("'")
    return name, text[match.end():].lstrip()


def _opens_multiline(line: str) -> str | None:
    """The delimiter of a multi-line string that ``line`` opens and does not close, or None."""
    i = 0
    while i < len(line):
        char = line[i]
        if char == "#":
            return None
        delim = next((d for d in _MULTI if line.startswith(d, i)), None)
        if delim is not None:
            end = line.find(delim, i + 3)
            if end < 0:
                return delim
            i = end + 3
        elif char in "\"'":
            match = (_BASIC if char == '"' else _LITERAL).match(line, i)
            i = match.end() if match else len(line)
        else:
            i += 1
    return None
