"""Tell a patch that was cut off (a stream or a copy that stopped early) from one whose counts are wrong.

Models overstate ``@@`` counts all the time, so short counts alone never prove a cut. A patch is taken as
cut off only on evidence a complete patch does not show:

- it ends inside a hunk on a ``-`` or ``+`` line with both counts short (complete hunks end with context);
- it ends right after a hunk header, before any line of the hunk;
- it ends inside or right after the header of a further file, before its hunks: the last path is unfinished
  (no final newline), the file is the same on both sides with nothing to do, or git's ``index`` or
  ``similarity`` line announces changed content;
- it ends in the middle of a context line: the text has no final newline and its last line, which matched
  nothing, is only the beginning of the file line after the hunk.

A patch cut exactly at the end of a context line, or between two hunks, looks like a complete patch with
overstated counts and is applied as far as it goes (see the README on cut-off patches).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from genie_tui.patching.model import ADD, CTX, DEL, GAP, FilePatch, Hunk
from genie_tui.patching.textfile import normalize

if TYPE_CHECKING:
    from genie_tui.patching.locate import Candidate, Shape
    from genie_tui.patching.textfile import TextFile

_OPERATIONS = ("rename from ", "rename to ", "copy from ", "copy to ", "old mode ", "new mode ")
_HEADER_WORDS = ("diff --git ", "--- ", "+++ ", "index ", "similarity index ", "dissimilarity index ",
                 "new file mode ", "deleted file mode ", *_OPERATIONS)
_INDEX = re.compile(r"^index ([0-9a-f]{7,64})\.\.([0-9a-f]{7,64})(?: [0-7]{6})?$")
_MODE = re.compile(r"^(?:new file|deleted file|new) mode [0-7]{6}$")
_SIMILARITY = re.compile(r"^similarity index (\d+)%")
_EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty file: a new empty file has no hunk
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


def header_cut(files: list[FilePatch], stopped_in: str | None) -> str | None:
    """Why the patch looks cut off in the header of its last file, or None. ``stopped_in``: the text's last
    line when the text does not end with a newline (it may stop in the middle of that line)."""
    if not files or files[-1].hunks or files[-1].binary:
        return None
    last = files[-1]
    old, new = _bare(last.old_path), _bare(last.new_path)
    if stopped_in is not None and _is_header(stopped_in) and not _whole(stopped_in, last):
        cut = True  # "+++ b/sr", "rename to src/cl", "index 4780902..5b", "simil": the last line is unfinished
    elif _content_promised(last.raw_header):
        cut = True  # "index 4780902..5bf48d0" or "similarity index 99%": its hunks were to follow
    elif last.new_file or last.deleted or last.new_mode is not None or \
            any(h.startswith(_OPERATIONS) for h in last.raw_header):
        return None  # an empty new file, a mode change or a pure rename is complete without hunks
    elif (old is None and new is None) or (len(last.raw_header) == 1 and last.raw_header[0].startswith("diff --git ")):
        cut = True  # a "diff --git" line and nothing after it, which git never writes
    else:
        cut = old == new and len(files) > 1  # (a lone "--- x" "+++ x" is a patch that changes nothing)
    if not cut:
        return None
    return (f"the patch ends in the header of {old or new or 'its last file'}, before any hunk of it, so it "
            "looks cut off; send the whole patch")


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


def _content_promised(header: list[str]) -> bool:
    """A git header that announces changed content: an ``index`` line with two different blobs (the new one
    neither empty nor absent), or a rename or copy less than 100% similar."""
    for line in header:
        m = _INDEX.match(line)
        if m and m.group(1) != m.group(2) and not _EMPTY_BLOB.startswith(m.group(2)) and m.group(2).strip("0"):
            return True
        m = _SIMILARITY.match(line)
        if m and int(m.group(1)) < 100:
            return True
    return False


def _is_header(line: str) -> bool:
    """A file header line or the beginning of one (prose after a header is not cut off)."""
    return bool(line) and any(line.startswith(w) or w.startswith(line) for w in _HEADER_WORDS)


def _whole(line: str, fp: FilePatch) -> bool:
    """Whether a header line the text stops in without a newline is nonetheless complete: a mode, an index
    line, or a rename/copy target that is the path of the ``diff --git`` line."""
    if _MODE.match(line) or _INDEX.match(line):
        return True
    if line.startswith(("rename to ", "copy to ")) and fp.raw_header[0].startswith("diff --git "):
        target = line.split(" to ", 1)[1].strip()
        return bool(target) and fp.raw_header[0].endswith((" b/" + target, " " + target))
    return False


def _bare(path: str | None) -> str | None:
    if path is None:
        return None
    return path[2:] if path.startswith(("a/", "b/")) else path


__all__ = ["header_cut", "hunk_cut", "line_cut"]
