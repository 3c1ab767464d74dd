"""Fuse the ranking signals into one score per file.

Each signal is scaled to [0, 1] within the query (so weights transfer between repositories of different
sizes), then combined linearly with :data:`WEIGHTS`, which ``tools/bench_retrieval.py`` fits with
leave-one-repository-out cross-validation. A second pass adds import-graph neighbours of the top hits.
"""

from __future__ import annotations

import functools
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter

from genie_tui.retrieval import bm25, history, histterms, messages
from genie_tui.retrieval.chunk_cache import ChunkRows
from genie_tui.retrieval.extract import anonymous
from genie_tui.retrieval.framefiles import repo_frames, theirs
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.query import Query, absolute
from genie_tui.retrieval.scoped import scoped
from genie_tui.retrieval.spans import ChunkScorer
from genie_tui.retrieval.textutil import is_doc_path, is_test_path

# Fitted on all five benchmark repositories by `tools/bench_retrieval.py fit` (with its FLOORS): the mean of 60
# coordinate ascents on bootstrap resamples, so a weight moves only when most resamples agree (bagging; one ascent's
# weights swung by +-0.2 with the coordinate order). "trace" is kept at >= 0.75 whatever the fit says: only 10 of the
# 97 issues carry a traceback, and a pasted traceback's raising frame should win a keyword tie (the fit gives 1.07).
WEIGHTS: dict[str, float] = {
    "bm_all": 0.478, "bm_title": 0.823, "bm_code": 0.364, "chunk": 0.364, "bm_path": 0.342, "bm_names": 0.466,
    "bm_doc": 0.485, "bm_body": 0.433, "def_code": 0.149, "def_plain": 0.081, "mention": 0.7, "trace": 1.067,
    "hist": 0.451, "hist_doc": 0.94, "churn": -0.012, "recent": 0.391, "size": 0.323, "test": -3.533, "test_q": 0.0,
    "doc": -2.05, "text": -1.283, "graph": 0.395, "qual": 0.627, "msg": 0.557,
}
# Semantic similarity (retrieval/semantic.py), present only when embeddings are configured, so it moves nothing
# otherwise (keep it when pasting fitted weights from a run without embeddings). Fitted with the other weights by
# ``tools/bench_retrieval.py fit`` on a run with all-MiniLM-L6-v2 served by tools/bench_embed_server.py (0.815,
# bootstrap sd 0.33): the only model reachable offline, small and trained on English, not code, so a lower bound. With
# it the signal was worth about nothing on top of the keyword ranking (held-out Acc@1 0.481 -> 0.485); the hand-set
# 2.0 used before cost two instances at rank 1. A code embedding model probably deserves more weight: refit with it
# (README, Benchmarks).
WEIGHTS.setdefault("sem", 0.8)
CANDIDATES, SEM_CANDIDATES = 300, 50  # files a keyword field proposes (or more results asked for); by similarity
# a path or module the prose names ("the bug is in `sessions.py`") says more than one only in a pasted listing
# (a fenced block, a stack frame: the trace signal has those); held out, 0.5 and 0 fitted the same
LISTED = 0.5
FEATURES = tuple(WEIGHTS)
_EVIDENCE = frozenset({"trace", "mention", "qual", "msg"})
_WHY = {"bm_all": "keywords", "bm_title": "title keywords", "bm_path": "path", "bm_names": "definition names",
        "bm_code": "identifiers in the query", "def_code": "defines names in the query",
        "mention": "path named in the query", "qual": "defines a qualified name in the query", "trace": "in the stack trace or a code link",
        "msg": "holds text quoted in the query", "chunk": "a passage matches closely",
        "hist": "similar past commits changed it", "hist_doc": "its commit history matches",
        "graph": "imports/imported by top hits", "sem": "similar code (embeddings)"}


@dataclass(slots=True)
class FileInfo:
    id: int
    path: str
    lang: str | None
    nlines: int
    lens: tuple[int, int, int, int] = (0, 0, 0, 0)


@dataclass(slots=True)
class Scored:
    info: FileInfo
    feats: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    chunks: list[tuple[float, int, int, str]] | None = None
    hits: list[int] | None = None  # per chunk, how many of the query's code identifiers it holds
    said: list[int] | None = None  # lines of the messages quoted in the query (messages.match)


_SCORE = attrgetter("score")
_VALUE = itemgetter(1)


