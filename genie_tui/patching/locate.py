"""Find where a hunk belongs in a file, or say precisely why it cannot be placed.

Levels, strongest first: the old side verbatim (at the stated line = ``exact``, elsewhere = ``offset``), then
ignoring trailing and then all spacing (``whitespace``), then a bounded alignment (``fuzzy``) that may skip a
few context lines on either side and lets elision markers stand for any run of lines, but never skips a
removed line. Every level returns *all* places that fit equally well; choosing among them (hunk order, the
stated line) is the caller's job, and more than one left means refusal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from genie_tui.patching.align import SCALE, align_through, insert_positions
from genie_tui.patching.model import ADD, CTX, DEL, GAP, Hunk
from genie_tui.patching.textfile import TextFile, normalize

MAX_ANCHORS = 200
_WORD = re.compile(r"[A-Za-z0-9_]")


@dataclass(slots=True)
class Candidate:
    """One place a hunk fits: ``mapping`` gives the file line of every old-side token (None = not matched)."""

    start: int
    end: int
    method: str
    cost: int
    mapping: Sequence[int | None]  # a range for a contiguous fit: thousands of places cost no memory
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
    if m == 0 and not tf.lines:
        return [Candidate(0, 0, "exact", 0, [], {g: 0 for g in shape.adds}, 0)]  # filling an empty file
    if m == 0:
        return Failure("the hunk has no context or removed lines, so there is nothing to locate it by; "
                       "include 2-3 unchanged lines around the change")
    for level in (0, 1, 2):
        starts = _contiguous(tf, shape, level)
        if starts:
            out = []
            for s in starts:
                method = ("exact" if s == stated else "offset") if level == 0 else "whitespace"
                out.append(Candidate(s, s + m, method, 0, range(s, s + m),
                                     {g: s + g for g in shape.adds}, level))
            if level == 0:
                taken = set(starts)
                # Trailing spaces are invisible and models drop them: a place that differs only in them fits
                # as well as a verbatim one, so both are candidates (the stated line or hunk order may choose)
                out += [Candidate(s, s + m, "whitespace", 0, range(s, s + m), {g: s + g for g in shape.adds}, 1)
                        for s in _contiguous(tf, shape, 1) if s not in taken]
            # a place that fits as well but for one blank line is as likely meant; one matched only with its
            # indentation ignored has rivals in places that fit but for a context line, too
            if not (len(out) == 1 and out[0].start == stated):  # the header agreeing with a sole best fit settles it
                upto = 2 * SCALE - 1 if level < 2 else 2 * SCALE + 1  # (and the fuzzy search for twins is not run)
                out = sorted(out + _blank_twins(tf, shape, out, upto, max(level, 1)), key=lambda c: c.start)
            if level == 2 and any(_indent_suspect(tf, shape, c.mapping) for c in out):
                return Failure(_INDENT_AMBIGUOUS)
            return out
    found = _fuzzy(tf, shape)
    if isinstance(found, list) and len(found) > 1:
        best = [c for c in found if c.cost == min(f.cost for f in found)]
        if len(best) == 1 and best[0].start == stated:  # the rivals fit worse, and the header names the best
            return best
    return found


class _Blanks:
    """``norm[j] == ""`` for the lines the alignment looks at."""

    def __init__(self, norm: list[str]) -> None:
        self.norm = norm

    def __getitem__(self, j: int) -> bool:
        return self.norm[j] == ""


def _blank_twins(tf: TextFile, shape: Shape, found: list[Candidate], upto: int, level: int) -> list[Candidate]:
    """Other places that fit the hunk's old side but for lines costing at most ``upto`` (one blank line; for a
    match that ignored indentation, one context line), their matched lines equal at ``level``: models add or drop
    a blank context line (at a hunk's edge most of all), so such a place is as likely meant as a verbatim one."""
    res = _fuzzy(tf, shape, upto)
    if isinstance(res, Failure):
        return []
    norm = tf.norm(level)
    return [c for c in res if all(c.end <= f.start or c.start >= f.end for f in found)
            and all(f is None or normalize(shape.texts[t], level) == norm[f] for t, f in enumerate(c.mapping))]


def already_applied(tf: TextFile, hunk: Hunk) -> int | None:
    """The 1-based line where the hunk's new side already stands (ignoring trailing spaces), if anywhere."""
    new = [normalize(t, 1) for k, t in hunk.lines if k in (CTX, ADD)]
    if not any(k == ADD for k, _ in hunk.lines) or len([t for t in new if t.strip()]) < 2:
        return None
    norm = tf.norm(1)
    first = tf.index(1).get(new[0], [])
    hits = [p for p in first if norm[p:p + len(new)] == new]
    return hits[0] + 1 if len(hits) == 1 else None


def not_over_own_result(tf: TextFile, h: Hunk, cands: list[Candidate]) -> list[Candidate] | Failure:
    """Drop places where the hunk's new side already stands: a patch applied a second time matches its own
    result fuzzily (skipping the lines it added), or, when all its context is on one side of its added lines
    (appending at the end of a file), verbatim, and would add them again."""
    new = [(k, t) for k, t in h.lines if k != DEL]
    if not any(k == ADD for k, _ in new) or len([t for _, t in new if t.strip()]) < 2:
        return cands
    done = already_applied(tf, h) if any(c.level == 3 for c in cands) else None
    size = len(new)
    keep, over = [], []
    for c in cands:
        at = _result_beside(tf, h, c) if c.level < 3 else done - 1 if done is not None else None
        if at is not None and (c.level < 3 or c.end > at and c.start < at + size):
            over.append(at)
        else:
            keep.append(c)
    if keep or not over:
        return keep
    return Failure(f"the hunk's new lines are already in the file at line {over[0] + 1}; it looks applied "
                   "already (re-read the file), and applying it there again would repeat its change")


def _result_beside(tf: TextFile, h: Hunk, c: Candidate) -> int | None:
    """Where the hunk's new side stands around a verbatim place ``c``, reaching past it, lined up by a context
    line (0-based): the old side only fits again after the change when its context all lies on one side of
    the added lines."""
    level = max(c.level, 1)
    old_at = new_at = 0
    for k, _ in h.lines:
        if k == CTX:
            break
        old_at += k != ADD
        new_at += k != DEL
    else:
        return None  # no context line: a replacement's old side is gone once it has been applied
    new = [normalize(t, level) for k, t in h.lines if k != DEL]
    at = c.start + old_at - new_at
    if not (at < c.start or at + len(new) > c.end):
        return None  # the new side only covers the old one's lines: a change of spacing, line ending or BOM
    return at if at >= 0 and tf.norm(level)[at:at + len(new)] == new else None


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


def _fuzzy(tf: TextFile, shape: Shape, upto: int | None = None) -> list[Candidate] | Failure:
    """The best-cost alignments; with ``upto``, every one that costs no more than that."""
    norm = tf.norm(2)
    index = tf.index(2)
    toks = [normalize(t, 2) for t in shape.texts]
    kinds = shape.kinds
    blank = [t == "" for t in toks]
    fblank = _Blanks(norm)  # looked up near the anchors only: a list of a big file's lines per hunk cost seconds
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
        res = align_through(toks, kinds, blank, norm, fblank, k, p)
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
            inserts = insert_positions(kinds, blank, toks, norm, mapping, gaps, shape.adds)
            if isinstance(inserts, str):
                problems.append((cost, inserts))
                valid = []
                break
            if _gap_escapes(tf, shape, mapping, gaps):
                continue  # an elision marker standing for lines outside its own block (another function's)
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
    if upto is not None:
        return sorted((c for c in found.values() if c.cost <= upto), key=lambda c: c.start)
    if not found:
        if problems:
            return Failure(min(problems)[1])
        return Failure(_nearest(tf, shape, anchors))
    best = min(c.cost for c in found.values())
    if problems and min(problems)[0] <= best:
        return Failure(min(problems)[1])
    # a place that fits but for one more blank line is a rival too: which line the model dropped is no evidence
    return sorted((c for c in found.values() if c.cost <= best + SCALE + 1), key=lambda c: c.start)


_INDENT_AMBIGUOUS = ("lines that differ only in indentation (such as closing brackets) make the position "
                     "ambiguous; copy the lines around the change with their exact indentation")


def _lead(s: str) -> str:
    return s[: len(s) - len(s.lstrip(" \t"))]


def _gap_escapes(tf: TextFile, shape: Shape, mapping: list[int | None], gaps: dict[int, tuple[int, int]]) -> bool:
    """Whether an elision marker (``# ... existing code ...``) stands for lines out of its own block: its depth is
    measured from the nearest line the hunk matched, so ``def target(x):`` then a marker at 4 cannot stand for
    ``def other():`` at 0 and the lines of another function after it."""
    for t, (a, b) in gaps.items():
        near = [u for u in (*range(t - 1, -1, -1), *range(t + 1, len(mapping)))
                if mapping[u] is not None and shape.texts[u].strip()]
        if not near:
            continue
        u = near[0]
        need = _width(tf.lines[mapping[u]]) + _width(shape.texts[t]) - _width(shape.texts[u])
        widths = [_width(line) for line in tf.lines[a:b] if line.strip()]
        out = next((i for i, w in enumerate(widths) if w < need), None)
        # only closing lines may come out of the block, each less indented than the one before (a docstring's
        # ``"""``, ``)`` then ``}``); a line after them at their own depth or deeper is another block's
        if out is not None and any(w >= prev for prev, w in zip(widths[out:], widths[out + 1:], strict=False)):
            return True
    return False


def _width(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


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
