"""Find where a hunk belongs in a file, or say precisely why it cannot be placed.

Levels, strongest first: the old side verbatim (at the stated line = ``exact``, elsewhere = ``offset``), then
ignoring trailing and then all spacing (``whitespace``), then a bounded alignment (``fuzzy``) that may skip a
few context lines on either side and lets elision markers stand for any run of lines, but never skips a
removed line. Every level returns *all* places that fit equally well; choosing among them (hunk order, the
stated line) is the caller's job, and more than one left means refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genie_tui.patching.model import ADD, CTX, DEL, GAP, Hunk
from genie_tui.patching.textfile import TextFile, normalize

MAX_COST = 6  # half-lines: three non-blank (or six blank) context lines missing or extra
# Costs are scaled so that, at equal cost, an alignment that leaves fewer patch lines unmatched wins.
SCALE = 100
SLACK = 7  # extra file lines a fuzzy window looks at beyond the hunk's own length
GAP_SPAN = 400  # how many lines one elision marker may stand for
MAX_ANCHORS = 200
INF = 1 << 30
_WORD = re.compile(r"[A-Za-z0-9_]")


@dataclass(slots=True)
class Candidate:
    """One place a hunk fits: ``mapping`` gives the file line of every old-side token (None = not matched)."""

    start: int
    end: int
    method: str
    cost: int
    mapping: list[int | None]
    inserts: dict[int, int]  # add-group key (index of the token it precedes) -> file position
    level: int


@dataclass(slots=True)
class Failure:
    reason: str


@dataclass(slots=True)
class Shape:
    """A hunk split into old-side tokens and the added lines that sit before each token index."""

    kinds: list[str]
    texts: list[str]
    adds: dict[int, list[str]]

    @classmethod
    def of(cls, hunk: Hunk) -> Shape:
        kinds: list[str] = []
        texts: list[str] = []
        adds: dict[int, list[str]] = {}
        for kind, text in hunk.lines:
            if kind == ADD:
                adds.setdefault(len(kinds), []).append(text)
            else:
                kinds.append(kind)
                texts.append(text)
        return cls(kinds, texts, adds)


def find(tf: TextFile, shape: Shape, stated: int | None) -> list[Candidate] | Failure:
    """All equally good places for ``shape`` in ``tf`` at the strongest level that has any."""
    m = len(shape.kinds)
    if m == 0:
        return Failure("the hunk has no context or removed lines, so there is nothing to locate it by; "
                       "include 2-3 unchanged lines around the change")
    for level in (0, 1, 2):
        starts = _contiguous(tf, shape, level)
        if starts:
            out = []
            for s in starts:
                method = ("exact" if s == stated else "offset") if level == 0 else "whitespace"
                out.append(Candidate(s, s + m, method, 0, list(range(s, s + m)),
                                     {g: s + g for g in shape.adds}, level))
            if level == 2 and any(_indent_suspect(tf, shape, c.mapping) for c in out):
                return Failure(_INDENT_AMBIGUOUS)
            return out
    return _fuzzy(tf, shape)


def _contiguous(tf: TextFile, shape: Shape, level: int) -> list[int]:
    toks = [normalize(t, level) for t in shape.texts]
    index = tf.index(level)
    best_k, best_pos = -1, None
    for k, t in enumerate(toks):
        pos = index.get(t)
        if not pos:
            return []
        if best_pos is None or len(pos) < len(best_pos):
            best_k, best_pos = k, pos
    assert best_pos is not None
    norm = tf.norm(level)
    n, m = len(norm), len(toks)
    out = []
    for p in best_pos:
        s = p - best_k
        if s < 0 or s + m > n:
            continue
        if norm[s:s + m] == toks:
            out.append(s)
    return out


def _fuzzy(tf: TextFile, shape: Shape) -> list[Candidate] | Failure:
    norm = tf.norm(2)
    index = tf.index(2)
    toks = [normalize(t, 2) for t in shape.texts]
    kinds = shape.kinds
    blank = [t == "" for t in toks]
    fblank = [s == "" for s in norm]
    missing = [shape.texts[k] for k in range(len(toks))
               if kinds[k] == DEL and toks[k] not in index]
    if missing:
        return Failure(_not_found(missing, "removed"))
    anchors: list[tuple[int, int]] = []
    dels = [k for k in range(len(toks)) if kinds[k] == DEL and not blank[k]]
    if not dels:
        dels = [k for k in range(len(toks)) if kinds[k] == DEL]
    ctx = [k for k in range(len(toks)) if kinds[k] == CTX and not blank[k] and toks[k] in index]
    ctx.sort(key=lambda k: len(index[toks[k]]))
    if dels:
        k = min(dels, key=lambda k: len(index[toks[k]]))
        anchors = [(k, p) for p in index[toks[k]]]
        if len(anchors) > MAX_ANCHORS and ctx:
            # Common removed lines ("}", "return None"): pin a rare context line instead.
            alt = [(k, p) for k in ctx[:2] for p in index[toks[k]]]
            if len(alt) <= MAX_ANCHORS:
                anchors = alt
    else:
        if not ctx:
            lines = [t for k, t in enumerate(shape.texts) if kinds[k] == CTX and t.strip()]
            if not lines:
                return Failure("the hunk has no non-blank unchanged lines to locate it by (only blank lines "
                               "or '...'); include 2-3 real lines around the change")
            return Failure(_not_found(lines, "context"))
        for k in ctx[:2]:
            anchors += [(k, p) for p in index[toks[k]]]
    if len(anchors) > MAX_ANCHORS:
        return Failure("the hunk's lines occur too many times in the file to place it safely; "
                       "include more distinctive context lines")
    nonblank_total = sum(1 for k in range(len(toks)) if not blank[k] and kinds[k] != GAP)
    found: dict[tuple, Candidate] = {}
    problems: list[tuple[int, str]] = []
    for k, p in anchors:
        res = _align_through(toks, kinds, blank, norm, fblank, k, p)
        if res is None:
            continue
        cost, combos = res
        valid: list[tuple[list[int | None], dict[int, tuple[int, int]], dict[int, int]]] = []
        for mapping, gaps in combos:
            confirmed = sum(1 for t, f in enumerate(mapping)
                            if f is not None and not blank[t] and kinds[t] != GAP)
            unmatched = sum(1 for t, f in enumerate(mapping) if f is None and kinds[t] == CTX and not blank[t])
            if confirmed < min(2, nonblank_total) or unmatched > 2 or confirmed <= unmatched:
                continue
            if not any(f is not None and kinds[t] != GAP and _WORD.search(toks[t]) for t, f in enumerate(mapping)):
                continue  # only brackets and blank lines matched: too weak to place a hunk
            inserts = _insert_positions(kinds, blank, toks, norm, mapping, gaps, shape.adds)
            if isinstance(inserts, str):
                problems.append((cost, inserts))
                valid = []
                break
            if _indent_suspect(tf, shape, mapping):
                problems.append((cost, _INDENT_AMBIGUOUS))
                valid = []
                break
            valid.append((mapping, gaps, inserts))
        if not valid:
            continue
        spots = [x for v in valid for x in _spots(v[0], v[2])]
        lo, hi = min(spots), min(len(tf.lines), max(spots) + 1)
        if len({_outcome(tf, shape, kinds, v[0], v[2], lo, hi) for v in valid}) > 1:
            problems.append((cost, (f"the hunk fits the lines around line {p + 1} in more than one way (blank "
                                    "or repeated lines), which would give different results; copy the lines "
                                    "around the change exactly")))
            continue
        mapping, gaps, inserts = valid[0]
        placed = [f for f in mapping if f is not None] + [a for a, b in gaps.values()] + \
                 [b for a, b in gaps.values()]
        start = min(placed)
        end = max([f + 1 for f in mapping if f is not None] + [b for a, b in gaps.values()])
        sig = (tuple(f for t, f in enumerate(mapping) if kinds[t] == DEL), tuple(sorted(inserts.items())))
        cand = Candidate(start, end, "fuzzy", cost, mapping, inserts, 3)
        if sig not in found or found[sig].cost > cost:
            found[sig] = cand
    if not found:
        if problems:
            return Failure(min(problems)[1])
        return Failure(_nearest(tf, shape, anchors))
    best = min(c.cost for c in found.values())
    if problems and min(problems)[0] <= best:
        return Failure(min(problems)[1])
    return sorted((c for c in found.values() if c.cost == best), key=lambda c: c.start)


def _align_through(toks, kinds, blank, norm, fblank, k, p):
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
    otherwise); removed lines must match; a gap absorbs any run of lines for free. Returns the best cost and
    every alignment that reaches it (capped)."""
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
            for j in range(n + 1):
                c = row[j]
                if c >= INF:
                    continue
                if j < n and fl[j] == tok and c < nrow[j + 1]:
                    nrow[j + 1] = c
                if c + uc < nrow[j] and c + uc <= budget:
                    nrow[j] = c + uc
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
    out = []
    for steps in paths:
        mapping: dict[int, int | None] = {}
        gaps: dict[int, tuple[int, int]] = {}
        for kind, i, j, pi, pj in steps:
            if kind == "m":
                mapping[tsel[pi]] = fsel[pj]
            elif kind == "u":
                mapping[tsel[pi]] = None
            elif kind == "g":
                t = tsel[pi]
                mapping[t] = None
                gaps[t] = (origin + pj, origin + j) if step == 1 else (origin - j + 1, origin - pj + 1)
        out.append((mapping, gaps))
    return cost, out


