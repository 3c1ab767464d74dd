#!/usr/bin/env python3
"""Fusion weights learned from a repository's own history, measured on the retrieval benchmark.

    python tools/bench_retrieval_history.py queries [--per-repo 300] [--min-words 5] [--out DIR]
    python tools/bench_retrieval_history.py run     [--out DIR] [--jobs 2]
    python tools/bench_retrieval_history.py eval    [--out DIR] [--bench-run DIR] [--first-seed 0] [--seeds 1]
    python tools/bench_retrieval_history.py engine  [--out DIR] [--first-seed N --seed N]
                                                    [--variant repo|pooled|other|loro|blend]

The figures in the README ("Signals measured and not kept") came from ``queries``, ``run`` (25 min on 2
cores), ``tools/bench_retrieval.py run --out RUN``, then ``eval --bench-run RUN`` with seeds 0-2 and 10-12
and ``engine --variant repo``, ``loro`` and ``blend`` for each of those seeds (30 s each).

Every past commit is a free training example: its message is the query, the non-test source files it
modified are the answer. ``queries`` takes, per benchmark repository, the newest non-merge commits before the
earliest benchmark instance's base commit (so no benchmark fix is among them) whose message has at least five
words and is not a release or version bump, and which modify 1-5 existing non-test, non-doc source files
(and add or delete none). ``run`` searches each message with the engine checked out at the commit's parent,
in a scratch clone, so the code, the history signals (``hist``, ``hist_doc``, ``churn``, ``recent``) and the
index all stop strictly before the commit: the query's own commit and later ones cannot vote. The first pass
uses neutral weights, so nothing fitted on the benchmark reaches the candidates. ``eval`` fits weights on
those pseudo-queries (per repository, pooled over all five, and blends with the benchmark's
leave-one-repository-out fit) and reranks the candidates of a ``tools/bench_retrieval.py run`` with them, like
``tools/bench_retrieval.py fit``. ``engine`` runs the engine itself on the 97 issues with the history weights
(no benchmark data in them at all), the counterpart of ``crossval``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_retrieval import (
    BENCH,
    LINE_BUDGET,
    _load,
    _metrics,
    _read_jsonl,
    _run_one,
    _table,
)
from bench_retrieval_fit import (
    Problem,
    file_metrics,
    fit_bagged,
    lines_within,
    neutral_start,
    rerank,
)

from genie_tui.retrieval.files import language_of
from genie_tui.retrieval.textutil import is_doc_path, is_test_path

SKIP_SUBJECT = re.compile(r"^(merge|revert|bump|release|prepare|preparing|version|changelog|update changelog)\b"
                          r"|\brelease\b|\bbump(ed)? version|\bv?\d+\.\d+(\.\d+)?\b.*\brelease", re.IGNORECASE)
TRAILER = re.compile(r"^(signed-off-by|co-authored-by|reviewed-by|\(cherry picked from)", re.IGNORECASE)


def _git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", "-c", "core.quotepath=off", *args], check=True,
                          capture_output=True, text=True, errors="replace").stdout


def _source(path: str) -> bool:
    return language_of(path) is not None and not is_test_path(path) and not is_doc_path(path)


def select(gitdir: str, base: str, per_repo: int, min_words: int = 5, scan: int = 8000) -> list[dict]:
    """The newest ``per_repo`` usable commits before ``base`` (excluded), oldest first; a usable one has a
    message of at least ``min_words`` words (searched among the newest ``scan`` commits)."""
    log = _git(gitdir, "log", "--no-merges", f"-n{scan}", "--no-renames", "--name-status",
               "--format=%x00%H %P%x01%s%x02%b%x03", f"{base}^")
    out = []
    for chunk in log.split("\0")[1:]:
        head, _, rest = chunk.partition("\x01")
        shas = head.split()
        subject, _, rest = rest.partition("\x02")
        body, _, names = rest.partition("\x03")
        if len(shas) != 2 or SKIP_SUBJECT.search(subject):
            continue
        body = "\n".join(ln for ln in body.splitlines() if not TRAILER.match(ln.strip())).strip()
        if len(f"{subject} {body}".split()) < min_words:
            continue
        status = [ln.split("\t", 1) for ln in names.strip().splitlines() if "\t" in ln]
        src = [(s, p) for s, p in status if _source(p)]
        if not src or any(s != "M" for s, _ in src) or len(src) > 5:
            continue
        out.append({"sha": shas[0], "parent": shas[1], "query": f"{subject}\n\n{body}".strip(),
                    "gold_files": sorted(p for _, p in src)})
        if len(out) >= per_repo:
            break
    return out[::-1]


def cmd_queries(a: argparse.Namespace) -> None:
    insts = _load(Path(a.bench))
    first: dict[str, dict] = {}
    for i in insts:
        gitdir = f"{a.cache}/repos/{i['repo'].replace('/', '__')}.git"
        t = int(_git(gitdir, "log", "-1", "--format=%ct", i["base_commit"]))
        if i["repo"] not in first or t < first[i["repo"]]["t"]:
            first[i["repo"]] = {"t": t, "base": i["base_commit"], "gitdir": gitdir}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "queries.jsonl", "w") as fh:
        for repo, f in sorted(first.items()):
            qs = select(f["gitdir"], f["base"], a.per_repo, a.min_words)
            print(f"{repo}: {len(qs)} pseudo-queries before {f['base'][:10]}", file=sys.stderr)
            fh.writelines(json.dumps({"repo": repo, "gitdir": f["gitdir"], **q}) + "\n" for q in qs)


def _run_repo(args: tuple) -> list[dict]:
    """Search every pseudo-query of one repository at its commit's parent, oldest first, in one scratch clone
    (the index is updated incrementally from one commit to the next)."""
    repo, queries, work = args
    os.environ["GENIE_HOME"] = f"{work}/home"
    from genie_tui.config.settings import Settings
    from genie_tui.retrieval import RepoIndex, rank

    sem = rank.WEIGHTS.get("sem", 0.0)
    names = [k for k in rank.WEIGHTS if k != "sem"]
    rank.WEIGHTS.clear()
    rank.WEIGHTS.update({"sem": sem, **neutral_start(names)})  # the first pass knows no benchmark repository
    settings = Settings(embeddings_model=None, embeddings_base_url=None, embeddings_hypothetical=False)
    clone = Path(work) / "clones" / repo.replace("/", "__")
    if not clone.exists():
        subprocess.run(["git", "clone", "--quiet", "--shared", "--no-checkout", queries[0]["gitdir"], str(clone)],
                       check=True)
    out = []
    t0 = time.time()
    for n, q in enumerate(queries, 1):
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", "--force", "--detach", q["parent"]],
                       check=True)
        ix = RepoIndex.open(clone, settings=settings)
        known = [p for p in q["gold_files"] if p in ix._snap.by_path]
        if known == q["gold_files"]:  # a gold file the index leaves out (vendored, too large) cannot be found
            cands = ix.features(q["query"])[:150]
            out.append({"instance_id": q["sha"], "repo": repo, "gold_files": q["gold_files"],
                        "candidates": [[p, f] for p, f in cands]})
        ix.close()
        if n % 20 == 0:
            print(f"{repo}: {n}/{len(queries)} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)
    return out


def cmd_run(a: argparse.Namespace) -> None:
    out = Path(a.out)
    qs = _read_jsonl(out / "queries.jsonl")
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for q in qs:
        by_repo[q["repo"]].append(q)
    work = str((out / "work").resolve())
    jobs = [(r, q, work) for r, q in sorted(by_repo.items(), key=lambda kv: -len(kv[1]))]
    with open(out / "pseudo_runs.jsonl", "w") as fh, ProcessPoolExecutor(a.jobs) as pool:
        for recs in pool.map(_run_repo, jobs):
            fh.writelines(json.dumps(r) + "\n" for r in recs)
            print(f"{recs[0]['repo'] if recs else '?'}: {len(recs)} pseudo-queries searched", file=sys.stderr)


# --- evaluation --------------------------------------------------------------------------------------------


def _fit(data: list, names: list[str], bags: int, seed: int, start: dict[str, float] | None = None) -> dict:
    prob = Problem(data, names)
    mean, _ = fit_bagged(prob, prob.vec(start or neutral_start(names)), bags, seed)
    return dict(zip(names, mean.tolist()))


def _score(data: list, w_for: dict[str, dict[str, float]]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    for r, inst in data:
        ranked = rerank(r["candidates"], w_for[inst["repo"]])
        m = file_metrics(ranked, inst["gold_files"])
        lines = lines_within(ranked, r["spans"], LINE_BUDGET)
        gold = {(p, ln) for p, ls in inst["gold_lines"].items() for ln in ls}
        m["line_R@300"] = len(gold & {(p, ln) for p, ls in lines.items() for ln in ls}) / max(len(gold), 1)
        rows[inst["repo"]].append(m)
        rows["ALL"].append(m)
    return rows


def _variants(a: argparse.Namespace, seed: int, names: list[str], bench: list, pseudo: list,
              by_repo: dict[str, list], long_by_repo: dict[str, list]) -> tuple[dict, dict]:
    """Each variant's weights per held-out repository, made lazily (``--variants``), and the fits made."""
    repos = sorted(by_repo)
    cache: dict[str, dict] = {}

    def per_repo(key: str, train, start=None) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
        """Weights per held-out repository, fitted once per seed on ``train(repo)``."""
        if key not in cache:
            cache[key] = {rp: _fit(train(rp), names, a.bags, seed, start(rp) if start else None)
                          for rp in repos}
        return cache[key]

    def same(key: str, train) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
        if key not in cache:
            w = _fit(train, names, a.bags, seed)
            cache[key] = {rp: w for rp in repos}
        return cache[key]

    def other_bench(rp: str) -> list:
        return [d for d in bench if d[1]["repo"] != rp]

    def hist() -> dict[str, dict[str, float]]:
        return per_repo("repo", lambda rp: by_repo[rp])

    def loro() -> dict[str, dict[str, float]]:
        return per_repo("loro", other_bench)

    def other() -> dict[str, dict[str, float]]:
        return per_repo("other", lambda rp: [d for d in pseudo if d[1]["repo"] != rp])

    neutral = neutral_start(names)

    variants = {
        "benchmark LORO (= fit)": loro,
        "history, own repository": hist,
        "history, pooled 5 repos": lambda: same("pooled", pseudo),
        "history, other 4 repos": other,
        f"history, own repository, messages >= {a.long_words} words":
            lambda: per_repo("long", lambda rp: long_by_repo[rp]),
        f"history, pooled, messages >= {a.long_words} words":
            lambda: same("long_pooled", [d for v in long_by_repo.values() for d in v]),
        # blends: the benchmark fit started from the held-out repository's history weights; the held-out
        # repository's pseudo-queries added to the other four repositories' issues; means of weights
        "blend: LORO from history start": lambda: per_repo("warm", other_bench, lambda rp: hist()[rp]),
        "blend: LORO + own pseudo-queries": lambda: per_repo("mix", lambda rp: other_bench(rp) + by_repo[rp]),
        "blend: mean(history own, LORO)": lambda: {rp: {k: (hist()[rp][k] + loro()[rp][k]) / 2 for k in names}
                                                   for rp in repos},
        # controls: is a mean's gain the repository's own history, or only the shrinkage of averaging two fits?
        "control: mean(history other 4, LORO)": lambda: {rp: {k: (other()[rp][k] + loro()[rp][k]) / 2 for k in names}
                                                         for rp in repos},
        "control: mean(neutral, LORO)": lambda: {rp: {k: (neutral[k] + loro()[rp][k]) / 2 for k in names}
                                                 for rp in repos},
    }
    return variants, cache