def _by_score(ranked: Iterable[Scored]) -> list[Scored]:  # best first, equals in their order (see top)
    return sorted(ranked, key=_SCORE, reverse=True)


def top(ranked: list[Scored], k: int) -> list[Scored]:
    """The ``k`` best; equal scores by path, not in file-id order, which an index's history sets (a checkout)."""
    end = min(k, len(ranked))
    while 0 < end < len(ranked) and ranked[end].score == ranked[end - 1].score:
        end += 1
    return sorted(ranked[:end], key=lambda s: (-s.score, s.info.path))[:k]


class FixedSignals:
    """The signals of a file that no query changes: how often and how recently it changed, its size, whether
    it is a test, documentation or plain text. Worked out once per index snapshot and file, the first time the
    file is a candidate (for thousands of candidates per query, they were a tenth of a query).

    Args:
        activity: path -> (churn, recent), as :func:`history.activity` gives.
    """

    def __init__(self, activity: dict[str, tuple[float, float]]) -> None:
        self.activity = activity
        self._memo: tuple[dict[int, dict[str, float]], dict[int, dict[str, float]]] = ({}, {})

    def table(self, about_tests: bool) -> dict[int, dict[str, float]]:
        """File id -> its fixed signals (``test_q`` depends on whether the query is about tests), filled by
        :meth:`of`."""
        return self._memo[about_tests]

    def of(self, info: FileInfo, about_tests: bool) -> dict[str, float]:
        memo = self._memo[about_tests]
        f = memo.get(info.id)
        if f is None:
            path = info.path
            churn, recent = self.activity.get(path, (0.0, 0.0))
            t = 1.0 if is_test_path(path) else 0.0
            f = memo[info.id] = {"churn": churn, "recent": recent,
                                 "size": min(math.log1p(info.nlines) / 8.0, 1.5), "test": t,
                                 "test_q": t if about_tests else 0.0, "doc": 1.0 if is_doc_path(path) else 0.0,
                                 "text": 1.0 if info.lang is None else 0.0}
        return f


def _scale(values: dict[int, float]) -> dict[int, float]:
    top = max(values.values(), default=0.0)
    return {k: v / top for k, v in values.items()} if top > 0 else {}