def _insert_positions(kinds, blank, toks, norm, mapping, gaps, adds) -> dict[int, int] | str:
    """Where each group of added lines goes; a string explains why that cannot be told.

    An insertion point is accepted only when every alignment of equal cost would put the lines in the same
    place: between two lines that are adjacent in the file, right after a removed line, or right before one.
    A ``...`` beside the added lines only places them when matched lines bound it on both sides.
    """
    out: dict[int, int] = {}
    m = len(kinds)
    matched = [t for t in range(m) if mapping[t] is not None]
    unclear = ("the context lines next to the added lines do not match the file exactly, so the insertion "
               "point is unclear; copy the lines around the change exactly")
    for g in adds:
        lo = hi = None
        lo_t = hi_t = None
        unmatched_before: list[int] = []
        unmatched_after: list[int] = []
        for t in range(g - 1, -1, -1):
            if mapping[t] is not None:
                lo, lo_t = mapping[t] + 1, t
                break
            if t in gaps:
                if not any(x >= g for x in matched) or not any(x < t for x in matched):
                    return unclear
                lo, lo_t = gaps[t][1], t
                break
            if kinds[t] == CTX:
                unmatched_before.append(t)
        for t in range(g, m):
            if mapping[t] is not None:
                hi, hi_t = mapping[t], t
                break
            if t in gaps:
                if not any(x < g for x in matched) or not any(x > t for x in matched):
                    return unclear
                hi, hi_t = gaps[t][0], t
                break
            if kinds[t] == CTX:
                unmatched_after.append(t)
        # An unmatched context line that equals the file line just across the insertion point could have
        # matched there instead, which would move the insertion: refuse rather than pick one.
        if hi is not None and hi < len(norm) and any(toks[u] == norm[hi] for u in unmatched_before):
            return unclear
        if lo is not None and lo > 0 and any(toks[u] == norm[lo - 1] for u in unmatched_after):
            return unclear
        nonblank_before = any(not blank[u] for u in unmatched_before)
        nonblank_after = any(not blank[u] for u in unmatched_after)
        if lo is not None and hi is not None:
            if lo == hi or lo_t == g - 1 and kinds[lo_t] == DEL:
                out[g] = lo
            elif hi_t == g and kinds[hi_t] == DEL:
                out[g] = hi
            else:
                return (f"the context around the added lines does not match the file: lines {lo + 1}-{hi} "
                        "sit where the patch has none, so it is unclear whether to insert before or after them")
        elif hi is not None and (not nonblank_before or (hi_t == g and kinds[hi_t] == DEL)):
            out[g] = hi
        elif lo is not None and (not nonblank_after or (lo_t == g - 1 and kinds[lo_t] == DEL)):
            out[g] = lo
        else:
            return unclear
    return out


