"""Pick the best line spans of a result file: definition-level chunks scored against the query."""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping, Sequence

from genie_tui.retrieval.model import Span

WINDOW = 60
K1 = 1.2
B = 0.5
AVG_LEN = 150.0  # stored terms in a typical chunk
# span ranking (checked with tools/bench_retrieval_lines.py; few, round values so they transfer)
LIMIT = 20  # spans per file: the benchmark's 300-line budget reaches past the tenth span of the top file
NAME_BONUS = 0.5  # a definition named in the query, times the file's best chunk score
IDENT_BONUS = 0.5  # all of IDENT_FULL query identifiers inside the chunk, times the best chunk score
IDENT_FULL = 3
FRAME_BONUS = 2.0  # a stack-trace line inside the chunk
HEADER_FACTOR = 0.5  # class headers (name, docstring, attributes) rarely hold the fix
SEM_SPAN_BONUS = 1.0  # the most similar chunk counts as much as the densest keyword match (with embeddings on)


def chunks(defs: list[tuple[str, str, int, int]], nlines: int,
           worded: Sequence[bool] | None = None) -> list[tuple[int, int, str]]:
    """Functions and methods whole; classes and modules (namespaces) as their header up to the first member; the
    rest of the file (module-level code, also inside a module) in windows of at most ``WINDOW`` lines. Members
    declared on the same lines are one chunk. A class's own code after its first member (``readline = read``
    between methods) and a huge function's own code around its nested definitions are windows named for them;
    ``worded`` (by line, from 0: has the line a word) keeps blank lines and lines of punctuation out of those."""
    out: list[tuple[int, int, str]] = []
    covered = bytearray(nlines + 2)
    taken = bytearray(nlines + 2)  # lines in a chunk so far (``covered`` also counts a class's whole body)
    split: list[tuple[int, int, str]] = []  # huge functions whose nested definitions are their chunks
    bodies: list[tuple[int, int, str]] = []  # classes, whose code between members is windowed at the end
    ordered = sorted(defs, key=lambda d: (d[2], -d[3]))
    member = False  # the last chunk is a function's or method's
    for i, (name, kind, line, end) in enumerate(ordered):
        end = min(end, nlines) if nlines else end
        if member and kind not in ("class", "module") and out[-1][:2] == (line, end):
            continue  # ``case north, south``, ``attr_reader :a, :b``: one chunk, named by the first
        inner = _inner_starts(ordered, i, line, end)
        if kind in ("class", "module"):
            stop = (min(inner) - 1) if inner else end
            out.append((line, max(line, stop), name))
            member = False
            if kind == "class":
                bodies.append((line, end, name))
            if kind == "module":  # a namespace or ``mod`` holding a file's code: what is between its
                # definitions (a table, constants) is windowed as module-level code, not left in no chunk
                end = max(line, stop)
        else:
            if inner and end - line > 2 * WINDOW:
                split.append((line, end, name))  # a huge function with nested defs: its parts are chunks
                continue
            out.append((line, end, name))
            member = True
        first, last = out[-1][:2]
        for k in range(first, min(last, nlines) + 1):
            taken[k] = 1
        for k in range(line, min(end, nlines) + 1):
            covered[k] = 1
    # the split functions' own code, around their nested definitions, in windows named for them (innermost
    # first): in a class it was in no chunk at all, as the class's lines count as covered
    for line, end, name in sorted(split + bodies, key=lambda d: d[1] - d[0]):
        _windows(out, taken, covered, range(line, min(end, nlines) + 1), name, worded)
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


