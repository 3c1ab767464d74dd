"""The benchmark's weight fitting (tools/bench_retrieval.py fit) on synthetic candidates whose right weights
are known: a signal that marks the gold file, one that is noise, and a floored evidence signal."""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _synthetic(rng: random.Random, repos: int = 3, per_repo: int = 8, cands: int = 20) -> tuple[list, list]:
    """Gold files score high on "sig"; "noise" is uniform; "trace" marks wrong files in one issue per repo."""
    insts, runs = [], []
    for r in range(repos):
        for n in range(per_repo):
            iid = f"r{r}-{n}"
            gold = f"g{rng.randrange(cands)}.py"
            cl = []
            for j in range(cands):
                p = f"g{j}.py"
                f = {"sig": rng.uniform(0.9, 1.0) if p == gold else rng.uniform(0.0, 0.8), "noise": rng.random()}
                if p != gold and n == 0 and j < 2:
                    f["trace"] = 1.0
                cl.append([p, f])
            insts.append({"instance_id": iid, "repo": f"o/repo{r}", "gold_files": [gold],
                          "gold_lines": {gold: [1, 2]}})
            runs.append({"instance_id": iid, "repo": f"o/repo{r}", "candidates": cl, "spans": {gold: [[1, 5]]},
                         "weights": {"sig": 0.5, "noise": 0.5, "trace": 0.75, "sem": 2.0}})
    return insts, runs


def test_array_metrics_match_the_scorer_with_ties_and_missing_gold():
    fit = _load("bench_retrieval_fit")
    rng = random.Random(1)
    data = []
    for n in range(30):
        cl = [[f"f{j}", {"a": float(rng.randrange(3)), "b": rng.random()}] for j in range(12)]
        gold = [f"f{rng.randrange(12)}"] + ([f"f{rng.randrange(12)}"] if n % 3 == 0 else [])
        if n % 7 == 0:
            gold.append("missing.py")  # not a candidate: Acc@k must be 0 whatever the weights
        data.append(({"candidates": cl}, {"gold_files": gold, "repo": "o/r"}))
    prob = fit.Problem(data, ["a", "b"])
    for w in ({"a": 1.0, "b": 0.0}, {"a": 0.3, "b": 1.0}, {"a": -1.0, "b": 0.5}):
        got = prob.metrics(prob.vec(w))
        want = [fit.file_metrics(fit.rerank(r["candidates"], w), i["gold_files"]) for r, i in data]
        for k in ("Acc@1", "Acc@5", "Acc@10", "MRR"):
            assert np.allclose(got[k], [m[k] for m in want]), (w, k)


def test_fit_recovers_the_signal_keeps_floors_and_reports_held_out(tmp_path, monkeypatch, capsys):
    insts, runs = _synthetic(random.Random(0))
    (tmp_path / "instances.jsonl").write_text("".join(json.dumps(i) + "\n" for i in insts))
    (tmp_path / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in runs))
    bench = _load("bench_retrieval")
    monkeypatch.setattr(sys, "argv", ["bench_retrieval.py", "fit", "--bench", str(tmp_path), "--out",
                                      str(tmp_path), "--seeds", "2", "--bags", "5"])
    bench.main()
    out = capsys.readouterr().out
    lines = out.splitlines()
    w = json.loads(lines[lines.index("weights fitted on all repositories "
                                     "(paste into genie_tui/retrieval/rank.py WEIGHTS):") + 1])
    assert set(w) == {"sig", "noise", "trace"}  # "sem" never has a value here: not fitted
    assert w["sig"] > 2 * w["noise"]
    assert w["trace"] >= 1.0  # FLOORS: a product prior, whatever the data say
    held = next(ln for ln in lines if ln.startswith("| ALL (leave-one-repo-out)"))
    acc1 = float(held.split("|")[6])
    assert acc1 >= 0.85  # the neutral start (sig = noise) ranks the gold first far less often
    start = {"sig": 0.5, "noise": 0.5, "trace": 1.0}
    fit = sys.modules["bench_retrieval_fit"]
    base = np.mean([fit.file_metrics(fit.rerank(r["candidates"], start), i["gold_files"])["Acc@1"]
                    for r, i in zip(runs, insts)])
    assert base < 0.6


