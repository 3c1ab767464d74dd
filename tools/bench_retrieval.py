#!/usr/bin/env python3
"""Retrieval benchmark: run genie's search on every issue of ../shared/bench/retrieval and score it.

    python tools/bench_retrieval.py run   [--bench DIR] [--cache DIR] [--jobs 2] [--out DIR]
    python tools/bench_retrieval.py score [--out DIR] [--bm25 bm25.json]
    python tools/bench_retrieval.py fit   [--out DIR] [--method bagged|ascent|pairwise] [--seeds 3] [--bags 20]
    python tools/bench_retrieval.py crossval [--out DIR] [--rounds 2] [--seeds 3] [--bags 20]

``run`` opens each worktree (prepared by the benchmark's prepare.py) with ``RepoIndex`` -- the code path of
``genie search`` -- searches the issue text and stores predictions (ranked files, lines of the top spans
taken in order up to 300 lines) plus every candidate's signal values, so ``fit`` can refit the fusion
weights without searching again. Only ``instance_id``, ``repo``, ``base_commit`` and ``problem_statement``
are read when searching; the ``gold_*`` fields are read only by scoring and fitting.

``fit`` reranks the stored candidates, so it is fast, but the candidates were searched with the shipped
weights, which were fitted on every repository: signals that look at the first pass's top files (``chunk``
for the top 40, ``graph`` for the top 5) carry a little of the held-out repository into its own evaluation.
``crossval`` has no such leak: for each repository it starts from neutral weights, searches the other four
with them, fits, searches again with the fitted weights and fits again (``--rounds``), then runs the engine
itself with the final weights on the held-out repository and scores what ``genie search`` returned.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from bench_retrieval_fit import (
    KS,
    Problem,
    file_metrics,
    fit_bagged,
    fit_pairwise,
    fit_weights,
    lines_within,
    neutral_start,
    rerank,
)

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "retrieval"
LINE_BUDGET = 300
CANDIDATES = 60


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _load(bench: Path) -> list[dict]:
    return _read_jsonl(bench / "instances.jsonl")


def _run_one(args: tuple) -> dict:
    inst, cache, home, emb_url, emb_model, *rest = args
    os.environ["GENIE_HOME"] = home
    from genie_tui.config.settings import Settings
    from genie_tui.retrieval import RepoIndex, rank

    if rest and rest[0] is not None:  # crossval: this fold's weights instead of the shipped ones
        sem = rank.WEIGHTS.get("sem", 0.0)
        rank.WEIGHTS.clear()
        rank.WEIGHTS.update({"sem": sem, **rest[0]})

    # the benchmark's own settings, never the user's config files: keyword-only unless --embeddings-url
    settings = Settings(embeddings_model=emb_model if emb_url else None, embeddings_base_url=emb_url,
                        embeddings_hypothetical=False)
    wt = Path(cache) / "worktrees" / inst["instance_id"]
    t0 = time.perf_counter()
    ix = RepoIndex.open(wt, settings=settings)
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = ix.search(inst["problem_statement"], k=CANDIDATES)
    t_query = time.perf_counter() - t0
    cands = ix.features(inst["problem_statement"])[:150]
    spans = {r.path: [(s.start, s.end) for s in r.spans] for r in results}
    ix.close()
    return {"instance_id": inst["instance_id"], "repo": inst["repo"], "index_s": t_index, "query_s": t_query,
            "ranked_files": [r.path for r in results], "spans": spans,
            "candidates": [[p, f] for p, f in cands], "weights": rank.WEIGHTS}


def cmd_run(a: argparse.Namespace) -> None:
    insts = _load(Path(a.bench))
    if a.repos:
        insts = [i for i in insts if i["repo"].split("/")[-1] in a.repos.split(",")]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    home = str(Path(a.home).resolve())
    jobs = [(i, a.cache, home, a.embeddings_url, a.embeddings_model) for i in insts]
    t0 = time.time()
    with open(out / "runs.jsonl", "w") as fh, ProcessPoolExecutor(a.jobs) as pool:
        for n, rec in enumerate(pool.map(_run_one, jobs), 1):
            fh.write(json.dumps(rec) + "\n")
            print(f"\r{n}/{len(jobs)} {rec['instance_id']:<40}", end="", file=sys.stderr, flush=True)
    print(f"\nran {len(jobs)} instances in {time.time() - t0:.0f}s", file=sys.stderr)
    cmd_score(a)


def _table(title: str, rows: dict[str, list[dict]], counts: dict[str, int] | None = None) -> None:
    keys = [f"R@{k}" for k in KS] + [f"Acc@{k}" for k in KS] + ["MRR", "line_R@300"]
    print(f"\n{title}")
    print(f"| {'repo':<20} | n | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 2) + "|")
    for name, rs in rows.items():
        vals = [statistics.mean(r[k] for r in rs) for k in keys]
        print(f"| {name:<20} | {(counts or {}).get(name, len(rs))} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")


def cmd_score(a: argparse.Namespace) -> None:
    insts = {i["instance_id"]: i for i in _load(Path(a.bench))}
    runs = _read_jsonl(Path(a.out) / "runs.jsonl")
    rows: dict[str, list[dict]] = defaultdict(list)
    preds = []
    for r in runs:
        inst = insts[r["instance_id"]]
        m = file_metrics(r["ranked_files"], inst["gold_files"])
        lines = lines_within(r["ranked_files"], r["spans"], LINE_BUDGET)
        gold = {(p, ln) for p, ls in inst["gold_lines"].items() for ln in ls}
        m["line_R@300"] = len(gold & {(p, ln) for p, ls in lines.items() for ln in ls}) / max(len(gold), 1)
        rows[inst["repo"]].append(m)
        rows["ALL"].append(m)
        preds.append({"instance_id": r["instance_id"], "ranked_files": r["ranked_files"], "lines": lines})
    with open(Path(a.out) / "predictions.jsonl", "w") as fh:
        fh.writelines(json.dumps(p) + "\n" for p in preds)
    _table("genie (shipped weights, pooled)", dict(sorted(rows.items())))
    if a.bm25 and Path(a.bm25).exists():
        rep = json.loads(Path(a.bm25).read_text())["dev"]
        print("\nBM25 baseline (baseline_bm25.py):")
        for name, v in [("ALL", rep["all"]), *sorted(rep["by_repo"].items())]:
            print(f"| {name:<20} | " + " | ".join(f"{k} {v[k]:.3f}" for k in v if k != "n") + " |")
    idx = [r["index_s"] for r in runs]
    qs = sorted(r["query_s"] * 1000 for r in runs)
    print(f"\nindex per worktree: mean {statistics.mean(idx):.2f}s max {max(idx):.2f}s; "
          f"query incl. spans: p50 {qs[len(qs) // 2]:.0f} ms p95 {qs[int(len(qs) * 0.95)]:.0f} ms")


def _held_out(data: list, weights: dict[str, float], held: str) -> list[dict]:
    """Metrics (with line recall) of the held-out repository's instances under weights ``weights``."""
    rows = []
    for r, inst in data:
        if inst["repo"] == held:
            ranked = rerank(r["candidates"], weights)
            m = file_metrics(ranked, inst["gold_files"])
            lines = lines_within(ranked, r["spans"], LINE_BUDGET)
            gold = {(p, ln) for p, ls in inst["gold_lines"].items() for ln in ls}
            m["line_R@300"] = len(gold & {(p, ln) for p, ls in lines.items() for ln in ls}) / max(len(gold), 1)
            rows.append(m)
    return rows