def cmd_eval(a: argparse.Namespace) -> None:
    out = Path(a.out)
    insts = {i["instance_id"]: i for i in _load(Path(a.bench))}
    runs = _read_jsonl(Path(a.bench_run) / "runs.jsonl")
    bench = [(r, insts[r["instance_id"]]) for r in runs]
    words = {q["sha"]: len(q["query"].split()) for q in _read_jsonl(out / "queries.jsonl")}
    pseudo = [(r, r) for r in _read_jsonl(out / "pseudo_runs.jsonl")]
    repos = sorted({i["repo"] for _, i in bench})
    seen = {k for r in runs for _, f in r["candidates"] for k, v in f.items() if v}
    names = [k for k in dict.fromkeys([*runs[0]["weights"], *sorted(seen)]) if k in seen]
    by_repo = {rp: [d for d in pseudo if d[1]["repo"] == rp] for rp in repos}
    # issues are long; commit messages mostly a line: the pseudo-queries closest to an issue's shape
    long_by_repo = {rp: [d for d in v if words[d[1]["instance_id"]] >= a.long_words] for rp, v in by_repo.items()}
    print("pseudo-queries per repository (all, long): " + ", ".join(
        f"{rp.split('/')[1]} {len(v)}, {len(long_by_repo[rp])}" for rp, v in by_repo.items()))
    results: dict[str, list[dict[str, list[dict]]]] = defaultdict(list)
    weights_out: dict[str, dict] = {}
    t0 = time.time()
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        variants, cache = _variants(a, seed, names, bench, pseudo, by_repo, long_by_repo)
        for name, make in variants.items():
            if not a.variants or name in a.variants.split(";"):
                results[name].append(_score(bench, make()))
        weights_out[f"seed{seed}"] = cache
        print(f"seed {seed} fitted ({time.time() - t0:.0f}s)", file=sys.stderr)
    (out / f"weights-{a.first_seed}.json").write_text(json.dumps(weights_out, indent=1))
    keys = ["R@1", "R@5", "R@10", "Acc@1", "Acc@5", "Acc@10", "MRR", "line_R@300"]
    summary = {}
    for name, per_seed in results.items():
        mean = {rp: [{k: statistics.mean(statistics.mean(m[k] for m in s[rp]) for s in per_seed) for k in keys}]
                for rp in per_seed[0]}
        summary[name] = mean["ALL"][0]
        _table(f"{name} (reranked candidates of {a.bench_run}, mean of {len(per_seed)} seed(s))", mean,
               counts={rp: len(per_seed[0][rp]) for rp in per_seed[0]})
    print(f"\nALL, mean of seeds {a.first_seed}-{a.first_seed + a.seeds - 1}:")
    for name, m in summary.items():
        print(f"| {name:<50} | Acc@1 {m['Acc@1']:.3f} | Acc@5 {m['Acc@5']:.3f} | MRR {m['MRR']:.3f} | "
              f"line {m['line_R@300']:.3f} |")
    if "repo" in weights_out.get(f"seed{a.first_seed}", {}):
        print("\nhistory weights per repository (first seed):")
        for rp, w in weights_out[f"seed{a.first_seed}"]["repo"].items():
            print(rp, json.dumps({k: round(v, 2) for k, v in w.items()}))