def _windows(out: list[tuple[int, int, str]], taken: bytearray, covered: bytearray, lines: range, name: str,
             worded: Sequence[bool] | None) -> None:
    """Chunks named ``name`` of the runs of ``lines`` in no chunk yet, at most :data:`WINDOW` lines each, without
    the lines with no word at either end of a run (nor a run of only those)."""
    run: list[int] = []
    for k in [*lines, None]:
        if k is not None and not taken[k]:
            taken[k] = covered[k] = 1
            run.append(k)
            if len(run) < WINDOW:
                continue
        if worded is not None:  # one entry per line of the file
            while run and not worded[run[-1] - 1]:
                run.pop()
            while run and not worded[run[0] - 1]:
                run.pop(0)
        if run:
            out.append((run[0], run[-1], name))
            run = []


def _inner_starts(ordered: list[tuple[str, str, int, int]], i: int, line: int, end: int) -> list[int]:
    """Start lines of the definitions inside ``ordered[i]``; the list is sorted by start, so the scan stops at
    the first one past ``end`` (a scan of the whole tail made a file of 20k functions take minutes)."""
    starts = []
    for j in range(i + 1, len(ordered)):
        start = ordered[j][2]
        if start > end:
            break
        if start > line:
            starts.append(start)
    return starts


# start, end, name, ntok, terms, counts: a stored chunk as scored, its terms split (see :func:`stored_terms`, :func:`row`)
Row = tuple[int, int, str, int, tuple[str, ...], str]
_ONE = 48  # counts are stored one character each, ``chr(_ONE + n)``: "1" for once
MAX_COUNT = 0xD7FF - _ONE  # below the surrogates, which UTF-8 cannot store; BM25 is long saturated by then


def stored_terms(counts: Mapping[str, int]) -> tuple[str, str]:
    """A chunk's terms as the index stores them: the distinct terms in the order they first occur, joined by
    spaces, and their counts, one character each (:data:`MAX_COUNT` at most)."""
    return " ".join(counts), "".join([chr(_ONE + min(n, MAX_COUNT)) for n in counts.values()])


def row(stored: tuple[int, int, str, int, str, str]) -> Row:
    """A chunk as read from the index (``start, end_line, name, ntok, terms, counts``) made a :data:`Row`: its
    terms split once, as the same strings for every chunk (``sys.intern``), so the chunk cache holds pointers to
    them and scoring a query does not split them again (on a 1M-line repository, scoring the cached chunks of a
    query's 30 files went from 9.2 to 5.1 ms)."""
    start, end, name, ntok, terms, counts = stored
    return start, end, name, ntok, tuple(map(sys.intern, terms.split(" "))), counts


def score_chunks_hits(rows: list[Row], qterms: dict[str, float], idf: dict[str, float], idents: Collection[str],
                      avg_len: float = AVG_LEN) -> tuple[list[tuple[float, int, int, str]], list[int]]:
    """BM25 of each stored chunk (a :data:`Row`) against the query and, in the same pass over the stored
    terms, how many of the query's code identifiers (``q.code_idents``) each chunk contains whole. To score
    several files for one query, keep one :class:`ChunkScorer`."""
    return ChunkScorer(qterms, idf, idents, avg_len).score(rows)


class ChunkScorer:
    """:func:`score_chunks_hits` for one query, over any number of files.

    The top 30 files of a query have about 2,000-2,700 chunks and 55,000 stored terms, of which one in twenty
    is a word of the query. Each chunk's terms (split when read: :func:`row`) are intersected with the query's
    words in C; Python looks only at the words found, in the order they occur in the chunk, so the sums are
    those of a scan of every term (on sphinx 11 ms a query against 18 ms for that scan with each term's meaning
    remembered, with the terms split at each query)."""

    __slots__ = ("avg_len", "relevant", "wanted", "weight")

    def __init__(self, qterms: dict[str, float], idf: dict[str, float], idents: Collection[str],
                 avg_len: float = AVG_LEN) -> None:
        self.wanted = frozenset(w.lower() for w in idents)
        self.weight = {t: idf.get(t, 1.0) * w for t, w in qterms.items()}  # idf * query weight
        self.relevant = frozenset(self.weight) | self.wanted
        self.avg_len = avg_len

    def score(self, rows: list[Row]) -> tuple[list[tuple[float, int, int, str]], list[int]]:
        """Each chunk's BM25 and its count of the query's code identifiers, as :func:`score_chunks_hits`."""
        out = []
        hits = []
        k1p = K1 + 1
        avg_len = self.avg_len
        among = self.relevant.intersection
        wanted = self.wanted
        weight = self.weight.get
        for start, end, name, ntok, toks, counts in rows:
            found = among(toks)
            if not found:
                out.append((0.0, start, end, name))
                hits.append(0)
                continue
            s = 0.0
            norm = K1 * (1 - B + B * ntok / avg_len)
            for i in sorted(map(toks.index, found)):  # idf * weight * tf * k1p / (tf + norm), in the chunk's order
                w = weight(toks[i])
                if w is not None:
                    tf = ord(counts[i]) - _ONE
                    s += w * tf * k1p / (tf + norm)
            out.append((s, start, end, name))
            hits.append(len(found & wanted) if wanted else 0)
        return out, hits