def _metrics(r: dict, inst: dict) -> dict[str, float]:
    m = file_metrics(r["ranked_files"], inst["gold_files"])
    lines = lines_within(r["ranked_files"], r["spans"], LINE_BUDGET)
    gold = {(p, ln) for p, ls in inst["gold_lines"].items() for ln in ls}
    m["line_R@300"] = len(gold & {(p, ln) for p, ls in lines.items() for ln in ls}) / max(len(gold), 1)
    return m


def _seed_table(title: str, per_seed: list[dict[str, list[dict]]]) -> None:
    """Per-repository means over seeds; with several seeds, the ALL row's spread and range under it."""
    keys = [f"R@{k}" for k in KS] + [f"Acc@{k}" for k in KS] + ["MRR", "line_R@300"]
    means = {name: [{k: statistics.mean(r[k] for r in rows[name]) for k in keys} for rows in per_seed]
             for name in per_seed[0]}
    _table(title, {name: [{k: statistics.mean(m[k] for m in ms) for k in keys}] for name, ms in sorted(means.items())},
           counts={name: len(per_seed[0][name]) for name in means})
    if len(per_seed) > 1:
        ms = means["ALL (leave-one-repo-out)"]
        print("| ± sd (range) | | " + " | ".join(
            f"±{statistics.pstdev(m[k] for m in ms):.3f} ({min(m[k] for m in ms):.3f}-{max(m[k] for m in ms):.3f})"
            for k in keys) + " |")


