"""Carry the file's indentation over to added lines when the context only matched after re-indenting.

A model that quotes a hunk shifted left by eight columns, or with spaces where the file has tabs, writes its
added lines with the same error. The matched line pairs tell how the patch's indentation maps onto the file's;
when one mapping explains most of them, added lines get it too.
"""

from __future__ import annotations

from collections.abc import Callable

Reindent = Callable[[str], "str | None"]


def _lead(s: str) -> str:
    return s[: len(s) - len(s.lstrip(" \t"))]


def _add(x: str) -> Reindent:
    return lambda s: x + s


def _del(y: str) -> Reindent:
    return lambda s: s[len(y):] if _lead(s).startswith(y) else None


def _s2t(w: int) -> Reindent:
    return lambda s: _spaces_to_tabs(s, w)


def _t2s(w: int) -> Reindent:
    return lambda s: _tabs_to_spaces(s, w)


def _candidates(pi: str, fi: str) -> list[tuple[str, Reindent]]:
    out: list[tuple[str, Reindent]] = []
    if fi.endswith(pi) and fi != pi:
        x = fi[: len(fi) - len(pi)]
        out.append((f"add:{x!r}", _add(x)))
    if pi.endswith(fi) and fi != pi:
        y = pi[: len(pi) - len(fi)]
        out.append((f"del:{y!r}", _del(y)))
    if fi and pi and set(fi) == {"\t"} and set(pi) == {" "} and len(pi) % len(fi) == 0:
        w = len(pi) // len(fi)
        out.append((f"s2t:{w}", _s2t(w)))
    if fi and pi and set(pi) == {"\t"} and set(fi) == {" "} and len(fi) % len(pi) == 0:
        w = len(fi) // len(pi)
        out.append((f"t2s:{w}", _t2s(w)))
    return out


def _spaces_to_tabs(s: str, w: int) -> str | None:
    lead = _lead(s)
    if set(lead) - {" "} or len(lead) % w:
        return None
    return "\t" * (len(lead) // w) + s[len(lead):]


def _tabs_to_spaces(s: str, w: int) -> str | None:
    lead = _lead(s)
    if set(lead) - {"\t"}:
        return None
    return " " * (len(lead) * w) + s[len(lead):]


def infer(pairs: list[tuple[str, str]]) -> Reindent | None:
    """From (patch line, file line) pairs of matched non-blank lines, the mapping to apply, or None."""
    leads = [(_lead(p), _lead(f)) for p, f in pairs if p.strip()]
    if not leads:
        return None
    same = sum(1 for p, f in leads if p == f)
    best: tuple[int, Reindent | None] = (same, None)
    seen: set[str] = set()
    for p, f in leads:
        for key, fn in _candidates(p, f):
            if key in seen:
                continue
            seen.add(key)
            score = sum(1 for pp, ff in leads if fn(pp + "x") == ff + "x")
            if score > best[0]:
                best = (score, fn)
    # Re-indent only on clear evidence (most matched lines shifted the same way); a few drifted lines in an
    # otherwise faithful hunk say nothing about the added lines.
    if best[1] is None or best[0] * 4 < len(leads) * 3 or best[0] < 2:
        return None
    return best[1]


def unclear(pairs: list[tuple[str, str]]) -> bool:
    """Whether the pairs leave the added lines' indentation open: no mapping is clear (``infer`` gave None) and
    at most half of the matched lines are indented as in the file, so keeping the patch's indentation is a
    guess as well."""
    leads = [(_lead(p), _lead(f)) for p, f in pairs if p.strip()]
    return sum(1 for p, f in leads if p == f) * 2 <= len(leads)


def apply(fn: Reindent | None, added: list[str]) -> list[str] | str:
    """Re-indent ``added``; a string explains a line whose indentation cannot be carried over."""
    if fn is None:
        return added
    out: list[str] = []
    for line in added:
        if not line:
            out.append(line)
            continue
        new = fn(line)
        if new is None:
            return (f"the hunk's indentation differs from the file's and the added line {line.strip()!r} "
                    "cannot be re-indented consistently; resend the hunk with the file's exact indentation")
        out.append(new)
    return out
