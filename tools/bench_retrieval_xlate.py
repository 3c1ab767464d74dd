#!/usr/bin/env python3
"""Experiment: a vocabulary bridge learned from the repository's own history (IBM Model 1), as a retrieval signal.

    python tools/bench_retrieval_xlate.py signals --run RUN --out DIR [--cache CACHE] [--newest N]
    python tools/bench_retrieval_xlate.py paired  --out DIR [--seed0 0] SIGNAL [SIGNAL+SIGNAL ...]
    python tools/bench_retrieval.py fit --out DIR-with-one-signal   (as for any stored run)

Issues say what goes wrong in words; code says it in identifiers. Commits pair the two: each message with the
lines it changed. ``signals`` reads every commit of each benchmark repository once (``git log -p -U0``, Python's
hunk headers from git's own ``python`` funcname driver), and for each issue fits IBM Model 1 (EM, a NULL source
word, 8 iterations) on the commits that are ancestors of the issue's base commit only (the fix is never seen),
between the message's words and either the tokens of the changed lines (``lines``) or the names of the
definitions the hunks touched (``defs``), in both directions:

- ``x_<kind>_f``: the issue's words translated into code tokens, t(code | word) weighted by the word's idf among
  messages, the 100 heaviest kept, and each stored candidate scored by BM25 of that weighted query over its text
  (``lines``) or its definition names (``defs``);
- ``x_<kind>_r``: a translation language model, the sum over the issue's words of idf * log(1 + 100 * sum_c
  t(word | c) P(c | file)).

Each signal is scaled to [0, 1] by the best candidate, like the engine's, and added to a copy of ``RUN``'s
``runs.jsonl`` (candidates only: the ranking of ``run`` is kept, so no new candidate is found). ``paired`` fits the
shipped signals with and without the given ones (leave one repository out, ``fit_bagged`` from neutral weights,
3 seeds from ``--seed0``) and lists the issues whose held-out Acc@1 or Acc@5 moved. Needs numpy (as ``fit``).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_retrieval import BENCH
from bench_retrieval_fit import Problem, fit_bagged, neutral_start

from genie_tui.retrieval.query import analyze
from genie_tui.retrieval.textutil import is_doc_path, is_test_path, tokenize

CODE_EXT = (".py", ".js", ".ts", ".c", ".h", ".go", ".java", ".rb", ".rs", ".cpp", ".pyx")
MAX_LINES, MAX_CODE, MAX_WORDS, COMMON, ITERS = 400, 150, 40, 0.05, 8
DEF = re.compile(r"^[ \t]*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
Commit = tuple[str, list[str], list[str], list[str]]  # sha, message words, code tokens, files


def read_history(git_dir: str, tip: str) -> dict[str, list[Commit]]:
    """Each commit before ``tip`` (no merges, at most 40 files), with the tokens of the source lines it changed
    (``lines``: at most 400 lines of 300 characters) or the names of the definitions it touched (``defs``)."""
    with tempfile.NamedTemporaryFile("w", suffix=".attributes") as attrs:
        attrs.write("*.py diff=python\n")
        attrs.flush()
        out = subprocess.run(["git", "--git-dir", git_dir, "-c", "core.quotepath=off", "-c",
                              f"core.attributesFile={attrs.name}", "log", "--no-merges", "-n20000", "-p", "-U0",
                              "--no-renames", "--format=%x00%H%x01%s%n%b%x02", tip],
                             capture_output=True, check=True).stdout.decode("utf-8", "replace")
    got: dict[str, list[Commit]] = {"lines": [], "defs": []}
    for chunk in out.split("\0"):
        sha, sep, rest = chunk.partition("\x01")
        if not sep:
            continue
        msg, _, diff = rest.partition("\x02")
        files: list[str] = []
        toks: set[str] = set()
        names: set[str] = set()
        n, ok = 0, False
        for line in diff.split("\n"):
            if line.startswith("diff --git "):
                files.append(line.rsplit(" b/", 1)[-1])
                ok = files[-1].endswith(CODE_EXT) and not is_test_path(files[-1]) and not is_doc_path(files[-1])
            elif not ok:
                continue
            elif line.startswith("@@"):
                if m := DEF.match(line.split("@@", 2)[-1]):
                    names.add(m.group(1))
            elif line[:1] in "+-" and not line.startswith(("+++", "---")):
                if m := DEF.match(line[1:]):
                    names.add(m.group(1))
                if n < MAX_LINES and len(line) <= 300:
                    n += 1
                    toks.update(tokenize(line[1:]))
        if files and len(files) <= 40:
            words = tokenize(msg)
            got["lines"].append((sha.strip(), words, sorted(toks), files))
            got["defs"].append((sha.strip(), words, sorted({t for x in names for t in tokenize(x)}), files))
    return got


class Model1:
    """IBM Model 1's t(target | source) by EM over the commits' (message, code) pairs; ``reverse`` makes the code
    the source. Every (source, target) pair of a commit is one row of flat arrays, so an EM step is three
    ``bincount``s (sphinx, 14,000 commits, definitions: 750,000 rows, 0.4 s to build, 0.13 s for 8 steps)."""

    def __init__(self, commits: list[Commit], reverse: bool) -> None:
        n = len(commits)
        cdf = Counter(t for c in commits for t in set(c[2]))
        svoc: dict[str, int] = {"<null>": 0}
        tvoc: dict[str, int] = {}
        parts: list[tuple[np.ndarray, ...]] = []
        ndc = 0
        for d, (_, msg, code, _) in enumerate(commits):
            cs = sorted((t for t in code if cdf[t] <= COMMON * n), key=lambda t: cdf[t])[:MAX_CODE]
            ws = list(dict.fromkeys(msg))[:MAX_WORDS]
            if not cs or not ws:
                continue
            src, tgt = (cs, ws) if reverse else (ws, cs)
            si = np.array([0] + [svoc.setdefault(x, len(svoc)) for x in src], np.int64)
            ti = np.array([tvoc.setdefault(x, len(tvoc)) for x in tgt], np.int64)
            parts.append((np.repeat(si, len(ti)), np.tile(ti, len(si)), np.full(len(si) * len(ti), d, np.int32),
                          np.tile(np.arange(ndc, ndc + len(ti)), len(si))))
            ndc += len(ti)
        s, t, self.commit, self.slot = (np.concatenate(x) for x in zip(*parts))
        self.keys, self.pair = np.unique(s * len(tvoc) + t, return_inverse=True)
        self.ps, self.pt = self.keys // len(tvoc), self.keys % len(tvoc)
        self.nslots, self.svoc, self.tvoc = ndc, svoc, tvoc
        self.snames, self.tnames = list(svoc), list(tvoc)
        self.by_t = np.argsort(self.pt, kind="stable")

    def fit(self, keep: np.ndarray) -> np.ndarray:
        """t for every pair, from the commits ``keep`` marks."""
        m = keep[self.commit]
        pair, slot = self.pair[m], self.slot[m]
        t = np.ones(len(self.keys))
        for _ in range(ITERS):
            tv = t[pair]
            z = np.bincount(slot, tv, minlength=self.nslots)
            cnt = np.bincount(pair, tv / z[slot], minlength=len(t))
            rows = np.bincount(self.ps, cnt, minlength=len(self.svoc))[self.ps]
            t = np.where(rows > 0, cnt / np.maximum(rows, 1e-30), 0.0)
        return t

    def targets(self, t: np.ndarray, source: str) -> dict[str, float]:
        if (sid := self.svoc.get(source)) is None:
            return {}
        lo, hi = np.searchsorted(self.ps, [sid, sid + 1])
        return {self.tnames[self.pt[j]]: t[j] for j in range(lo, hi) if t[j] > 0.001}

    def sources(self, t: np.ndarray, target: str) -> dict[str, float]:
        if (tid := self.tvoc.get(target)) is None:
            return {}
        lo, hi = np.searchsorted(self.pt[self.by_t], [tid, tid + 1])
        return {self.snames[self.ps[j]]: t[j] for j in self.by_t[lo:hi] if t[j] > 0.001}


def scores(model: Model1, t: np.ndarray, reverse: bool, qidf: dict[str, float],
           docs: dict[str, Counter[str]]) -> dict[str, float]:
    """Each candidate's score for the translated query (see the module docstring)."""
    out: dict[str, float] = {}
    if not reverse:
        qv: dict[str, float] = defaultdict(float)
        for w, idf in qidf.items():
            for c, p in sorted(model.targets(t, w).items(), key=lambda kv: -kv[1])[:30]:
                qv[c] += idf * p
        qv = dict(sorted(qv.items(), key=lambda kv: -kv[1])[:100])
        n = len(docs)
        avg = sum(sum(d.values()) for d in docs.values()) / max(n, 1) or 1
        df = Counter(x for d in docs.values() for x in d)
        for p, d in docs.items():
            ln = sum(d.values())
            out[p] = sum(wq * math.log(1 + (n - df[c] + 0.5) / (df[c] + 0.5)) * d[c] * 2.2 /
                         (d[c] + 1.2 * (0.25 + 0.75 * ln / avg)) for c, wq in qv.items() if d.get(c))
    else:
        tw = {w: model.sources(t, w) for w in qidf}
        for p, d in docs.items():
            ln = sum(d.values()) or 1
            out[p] = sum(idf * math.log1p(100 * sum(v * d[c] for c, v in tw[w].items() if d.get(c)) / ln)
                         for w, idf in qidf.items())
    top = max(out.values(), default=0.0) or 1.0
    return {p: v / top for p, v in out.items()}


