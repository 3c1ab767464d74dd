#!/usr/bin/env python3
"""Nonlinear learning to rank (LambdaMART) against the linear fusion, on the retrieval benchmark's stored
candidates.

    python3 -m venv LTRVENV && LTRVENV/bin/pip install lightgbm numpy   # not a genie dependency
    LTRVENV/bin/python tools/bench_retrieval_ltr.py [--out RUN] [--seeds 3] [--bags 20]
                                                    [--history HIST] [--models a,b,...]

``RUN`` is a ``tools/bench_retrieval.py run --out`` directory (its runs.jsonl holds every candidate's signal
values); ``HIST`` is a ``tools/bench_retrieval_history.py run --out`` directory (pseudo_runs.jsonl: commit
messages as queries, the files they modified as answers), used only with the ``+hist`` models.

What it measures: leave-one-repository-out on the 97 issues, the same protocol as ``bench_retrieval.py fit``
(so the same ~0.03 optimism from the first pass, which used the shipped weights; the comparison is paired,
every model reranks the same stored candidates). Per held-out repository and seed:

- ``linear``: the shipped fitter, ``fit_bagged`` from neutral weights on the other four repositories (the
  baseline ``fit --start neutral`` reports).
- ``lambdamart-dN[-mM]``: LightGBM's lambdarank objective from scratch, trees of depth N (2**N leaves at most),
  at least M candidates per leaf (default 40), shrinkage 0.05, queries and signals subsampled by 0.8 per tree,
  L2 1.0 on the leaves; the number of trees is picked from ROUNDS by an inner leave-one-repository-out over the
  four training repositories (maximising the objective the linear fit maximises, Acc@1 + Acc@5 + MRR/2 +
  Acc@10/4, per issue), then the model is retrained on all four with that many trees.
- ``residual-dN[-mM]``: the same trees boosted from the linear fused score (init score = the bagged linear
  fit's score, refitted inside each inner fold so the inner validation never sees its own fit): a small
  nonlinear correction of the linear fusion; zero trees (the linear fusion itself) is among the choices.
- suffixes: ``+prior`` boosts from the neutral weights the linear fit starts from (tests, documentation and
  plain text at -1, the rest at 0.5), no fitting; ``+mono`` makes the trees monotone (demotions
  non-increasing, the other signals non-decreasing); ``+lin`` adds the linear fit's score and its gap to the
  query's best as two more signals; ``+hist`` adds the training repositories' pseudo-queries to the trees'
  training data (never the held-out repository's; the inner validation stays on issues).
- ``quad``: a tiny pairwise model with interactions, the linear fit's score plus a weighted sum of every
  product of two signals, the products' weights fitted by RankNet's logistic loss on (gold, top-40 non-gold)
  pairs with an L2 penalty picked by the inner leave-one-repository-out from QUAD_L2 (none among them).

Prints Acc@1/Acc@5/Acc@10/MRR per repository and overall (mean over seeds, with the spread), the rounds
chosen, and the paired per-issue wins and losses at Acc@1 against ``linear``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import lightgbm as lgb
except ImportError:
    sys.exit("bench_retrieval_ltr: needs lightgbm, which genie does not depend on; run it with a Python that has it "
             "(python3 -m venv LTRVENV && LTRVENV/bin/pip install lightgbm numpy, see the docstring)")
import numpy as np
from bench_retrieval_fit import Problem, file_metrics, fit_bagged, neutral_start

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "retrieval"
ROUNDS = (0, 5, 10, 20, 40, 80, 160, 320)
KEYS = ("Acc@1", "Acc@5", "Acc@10", "MRR")


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _objective(m: dict[str, float]) -> float:
    return m["Acc@1"] + m["Acc@5"] + 0.5 * m["MRR"] + 0.25 * m["Acc@10"]


def rank_metrics(prob: Problem, data: list, idx: np.ndarray, scores: np.ndarray) -> list[dict[str, float]]:
    """Per-instance file metrics of instances ``idx`` of ``data`` when ranked by ``scores`` (rows of ``idx``,
    padded to the candidate count); ties keep the stored order, as ``rerank`` does."""
    out = []
    for row, i in enumerate(idx):
        r, inst = data[i]
        n = len(r["candidates"])
        order = np.argsort(-scores[row, :n], kind="stable")
        out.append(file_metrics([r["candidates"][j][0] for j in order], inst["gold_files"]))
    return out


def _lgb_data(X: np.ndarray, valid: np.ndarray, gold: np.ndarray, init: np.ndarray | None):
    rows = valid.sum(1)
    keep = rows > 0
    data = lgb.Dataset(X[valid], label=gold[valid].astype(int), group=rows[keep],
                       init_score=None if init is None else init[valid], free_raw_data=False)
    return data


def _params(depth: int, seed: int, min_leaf: int = 40) -> dict:
    return {"objective": "lambdarank", "max_depth": depth, "num_leaves": 2 ** depth, "min_data_in_leaf": min_leaf,
            "learning_rate": 0.05, "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
            "bagging_by_query": True, "lambda_l2": 1.0, "lambdarank_truncation_level": 20,
            "eval_at": [1, 5], "verbosity": -1, "seed": seed, "num_threads": 1, "deterministic": True}


class Experiment:
    def __init__(self, data: list, names: list[str], pseudo: list, bags: int) -> None:
        self.data, self.names, self.bags = data, names, bags
        self.prob = Problem(data, names)
        self.pprob = Problem(pseudo, names) if pseudo else None
        self.repos = sorted({inst["repo"] for _, inst in data})
        self.start = neutral_start(names)
        self._linear: dict[tuple, np.ndarray] = {}

    def idx(self, repos: set[str]) -> np.ndarray:
        return np.array([i for i, (_, inst) in enumerate(self.data) if inst["repo"] in repos])

    def linear(self, train: frozenset[str], seed: int) -> np.ndarray:
        key = (train, seed)
        if key not in self._linear:
            mean, _ = fit_bagged(self.prob.subset(self.idx(set(train))), self.prob.vec(self.start), self.bags, seed)
            self._linear[key] = mean
        return self._linear[key]

    def _train_set(self, train: frozenset[str], seed: int, residual: bool, hist: bool):
        """Arrays for LightGBM from the instances of ``train`` (plus their pseudo-queries with ``hist``); the
        init score is the linear fit on ``train``'s issues."""
        p = self.prob.subset(self.idx(set(train)))
        X, valid, gold = [p.X], [p.valid], [p.gold]
        if hist and self.pprob is not None:
            pi = np.array([i for i, r in enumerate(self.pprob.repos) if r in train])
            q = self.pprob.subset(pi)
            X.append(q.X), valid.append(q.valid), gold.append(q.gold)
        Xa, va, ga = (np.concatenate(a) for a in (X, valid, gold))
        Xa = self._features(Xa, train, seed, self.cfg[2])
        init = self._init(Xa[..., :len(self.names)], train, seed)
        # a query without a gold candidate teaches lambdarank nothing: its rows are dropped with ``valid``
        va &= ga.any(1)[:, None]
        return _lgb_data(Xa, va, ga, init)

    def _predict(self, booster, rounds: int, idx: np.ndarray, init: np.ndarray | None, train: frozenset[str],
                 seed: int) -> np.ndarray:
        X = self._features(self.prob.X[idx], train, seed, self.cfg[2])
        s = np.zeros(X.shape[:2]) if init is None else init.copy()
        if rounds and booster is not None:
            s += booster.predict(X.reshape(-1, X.shape[2]), num_iteration=rounds,
                                 raw_score=True).reshape(X.shape[:2])
        return np.where(self.prob.valid[idx], s, -np.inf)

    def _features(self, X: np.ndarray, train: frozenset[str], seed: int, lin: bool) -> np.ndarray:
        """``X`` with, for ``lin``, the linear fit's score and its gap to the query's best as two more signals."""
        if not lin:
            return X
        s = X @ self.linear(train, seed)
        return np.concatenate([X, s[..., None], (s - s.max(1, keepdims=True))[..., None]], axis=2)

    def _init(self, X: np.ndarray, train: frozenset[str], seed: int) -> np.ndarray | None:
        """The score boosting starts from: the linear fit on ``train`` (``residual``), the neutral weights that
        the linear fit starts from (``+prior``: tests, documentation and plain text demoted), or none."""
        if self.base == "linear":
            return X @ self.linear(train, seed)
        if self.base == "prior":
            return X @ self.prob.vec(self.start)
        return None

    def _lgb_params(self, seed: int) -> dict:
        p = _params(self.cfg[0], seed, self.cfg[1])
        if self.mono:  # every signal may only raise the score, except the demotions (and the extra +lin ones)
            mono = [-1 if k in ("test", "doc", "text") else 0 if k in ("test_q", "size") else 1 for k in self.names]
            p["monotone_constraints"] = mono + [1, 1] * self.cfg[2]
        return p

    def model(self, train: frozenset[str], held: str, seed: int, spec: str) -> tuple[np.ndarray, int]:
        """Scores of ``held``'s instances, and the number of trees the inner cross-validation chose. ``spec``:
        ``lambdamart|residual``-d``depth``[-m``min leaf``][+lin][+prior][+mono][+hist]."""
        kind, _, rest = spec.partition("-d")
        parts = rest.split("+")
        depth, _, m = parts[0].partition("-m")
        self.cfg = (int(depth), int(m or 40), "lin" in parts[1:])
        residual, hist = kind == "residual", "hist" in parts[1:]
        self.base = "linear" if residual else "prior" if "prior" in parts[1:] else None
        self.mono = "mono" in parts[1:]
        rounds = [r for r in ROUNDS if residual or r > 0]
        inner: dict[int, list[float]] = defaultdict(list)
        for val in sorted(train):
            sub = frozenset(train - {val})
            booster = lgb.train(self._lgb_params(seed), self._train_set(sub, seed, residual, hist),
                                num_boost_round=max(rounds))
            vi = self.idx({val})
            init = self._init(self.prob.X[vi], sub, seed)
            for r in rounds:
                ms = rank_metrics(self.prob, self.data, vi, self._predict(booster, r, vi, init, sub, seed))
                inner[r].extend(_objective(m) for m in ms)
        best = max(rounds, key=lambda r: (statistics.mean(inner[r]), -r))  # ties: fewer trees
        hi = self.idx({held})
        init = self._init(self.prob.X[hi], train, seed)
        booster = lgb.train(self._lgb_params(seed), self._train_set(train, seed, residual, hist),
                            num_boost_round=best) if best else None
        return self._predict(booster, best, hi, init, train, seed), best


