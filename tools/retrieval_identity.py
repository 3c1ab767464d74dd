#!/usr/bin/env python3
"""Check that a change to the retrieval engine leaves every result as it was (for speed work).

    PYTHONPATH=OLD python tools/retrieval_identity.py dump REPO [REPO ...] --out old.json [--home DIR]
    PYTHONPATH=NEW python tools/retrieval_identity.py dump REPO [REPO ...] --out new.json [--home DIR]
    python tools/retrieval_identity.py compare old.json new.json

``dump`` runs the benchmark's issue texts (as ``tools/bench_retrieval_speed.py`` does) against each
repository and records the top ``-k`` results of ``search`` (path, score, spans, why), the raw scores of the
first ``--ranked`` files of the ranking and, for the first ``--features`` queries, every candidate's raw
signals (what ``tools/bench_retrieval.py`` fits weights on). ``compare`` reports every difference: paths,
spans and reasons must be equal, scores equal to float round-off (relative 1e-9). The engine is the one on
``PYTHONPATH``: the script does not put its own tree first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "retrieval" / "instances.jsonl"
REL = 1e-9


def dump(repos: list[str], queries: list[str], k: int, ranked_n: int, feats_n: int) -> dict[str, object]:
    from genie_tui.retrieval import RepoIndex, rank

    out: dict[str, object] = {}
    for repo in repos:
        ix = RepoIndex.open(Path(repo))
        per_query = []
        for i, q in enumerate(queries):
            results = ix.search(q, k=k)
            ranked, *_ = ix._rank(q, rank.WEIGHTS)
            entry: dict[str, object] = {
                "results": [[r.path, r.score, [[s.start, s.end, s.symbol] for s in r.spans], r.why] for r in results],
                "ranked": [[s.info.path, s.score] for s in ranked[:ranked_n]],
            }
            if i < feats_n:
                entry["features"] = sorted([p, sorted(f.items())] for p, f in ix.features(q))
            per_query.append(entry)
        ix.close()
        out[repo] = per_query
        print(f"{repo}: {len(per_query)} queries", file=sys.stderr)
    return out


def _close(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


def compare(old: dict[str, list[dict]], new: dict[str, list[dict]]) -> list[str]:
    diffs: list[str] = []
    worst = 0.0
    for repo in sorted(set(old) | set(new)):
        if repo not in old or repo not in new:
            diffs.append(f"{repo}: only in one dump")
            continue
        for i, (a, b) in enumerate(zip(old[repo], new[repo], strict=True)):
            where = f"{repo} query {i}"
            ra, rb = a["results"], b["results"]
            if [(r[0], r[2], r[3]) for r in ra] != [(r[0], r[2], r[3]) for r in rb]:
                diffs.append(f"{where}: results differ\n  old {ra}\n  new {rb}")
            elif not all(_close(x[1], y[1]) for x, y in zip(ra, rb)):
                diffs.append(f"{where}: result scores differ")
            pa, pb = a["ranked"], b["ranked"]
            if [p for p, _ in pa] != [p for p, _ in pb]:
                diffs.append(f"{where}: ranking differs")
            for (_, x), (_, y) in zip(pa, pb):
                worst = max(worst, abs(x - y))
                if not _close(x, y):
                    diffs.append(f"{where}: ranked score {x!r} != {y!r}")
                    break
            if "features" in a or "features" in b:
                fa, fb = a.get("features", []), b.get("features", [])
                if [p for p, _ in fa] != [p for p, _ in fb]:
                    diffs.append(f"{where}: candidate files differ")
                    continue
                for (p, x), (_, y) in zip(fa, fb):
                    if [n for n, _ in x] != [n for n, _ in y] or not all(
                            _close(u, v) for (_, u), (_, v) in zip(x, y)):
                        diffs.append(f"{where}: features of {p} differ")
                        break
    print(f"largest ranked-score difference: {worst!r}", file=sys.stderr)
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("repos", nargs="+")
    d.add_argument("--out", required=True)
    d.add_argument("--home", help="GENIE_HOME for the index caches")
    d.add_argument("--queries", default=str(BENCH), help="JSONL with problem_statement fields")
    d.add_argument("--n", type=int, default=60, help="number of queries")
    d.add_argument("-k", type=int, default=10)
    d.add_argument("--ranked", type=int, default=300, help="files of each ranking whose raw score is kept")
    d.add_argument("--features", type=int, default=10, help="queries whose candidates' raw signals are kept")
    c = sub.add_parser("compare")
    c.add_argument("old")
    c.add_argument("new")
    a = ap.parse_args()
    if a.cmd == "dump":
        if a.home:
            os.environ["GENIE_HOME"] = a.home
        lines = Path(a.queries).read_text().splitlines()
        queries = [json.loads(line)["problem_statement"] for line in lines if line.strip()][: a.n]
        Path(a.out).write_text(json.dumps(dump(a.repos, queries, a.k, a.ranked, a.features)))
        return
    diffs = compare(json.loads(Path(a.old).read_text()), json.loads(Path(a.new).read_text()))
    for line in diffs:
        print(line)
    print("identical" if not diffs else f"{len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
