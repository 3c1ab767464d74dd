"""Pick the best line spans of a result file: definition-level chunks scored against the query."""

from __future__ import annotations

import math
from collections import Counter

from genie_tui.retrieval.model import Span
from genie_tui.retrieval.textutil import tokenize

WINDOW = 60


def chunks(defs: list[tuple[str, str, int, int]], nlines: int) -> list[tuple[int, int, str]]:
    """Functions and methods whole; classes as their header up to the first member; the rest of the file
    (module-level code) in windows of at most ``WINDOW`` lines."""
    out: list[tuple[int, int, str]] = []
    covered = bytearray(nlines + 2)
    ordered = sorted(defs, key=lambda d: (d[2], -d[3]))
    for i, (name, kind, line, end) in enumerate(ordered):
        end = min(end, nlines) if nlines else end
        if kind in ("class", "module"):
            inner = [d[2] for d in ordered[i + 1:] if line < d[2] <= end]
            stop = (min(inner) - 1) if inner else end
            out.append((line, max(line, stop), name))
        else:
            inner_defs = [d for d in ordered[i + 1:] if line < d[2] <= end]
            if inner_defs and end - line > 2 * WINDOW:
                continue  # a huge function with nested defs: its parts are chunks
            out.append((line, end, name))
        for k in range(line, min(end, nlines) + 1):
            covered[k] = 1
    run: list[int] = []
    for k in range(1, nlines + 2):
        if k <= nlines and not covered[k]:
            run.append(k)
            if len(run) < WINDOW:
                continue
        if run:
            out.append((run[0], run[-1], ""))
            run = []
    return out


def best_spans(text: str, defs: list[tuple[str, str, int, int]], qtokens: set[str], idf: dict[str, float],
               code_idents: set[str], frame_lines: set[int], limit: int = 6) -> list[Span]:
    """The ``limit`` chunks of ``text`` that best match the query, best first."""
    lines = text.splitlines()
    scored: list[tuple[float, Span]] = []
    for start, end, name in chunks(defs, len(lines)):
        if end < start:
            continue
        counts = Counter(t for t in tokenize("\n".join(lines[start - 1:end])) if t in qtokens)
        s = sum(idf.get(t, 1.0) * (1 + math.log(n)) for t, n in counts.items())
        s /= (end - start + 1) ** 0.3
        if name and name in code_idents:
            s += 4.0 * max(idf.values(), default=1.0)
        if frame_lines and any(start <= fl <= end for fl in frame_lines):
            s += 8.0 * max(idf.values(), default=1.0)
        scored.append((s, Span(start, end, name)))
    scored.sort(key=lambda x: -x[0])
    return [sp for s, sp in scored[:limit] if s > 0] or [sp for _, sp in scored[:1]]