def cmd_engine(a: argparse.Namespace) -> None:
    """The engine on the 97 issues with weights fitted on history only (no benchmark data in them)."""
    out = Path(a.out)
    w = json.loads((out / f"weights-{a.first_seed}.json").read_text())[f"seed{a.seed}"]
    insts = _load(Path(a.bench))
    home = str(Path(a.home).resolve())
    if a.variant == "blend":  # the mean of the own-history and the other four repositories' issue weights
        w["blend"] = {rp: {k: (v + w["loro"][rp][k]) / 2 for k, v in h.items()} for rp, h in w["repo"].items()}
    jobs = [(i, a.cache, home, None, "", w[a.variant][i["repo"]]) for i in insts]
    by_id = {i["instance_id"]: i for i in insts}
    rows: dict[str, list[dict]] = defaultdict(list)
    with ProcessPoolExecutor(a.jobs) as pool, open(out / f"engine-{a.variant}-{a.seed}.jsonl", "w") as fh:
        for r in pool.map(_run_one, jobs):
            m = _metrics(r, by_id[r["instance_id"]])
            rows[r["repo"]].append(m)
            rows["ALL"].append(m)
            fh.write(json.dumps({"instance_id": r["instance_id"], "ranked_files": r["ranked_files"][:20], **m}) + "\n")
    _table(f"engine in the loop, history weights ({a.variant}, seed {a.seed})", dict(sorted(rows.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["queries", "run", "eval", "engine"])
    ap.add_argument("--bench", default=str(BENCH), help="benchmark dir (instances.jsonl)")
    ap.add_argument("--cache", default="/work/bench-work", help="prepare.py cache dir (repos/, worktrees/)")
    ap.add_argument("--home", default="/work/bench-work/genie-home", help="engine: GENIE_HOME for the indexes")
    ap.add_argument("--out", default="/work/bench-work/out-history", help="pseudo-queries, runs and weights")
    ap.add_argument("--bench-run", default="/work/bench-work/out", help="eval: a bench_retrieval.py run --out dir")
    ap.add_argument("--per-repo", type=int, default=300, help="queries: pseudo-queries per repository")
    ap.add_argument("--min-words", type=int, default=5, help="queries: words a message needs")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--bags", type=int, default=20)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--first-seed", type=int, default=0, help="eval: the first seed; engine: the weights-N.json")
    ap.add_argument("--seed", type=int, default=0, help="engine: which seed's weights in that file")
    ap.add_argument("--variants", help="eval: variant names to run, separated by ';' (default all)")
    ap.add_argument("--long-words", type=int, default=25, help="eval: words that make a message issue-like")
    ap.add_argument("--variant", choices=["repo", "pooled", "other", "loro", "blend"], default="repo",
                    help="engine: weights fitted on the repository's own history, all five histories, the other "
                    "four histories, the other four repositories' issues, or the mean of repo and loro")
    a = ap.parse_args()
    {"queries": cmd_queries, "run": cmd_run, "eval": cmd_eval, "engine": cmd_engine}[a.command](a)


if __name__ == "__main__":
    main()
