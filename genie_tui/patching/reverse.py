"""Reverse one file's patch on a file the user has edited since: the undo of ``genie undo`` when the exact
bytes genie wrote are gone.

Each changed block of the patch (after -> before) is found in the current file by its own lines plus as much
of its unchanged surroundings as still match: three lines on each side first, then fewer, down to the
block's lines alone. Edits to nearby unchanged lines therefore do not block undo; edits to the patched lines
themselves, or a block that fits more than one place, do (``None``).
"""

from __future__ import annotations

import difflib

from genie_tui.patching.textfile import BinaryFile, TextFile

CONTEXT = 3


def reverse(before: bytes, after: bytes, now: bytes) -> bytes | None:
    """``now`` with the change ``before -> after`` taken back, or None when that cannot be done safely."""
    try:
        a, b, cur = TextFile.from_bytes(after), TextFile.from_bytes(before), TextFile.from_bytes(now)
    except BinaryFile:
        return None
    ops = [op for op in difflib.SequenceMatcher(None, a.lines, b.lines).get_opcodes() if op[0] != "equal"]
    if not ops:
        return now
    index: dict[str, list[int]] = {}
    for i, line in enumerate(cur.lines):
        index.setdefault(line, []).append(i)
    spots: list[tuple[int, int, int, int]] = []
    for _, i1, i2, j1, j2 in ops:
        at = _place(cur.lines, index, a.lines, i1, i2)
        if at is None:
            return None
        if spots and at < spots[-1][1]:  # blocks out of their order or overlapping: the file was rearranged
            return None
        spots.append((at, at + i2 - i1, j1, j2))
    lines, eols = list(cur.lines), list(cur.eols)
    for start, end, j1, j2 in reversed(spots):
        lines[start:end] = b.lines[j1:j2]
        eols[start:end] = b.eols[j1:j2]
    for k in range(len(eols) - 1):
        if eols[k] == "":  # a line that ended the file before now has lines after it
            eols[k] = cur.eol
    return TextFile(lines=lines, eols=eols, encoding=cur.encoding).to_bytes()


def _place(cur: list[str], index: dict[str, list[int]], a: list[str], i1: int, i2: int) -> int | None:
    """Where ``a[i1:i2]`` (the lines to take back; empty for lines to put back) sits in ``cur``: the widest
    context that matches anywhere decides, and it must match in exactly one place."""
    for total in range(2 * CONTEXT, -1, -1):
        found: set[int] = set()
        for before in range(min(CONTEXT, total), -1, -1):
            after = total - before
            if after > CONTEXT or i1 - before < 0 or i2 + after > len(a):
                continue
            block = a[i1 - before:i2 + after]
            if not block:
                continue  # lines to put back need at least one neighbour to say where
            for s in index.get(block[0], ()):
                if cur[s:s + len(block)] == block:
                    found.add(s + before)
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None