def rank_chunks(scored: list[tuple[float, int, int, str]], code_idents: set[str],
                frame_lines: Collection[int] | Mapping[int, float], hits: list[int] | None = None, headers: Collection[int] = (),
                semantic: dict[tuple[int, int], float] | None = None) -> list[tuple[float, Span]]:
    """Every chunk with its span score, best first.

    BM25 per square root of length, plus bonuses relative to the file's best chunk: a definition named in
    the query, the query's code identifiers the chunk contains (``hits``, aligned with ``scored``; up to
    :data:`IDENT_FULL` of them), a large one for a chunk holding a stack-trace line (``frame_lines``; with
    their frames' strength, the raising frame's 1, a caller's down to 0.5, as :func:`framefiles.repo_frames`
    gives them) and, with embeddings on,
    one for the chunk's similarity to the query (``semantic``: ``(start, end) -> [0, 1]``). Class headers
    (``headers``: their start lines) count half: they match the class's name and docstring, but fixes go
    into its methods (on the retrieval benchmark, 7 of 558 gold lines were in a class header, while a header
    was the first span of 11% of the top-10 result files).
    """
    # score per square root of length (at least 8 lines, so a lone class header does not win): three
    # focused 30-line functions beat one 300-line function
    dense = [(s / max(end - start + 1, 8) ** 0.5, start, end, name) for s, start, end, name in scored]
    top = max((d[0] for d in dense), default=0.0) or 1.0
    weigh = frame_lines.get if isinstance(frame_lines, Mapping) else lambda _line: 1.0
    ranked = []
    for i, (s, start, end, name) in enumerate(dense):
        bonus = 0.0
        if name and name in code_idents:
            bonus += NAME_BONUS * top
        if hits:
            bonus += IDENT_BONUS * top * min(hits[i], IDENT_FULL) / IDENT_FULL
        if frame_lines:
            strength = max((weigh(fl) for fl in frame_lines if start <= fl <= end), default=0.0)
            bonus += FRAME_BONUS * top * strength
        if semantic:
            bonus += SEM_SPAN_BONUS * top * semantic.get((start, end), 0.0)
        total = s + bonus
        if name and start in headers:
            total *= HEADER_FACTOR
        ranked.append((total, Span(start, end, name)))
    ranked.sort(key=lambda x: -x[0])
    return ranked


def best_spans(scored: list[tuple[float, int, int, str]], code_idents: set[str],
               frame_lines: Collection[int] | Mapping[int, float], limit: int = LIMIT, semantic: dict[tuple[int, int], float] | None = None, *,
               hits: list[int] | None = None, headers: Collection[int] = ()) -> list[Span]:
    """The ``limit`` best chunks of :func:`rank_chunks` that match at all, best first (the top one even if
    nothing matched)."""
    ranked = rank_chunks(scored, code_idents, frame_lines, hits, headers, semantic)
    if not ranked:
        return []
    return [sp for s, sp in ranked[:limit] if s > 0] or [ranked[0][1]]