def cmd_crossval(a: argparse.Namespace) -> None:
    """Leave-one-repository-out with the engine in the loop (see the module docstring)."""
    insts = _load(Path(a.bench))
    by_id = {i["instance_id"]: i for i in insts}
    repos = sorted({i["repo"] for i in insts})
    home = str(Path(a.home).resolve())
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    def search(chosen: list[dict], w: dict[str, float], pool: ProcessPoolExecutor) -> list[dict]:
        return list(pool.map(_run_one, [(i, a.cache, home, None, "", w) for i in chosen]))

    from genie_tui.retrieval.rank import FEATURES

    first = neutral_start([k for k in FEATURES if k != "sem"])  # the first search knows no repository
    per_seed: list[dict[str, list[dict]]] = []
    with ProcessPoolExecutor(a.jobs) as pool, open(out / "crossval.jsonl", "w") as fh:
        for seed in range(a.seeds):
            rows: dict[str, list[dict]] = defaultdict(list)
            for held in repos:
                train = [i for i in insts if i["repo"] != held]
                w: dict[str, float] | None = None
                for rnd in range(a.rounds):
                    runs = search(train, w if w is not None else first, pool)
                    data = [(r, by_id[r["instance_id"]]) for r in runs]
                    seen = {k for r in runs for _, f in r["candidates"] for k, v in f.items() if v}
                    names = sorted(seen)
                    start = neutral_start(names) if w is None else {k: w.get(k, 0.5) for k in names}
                    prob = Problem(data, names)
                    mean, _ = fit_bagged(prob, prob.vec(start), a.bags, seed)
                    # a signal with no value in these repositories keeps its prior (tests demoted)
                    w = {**first, **dict(zip(names, mean.tolist()))}
                    print(f"seed {seed} {held}: round {rnd + 1}/{a.rounds} fitted on {len(train)} instances "
                          f"({time.time() - t0:.0f}s)", file=sys.stderr)
                assert w is not None
                for r in search([i for i in insts if i["repo"] == held], w, pool):
                    m = _metrics(r, by_id[r["instance_id"]])
                    rows[held].append(m)
                    rows["ALL (leave-one-repo-out)"].append(m)
                    fh.write(json.dumps({"seed": seed, "instance_id": r["instance_id"], "weights": w,
                                         "ranked_files": r["ranked_files"][:20], **m}) + "\n")
            per_seed.append(rows)
    _seed_table(f"leave-one-repository-out with the engine in the loop ({a.rounds} round(s) of search and fit on "
                f"the other four repositories from neutral weights, then genie's own results on the held-out one; "
                f"mean over {len(per_seed)} seed(s))", per_seed)
    print(f"\nper-fold weights and per-instance results: {out / 'crossval.jsonl'} ({time.time() - t0:.0f}s)")


