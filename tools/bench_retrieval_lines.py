#!/usr/bin/env python3
"""Line-level analysis of the retrieval benchmark: how good are the spans inside the result files?

    python tools/bench_retrieval_lines.py runs --out DIR               # from DIR/runs.jsonl (bench_retrieval run)
    python tools/bench_retrieval_lines.py live --home H [--cache C] [--repos a,b] [--save DIR]

Both report line recall within 300 lines (``lines_within`` of bench_retrieval_fit, the benchmark's rule)
under the engine's file ranking and under an *oracle file order* (the gold files moved to the front, same
spans), so span quality is measured apart from file ranking. ``live`` searches again with the current code
(the indexes under ``--home`` are opened through ``RepoIndex``, built if missing) and also asks the engine
for the spans of gold files it did not return, and reports where gold lines fall: in which chunk, that
chunk's rank among the file's chunks and its size. The ``gold_*`` fields are read only here, for scoring;
the engine sees the issue text alone, and which file's spans are asked for never changes what they are.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_retrieval_fit import lines_within

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "retrieval"
BUDGET = 300
CANDIDATES = 60
SIZE_BUCKETS = ((30, "<=30"), (60, "31-60"), (100, "61-100"), (200, "101-200"), (10**9, ">200"))
RANK_BUCKETS = ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (10, "6-10"), (10**9, ">10"))


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _bucket(v: int, buckets: tuple[tuple[int, str], ...]) -> str:
    return next(name for top, name in buckets if v <= top)


def recall(ranked: list[str], spans: dict[str, list], gold_lines: dict[str, list[int]]) -> float:
    got = lines_within(ranked, spans, BUDGET)
    gold = {(p, ln) for p, ls in gold_lines.items() for ln in ls}
    return len(gold & {(p, ln) for p, ls in got.items() for ln in ls}) / max(len(gold), 1)


def oracle_order(ranked: list[str], gold: list[str]) -> list[str]:
    """The gold files first (in the engine's order, unretrieved ones after), then everything else."""
    g = set(gold)
    return [p for p in ranked if p in g] + [p for p in gold if p not in ranked] + [p for p in ranked if p not in g]


def _search_one(args: tuple[dict, str, str]) -> dict:
    inst, cache, home = args
    os.environ["GENIE_HOME"] = home
    from genie_tui.retrieval import RepoIndex, rank
    from genie_tui.retrieval import spans as sx

    ix = RepoIndex.open(Path(cache) / "worktrees" / inst["instance_id"])
    text = inst["problem_statement"]
    results = ix.search(text, k=CANDIDATES)
    spans = {r.path: [_span_row(s) for s in r.spans] for r in results}
    # the spans the engine would give each gold file it did not return, and every chunk of each gold file in
    # the engine's order (private helpers: this tool measures the engine's internals on purpose)
    ranked, q, qterms, idf = ix._rank(text, rank.WEIGHTS)
    by_path = {s.info.path: s for s in ranked}
    c = ix._store.conn()
    where = []
    for path, lines in inst["gold_lines"].items():
        fid = ix._snap.by_path.get(path)
        if fid is None:
            where.extend({"path": path, "line": ln, "chunk": None} for ln in lines)
            continue
        s = by_path.get(path) or rank.Scored(ix._snap.files[fid])
        if path not in spans:
            spans[path] = [_span_row(sp) for sp in ix._spans(c, s, q, qterms, idf)]
        rows, frame_lines, headers = ix._span_inputs(c, s.info, q)
        scored, hits = sx.score_chunks_hits(rows, qterms, idf, q.code_idents)
        order = [sp for _, sp in sx.rank_chunks(scored, q.code_idents, frame_lines, hits, headers)]
        for ln in lines:
            hit = [(i, sp) for i, sp in enumerate(order) if sp.start <= ln <= sp.end]
            shown = [i for i, row in enumerate(spans[path]) if row[0] <= ln <= row[1]]
            rec = {"path": path, "line": ln, "chunk": None, "shown": shown[0] if shown else None}
            if hit:
                i, sp = min(hit, key=lambda h: h[1].end - h[1].start)
                rec.update(chunk=[sp.start, sp.end, sp.symbol], rank=i + 1, size=sp.end - sp.start + 1,
                           nchunks=len(order))
            where.append(rec)
    ix.close()
    return {"instance_id": inst["instance_id"], "repo": inst["repo"], "ranked_files": [r.path for r in results],
            "spans": spans, "where": where}


def _span_row(sp) -> list:  # type: ignore[no-untyped-def]
    score = getattr(sp, "score", None)
    return [sp.start, sp.end] if score is None else [sp.start, sp.end, score]


def report(runs: list[dict], insts: dict[str, dict]) -> None:
    rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in runs:
        inst = insts[r["instance_id"]]
        gl = inst["gold_lines"]
        actual = recall(r["ranked_files"], r["spans"], gl)
        oracle = recall(oracle_order(r["ranked_files"], list(gl)), r["spans"], gl)
        for key in (inst["repo"], "ALL"):
            rows[key].append((actual, oracle))
    print(f"\nline recall within {BUDGET} lines: engine file order vs oracle file order (same spans)")
    print("| repo | n | actual | oracle order |\n|---|---|---|---|")
    for name, vals in sorted(rows.items()):
        a = statistics.mean(v[0] for v in vals)
        o = statistics.mean(v[1] for v in vals)
        print(f"| {name} | {len(vals)} | {a:.3f} | {o:.3f} |")
    where = [w for r in runs for w in r.get("where", [])]
    if not where:
        return
    n = len(where)
    print(f"\nwhere the {n} gold lines fall (each line counted once; its smallest chunk)")
    nochunk = sum(1 for w in where if w["chunk"] is None)
    shown = Counter(_bucket(w["shown"] + 1, RANK_BUCKETS) if w.get("shown") is not None else "not shown"
                    for w in where)
    ranks = Counter(_bucket(w["rank"], RANK_BUCKETS) for w in where if w["chunk"])
    sizes = Counter(_bucket(w["size"], SIZE_BUCKETS) for w in where if w["chunk"])
    print(f"not in any chunk (file not indexed): {nochunk}")
    print("position among the returned spans: " + _dist(shown, [b for _, b in RANK_BUCKETS] + ["not shown"], n))
    print("rank of its chunk among the file's:  " + _dist(ranks, [b for _, b in RANK_BUCKETS], n))
    print("size of its chunk (lines):           " + _dist(sizes, [b for _, b in SIZE_BUCKETS], n))
    big = [w for w in where if w["chunk"] and w["size"] > 100]
    if big:
        top = sum(1 for w in big if w["rank"] == 1)
        print(f"lines in chunks over 100 lines: {len(big)} ({top} of them in the file's top chunk)")


def _dist(c: Counter, order: list[str], n: int) -> str:
    return "  ".join(f"{k}: {c[k] / n:.0%}" for k in order if c[k])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["runs", "live"])
    ap.add_argument("--bench", default=str(BENCH), help="benchmark dir (instances.jsonl)")
    ap.add_argument("--cache", default="/work/bench-work", help="prepare.py cache dir (worktrees/<id>)")
    ap.add_argument("--home", default="/work/bench-work/genie-home", help="GENIE_HOME for the indexes")
    ap.add_argument("--out", default="/work/bench-work/out", help="runs: directory of runs.jsonl")
    ap.add_argument("--save", help="live: write the records (runs.jsonl shape plus 'where') here")
    ap.add_argument("--repos", help="comma-separated repository names (default all)")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    insts = {i["instance_id"]: i for i in _read_jsonl(Path(a.bench) / "instances.jsonl")}
    if a.command == "runs":
        runs = _read_jsonl(Path(a.out) / "runs.jsonl")
    else:
        todo = [i for i in insts.values() if not a.repos or i["repo"].split("/")[-1] in a.repos.split(",")]
        home = str(Path(a.home).resolve())
        with ProcessPoolExecutor(a.jobs) as pool:
            runs = list(pool.map(_search_one, [(i, a.cache, home) for i in todo]))
        if a.save:
            Path(a.save).mkdir(parents=True, exist_ok=True)
            with open(Path(a.save) / "lines.jsonl", "w") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in runs)
    if a.repos:
        runs = [r for r in runs if r["repo"].split("/")[-1] in a.repos.split(",")]
    report(runs, insts)


if __name__ == "__main__":
    main()
