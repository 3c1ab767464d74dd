#!/usr/bin/env python3
"""Retrieval on any repository, scored against its own past commits (the benchmark's issues are all Python).

    python tools/bench_retrieval_commits.py REPO [REPO ...] [--commits 100] [--min-words 5] [--json FILE]

Each past commit is a question with a known answer: its message is the query, the source files it modified
are the files a search should find. Per repository the newest ``--commits`` non-merge commits are taken whose
message has at least ``--min-words`` words and is no release or version bump, and which modify 1-5 existing
files, tests, docs and examples not counted, at least one of them source code in a language genie parses (and
add, delete or rename none); any of those files ranked first is right (a build file the commit changed, too). Each is searched with genie's shipped weights in a scratch clone checked out at the commit's parent,
so the code, the index and the history signals all stop before the commit (``RepoIndex.refresh`` re-reads the
files the checkout changed and the history when HEAD moves). Reported per repository: file Acc@1 (a modified
file ranked first), Acc@5, Acc@10, MRR; beside them the same candidates ranked by the engine's keyword signal
alone (``bm_all``), a BM25 baseline; and how many messages name a modified file's stem (an easy question).

Commit messages are terser than issues and often name the code they touch, so the absolute figures are not
comparable with the issue benchmark's; the point is the same engine and weights across languages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genie_tui.retrieval.files import language_of
from genie_tui.retrieval.textutil import is_doc_path, is_test_path

_BUMP = re.compile(r"^\s*(v?\d+(\.\d+)+|release|bump|version|prepare|merge|revert|chore\(release\))\b", re.IGNORECASE)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=repo, check=True, capture_output=True,
                          text=True, errors="replace").stdout


def questions(repo: Path, n: int, min_words: int) -> list[dict[str, object]]:
    """The newest ``n`` usable commits: ``{"sha", "parent", "message", "files"}``."""
    out = []
    log = _git(repo, "log", "--no-merges", "-n", "5000", "--format=%x00%H %P%x01%B%x02", "--name-status",
               "--no-renames")
    for entry in log.split("\x00")[1:]:
        head, _, rest = entry.partition("\x01")
        message, _, status = rest.partition("\x02")
        shas = head.split()
        if len(shas) != 2 or len(message.split()) < min_words or _BUMP.match(message):
            continue
        changes = [line.split("\t", 1) for line in status.strip().splitlines() if "\t" in line]
        if not changes or any(kind != "M" for kind, _ in changes):
            continue
        # every modified file is a right answer (a commit's pom.xml too) but tests and docs; one must be code
        files = [p for _, p in changes if not is_test_path(p) and not is_doc_path(p)]
        if not 1 <= len(files) <= 5 or not any(language_of(p) for p in files):
            continue
        out.append({"sha": shas[0], "parent": shas[1], "message": message.strip(), "files": files})
        if len(out) == n:
            break
    return out


def _scores(ranked: list[str], gold: set[str]) -> dict[str, float]:
    first = next((i for i, p in enumerate(ranked) if p in gold), None)
    return {"Acc@1": float(first == 0), "Acc@5": float(first is not None and first < 5),
            "Acc@10": float(first is not None and first < 10), "MRR": 0.0 if first is None else 1.0 / (first + 1)}


def run_repo(repo: Path, n: int, min_words: int) -> dict[str, object]:
    from genie_tui.retrieval import RepoIndex

    qs = questions(repo, n, min_words)
    rows = []
    with tempfile.TemporaryDirectory(prefix="genie-commits-") as tmp:
        os.environ["GENIE_HOME"] = str(Path(tmp) / "home")
        clone = Path(tmp) / repo.name
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(repo), str(clone)], check=True)
        ix = None
        started = time.monotonic()
        skipped = 0
        for i, q in enumerate(qs, 1):
            try:
                _git(clone, "checkout", "-q", "--detach", "--force", str(q["parent"]))
            except subprocess.CalledProcessError:  # a snapshot without some large blob cannot check that out
                skipped += 1
                continue
            if ix is None:
                ix = RepoIndex.open(clone)
            else:
                ix.refresh()
            t0 = time.perf_counter()
            ranked = [r.path for r in ix.search(str(q["message"]), k=10)]
            query_ms = (time.perf_counter() - t0) * 1000
            feats = ix.features(str(q["message"]))
            keyword = [p for p, f in sorted(feats, key=lambda pf: -pf[1].get("bm_all", 0.0))][:10]
            gold = set(q["files"])  # type: ignore[arg-type]
            stems = {Path(p).stem.lower() for p in gold}
            named = any(re.search(rf"\b{re.escape(s)}\b", str(q["message"]).lower()) for s in stems if len(s) > 2)
            rows.append({"sha": q["sha"], "files": sorted(gold), "ranked": ranked, "genie": _scores(ranked, gold),
                         "bm25": _scores(keyword, gold), "named": named, "query_ms": query_ms})
            print(f"\r{label(repo)}: {i}/{len(qs)}", end="", file=sys.stderr, flush=True)
        if ix is not None:
            ix.close()
        print(f"\r{label(repo)}: {len(qs)} commits in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return {"repo": label(repo), "rows": rows, "skipped": skipped}


def label(repo: Path) -> str:
    """A repository's name in the table: its directory's, without ``.git``; a generic one (a git snapshot's
    ``owner+name/repo``, a bare ``.git``) by its parent's, ``owner+name`` read as ``owner/name``."""
    name = repo.name.removesuffix(".git")
    if name in ("", "repo", "repository", "src", "checkout"):
        name = repo.parent.name.removesuffix(".git")
    return name.replace("+", "/", 1) if name.count("+") == 1 else name


