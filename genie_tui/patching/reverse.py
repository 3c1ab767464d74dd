"""Reverse one file's patch on a file the user has edited since: the undo of ``genie undo`` when the exact
bytes genie wrote are gone.

The file genie wrote is aligned with the file as it is now (a line diff); each changed block of the patch is
taken back where the alignment puts it. Edits to nearby unchanged lines therefore do not block undo; edits to
the patched lines themselves, or lines put back between places the user has since pulled apart, do
(``None``). Placing blocks by alignment, not by searching for their text, keeps a block that also occurs
elsewhere in the file (a copied section) from being taken back in the wrong copy. The alignment is greedy (its
longest run of lines first), so a copy the user pasted can take it; a block that another place fits as well, by
how far the lines around it match and by how many of the 100 lines on each side do, is refused as a guess.
"""

from __future__ import annotations

import difflib

from genie_tui.patching.textfile import BinaryFile, TextFile


def reverse(before: bytes, after: bytes, now: bytes) -> bytes | None:
    """``now`` with the change ``before -> after`` taken back, or None when that cannot be done safely."""
    try:
        a, b, cur = TextFile.from_bytes(after), TextFile.from_bytes(before), TextFile.from_bytes(now)
    except BinaryFile:
        return None
    # lines compare with their endings: a patch that only adds a final newline (or changes a line's CRLF) is a
    # change to take back too, not "nothing to undo"
    ops = [op for op in difflib.SequenceMatcher(None, list(zip(a.lines, a.eols)), list(zip(b.lines, b.eols)),
                                                autojunk=False).get_opcodes() if op[0] != "equal"]
    encoding = cur.encoding
    if {a.encoding, b.encoding} == {"utf-8", "utf-8-sig"}:  # the patch added or removed a byte-order mark
        if cur.encoding != a.encoding:
            return None  # and the user changed that again since
        encoding = b.encoding
    if not ops:
        return now if encoding == cur.encoding else TextFile(cur.lines, cur.eols, encoding).to_bytes()
    where = _alignment(a.lines, cur.lines)
    spots_now: dict[str, list[int]] = {}
    for k, line in enumerate(cur.lines):
        spots_now.setdefault(line, []).append(k)
    spots: list[tuple[int, int, int, int]] = []
    for _, i1, i2, j1, j2 in ops:
        at = _place(where, len(a.lines), len(cur.lines), i1, i2)
        if at is None or _slides(cur.lines, set(where.values()), at, i2 - i1) or _rivalled(a.lines, cur.lines, spots_now, at, i1, i2):
            return None
        if spots and at < spots[-1][1]:  # blocks out of their order or overlapping: the file was rearranged
            return None
        spots.append((at, at + i2 - i1, j1, j2))
    lines, eols = list(cur.lines), list(cur.eols)
    for start, end, j1, j2 in reversed(spots):
        lines[start:end] = b.lines[j1:j2]
        # lines put back end as the file's lines do now: after a switch to CRLF (an editor, .gitattributes) a
        # line with the LF genie's file had would be the one LF line in the file
        eols[start:end] = [cur.eol if e == a.eol else e for e in b.eols[j1:j2]]
    for k in range(len(eols) - 1):
        if eols[k] == "":  # a line that ended the file before now has lines after it
            eols[k] = cur.eol
    return TextFile(lines=lines, eols=eols, encoding=encoding).to_bytes()


def _alignment(written: list[str], now: list[str]) -> dict[int, int]:
    """Line ``i`` of the file genie wrote -> its line in the file now, for the lines the user left alone."""
    where: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, written, now, autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                where[i1 + k] = j1 + k
    return where


def _slides(now: list[str], aligned: set[int], at: int, size: int) -> bool:
    """Whether the written lines ``now[at:at + size]`` could as well sit one line up or down: a line the user
    added beside them has the same text, so which copy is genie's (and on which side of the user's line the old
    lines go back) is a guess."""
    if not size:
        return False
    block = now[at:at + size]
    up = at > 0 and at - 1 not in aligned and now[at - 1:at - 1 + size] == block
    down = at + size < len(now) and at + size not in aligned and now[at + 1:at + 1 + size] == block
    return up or down


