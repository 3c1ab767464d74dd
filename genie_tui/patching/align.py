"""Bounded alignment of a hunk's old side to the file, for hunks that do not match line for line.

Context lines may be missing from the file or from the patch, and an elision marker may stand for a run of
lines, but a removed line must always match. Every alignment of the best cost is enumerated (up to a cap), so
the caller can refuse when equally good alignments would edit the file differently.
"""

from __future__ import annotations

import re

from genie_tui.patching.model import CTX, DEL, GAP

_WORD = re.compile(r"[A-Za-z0-9_]")
MAX_COST = 6  # half-lines: three non-blank (or six blank) context lines missing or extra
# Costs are scaled so that, at equal cost, an alignment that leaves fewer patch lines unmatched wins.
SCALE = 100
SLACK = 7  # extra file lines a fuzzy window looks at beyond the hunk's own length
GAP_SPAN = 400  # how many lines one elision marker may stand for
INF = 1 << 30


def align_through(toks, kinds, blank, norm, fblank, k, p):
    """Best alignments with token ``k`` pinned to file line ``p``: (cost, [(mapping, gap ranges), ...]) or
    None. Every alignment of that same cost is listed (up to a cap) so the caller can check they agree."""
    n = len(norm)
    left_t = list(range(k - 1, -1, -1))
    right_t = list(range(k + 1, len(toks)))
    wl = len(left_t) + SLACK + (GAP_SPAN if any(kinds[t] == GAP for t in left_t) else 0)
    wr = len(right_t) + SLACK + (GAP_SPAN if any(kinds[t] == GAP for t in right_t) else 0)
    budget = MAX_COST * SCALE + SCALE - 1
    lres = _half(left_t, p - 1, -1, min(wl, p), toks, kinds, blank, norm, fblank, budget)
    if lres is None:
        return None
    rres = _half(right_t, p + 1, 1, max(0, min(wr, n - p - 1)), toks, kinds, blank, norm, fblank,
                 budget - lres[0])
    if rres is None:
        return None
    combos = []
    for lmap, lgaps in lres[1]:
        for rmap, rgaps in rres[1]:
            mapping: list[int | None] = [None] * len(toks)
            mapping[k] = p
            for t, f in (*lmap.items(), *rmap.items()):
                mapping[t] = f
            combos.append((mapping, {**lgaps, **rgaps}))
            if len(combos) >= MAX_PATHS:
                break
    return lres[0] + rres[0], combos


MAX_PATHS = 24


def _half(tsel, origin, step, n, toks, kinds, blank, norm, fblank, budget):
    """Edit-distance style alignment of tokens ``tsel`` to file lines ``origin + step*j``, both walking away
    from the anchor. Context tokens may go unmatched and file lines may be skipped (cost 1 blank, 2
    otherwise); removed lines must match; a gap absorbs any run of lines for free. A non-blank context token
    set against a different non-blank line (a wrong copy of it) costs what an unmatched one does: so it does at
    the window's open end, and a place whose wrong line is inside the hunk must not lose to one whose wrong line
    is at its edge. Returns the best cost and every alignment that reaches it (capped)."""
    m = len(tsel)
    fsel = [origin + step * j for j in range(n)]
    fl = [norm[j] for j in fsel]
    fb = [fblank[j] for j in fsel]
    D = [[INF] * (n + 1) for _ in range(m + 1)]
    D[0][0] = 0
    for i in range(m):
        row = D[i]
        for j in range(n):
            c = row[j] + (SCALE if fb[j] else 2 * SCALE)
            if c < row[j + 1] and c <= budget:
                row[j + 1] = c
        nrow = D[i + 1]
        t = tsel[i]
        kind, tok = kinds[t], toks[t]
        if kind == GAP:
            best = INF
            for j in range(n + 1):
                c = row[j]
                best = min(best, c)
                if j < n and c < INF and fl[j] == tok and c < nrow[j + 1]:
                    nrow[j + 1] = c
                nrow[j] = min(nrow[j], best)
        else:
            uc = (SCALE + 1 if blank[t] else 2 * SCALE + 1) if kind == CTX else INF
            swap = kind == CTX and not blank[t]
            for j in range(n + 1):
                c = row[j]
                if c >= INF:
                    continue
                if j < n and fl[j] == tok and c < nrow[j + 1]:
                    nrow[j + 1] = c
                if c + uc < nrow[j] and c + uc <= budget:
                    nrow[j] = c + uc
                if swap and j < n and not fb[j] and c + uc < nrow[j + 1] and c + uc <= budget:
                    nrow[j + 1] = c + uc
    last = D[m]
    cost = min(last)
    if cost > budget:
        return None

    def preds(i: int, j: int) -> list[tuple[str, int, int]]:
        v = D[i][j]
        res = []
        if i > 0:
            t = tsel[i - 1]
            kind = kinds[t]
            if j > 0 and fl[j - 1] == toks[t] and D[i - 1][j - 1] == v:
                res.append(("m", i - 1, j - 1))
            if kind == CTX and D[i - 1][j] + (SCALE + 1 if blank[t] else 2 * SCALE + 1) == v:
                res.append(("u", i - 1, j))
            if (kind == CTX and not blank[t] and j > 0 and not fb[j - 1] and fl[j - 1] != toks[t]
                    and D[i - 1][j - 1] + 2 * SCALE + 1 == v):
                res.append(("x", i - 1, j - 1))
            if kind == GAP:
                res.extend(("g", i - 1, j0) for j0 in range(j, -1, -1) if D[i - 1][j0] == v)
        if j > 0 and i < m and D[i][j - 1] + (SCALE if fb[j - 1] else 2 * SCALE) == v:
            res.append(("s", i, j - 1))
        return res

    paths = []
    stack: list[tuple[int, int, tuple]] = [(m, e, ()) for e in range(n, -1, -1) if last[e] == cost]
    while stack and len(paths) < MAX_PATHS:
        i, j, steps = stack.pop()
        if i == 0 and j == 0:
            paths.append(steps)
            continue
        for kind, pi, pj in reversed(preds(i, j)):
            stack.append((pi, pj, steps + ((kind, i, j, pi, pj),)))
    out: list[tuple[dict[int, int | None], dict[int, tuple[int, int]]]] = []
    for steps in paths:
        mapping: dict[int, int | None] = {}
        gaps: dict[int, tuple[int, int]] = {}
        for kind, i, j, pi, pj in steps:
            if kind == "m":
                mapping[tsel[pi]] = fsel[pj]
            elif kind in "ux":
                mapping[tsel[pi]] = None
            elif kind == "g":
                t = tsel[pi]
                mapping[t] = None
                gaps[t] = (origin + pj, origin + j) if step == 1 else (origin - j + 1, origin - pj + 1)
        if (mapping, gaps) not in out:  # a line unmatched at the window's edge or set against the line there
            out.append((mapping, gaps))
    return cost, out