def cmd_fit(a: argparse.Namespace) -> None:
    insts = {i["instance_id"]: i for i in _load(Path(a.bench))}
    runs = _read_jsonl(Path(a.out) / "runs.jsonl")
    data = [(r, insts[r["instance_id"]]) for r in runs]
    seen = {k for r in runs for _, f in r["candidates"] for k, v in f.items() if v}
    # every signal with a value somewhere, in the shipped order, then new ones; "sem" without embeddings is
    # all zeros, moves nothing and so is left out (and keeps its hand-set weight)
    names = [k for k in dict.fromkeys([*runs[0]["weights"], *sorted(seen)]) if k in seen]
    start = {k: runs[0]["weights"].get(k, 0.5) for k in names}
    if a.start == "neutral":  # no knowledge from any repository: the cleanest leave-one-out estimate
        start = neutral_start(names)
    prob = Problem(data, names)
    seeds = range(a.seeds) if a.method == "bagged" else range(1)

    def fit(idx: list[int], seed: int) -> tuple[dict[str, float], dict[str, float]]:
        if a.method == "bagged":
            mean, std = fit_bagged(prob.subset(np.array(idx)), prob.vec(start), a.bags, seed)
            return dict(zip(names, mean.tolist())), dict(zip(names, std.tolist()))
        w = (fit_weights if a.method == "ascent" else fit_pairwise)([data[i] for i in idx], start)
        return w, {}

    repos = sorted({i["repo"] for _, i in data})
    per_seed: list[dict[str, list[dict]]] = []
    for seed in seeds:
        rows: dict[str, list[dict]] = defaultdict(list)
        for held in repos:
            w, _ = fit([i for i, d in enumerate(data) if d[1]["repo"] != held], seed)
            rows[held] = _held_out(data, w, held)
            rows["ALL (leave-one-repo-out)"].extend(rows[held])
        per_seed.append(rows)
        print(f"seed {seed}: {len(repos)} folds fitted", file=sys.stderr)
    _seed_table(f"leave-one-repository-out, {a.method} (weights fitted on the other four repositories; "
                f"mean over {len(per_seed)} seed(s), then the ALL row's standard deviation and range over seeds)",
                per_seed)
    # the shipped weights: the mean over the bags of every seed (``seeds * bags`` fits), the steadiest estimate
    fits = [fit(list(range(len(data))), seed) for seed in seeds]
    w = {k: statistics.mean(f[0][k] for f in fits) for k in names}
    spread = {k: statistics.mean(f[1][k] for f in fits) for k in fits[0][1]}
    print("\nweights fitted on all repositories (paste into genie_tui/retrieval/rank.py WEIGHTS):")
    print(json.dumps({k: round(v, 3) for k, v in w.items()}))
    if spread:
        print(f"standard deviation of single bootstrap fits (the mean of {len(fits) * a.bags} has about "
              f"1/{(len(fits) * a.bags) ** 0.5:.0f} of it):")
        print(json.dumps({k: round(v, 3) for k, v in spread.items()}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["run", "score", "fit", "crossval"])
    ap.add_argument("--bench", default=str(BENCH), help="benchmark dir (instances.jsonl)")
    ap.add_argument("--cache", default="/work/bench-work", help="prepare.py cache dir (worktrees/<id>)")
    ap.add_argument("--home", default="/work/bench-work/genie-home", help="GENIE_HOME for the indexes")
    ap.add_argument("--out", default="/work/bench-work/out", help="where runs and predictions go")
    ap.add_argument("--bm25", default="/work/bench-work/bm25.json", help="baseline_bm25.py --json output")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--method", choices=["bagged", "ascent", "pairwise"], default="bagged",
                    help="fit: mean of ascents on bootstrap resamples (default), one coordinate ascent, RankNet")
    ap.add_argument("--bags", type=int, default=20, help="fit: bootstrap fits averaged per weight vector")
    ap.add_argument("--seeds", type=int, default=3, help="fit: bagged leave-one-out repeats (mean and spread)")
    ap.add_argument("--start", choices=["shipped", "neutral"], default="neutral",
                    help="fit: start from the shipped weights (fitted on all repos) or from neutral ones")
    ap.add_argument("--embeddings-url", help="run: turn the semantic signal on with this OpenAI-compatible "
                    "endpoint (e.g. tools/bench_embed_server.py's http://127.0.0.1:8765/v1)")
    ap.add_argument("--embeddings-model", default="all-minilm-l6-v2", help="run: model name sent to it")
    ap.add_argument("--repos", help="comma-separated repository names to run (default all)")
    ap.add_argument("--rounds", type=int, default=2, help="crossval: search-and-fit rounds per fold")
    a = ap.parse_args()
    {"run": cmd_run, "score": cmd_score, "fit": cmd_fit, "crossval": cmd_crossval}[a.command](a)


if __name__ == "__main__":
    main()