def cmd_signals(a: argparse.Namespace) -> None:
    insts = {i["instance_id"]: i for i in map(json.loads, (Path(a.bench) / "instances.jsonl").open())}
    runs = [json.loads(line) for line in (Path(a.run) / "runs.jsonl").open()]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(a.cache)
    t0 = time.time()
    models: dict[tuple[str, bool], tuple[Model1, list[Commit]]] = {}
    repo = ""
    with (out / "runs.jsonl").open("w") as fh:
        for r in runs:
            inst = insts[r["instance_id"]]
            name = r["instance_id"].rsplit("-", 1)[0]
            git_dir = str(cache / "repos" / f"{name}.git")
            if name != repo:  # the history up to the newest base commit of the repository's issues, read once
                bases = {i["base_commit"] for i in insts.values() if i["instance_id"].rsplit("-", 1)[0] == name}
                tip = max(bases, key=lambda b: int(subprocess.check_output(
                    ["git", "--git-dir", git_dir, "log", "-1", "--format=%ct", b]).strip()))
                hist = read_history(git_dir, tip)
                models = {(k, rev): (Model1(hist[k], rev), hist[k]) for k in hist for rev in (False, True)}
                repo = name
                print(f"{name}: {len(hist['lines'])} commits ({time.time() - t0:.0f}s)", file=sys.stderr)
            ancestors = set(subprocess.check_output(["git", "--git-dir", git_dir, "rev-list", inst["base_commit"]],
                                                    text=True).split())
            q = analyze(inst["problem_statement"])
            words = list(dict.fromkeys(q.title_tokens + q.tokens))[:60]
            texts = {}
            for p, _ in r["candidates"]:
                try:
                    texts[p] = (cache / "worktrees" / r["instance_id"] / p).read_text(errors="replace")[:400_000]
                except OSError:
                    texts[p] = ""
            docs = {"lines": {p: Counter(tokenize(x)) for p, x in texts.items()},
                    "defs": {p: Counter(tokenize(" ".join(DEF.findall(x)))) for p, x in texts.items()}}
            for (kind, rev), (model, commits) in models.items():
                keep = np.array([c[0] in ancestors for c in commits])
                if a.newest:
                    keep &= np.cumsum(keep) <= a.newest
                wdf = Counter(w for k, c in zip(keep, commits) if k for w in set(c[1]))
                qidf = {w: math.log(1 + int(keep.sum()) / wdf[w]) for w in words if wdf[w]}
                got = scores(model, model.fit(keep), rev, qidf, docs[kind])
                for p, f in r["candidates"]:
                    f[f"x_{kind}_{'r' if rev else 'f'}"] = got.get(p, 0.0)
            fh.write(json.dumps(r) + "\n")
            print(f"{r['instance_id']} ({time.time() - t0:.0f}s)", file=sys.stderr)


