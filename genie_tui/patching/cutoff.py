"""Tell a patch that was cut off (a stream or a copy that stopped early) from one whose counts are wrong.

Models overstate ``@@`` counts all the time, so short counts alone never prove a cut. A patch is taken as
cut off only on evidence a complete patch does not show:

- it ends inside a hunk on a ``-`` or ``+`` line with both counts short (complete hunks end with context);
- it ends right after a hunk header, before any line of the hunk;
- it ends in the middle of a context line: the text has no final newline and its last line, which matched
  nothing, is only the beginning of the file line after the hunk.

A patch cut exactly at the end of a context line, or between two hunks, looks like a complete patch with
overstated counts and is applied as far as it goes (see the README on cut-off patches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genie_tui.patching.model import ADD, CTX, DEL, GAP, Hunk
from genie_tui.patching.textfile import normalize

if TYPE_CHECKING:
    from genie_tui.patching.locate import Candidate, Shape
    from genie_tui.patching.textfile import TextFile

_SLACK = 2  # context lines a hunk may leave out (as the locator allows): the cut line may start further on


def hunk_cut(hunk: Hunk, at_end: bool) -> str | None:
    """Why the hunk the patch ends in looks cut off, or None. ``at_end``: nothing follows the hunk."""
    body = hunk.lines
    if not at_end:
        return None
    if not body:
        return (f"the patch ends right after the hunk header {hunk.header.strip()!r}, with none of its lines, "
                "so it looks cut off; send the whole hunk")
    if (hunk.old_len is not None and hunk.new_len is not None and body[-1][0] in (DEL, ADD)
            and not any(k == GAP for k, _ in body)):
        olds = sum(1 for k, _ in body if k in (CTX, DEL))
        news = sum(1 for k, _ in body if k in (CTX, ADD))
        if olds < hunk.old_len and news < hunk.new_len:
            return (f"the patch ends inside this hunk: its header {hunk.header.strip()!r} announces "
                    f"{hunk.old_len} old and {hunk.new_len} new lines but only {olds} and {news} follow, so "
                    "it looks cut off; send the whole hunk")
    return None


def line_cut(tf: TextFile, shape: Shape, cand: Candidate) -> str | None:
    """Why a hunk whose last line the text ends in the middle of looks cut off, or None: that context line
    matched nothing and is only the beginning of one of the next non-blank file lines after the hunk's match
    (the first, or one of the few after it that a hunk may leave out)."""
    last = len(shape.kinds) - 1
    if last < 0 or shape.kinds[last] != CTX or cand.mapping[last] is not None:
        return None
    matched = [f for f in cand.mapping if f is not None]
    if not matched:
        return None
    part = shape.texts[last]
    after = [n for n in range(max(matched) + 1, len(tf.lines)) if tf.lines[n].strip()][:1 + _SLACK]
    if not part.strip():  # cut inside the indentation
        after = after[:1] if part else []
    for nxt in after:
        whole, start = normalize(tf.lines[nxt], 2), normalize(part, 2)
        if whole.startswith(start) and whole != start:
            return (f"the patch ends in the middle of a line: its last line {part.strip()!r} is only the "
                    f"beginning of line {nxt + 1} ({tf.lines[nxt].strip()!r}), so it looks cut off; send the "
                    "whole patch")
    return None


__all__ = ["hunk_cut", "line_cut"]