def _rivalled(written: list[str], now: list[str], spots: dict[str, list[int]], at: int, i1: int, i2: int) -> bool:
    """Whether another place in ``now`` fits the written lines ``i1:i2`` (for ``i1 == i2``, their insertion
    point) as well as ``at``, the alignment's: it agrees with as much of the file genie wrote, each side aligned
    apart. ``spots`` is each line's positions in ``now``. The alignment is greedy, so a copy the user pasted (with
    some of its context, or a line of theirs edited beside genie's) can take it, which then takes back the copy
    and leaves genie's change in place. With more than :data:`_RIVALS` places, only those whose surroundings
    match the written file's as far up and down as ``at``'s are weighed."""
    size = i2 - i1

    def reach(p: int) -> int:
        up = 0
        while up < _REACH and p - 1 - up >= 0 and i1 - 1 - up >= 0 and now[p - 1 - up] == written[i1 - 1 - up]:
            up += 1
        down = 0
        while down < _REACH and p + size + down < len(now) and i2 + down < len(written) \
                and now[p + size + down] == written[i2 + down]:
            down += 1
        return up + down

    if size:
        places = {p for p in spots.get(written[i1], ()) if now[p:p + size] == written[i1:i2]}
    else:  # where a neighbour of the lines to put back is
        places = {p + 1 for p in spots.get(written[i1 - 1], ())} if i1 else set()
        places |= set(spots.get(written[i1], ())) if i1 < len(written) else set()
    places.discard(at)
    best = reach(at)
    close = [p for p in places if size or reach(p)]
    if len(close) > _RIVALS:
        close = [p for p in close if reach(p) >= best]
        if len(close) > _RIVALS:
            return True
    if not close:
        return False
    ours = _agreement(written, now, at, i1, i2)
    return any(_agreement(written, now, p, i1, i2) >= ours for p in close)


def _agreement(written: list[str], now: list[str], at: int, i1: int, i2: int) -> int:
    """How many lines of the file genie wrote match the file now around ``at`` (up to :data:`_WINDOW` on each
    side), were ``written[i1:i2]`` at ``now[at:]``."""
    end = at + i2 - i1

    def matched(x: list[str], y: list[str]) -> int:
        return sum(m.size for m in difflib.SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks())

    w = _WINDOW  # the lines around: a whole large file, aligned twice per rival, made undo 10x slower
    return matched(written[max(0, i1 - w):i1], now[max(0, at - w):at]) + matched(written[i2:i2 + w], now[end:end + w])


_WINDOW = 100  # lines on each side of a place that _agreement compares
_RIVALS = 8  # places weighed against the alignment's (each costs two alignments); past this many, a guess


_REACH = 1000  # lines compared on each side of a place: past that, two places are as good as the same


def _place(where: dict[int, int], total: int, size_now: int, i1: int, i2: int) -> int | None:
    """Where the written lines ``i1:i2`` sit now (for ``i1 == i2``, where lines go back in): every one of
    them untouched and still together; lines to put back need their untouched neighbours to agree. At the
    file's start or end one neighbour is the file's edge, so lines the user put there (a function appended
    where the patch removed the last one, text written into a file the patch emptied) are between the
    neighbours as in the middle of the file: which side of them the old lines go is a guess."""
    if i2 > i1:
        at = where.get(i1)
        if at is None or any(where.get(i1 + k) != at + k for k in range(i2 - i1)):
            return None  # the user edited, moved or removed patched lines
        return at
    after_prev = 0 if i1 == 0 else where[i1 - 1] + 1 if i1 - 1 in where else None
    before_next = size_now if i1 == total else where.get(i1)
    if after_prev is not None and before_next is not None and after_prev != before_next:
        return None  # the user put lines where these go back: which side they belong to is a guess
    return after_prev if after_prev is not None else before_next