def table(results: list[dict[str, object]]) -> str:
    lines = ["| repository | commits | names a file | genie Acc@1 | Acc@5 | Acc@10 | MRR | BM25 Acc@1 | Acc@5 | MRR |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    skipped = {str(res["repo"]): res["skipped"] for res in results if res.get("skipped")}
    for res in results:
        rows = res["rows"]
        if not rows:
            lines.append(f"| {res['repo']} | 0 | | | | | | | | |")
            continue

        def mean(who: str, key: str, rows: list = rows) -> str:  # type: ignore[type-arg]
            return f"{sum(r[who][key] for r in rows) / len(rows):.2f}"

        named = sum(r["named"] for r in rows) / len(rows)
        lines.append(f"| {res['repo']} | {len(rows)} | {named:.0%} | {mean('genie', 'Acc@1')} | "
                     f"{mean('genie', 'Acc@5')} | {mean('genie', 'Acc@10')} | {mean('genie', 'MRR')} | "
                     f"{mean('bm25', 'Acc@1')} | {mean('bm25', 'Acc@5')} | {mean('bm25', 'MRR')} |")
    if skipped:
        lines.append("not checked out (a blob missing from the clone's source), left out: " +
                     ", ".join(f"{repo} {n}" for repo, n in skipped.items()))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+", type=Path, help="git repositories (left as they are: a clone is used)")
    ap.add_argument("--commits", type=int, default=100, help="commits per repository (the newest usable ones)")
    ap.add_argument("--min-words", type=int, default=5, help="words a commit message needs")
    ap.add_argument("--json", type=Path, help="also write every commit's result here")
    a = ap.parse_args()
    for repo in a.repos:
        ok = repo.is_dir() and subprocess.run(["git", "rev-parse", "--git-dir"], cwd=repo, capture_output=True,
                                              check=False).returncode == 0
        if not ok:
            print(f"bench_retrieval_commits: {repo} is not a git repository", file=sys.stderr)
            return 2
        if subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, capture_output=True,
                          check=False).returncode != 0:
            print(f"bench_retrieval_commits: {repo} has no commits", file=sys.stderr)
            return 2
    results = [run_repo(repo.resolve(), a.commits, a.min_words) for repo in a.repos]
    print(table(results))
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
