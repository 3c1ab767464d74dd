"""Hunks fitted to a file's quirks before they are located: its encoding, classic Mac line endings and a byte-order
mark."""

from __future__ import annotations

import dataclasses
import re

from genie_tui.patching.model import ADD, CTX, DEL, Hunk
from genie_tui.patching.textfile import TextFile

_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte of the patch that is not UTF-8 (``decode_patch``)


def fit(tf: TextFile, hunks: list[Hunk]) -> tuple[list[Hunk], set[int]]:
    """``hunks`` as they apply to ``tf``, and the indexes of those that take its byte-order mark away."""
    hunks = decoded(tf, hunks)
    if tf.cr_only:
        hunks = [cr_lines(h) for h in hunks]
    if tf.encoding != "utf-8-sig":
        return hunks, set()
    bommed = [bom_lines(h) for h in hunks]
    return [h for h, _ in bommed], {h.index for h, drop in bommed if drop}


def decoded(tf: TextFile, hunks: list[Hunk]) -> list[Hunk]:
    """``hunks`` (one file's) as a Latin-1 file ``tf`` reads them. ``decode_patch`` reads a file's part of a patch
    that is mostly UTF-8 as UTF-8 and keeps its other bytes as they are; those are a Latin-1 file's characters,
    so such hunks are read again from their bytes, as Latin-1. Hunks that are UTF-8 throughout are left alone: a
    model's patch is text, and its ``café`` is the Latin-1 file's too."""
    if tf.encoding != "latin-1" or not any(_ESCAPED.search(t) for h in hunks for _, t in h.lines):
        return hunks
    return [dataclasses.replace(h, lines=[(k, t.encode("utf-8", "surrogateescape").decode("latin-1"))
                                          for k, t in h.lines]) for h in hunks]


def cr_lines(h: Hunk) -> Hunk:
    """``h`` for a file with classic Mac endings: git (and a diff of its output) sees such a file as one line
    holding CRs, where the file has a line between each two CRs. Its ``\\ No newline at end of file`` is about
    LF, which such a file never has; whether the file ends in a line ending is whether git's line ends in CR."""
    if not h.cr_end and not any("\r" in t for _, t in h.lines):
        return h
    last_old = max((j for j, (k, _) in enumerate(h.lines) if k != ADD), default=None)
    last_new = max((j for j, (k, _) in enumerate(h.lines) if k != DEL), default=None)
    return dataclasses.replace(h, lines=[(k, part) for k, t in h.lines for part in t.split("\r")],
                               old_no_nl=h.old_no_nl and last_old not in h.cr_end,
                               new_no_nl=h.new_no_nl and last_new not in h.cr_end, cr_end=set())


def bom_lines(h: Hunk) -> tuple[Hunk, bool]:
    """``h`` for a file that starts with a byte-order mark, which the file's lines do not hold: git's diff shows
    it at the start of line 1, the first line of each side of its hunk. Whether the hunk takes it away."""
    first_old = next((j for j, (k, _) in enumerate(h.lines) if k in (CTX, DEL)), None)
    first_new = next((j for j, (k, _) in enumerate(h.lines) if k in (CTX, ADD)), None)
    had = {side: j is not None and h.lines[j][1].startswith("\ufeff")
           for side, j in (("old", first_old), ("new", first_new))}  # one context line can be both
    lines = [(k, t[1:]) if j in (first_old, first_new) and t.startswith("\ufeff") else (k, t)
             for j, (k, t) in enumerate(h.lines)]
    if not (had["old"] or had["new"]):
        return h, False
    if had["old"] and not had["new"] and h.lines[first_old][0] == CTX:
        problem = ("the hunk adds lines above the file's first line, which starts with a byte-order mark, so the "
                   "mark would end up inside the file; genie does not move it: add the lines below line 1, or "
                   "remove the mark in a hunk of its own")
        return dataclasses.replace(h, lines=lines, problem=h.problem or problem), False
    return dataclasses.replace(h, lines=lines), had["old"] and not had["new"]
