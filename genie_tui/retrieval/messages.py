"""The code's own messages: string literals matched word for word against the task's text.

An engineer handed an issue with an error message or a warning in it searches the code for that message first:
``WARNING: no number is assigned for table:`` is ``logger.warning(__('no number is assigned for %s: %s'), ...)``
in one file of thousands. Each string literal of a few words is stored with its line; a placeholder
(``%s``, ``{}``, ``{name}``, ``%(x)d``, ``%v``, an f-string's or template's interpolation) splits it into
segments, and it matches a query whose words hold every segment in a row.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import zlib
from typing import Any

MIN_WORDS = 3  # a literal's longest segment, to be stored (its first three words are the lookup key)
MAX_WORDS = 60  # longer literals (help paragraphs, templates) are left out: matched whole they never are
MIN_MATCH = 4  # words of a literal a query must hold for it to count
FULL_MATCH = 8  # words at which a match counts fully

# string node types of the grammars genie ships; each language's query takes those its grammar has
_STRING_NODES = ("string", "concatenated_string", "template_string", "interpreted_string_literal",
                 "raw_string_literal", "string_literal", "verbatim_string_literal",
                 "interpolated_string_expression", "encapsed_string", "line_string_literal",
                 "multi_line_string_literal", "multiline_string_literal", "text_block",
                 "heredoc_body", "nowdoc_body",  # Ruby's and PHP's heredocs, PHP's nowdocs
                 "chained_string")  # Ruby's ``"a " \ "b"``, read whole as Python's and C's concatenations are
# a literal's own text, in every grammar here, is a node named so (Swift's raw ``#"..."#`` is ``raw_str_part``s)
_CONTENT = ("content", "fragment", "_text", "_part", "nowdoc_string")
_DELIMITERS = ("_start", "_end")  # Python's ``f"`` and ``"``
# bounded repeats: an unclosed ``${`` must not make each match scan to the end of the literal (quadratic)
_PLACEHOLDER = re.compile(
    r"%(?:\([^)\s]{0,40}\))?[-#0+']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|L|z|j|t|q)?[a-zA-Z%]"  # printf, %
    r"|\{[^{}\s]{0,40}\}"  # str.format, Rust, C#: {} {0} {name} {:?} {0:>8}
    r"|\$\{[^}]{0,80}\}|\$[A-Za-z_]\w*|#\{[^}]{0,80}\}|\\\([^)]{0,80}\)")  # in the text: ${x} $x #{x} \(x)
MAX_BYTES = 2000  # a literal longer than this is more than MAX_WORDS words (or no message): not read at all
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")
_EDGE_QUOTES = re.compile(r"""^[A-Za-z@$]*(?:\"\"\"|'''|["'`])|(?:\"\"\"|'''|["'`])$""")
_WORD = re.compile(r"\w+")
_SPACED = re.compile(r"(?<!\S)[^\s\w]*\w[\w'’-]*[^\s\w]*(?!\S)")  # a word with spaces around it
_GAP = "\x00"


def words(text: str) -> list[str]:
    """The lower-cased words of ``text``, as literals and queries are compared."""
    return _WORD.findall(text.lower())


def key(first: list[str]) -> int:
    """The lookup key of a literal's first three words (stable across processes, unlike ``hash``)."""
    return zlib.crc32(" ".join(first).encode())


def pattern(language: Any) -> str:
    """The query pattern that captures a grammar's string literals as ``@s`` (it runs with the references
    pattern: one walk of the tree for both), or "" for a grammar without them."""
    kinds = [k for k in _STRING_NODES if language.id_for_node_kind(k, True) is not None]
    return "[" + " ".join(f"({k})" for k in kinds) + "] @s" if kinds else ""


def _text_of(node: Any) -> str:
    """A literal's text with each interpolation replaced by a gap and escapes by a space. In a literal without
    nodes for its text (Scala's interpolated strings), the text between the children is the literal's."""
    data = node.text or b""
    if not node.named_child_count:  # a grammar that keeps the literal one token (Scala's plain string)
        return _EDGE_QUOTES.sub("", data.decode("utf-8", "replace"))
    base = node.start_byte
    parts: list[str] = []
    pos = base
    between = not any(child.type.endswith(_CONTENT) for child in node.children)
    for child in node.children:
        if between:
            parts.append(data[pos - base:child.start_byte - base].decode("utf-8", "replace"))
        pos = child.end_byte
        kind = child.type
        if kind.endswith(_CONTENT):
            parts.append((child.text or b"").decode("utf-8", "replace"))
        elif "escape" in kind:
            parts.append(" ")
        elif kind in _STRING_NODES or kind == "interpolated_string":  # a piece of an implicit concatenation
            parts.append(_text_of(child))
        elif child.is_named and not kind.endswith(_DELIMITERS):  # ``{name}``, ``${x}``, ``#{x}``, ``\(x)``
            parts.append(_GAP)
    if between:
        parts.append(data[pos - base:].decode("utf-8", "replace"))
    return "".join(parts)


def segments(text: str) -> list[list[str]]:
    """The runs of words between placeholders (``'no number is assigned for %s: %s'`` is one run of five)."""
    text = _ESCAPE.sub(" ", _PLACEHOLDER.sub(_GAP, text))
    return [ws for part in text.split(_GAP) if (ws := words(part))]


def _prose(text: str) -> bool:
    """Whether ``text`` is words apart, as a message is: not a URL, a dotted name or a path (their parts are
    words to :func:`words`, and a task quoting a link would match them)."""
    return len(_SPACED.findall(_PLACEHOLDER.sub(" ", text))) >= MIN_WORDS


def literals(nodes: list[Any], data: bytes) -> list[tuple[int, int, str]]:
    """``(line, key, segments)`` of each string literal among ``nodes`` (captured by :func:`pattern` in a tree
    parsed from ``data``) worth matching, segments joined by ``|``."""
    nodes = sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
    out: list[tuple[int, int, str]] = []
    end = -1
    for node in nodes:
        if node.start_byte < end:  # inside a literal taken already (an f-string's nested string, a concatenation)
            continue
        end = node.end_byte
        if end - node.start_byte > MAX_BYTES:
            continue
        # spaces, line breaks and the escapes of whitespace (``"a\tb\tc"``) set words apart; not a regex's
        # ``\d``, ``\.``, which only make reading the literal slower
        spaces = sum(data.count(c, node.start_byte, end) for c in (b" ", b"\n", b"\\n", b"\\t"))
        if spaces < MIN_WORDS - 1:  # most literals are keys and names: no words apart, no need to read them
            continue
        text = _text_of(node)
        segs = segments(text)
        longest = max(segs, key=len, default=[])
        if len(longest) < MIN_WORDS or sum(map(len, segs)) > MAX_WORDS or not _prose(text):
            continue
        out.append((node.start_point[0] + 1, key(longest[:MIN_WORDS]), "|".join(" ".join(s) for s in segs)))
    return out


def match(rows: list[tuple[int, int, str]], text: str) -> dict[int, tuple[float, list[int]]]:
    """``file id -> (strength, lines)`` for the stored literals ``rows`` (``(file_id, line, segments)``) whose every
    segment ``text`` holds word for word. Strength grows with the words matched (:data:`MIN_MATCH` to
    :data:`FULL_MATCH`) and is shared among the files holding the same literal."""
    holds = _Holder(words(text))
    found: dict[str, list[tuple[int, int]]] = {}
    for fid, line, segs in rows:
        if _count(segs) >= MIN_MATCH and all(holds(p.split(" ")) for p in segs.split("|")):
            found.setdefault(segs, []).append((fid, line))
    out: dict[int, tuple[float, list[int]]] = {}
    for segs, places in found.items():
        n = _count(segs)
        strength = min(1.0, (n - MIN_MATCH + 1) / (FULL_MATCH - MIN_MATCH + 1)) / len({f for f, _ in places})
        for fid, line in places:
            old, lines = out.get(fid, (0.0, []))
            lines.append(line)
            out[fid] = (max(old, strength), lines)
    return out


class _Holder:
    """Whether a run of words occurs in ``ws`` in a row: looked up by its first three words (or by the pair or
    the word), so each stored literal costs a lookup, not a scan of a long pasted log."""

    def __init__(self, ws: list[str]) -> None:
        self.ws = ws
        self.ones = set(ws)
        self.twos = set(itertools.pairwise(ws))
        self.threes: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(ws) - 2):
            self.threes.setdefault((ws[i], ws[i + 1], ws[i + 2]), []).append(i)

    def __call__(self, run: list[str]) -> bool:
        if len(run) == 1:
            return run[0] in self.ones
        if len(run) == 2:
            return (run[0], run[1]) in self.twos
        ws, k = self.ws, len(run)
        return any(ws[i:i + k] == run for i in self.threes.get((run[0], run[1], run[2]), ()))


def _count(segs: str) -> int:
    """The words of a stored literal (``segments`` joined by spaces and ``|``)."""
    return segs.count(" ") + segs.count("|") + 1


def query_keys(text: str) -> list[int]:
    """The keys of every three words in a row of ``text``: a literal can match only if its key is one."""
    ws = words(text)
    return list({key(ws[i:i + MIN_WORDS]) for i in range(len(ws) - MIN_WORDS + 1)})


def stored(c: sqlite3.Connection, keys: list[int]) -> list[tuple[int, int, str]]:
    """The stored string literals whose lookup key is one of ``keys``."""
    rows: list[tuple[int, int, str]] = []
    for i in range(0, len(keys), 500):
        part = keys[i:i + 500]
        rows += c.execute(f"SELECT file_id, line, segs FROM strings WHERE key IN ({','.join('?' * len(part))})",
                          part).fetchall()
    return rows