def features(c: sqlite3.Connection, q: Query, files: dict[int, FileInfo], mods: ModuleMap,
             by_path: dict[str, int], df: dict[str, int], avg: tuple[float, float, float, float],
             candidates: int = CANDIDATES, activity: dict[str, tuple[float, float]] | None = None,
             semantic: dict[int, float] | None = None,
             postings: bm25.Postings | None = None, fixed: FixedSignals | None = None,
             past: histterms.Terms | None = None) -> dict[int, Scored]:
    """Every signal for every candidate file (those any signal found); ``semantic`` maps file ids to their
    scaled embedding similarity when semantic search is on; ``postings`` (the index's, which caches) must
    describe ``files`` and ``avg``, ``fixed`` (the index's, which caches) ``files`` and ``activity``, and
    ``past`` (the index's, which caches) the stored history."""
    out: dict[int, Scored] = {}
    out_get = out.get
    files_get = files.get

    def put(name: str, vals: dict[int, float], top: int | None = None, scaled: bool = False) -> None:
        pairs = sorted(vals.items(), key=_VALUE, reverse=True)[:top] if top else vals.items()
        if scaled and top:  # each of the top values divided by the largest, as _scale (cheaper after the cut)
            best = pairs[0][1] if pairs else 0.0  # type: ignore[index]
            pairs = [(fid, v / best) for fid, v in pairs] if best > 0 else []
        # a signal at most max(v, value so far): spelled out, as max() would pick (ties keep the first)
        for fid, v in pairs:
            s = out_get(fid)
            if s is None:
                info = files_get(fid)
                if info is None:
                    continue
                out[fid] = Scored(info, {name: 0.0 if 0.0 > v else v})  # noqa: FURB136 - no call
            else:
                feats = s.feats
                old = feats.get(name, 0.0)
                feats[name] = old if old > v else v  # noqa: FURB136

    n = max(len(files), 1)
    bm = postings or bm25.Postings({fid: f.lens for fid, f in files.items()}, avg, sources=lambda: bm25.source_ids(files))
    qterms = bm25.select_terms(q.tokens, df, n)
    title_terms = bm25.select_terms(q.title_tokens, df, n, 30)
    code_terms = bm25.select_terms([w.lower() for w in q.code_idents], df, n, 40)
    # the idf among source files (Postings.source_freqs); which terms to keep stays by all files' counts
    sdf, n_src = bm.source_freqs(c, [*qterms, *title_terms, *code_terms])
    main = bm.score(c, qterms, sdf, bm25.FIELDS, n_src, top=candidates)
    # each field's best files only: every file that matched any query term in any field made each query score,
    # combine and sort half a large repository's files (4,800 of 9,100 at 1.15M lines). Benchmark: the same top 5
    # files for 95 of 97 issues (4 of them in another order), in-sample unchanged, held out 0.546 / 0.794 -> 0.543 / 0.790
    # (noise); at 1.15M lines query p50 91-94 -> 62-71 ms
    for name, vals in zip(("bm_all", "bm_path", "bm_names", "bm_doc", "bm_body"), main):
        put(name, vals, top=candidates, scaled=True)
    for name, terms in (("bm_title", title_terms), ("bm_code", code_terms)):
        best = bm.score(c, terms, sdf, [(2, 3, 1, 1)], n_src, top=candidates // 2)[0]
        put(name, best, top=candidates // 2, scaled=True)
    nfiles = max(len(files), 1)
    for feat, names in (("def_code", q.code_idents), ("def_plain", q.plain_idents)):
        if not names:
            continue
        names_l = sorted(names)[:400]
        marks = ",".join("?" * len(names_l))
        # a word of the prose that names a module's variable (``registry``, ``logger``) is no evidence; a code
        # identifier naming a constant is. Held out, with values matched by prose words too: Acc@1 0.519,
        # Acc@5 0.777; without: 0.536 / 0.801 (values matched by neither: 0.536 / 0.790)
        values = "" if feat == "def_code" else " AND kind != 'value'"
        rows = c.execute(f"SELECT file_id, name FROM defs WHERE name IN ({marks}){values}", names_l).fetchall()
        definers: dict[str, set[int]] = {}
        for fid, name in rows:
            info = files.get(fid)
            if info is None or not anonymous(name, info.lang):
                definers.setdefault(name, set()).add(fid)
        found = sorted(definers)
        users = dict(c.execute(f"SELECT name, COUNT(*) FROM refs WHERE name IN ({','.join('?' * len(found))}) "
                               "GROUP BY name", found).fetchall()) if found else {}
        weights_by_file: dict[int, float] = {}
        for name, fids in definers.items():
            # a name used all over the repository (``Dataset``) says less than one used in two files
            w = math.log(1 + nfiles / (len(fids) + users.get(name, 0)))
            for fid in fids:
                weights_by_file[fid] = weights_by_file.get(fid, 0.0) + w
        put(feat, _scale(weights_by_file))
    mention: dict[int, float] = {}
    # a frame's path of another crate than the repository's (see framefiles.theirs) names none of its files
    other_crates = {f.path for f in q.frames if f.crate and theirs(mods, f.crate)}
    for p in q.paths:
        hits = [] if p in other_crates else mods.frame_files(p) if absolute(p) else mods.suffix(p)
        for hit in hits:
            v = (1.0 if p in q.said else LISTED) / len(hits)
            mention[by_path[hit]] = max(mention.get(by_path[hit], 0.0), v)
    holds = functools.cache(lambda d: any(p.startswith(d + "/") for p in by_path))  # a directory: asked once
    # built at the root: where its other paths are the repository's, a file of it among them (``-I src/ main.c``
    # alone is as likely a user's program beside a checkout, ``src/`` being in most repositories)
    for name, relative in q.rooted.items():
        if name in by_path and any(r in by_path for r in relative) and all(r in by_path or holds(r) for r in relative):
            mention[by_path[name]] = max(mention.get(by_path[name], 0.0), LISTED)
    for d in q.dotted:
        m = mods.module(d)
        if m is not None and (m[1] >= 2 or d.count(".") == 0):
            fid = by_path[m[0]]
            v = (0.5 + 0.5 * m[1] / (d.count(".") + 1)) * (1.0 if d in q.said else LISTED)
            mention[fid] = max(mention.get(fid, 0.0), v)
    for d in q.run:  # ``python -m pkg.cli``: the file Python runs, as a module named in full
        if (run := mods.run_file(d)) is not None:
            mention[by_path[run]] = max(mention.get(by_path[run], 0.0), 1.0 if d in q.said else LISTED)
    put("mention", mention)
    qual = qualified(c, q, mods, by_path)
    for fid, v in scoped(c, q).items():
        qual[fid] = max(qual.get(fid, 0.0), v)
    put("qual", qual)
    trace: dict[int, float] = {}
    for hits, _, strength in repo_frames(q, mods):  # a file's strongest frame (not its last) counts
        for h in hits:
            trace[by_path[h]] = max(trace.get(by_path[h], 0.0), strength / len(hits))
    put("trace", trace)
    said = messages.match(messages.stored(c, messages.query_keys(q.text)), q.text)
    put("msg", {fid: strength for fid, (strength, _) in said.items()})
    for fid, (_, lines) in said.items():
        if fid in out:
            out[fid].said = lines
    # history has its own vocabulary: take the title's terms first, then the body's, known to the code or not
    hist_terms = list(dict.fromkeys(q.title_tokens + q.tokens))[:60]
    past = past or histterms.Terms(history.stored_head(c))
    votes = past.votes(c, hist_terms)
    put("hist", _scale({by_path[p]: v for p, v in votes.items() if p in by_path}))
    hdoc = past.file_scores(c, {t: qterms.get(t, 1.0) for t in hist_terms})
    put("hist_doc", {by_path[p]: v for p, v in hdoc.items() if p in by_path}, top=candidates // 2, scaled=True)
    if semantic:
        put("sem", semantic, top=SEM_CANDIDATES)
        for fid, s in out.items():
            s.feats.setdefault("sem", semantic.get(fid, 0.0))
    if fixed is None:
        fixed = FixedSignals(activity if activity is not None else {})
    about = q.about_tests
    known = fixed.table(about)
    for fid, s in out.items():
        f = known.get(fid)
        s.feats.update(f if f is not None else fixed.of(s.info, about))
    return out


def _package_for(head: str, mods: ModuleMap) -> str | None:
    """The repository's top-level package that a short alias abbreviates (``xr`` -> ``xarray``): same first
    letter, the alias's letters in order. Only when exactly one package fits."""
    if head in mods.modules or len(head) > 4:
        return None
    fits = []
    for mod in mods.modules:
        if "." in mod or mod[0] != head[0] or len(mod) <= len(head):
            continue
        it = iter(mod)
        if all(ch in it for ch in head):
            fits.append(mod)
    return fits[0] if len(fits) == 1 else None


def _definer(c: sqlite3.Connection, mods: ModuleMap, by_path: dict[str, int], path: str, name: str,
             depth: int = 3) -> str | None:
    """The file that defines ``name`` as seen from module ``path``: there, or where ``path`` imports it from
    (a package ``__init__`` re-exporting ``from .core.computation import where``)."""
    fid = by_path.get(path)
    if fid is None:
        return None
    if c.execute("SELECT 1 FROM defs WHERE file_id=? AND name=? LIMIT 1", (fid, name)).fetchone():
        return path
    if depth == 0:
        return None
    for module, imported, _alias in c.execute(
            "SELECT module, name, alias FROM imports WHERE file_id=? AND (alias=? OR name=?)", (fid, name, name)):
        target = mods.resolve_import(path, module, imported)
        if target and target != path:
            return _definer(c, mods, by_path, target, imported or name, depth - 1) or target
    return None


def qualified(c: sqlite3.Connection, q: Query, mods: ModuleMap, by_path: dict[str, int]) -> dict[int, float]:
    """Files defining the qualified names of the query (``xr.where``, ``pytest.raises``,
    ``requests.Session``): the alias or package resolved, then the attribute followed through re-exports.
    A name in the title is what the issue is about (1.0); one in the body may be set-up code (0.5)."""
    out: dict[int, float] = {}
    for d in q.dotted[:200]:
        head, _, rest = d.partition(".")
        full = q.aliases.get(head) or _package_for(head, mods) or head
        full = f"{full}.{rest}" if rest else full
        m = mods.module(full)
        if m is None:
            continue
        parts = full.split(".")
        if m[1] >= len(parts):
            continue  # a module itself: the mention signal has it
        target = _definer(c, mods, by_path, m[0], parts[m[1]])
        if target is not None:
            fid = by_path[target]
            out[fid] = max(out.get(fid, 0.0), 1.0 if d in q.title else 0.5)
    return out


def combine(scored: dict[int, Scored], weights: dict[str, float]) -> list[Scored]:
    w = weights.get
    for s in scored.values():
        feats = s.feats
        # the same products summed in the same order; a list is summed faster than a generator
        if "graph" in feats:
            s.score = sum([w(k, 0.0) * v for k, v in feats.items() if k != "graph"])
        else:
            s.score = sum([w(k, 0.0) * v for k, v in feats.items()])
    return _by_score(scored.values())


def add_chunks(c: sqlite3.Connection, ranked: list[Scored], qterms: dict[str, float], idf: dict[str, float],
               cache: ChunkRows, top: int = 30, idents: set[str] | frozenset[str] = frozenset(),
               scorer: ChunkScorer | None = None) -> None:
    """Score the definition-level chunks of the ``top`` files; a file whose best chunk matches the query
    closely beats a large file that matches it loosely everywhere. On the retrieval benchmark no file below
    19th before this signal ended in the top 10 after it (shipped weights); the top 30 are scored, a margin for
    weights that lean on it more (40 were, and chunk scoring was a quarter of a query). Held out, Acc@5 was
    0.801 / 0.797 / 0.794 with 40 / 30 / 20: within noise, but the trend is one way. The scores (and each chunk's count of
    ``idents``) are kept on the files, so their spans do not score them again. ``cache`` (the index's) keeps
    chunks read for earlier queries; ``scorer``, for this query's terms, may be shared with its spans."""
    best: dict[int, float] = {}
    scorer = scorer or ChunkScorer(qterms, idf, idents)
    for s in ranked[:top]:
        s.chunks, s.hits = scorer.score(cache.get(c, s.info.id))
        best[s.info.id] = max((x[0] for x in s.chunks), default=0.0)
    top_score = max(best.values(), default=0.0)
    for s in ranked[:top]:
        s.feats["chunk"] = best[s.info.id] / top_score if top_score > 0 else 0.0


def add_chunk_scores(ranked: list[Scored], weights: dict[str, float]) -> list[Scored]:
    """:func:`combine` again after :func:`add_chunks`, touching only the files that got the chunk signal
    (the rest keep their score; re-summing thousands of candidates was a tenth of a query)."""
    w = weights.get("chunk", 0.0)
    for s in ranked:
        v = s.feats.get("chunk")
        if v is not None:
            s.score += w * v
    return _by_score(ranked)


def add_graph(c: sqlite3.Connection, ranked: list[Scored], mods: ModuleMap, by_path: dict[str, int],
              weights: dict[str, float], top: int = 5) -> list[Scored]:
    """Give files imported by (or importing) the top hits a share of their score."""
    w = weights.get("graph", 0.0)
    if not ranked or w == 0.0:
        return ranked
    index = {s.info.id: s for s in ranked}
    head = ranked[:top]
    best = max(head[0].score, 1e-9)
    for s in head:
        share = max(s.score, 0.0) / best
        for module, name, _alias in c.execute("SELECT module, name, alias FROM imports WHERE file_id=?",
                                              (s.info.id,)):
            target = mods.resolve_import(s.info.path, module, name)
            fid = by_path.get(target) if target else None
            if fid is not None and fid in index and fid != s.info.id:
                t = index[fid]
                t.feats["graph"] = max(t.feats.get("graph", 0.0), share)
    zero = w * 0.0
    for s in ranked:
        g = s.feats.get("graph")
        if g is not None:
            s.score += w * g
        elif s.score == 0.0:  # adding zero changes only the sign of a zero (-0.0 + 0.0 is 0.0)
            s.score += zero
    return _by_score(ranked)


def why(s: Scored, weights: dict[str, float]) -> str:
    """The two or three signals that contributed most, in words; hard evidence (a stack frame, a path or a
    qualified name from the query) first, because that is what a reader can check at a glance."""
    parts = sorted(((k in _EVIDENCE, weights.get(k, 0.0) * v, k) for k, v in s.feats.items() if k in _WHY),
                   reverse=True)
    words = [_WHY[k] for _, contrib, k in parts[:3] if contrib > 0.05]
    return ", ".join(dict.fromkeys(words)) or "weak keyword match"