def _crossval(tmp_path: Path, insts: list[dict], name: str) -> tuple[str, list[dict]]:
    bench = tmp_path / f"bench-{name}"
    bench.mkdir()
    (bench / "instances.jsonl").write_text("".join(json.dumps(i) + "\n" for i in insts))
    out = tmp_path / f"out-{name}"
    proc = subprocess.run([sys.executable, str(TOOLS / "bench_retrieval.py"), "crossval", "--bench", str(bench),
                           "--cache", str(tmp_path), "--home", str(tmp_path / "home"), "--out", str(out),
                           "--rounds", "2", "--seeds", "1", "--bags", "3", "--jobs", "2"],
                          check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, [json.loads(ln) for ln in (out / "crossval.jsonl").read_text().splitlines()]


def test_crossval_runs_the_engine_and_never_fits_on_the_held_out_repository(tmp_path, make_repo):
    """Three small repositories, three issues each. The weights a repository is scored with must come from
    the other two alone: changing its answer key changes its scores, never its weights."""
    topics = {"alpha": ("parser", "tokens"), "beta": ("render", "pixels"), "gamma": ("network", "sockets")}
    insts = []
    for repo_name, (noun, thing) in topics.items():
        files = {f"{repo_name}/{noun}.py": f"def {noun}_{thing}(x):\n    '''Handle {thing}.'''\n    return x\n",
                 f"{repo_name}/util.py": "def helper(y):\n    return y\n",
                 f"{repo_name}/other.py": f"def unrelated():\n    return 'no {noun}'\n"}
        if repo_name == "alpha":  # only alpha has tests: the folds that train on it can learn to like them
            files[f"tests/test_{noun}.py"] = f"from {repo_name}.{noun} import {noun}_{thing}\n" + "".join(
                f'\n\ndef test_{noun}_{thing}_{k}():\n    """The {noun} call fails on {thing}: it breaks."""\n'
                f"    assert {noun}_{thing}({k}) == {k}\n" for k in range(5))
        src = make_repo(files, name=f"src-{repo_name}")
        for n in range(3):
            iid = f"{repo_name}-{n}"
            subprocess.run(["git", "clone", "-q", str(src), str(tmp_path / "worktrees" / iid)], check=True)
            insts.append({"instance_id": iid, "repo": f"o/{repo_name}",
                          "problem_statement": f"{noun} fails on {thing} #{n}\n\nThe {noun}_{thing} call breaks.",
                          "gold_files": [f"{repo_name}/{noun}.py"], "gold_lines": {f"{repo_name}/{noun}.py": [1]}})
    out, rows = _crossval(tmp_path, insts, "a")
    assert "| ALL (leave-one-repo-out) | 9 |" in out
    for repo_name in topics:
        assert f"| o/{repo_name}" in out
    assert len(rows) == 9 and all(r["Acc@1"] == 1.0 for r in rows)  # the engine's own results, scored
    assert all(r["ranked_files"][0].endswith(("parser.py", "render.py", "network.py")) for r in rows)
    # alpha's answer key moves to its test file: the folds that train on alpha learn to like tests (their
    # weights change), alpha's own fold does not (same weights, so the same results, now scored as misses)
    moved = [{**i, "gold_files": ["tests/test_parser.py"], "gold_lines": {"tests/test_parser.py": [1]}}
             if i["repo"] == "o/alpha" else i for i in insts]
    _, rows2 = _crossval(tmp_path, moved, "b")
    by_id = {r["instance_id"]: r for r in rows}
    for r in rows2:
        before = by_id[r["instance_id"]]
        if r["instance_id"].startswith("alpha"):
            assert r["weights"] == before["weights"]
            assert r["ranked_files"] == before["ranked_files"] and r["Acc@1"] == 0.0
        else:
            assert r["weights"]["test"] > before["weights"]["test"]