def cmd_paired(a: argparse.Namespace) -> None:
    insts = {i["instance_id"]: i for i in map(json.loads, (Path(a.bench) / "instances.jsonl").open())}
    runs = [json.loads(line) for line in (Path(a.out) / "runs.jsonl").open()]
    data = [(r, insts[r["instance_id"]]) for r in runs]
    base = [k for k in runs[0]["weights"] if any(f.get(k) for r in runs for _, f in r["candidates"])]
    res = {}
    for extra in ["", *a.signals]:
        names = base + (extra.split("+") if extra else [])
        prob = Problem(data, names)
        acc1, acc5 = np.zeros(len(data)), np.zeros(len(data))
        for seed in range(a.seed0, a.seed0 + 3):
            for held in sorted(set(prob.repos)):
                train = np.array([i for i, rp in enumerate(prob.repos) if rp != held])
                test = np.array([i for i, rp in enumerate(prob.repos) if rp == held])
                w, _ = fit_bagged(prob.subset(train), prob.vec(neutral_start(names)), 20, seed)
                m = prob.subset(test).metrics(w)
                acc1[test] += m["Acc@1"] / 3
                acc5[test] += m["Acc@5"] / 3
        res[extra] = (acc1, acc5)
        print(f"{extra or 'shipped signals'}: held-out Acc@1 {acc1.mean():.3f}, Acc@5 {acc5.mean():.3f}", flush=True)
    b1, b5 = res[""]
    for extra in a.signals:
        a1, a5 = res[extra]
        print(f"{extra}: Acc@1 better on {int((a1 > b1 + 0.3).sum())}, worse on {int((a1 < b1 - 0.3).sum())}; "
              f"Acc@5 better on {int((a5 > b5 + 0.3).sum())}, worse on {int((a5 < b5 - 0.3).sum())}")
        for i, (r, _) in enumerate(data):
            if abs(a1[i] - b1[i]) > 0.3 or abs(a5[i] - b5[i]) > 0.3:
                print(f"  {r['instance_id']}: Acc@1 {b1[i]:.2f} -> {a1[i]:.2f}, Acc@5 {b5[i]:.2f} -> {a5[i]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["signals", "paired"])
    ap.add_argument("signals", nargs="*", help="paired: signals to add, several joined by +")
    ap.add_argument("--bench", default=str(BENCH), help="benchmark dir (instances.jsonl)")
    ap.add_argument("--cache", default="/work/bench-work", help="prepare.py cache dir (repos/, worktrees/)")
    ap.add_argument("--run", help="signals: a stored run (runs.jsonl) of tools/bench_retrieval.py")
    ap.add_argument("--out", required=True, help="runs.jsonl with the new signals goes (or is read from) here")
    ap.add_argument("--newest", type=int, default=0, help="signals: only the newest N commits before the base")
    ap.add_argument("--seed0", type=int, default=0, help="paired: the first of 3 seeds")
    a = ap.parse_intermixed_args()
    (cmd_signals if a.command == "signals" else cmd_paired)(a)


if __name__ == "__main__":
    main()