_INDENT_AMBIGUOUS = ("lines that differ only in indentation (such as closing brackets) make the position "
                     "ambiguous; copy the lines around the change with their exact indentation")


def _lead(s: str) -> str:
    return s[: len(s) - len(s.lstrip(" \t"))]


def _indent_suspect(tf: TextFile, shape: Shape, mapping: list[int | None]) -> bool:
    """True when a line matched only by ignoring its indentation has a neighbour with the same text: then
    the match could be shifted by a line, and indentation was the only thing that could tell."""
    norm = tf.norm(2)
    n = len(norm)
    for t, f in enumerate(mapping):
        if f is None or shape.kinds[t] == GAP or not shape.texts[t].strip():
            continue
        if _lead(shape.texts[t]) == _lead(tf.lines[f]):
            continue
        if (f > 0 and norm[f - 1] == norm[f]) or (f + 1 < n and norm[f + 1] == norm[f]):
            return True
    return False


def _spots(mapping, inserts) -> list[int]:
    return [f for f in mapping if f is not None] + list(inserts.values())


def _outcome(tf: TextFile, shape: Shape, kinds, mapping, inserts, lo: int, hi: int) -> tuple[str, ...]:
    """The text an alignment produces over lines [lo, hi), to compare alternative alignments."""
    deleted = {mapping[t] for t, k in enumerate(kinds) if k == DEL}
    at: dict[int, list[str]] = {}
    for g in sorted(inserts):
        at.setdefault(inserts[g], []).extend(shape.adds[g])
    out: list[str] = []
    for p in range(lo, hi + 1):
        out.extend(at.get(p, ()))
        if p < hi and p not in deleted:
            out.append(tf.lines[p])
    return tuple(out)


