#!/usr/bin/env python3
"""Patch-application benchmark: `genie apply` beside `git apply --recount -C1`, plus speed checks.

Runs the shared benchmark's scorer (score.py, cases of model-style defects made from real commits) over both
commands in one run and prints each tool's table and the side-by-side table, then checks that every genie
refusal carried a reason, times a 50-hunk patch on a 10,000-line file (target < 100 ms) and the start-up of
`genie apply` (target < 0.3 s).

    python tools/bench_patch.py                       # bench at ../shared/bench/patch
    python tools/bench_patch.py --bench DIR --cases DIR/cases-dev.jsonl --json out.json
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib.util
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_scorer(bench: Path):
    spec = importlib.util.spec_from_file_location("patch_bench_score", bench / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no score.py in {bench}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_tools(score, cases: list[dict], tools: list[tuple[str, str]], jobs: int) -> list[dict]:
    out = []
    for label, cmd in tools:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
            results = list(ex.map(score.run_case, cases, [cmd] * len(cases), [60.0] * len(cases)))
        out.append({"label": label, "cmd": cmd, **score.summarize(results), "cases": results})
    return out


def speed_apply(n_lines: int = 10_000, n_hunks: int = 50, repeats: int = 5) -> dict[str, float]:
    """Milliseconds to apply a clean and a perturbed 50-hunk patch to a 10,000-line file (best of N)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("GENIE_HOME", tempfile.mkdtemp(prefix="genie-bench-home-"))
    from genie_tui.patching import apply_patch

    rng = random.Random(7)
    lines = [f"    value_{i} = compute({i}, {rng.randint(0, 10**6)})" for i in range(n_lines)]
    step = n_lines // n_hunks
    clean, perturbed = [], []
    for k in range(n_hunks):
        at = k * step + step // 2
        ctx_before, old, ctx_after = lines[at - 3:at], lines[at], lines[at + 1:at + 4]
        header = f"@@ -{at - 2},7 +{at - 2},7 @@"
        body = [" " + c for c in ctx_before] + ["-" + old, "+" + old.replace("compute", "recompute")] + \
               [" " + c for c in ctx_after]
        clean += [header, *body]
        shifted = f"@@ -{at - 2 + rng.choice([-30, 17, 25])},7 +{at},7 @@"
        drift = [b if i != 1 else b + "   " for i, b in enumerate(body)]  # trailing-space drift
        perturbed += [shifted, *drift]
    head = ["--- a/big.py", "+++ b/big.py"]
    text = "\n".join(lines) + "\n"
    out = {}
    for name, hunks in (("clean", clean), ("perturbed", perturbed)):
        diff = "\n".join(head + hunks) + "\n"
        best = float("inf")
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                repo = Path(tmp)
                (repo / "big.py").write_text(text)
                t = time.perf_counter()
                report = apply_patch(repo, diff, record_undo=False)
                best = min(best, time.perf_counter() - t)
                if not report.applied:
                    raise SystemExit(f"speed patch ({name}) was refused: {report.reason}")
        out[name] = best * 1000
    return out


def speed_startup(repeats: int = 5) -> float:
    """Seconds for `genie apply --dry-run` of a one-line patch, best of N (process start to exit)."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        (repo / ".git").mkdir()
        (repo / "f.txt").write_text("a\n")
        patch = repo.parent / f"{repo.name}.diff"
        patch.write_text("--- a/f.txt\n+++ b/f.txt\n@@\n-a\n+b\n")
        best = float("inf")
        try:
            for _ in range(repeats):
                t = time.perf_counter()
                subprocess.run([sys.executable, "-m", "genie_tui", "apply", str(patch), "--repo", str(repo),
                                "--dry-run"], check=True, capture_output=True, cwd=ROOT)
                best = min(best, time.perf_counter() - t)
        finally:
            patch.unlink()
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench" / "patch",
                    help="benchmark directory holding score.py (default: ../shared/bench/patch)")
    ap.add_argument("--cases", type=Path, help="cases JSONL (default: BENCH/cases-dev.jsonl)")
    ap.add_argument("--filter", help="regex on case id or perturbation")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json", type=Path, help="write all results to this file")
    ap.add_argument("--no-git", action="store_true", help="run genie only")
    ap.add_argument("--no-speed", action="store_true", help="skip the timing checks")
    args = ap.parse_args(argv)

    score = load_scorer(args.bench)
    cases_path = args.cases or args.bench / "cases-dev.jsonl"
    with open(cases_path, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    if args.filter:
        import re

        rx = re.compile(args.filter)
        cases = [c for c in cases if rx.search(c["id"]) or rx.search(c["perturbation"])]
    genie = f"cd {shlex.quote(str(ROOT))} && {shlex.quote(sys.executable)} -m genie_tui apply {{patch}} --repo {{repo}}"
    tools = [("genie apply", genie)]
    if not args.no_git:
        tools.append(("git apply --recount -C1", "git apply --recount -C1 {patch}"))
    t0 = time.time()
    results = run_tools(score, cases, tools, args.jobs)
    print(f"{len(cases)} cases from {cases_path} in {time.time() - t0:.1f}s\n")
    for t in results:
        print(f"### {t['label']}: `{t['cmd']}`\n")
        print(score.table_single(t))
        print()
    if len(results) > 1:
        print("### side by side\n")
        print(score.table_multi([t["label"] for t in results], results))
        print()
    g = results[0]
    silent = [r["id"] for r in g["cases"] if r["rc"] != 0 and "genie:" not in r["output_tail"]]
    wrong = [r["id"] for r in g["cases"] if r["outcome"] == "wrong"]
    ov = g["overall"]
    print(f"genie: {ov['correct']}/{ov['n']} correct ({100.0 * ov['correct'] / max(1, ov['n']):.1f}%), "
          f"{ov['wrong']} wrong, {len(silent)} refusals without a reason")
    for cid in wrong:
        print(f"  WRONG: {cid}")
    for cid in silent:
        print(f"  NO REASON: {cid}")
    speed: dict[str, float] = {}
    if not args.no_speed:
        speed = speed_apply()
        speed["startup_s"] = speed_startup()
        print(f"\n50-hunk patch on a 10,000-line file: clean {speed['clean']:.1f} ms, "
              f"perturbed (shifted numbers + whitespace drift) {speed['perturbed']:.1f} ms (target < 100 ms)")
        print(f"`genie apply` start-up (one-line patch, whole process): {speed['startup_s']:.3f} s (target < 0.3 s)")
    if args.json:
        args.json.write_text(json.dumps({"tools": results, "speed": speed}, indent=1) + "\n", encoding="utf-8")
    ok = ov["wrong"] == 0 and not silent
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