def insert_positions(kinds, blank, toks, norm, mapping, gaps, adds) -> dict[int, int] | str:
    """Where each group of added lines goes; a string explains why that cannot be told.

    An insertion point is accepted only when every alignment of equal cost would put the lines in the same
    place: between two lines that are adjacent in the file, right after a removed line, or right before one.
    A ``...`` beside the added lines only places them when matched lines bound it on both sides.
    """
    out: dict[int, int] = {}
    m = len(kinds)
    # A "..." only places added lines when lines with real words pin it on both sides; blank lines or
    # brackets alone would let it stretch to the next blank pair.
    matched = [t for t in range(m) if mapping[t] is not None and _WORD.search(toks[t])]
    unclear = _unclear(None)
    for g in adds:
        lo = hi = None
        lo_t = hi_t = None
        unmatched_before: list[int] = []
        unmatched_after: list[int] = []
        loose_before = loose_after = False  # a "..." that nothing pins down lies on that side
        for t in range(g - 1, -1, -1):
            if mapping[t] is not None:
                lo, lo_t = mapping[t] + 1, t
                break
            if t in gaps:
                if any(x >= g for x in matched) and any(x < t for x in matched):
                    lo, lo_t = gaps[t][1], t
                else:
                    loose_before = True
                break
            if kinds[t] == CTX:
                unmatched_before.append(t)
        for t in range(g, m):
            if mapping[t] is not None:
                hi, hi_t = mapping[t], t
                break
            if t in gaps:
                if any(x < g for x in matched) and any(x > t for x in matched):
                    hi, hi_t = gaps[t][0], t
                else:
                    loose_after = True
                break
            if kinds[t] == CTX:
                unmatched_after.append(t)
        # An unmatched context line that equals the file line just across the insertion point could have
        # matched there instead, which would move the insertion: refuse rather than pick one.
        if hi is not None and hi < len(norm) and any(toks[u] == norm[hi] for u in unmatched_before):
            return unclear
        if lo is not None and lo > 0 and any(toks[u] == norm[lo - 1] for u in unmatched_after):
            return unclear
        nonblank_before = loose_before or any(not blank[u] for u in unmatched_before)
        nonblank_after = loose_after or any(not blank[u] for u in unmatched_after)
        if lo is not None and hi is not None:
            if lo == hi or lo_t == g - 1 and kinds[lo_t] == DEL:
                out[g] = lo
            elif hi_t == g and kinds[hi_t] == DEL:
                out[g] = hi
            else:
                return (f"the context around the added lines does not match the file: lines {lo + 1}-{hi} "
                        "sit where the patch has none, so it is unclear whether to insert before or after them")
        # With one side pinned, the added lines go right beside its matched line only when no real context line
        # between them went unmatched: that line may be a stale copy of the file line beside the matched one
        # (``def f(x):`` for ``def f(x, y):``), and the added lines belong on its far side.
        elif hi is not None and (hi_t == g and kinds[hi_t] == DEL or not nonblank_before and not nonblank_after):
            out[g] = hi
        elif lo is not None and (lo_t == g - 1 and kinds[lo_t] == DEL or not nonblank_after and not nonblank_before):
            out[g] = lo
        else:
            stray = [toks[u] for u in (*unmatched_before, *unmatched_after) if not blank[u]]
            return _unclear(stray[0] if stray else None)
    return out


def _unclear(stray: str | None) -> str:
    which = f" ({stray!r} is not in the file there)" if stray else ""
    return (f"the context lines next to the added lines do not match the file exactly{which}, so the insertion "
            "point is unclear; copy the lines around the change exactly")