def _not_found(lines: list[str], what: str) -> str:
    shown = "; ".join(repr(s.strip()) for s in lines[:3])
    more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
    if what == "removed":
        return (f"{len(lines)} removed line(s) do not exist in the file, even ignoring whitespace: {shown}{more}. "
                "Re-read the file and copy the lines to remove exactly")
    return (f"none of the hunk's context lines exist in the file, even ignoring whitespace: {shown}{more}. "
            "Re-read the file and copy the surrounding lines exactly")


def _nearest(tf: TextFile, shape: Shape, anchors: list[tuple[int, int]]) -> str:
    """Describe the region that matched the most old-side lines, to show the model what is really there."""
    norm = tf.norm(2)
    toks = [normalize(t, 2) for t in shape.texts]
    best = (-1, 0)
    for k, p in anchors[:MAX_ANCHORS]:
        s = p - k
        window = set(norm[max(0, s - 2):s + len(toks) + 2])
        score = sum(1 for t in toks if t in window)
        if score > best[0]:
            best = (score, max(0, s))
    bad = [shape.texts[k] for k, t in enumerate(toks) if shape.kinds[k] != GAP and t and t not in set(norm)]
    msg = "the hunk's lines do not appear together anywhere in the file"
    if bad:
        msg += "; these lines do not exist at all: " + "; ".join(repr(b.strip()) for b in bad[:3])
    if best[0] > 0:
        s = best[1]
        e = min(len(tf.lines), s + len(toks) + 2)
        region = "\n".join(f"  {i + 1:>5}| {tf.lines[i]}" for i in range(s, e))
        msg += f". The closest region is lines {s + 1}-{e}:\n{region}\n"
    return msg + " Re-read the file and resend the hunk with its lines copied exactly"
