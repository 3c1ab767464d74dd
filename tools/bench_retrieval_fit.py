"""Metrics and weight fitting for tools/bench_retrieval.py (pure Python, no numpy)."""

from __future__ import annotations

KS = (1, 5, 10)


def file_metrics(ranked: list[str], gold: list[str]) -> dict[str, float]:
    """The benchmark's score.py file metrics for one instance."""
    g = set(gold)
    out: dict[str, float] = {}
    for k in KS:
        top = set(ranked[:k])
        out[f"R@{k}"] = len(g & top) / len(g)
        out[f"Acc@{k}"] = float(g <= top)
    out["MRR"] = next((1.0 / (i + 1) for i, p in enumerate(ranked) if p in g), 0.0)
    return out


def lines_within(ranked: list[str], spans: dict[str, list], budget: int, per_file: int = 200) -> dict[str, list[int]]:
    """Lines of the top spans, file by file in rank order, up to ``budget`` lines (``per_file`` at most
    from one file before moving on; the remaining budget then goes back to the top files).

    Measured alternatives (tools/bench_retrieval_lines.py, 97 instances, spans as shipped): per_file
    100/150/200/250/300 gave line recall 0.48/0.54/0.56/0.55/0.51; shares of the budget by relative file
    score, or one global order of spans by file rank and span score, gave at most 0.53. So the rule stays,
    and spans carry no score: the engine's file order and span order are all it needs.
    """
    out: dict[str, list[int]] = {}
    used = 0
    taken: set[tuple[str, int]] = set()
    for cap in (per_file, budget):
        for p in ranked:
            n_file = len(out.get(p, []))
            for start, end in spans.get(p, []):
                if (p, start) in taken:
                    continue
                room = min(budget - used, cap - n_file)
                if room <= 0:
                    break
                lines = list(range(start, min(end, start + room - 1) + 1))
                taken.add((p, start))
                out.setdefault(p, []).extend(lines)
                used += len(lines)
                n_file += len(lines)
            if used >= budget:
                return out
    return out


def rerank(cands: list, w: dict[str, float]) -> list[str]:
    scored = [(sum(w.get(k, 0.0) * v for k, v in f.items()), p) for p, f in cands]
    scored.sort(key=lambda x: -x[0])
    return [p for _, p in scored]


def _objective(data: list, w: dict[str, float]) -> float:
    total = 0.0
    for r, inst in data:
        m = file_metrics(rerank(r["candidates"], w), inst["gold_files"])
        total += m["Acc@1"] + m["Acc@5"] + 0.5 * m["MRR"] + 0.25 * m["Acc@10"]
    return total / max(len(data), 1)


#: Lower bounds for the signals the issue calls strong evidence. A stack trace or a path named in the query
#: is rare in these 97 issues, so a free fit can zero them; users paste tracebacks all the time.
FLOORS = {"trace": 1.0, "mention": 0.2, "test_q": 0.0, "def_plain": 0.0}


def fit_weights(data: list, start: dict[str, float], passes: int = 3) -> dict[str, float]:
    """Coordinate ascent on Acc@1 + Acc@5 + MRR/2 over a multiplicative/additive grid of each weight.
    Ties keep the current value, so weights move only when that helps the training repositories."""
    w = {k: max(v, FLOORS.get(k, v)) for k, v in start.items()}
    best = _objective(data, w)
    for _ in range(passes):
        improved = False
        for k in list(w):
            cur = w[k]
            for cand in {cur * f for f in (0.0, 0.5, 0.75, 1.33, 2.0)} | {cur + d for d in (-0.5, -0.2, 0.2, 0.5)}:
                if cand < FLOORS.get(k, cand):
                    continue
                w[k] = cand
                val = _objective(data, w)
                if val > best + 1e-9:
                    best, cur, improved = val, cand, True
            w[k] = cur
        if not improved:
            break
    return w


def fit_pairwise(data: list, start: dict[str, float], l2: float = 0.003, iters: int = 400, lr: float = 2.0,
                 top: int = 40) -> dict[str, float]:
    """Linear RankNet: logistic loss on (gold file, other top candidate) pairs, each instance weighing
    the same, with an L2 penalty. Smoother than coordinate ascent, so it transfers better between repos."""
    import math

    names = sorted(start)
    diffs: list[tuple[list[float], float]] = []
    for r, inst in data:
        gold = set(inst["gold_files"])
        vec = {p: [f.get(k, 0.0) for k in names] for p, f in r["candidates"]}
        golds = [vec[p] for p in gold if p in vec]
        negs = [vec[p] for p, _ in r["candidates"][:top] if p not in gold]
        if not golds or not negs:
            continue
        w = 1.0 / (len(golds) * len(negs))
        diffs.extend(([g[i] - n[i] for i in range(len(names))], w) for g in golds for n in negs)
    total = sum(w for _, w in diffs) or 1.0
    theta = [start[k] for k in names]
    for _ in range(iters):
        grad = [l2 * t for t in theta]
        for d, w in diffs:
            z = sum(t * x for t, x in zip(theta, d))
            g = -w / total / (1.0 + math.exp(min(z, 50.0)))
            for i, x in enumerate(d):
                if x:
                    grad[i] += g * x
        theta = [t - lr * g for t, g in zip(theta, grad)]
    return dict(zip(names, theta))
