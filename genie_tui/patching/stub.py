"""Tell Python's ``...`` as a block's body from ``...`` standing for code a model left out.

In Python an added line that is only ``...`` is often real code: the body of a Protocol, abstract or
``@overload`` stub, or of a class in a ``.pyi`` file. It is a placeholder when it sits among statements or
takes the place of lines the hunk removes. The rule here accepts it only when the hunk itself shows it is the
whole body of its block: the line before (skipping a docstring) opens a block at a lower indentation, the
next line is back at that block's indentation or lower (or the hunk ends), and no removed line of the block
is replaced by it other than ``...`` or ``pass``.
"""

from __future__ import annotations

import re

from genie_tui.patching.model import ADD, DEL, GAP

PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
_COMMENT = re.compile(r"\s+#[^'\"]*$")  # a trailing comment without quotes (a '#' in a string stays)
_QUOTES = ('"""', "'''")
_STUB_BODY = ("...", "pass")


def is_python(path: str | None) -> bool:
    return bool(path) and str(path).lower().endswith(PYTHON_SUFFIXES)


def is_stub_body(body: list[tuple[str, str]], i: int) -> bool:
    """Whether the added line ``body[i]`` is a ``...`` that forms the whole body of its block."""
    kind, text = body[i]
    if kind != ADD or text.strip() != "...":
        return False
    indent = _width(text)
    # an elided stretch ('# ... existing code ...') counts as code: the '...' cannot be shown to be alone
    new = [(j, k, t) for j, (k, t) in enumerate(body) if k == GAP or (k != DEL and _is_code(t))]
    before = [x for x in new if x[0] < i]
    after = [x for x in new if x[0] > i]
    documented = _skip_docstring(before, indent)
    new_doc = len(documented) < len(before)  # the new block opens with a docstring
    before = documented
    if not before:
        return False
    hj, hk, head = before[-1]
    level = _width(head)
    if hk == GAP or level >= indent or not _COMMENT.sub("", head.rstrip()).endswith(":"):
        return False
    if after and (after[0][1] == GAP or _width(after[0][2]) > level):
        return False
    # A removed line of the block that the '...' would stand in for makes it a placeholder. A header that
    # the hunk rewrites brings the removed lines just before it (the old header and body) into view.
    start = hj
    while hk == ADD and start > 0 and body[start - 1][0] in (ADD, DEL):
        start -= 1
    end = after[0][0] if after else len(body)
    removed = [(j, k, t) for j, (k, t) in enumerate(body[start:end], start)
               if k == DEL and _is_code(t) and _width(t) > level]
    if new_doc:  # the old docstring is replaced by the new one, not by the '...'
        removed = removed[len(_docstring(removed)):]
    return all(t.strip() in _STUB_BODY for _, _, t in removed)


def _docstring(lines: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """The lines of a docstring that opens ``lines`` (empty if none does)."""
    first = lines[0][2].strip().lstrip("rRuUbB") if lines else ""
    quote = next((q for q in _QUOTES if first.startswith(q)), None)
    if quote is None:
        return []
    if len(first) >= 2 * len(quote) and first.endswith(quote):
        return lines[:1]
    if quote in first[len(quote):]:
        return []  # a string in an expression ('"""a""" + b'), not a docstring
    for n in range(1, len(lines)):
        if quote in lines[n][2]:
            return lines[:n + 1] if lines[n][2].rstrip().endswith(quote) else []
    return []


def _skip_docstring(before: list[tuple[int, str, str]], indent: int) -> list[tuple[int, str, str]]:
    """Drop a docstring at the body's indentation just before the ``...`` (``def f(): "Doc." ...``)."""
    if not before or _width(before[-1][2]) != indent:
        return before
    last = before[-1][2].strip()
    quote = next((q for q in _QUOTES if last.endswith(q)), None)
    if quote is None:
        return before
    for n in range(len(before) - 1, -1, -1):
        line = before[n][2].strip().lstrip("rRuUbB")
        opens = line.startswith(quote) and (n < len(before) - 1 or len(line) >= 2 * len(quote))
        if opens and _width(before[n][2]) == indent:
            return before[:n]
        if n < len(before) - 1 and quote in line:
            return before  # another string ends here: not one docstring
    return before


def _is_code(text: str) -> bool:
    s = text.strip()
    return bool(s) and not s.startswith("#")


def _width(text: str) -> int:
    expanded = text.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


__all__ = ["is_python", "is_stub_body"]