def _quad(X: np.ndarray) -> np.ndarray:
    """Every product of two signals (squares included), the interaction terms of the ``quad`` model."""
    i, j = np.triu_indices(X.shape[-1])
    return X[..., i] * X[..., j]


def fit_quad(X: np.ndarray, valid: np.ndarray, gold: np.ndarray, base: np.ndarray, l2: float, top: int = 40,
             steps: int = 300, lr: float = 0.02) -> np.ndarray:
    """A tiny pairwise model with interactions: the linear score ``base`` plus ``_quad(X) @ B``, with ``B``
    minimising RankNet's logistic loss over (gold candidate, one of the ``top`` best non-gold candidates by
    ``base``) pairs, each query weighing the same, plus ``l2 * |B|^2``; Adam from B = 0."""
    Q = _quad(X)
    pos, neg, wts = [], [], []
    for q in range(len(X)):
        g = np.nonzero(gold[q] & valid[q])[0]
        if not len(g):
            continue
        order = np.argsort(-np.where(valid[q], base[q], -np.inf), kind="stable")
        negs = [j for j in order[:top + len(g)] if not gold[q, j] and valid[q, j]][:top]
        for a in g:
            for b in negs:
                pos.append((q, a)), neg.append((q, b)), wts.append(1.0 / (len(g) * len(negs)))
    pos_a, neg_a, w = np.array(pos), np.array(neg), np.array(wts)
    w = w / w.sum()
    D = Q[pos_a[:, 0], pos_a[:, 1]] - Q[neg_a[:, 0], neg_a[:, 1]]
    d0 = base[pos_a[:, 0], pos_a[:, 1]] - base[neg_a[:, 0], neg_a[:, 1]]
    B = np.zeros(Q.shape[-1])
    m = np.zeros_like(B)
    v = np.zeros_like(B)
    for t in range(1, steps + 1):
        z = d0 + D @ B
        g = -(w / (1.0 + np.exp(np.minimum(z, 50.0)))) @ D + 2 * l2 * B
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        B -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return B


QUAD_L2 = (None, 1.0, 0.1, 0.01, 0.001)  # None: no interaction term (the linear fusion itself)


def quad_model(ex: Experiment, train: frozenset[str], held: str, seed: int) -> tuple[np.ndarray, float]:
    """Scores of ``held`` by the linear fit plus interactions, ``l2`` picked by an inner leave-one-repository-out."""
    def scores(fit_on: frozenset[str], idx: np.ndarray, l2: float | None) -> np.ndarray:
        theta = ex.linear(fit_on, seed)
        s = ex.prob.X[idx] @ theta
        if l2 is not None:
            p = ex.prob.subset(ex.idx(set(fit_on)))
            B = fit_quad(p.X, p.valid, p.gold, p.X @ theta, l2)
            s = s + _quad(ex.prob.X[idx]) @ B
        return np.where(ex.prob.valid[idx], s, -np.inf)

    inner: dict[float | None, list[float]] = defaultdict(list)
    for val in sorted(train):
        vi = ex.idx({val})
        for l2 in QUAD_L2:
            inner[l2].extend(_objective(m) for m in rank_metrics(ex.prob, ex.data, vi,
                                                                  scores(frozenset(train - {val}), vi, l2)))
    best = max(QUAD_L2, key=lambda l2: (statistics.mean(inner[l2]), l2 is None, l2 or 0))
    return scores(train, ex.idx({held}), best), (-1 if best is None else best)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=str(BENCH))
    ap.add_argument("--out", default="/work/bench-work/out-s8", help="a bench_retrieval.py run --out dir")
    ap.add_argument("--history", help="a bench_retrieval_history.py run --out dir (for the +hist models)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--bags", type=int, default=20)
    ap.add_argument("--models", default="linear,lambdamart-d2,lambdamart-d3,residual-d2,residual-d3")
    ap.add_argument("--dump", help="write per-instance results (jsonl) here")
    a = ap.parse_args()

    insts = {i["instance_id"]: i for i in _read_jsonl(Path(a.bench) / "instances.jsonl")}
    runs = _read_jsonl(Path(a.out) / "runs.jsonl")
    data = [(r, insts[r["instance_id"]]) for r in runs]
    seen = {k for r in runs for _, f in r["candidates"] for k, v in f.items() if v}
    names = [k for k in dict.fromkeys([*runs[0]["weights"], *sorted(seen)]) if k in seen]
    pseudo = []
    if a.history:
        pseudo = [(r, {"repo": r["repo"], "gold_files": r["gold_files"]})
                  for r in _read_jsonl(Path(a.history) / "pseudo_runs.jsonl")]
        print(f"{len(pseudo)} pseudo-queries", file=sys.stderr)
    ex = Experiment(data, names, pseudo, a.bags)
    models = a.models.split(",")
    # results[model][seed][instance row] -> metrics
    results: dict[str, dict[int, dict[int, dict]]] = {m: defaultdict(dict) for m in models}
    chosen: dict[str, list[int]] = defaultdict(list)
    dump: list[dict] = []
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        for held in ex.repos:
            train = frozenset(ex.repos) - {held}
            hi = ex.idx({held})
            for m in models:
                if m == "linear":
                    s = np.where(ex.prob.valid[hi], ex.prob.X[hi] @ ex.linear(train, seed), -np.inf)
                elif m == "quad":
                    s, best = quad_model(ex, train, held, seed)
                    chosen[m].append(best)
                else:
                    s, best = ex.model(train, held, seed, m)
                    chosen[m].append(best)
                for i, met in zip(hi, rank_metrics(ex.prob, data, hi, s)):
                    results[m][seed][int(i)] = met
                    dump.append({"model": m, "seed": seed, "instance_id": data[i][0]["instance_id"], **met})
            print(f"seed {seed}: {held} done", file=sys.stderr, flush=True)
    if a.dump:
        Path(a.dump).write_text("".join(json.dumps(d) + "\n" for d in dump))

    seeds = sorted(results[models[0]])
    print(f"\nleave-one-repository-out on stored candidates ({a.out}), seeds {seeds}; mean over seeds "
          f"(± sd over seeds of the overall figure)")
    print("| model | " + " | ".join(KEYS) + " | " + " | ".join(r.split("/")[1] + " Acc@1/Acc@5" for r in ex.repos)
          + " | trees chosen |")
    print("|---" * (len(KEYS) + len(ex.repos) + 2) + "|")
    for m in models:
        per_seed = {k: [statistics.mean(v[k] for v in results[m][s].values()) for s in seeds] for k in KEYS}
        cells = [f"{statistics.mean(v):.3f} ±{statistics.pstdev(v):.3f}" for v in per_seed.values()]
        for repo in ex.repos:
            rows = [results[m][s][int(i)] for s in seeds for i in ex.idx({repo})]
            cells.append(f"{statistics.mean(r['Acc@1'] for r in rows):.3f}/{statistics.mean(r['Acc@5'] for r in rows):.3f}")
        cells.append(",".join(map(str, sorted(chosen[m]))) if chosen[m] else "-")
        print(f"| {m} | " + " | ".join(cells) + " |")
    if "linear" in models:
        print("\npaired against linear, per issue and seed (Acc@1 wins/losses, Acc@5 wins/losses):")
        for m in models:
            if m == "linear":
                continue
            w1 = l1 = w5 = l5 = 0
            for s in seeds:
                for i, met in results[m][s].items():
                    base = results["linear"][s][i]
                    w1 += met["Acc@1"] > base["Acc@1"]
                    l1 += met["Acc@1"] < base["Acc@1"]
                    w5 += met["Acc@5"] > base["Acc@5"]
                    l5 += met["Acc@5"] < base["Acc@5"]
            print(f"  {m}: Acc@1 +{w1}/-{l1}, Acc@5 +{w5}/-{l5} (over {len(seeds)} seeds x {len(data)} issues)")


if __name__ == "__main__":
    main()
