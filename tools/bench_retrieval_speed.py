#!/usr/bin/env python3
"""Speed of the retrieval engine against the issue's targets, on real repositories.

    python tools/bench_retrieval_speed.py REPO [REPO ...] [--queries instances.jsonl] [--home DIR]

For each repository (a git work tree): cold index (fresh cache, in a child process, with its peak memory,
and with its parsing workers' too: ``peak_all_mb`` counts each worker as large as the largest child,
git's included, so it is an upper bound),
warm start (``genie search`` end to end, and ``RepoIndex.open`` alone), re-index after one file changes (the
first after the open, then the median and the largest of :data:`EDITS` edits in a row), both with the index
watched as the agent opens it (``reindex_watch_*``: inotify says which file changed) and without (``reindex_*``:
every file's size and mtime are looked at),
and query latency over issue texts (the first query, then percentiles over all of them: later queries find
common terms' postings in memory). Counts the lines of the files actually indexed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench" / "retrieval" / "instances.jsonl"
EDITS = 7  # re-indexes measured, each after one more edit of the same file


def _child(code: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Run python ``code`` in a child; wall seconds, peak RSS in MB (of that child alone), stdout.

    The child reports its own peak (VmHWM, in kB): RUSAGE_CHILDREN is the largest of all children so far, and
    Linux carries the parent's peak into a child's RUSAGE_SELF across fork and exec."""
    code += ("\nimport re, resource\ntry:\n    kb = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1])\n"
             "except (OSError, TypeError):\n    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\nprint('PEAK', kb)")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    lines = out.stdout.splitlines()
    peak = int(lines[-1].split()[1]) / 1024
    return wall, peak, "\n".join(lines[:-1])


def measure(repo: Path, queries: list[str], home: Path) -> dict[str, float]:
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "GENIE_HOME": str(home)}
    code = (f"from pathlib import Path; from genie_tui.retrieval import RepoIndex; import json\n"
            f"ix = RepoIndex.open(Path({str(repo)!r}))\n"
            f"c = ix._store.conn()\n"
            f"import resource\n"  # the largest worker's peak (they have all been waited for), in kB
            f"print(json.dumps([ix.stats['files'], ix.stats['definitions'], "
            f"c.execute('SELECT SUM(nlines) FROM files WHERE excluded IS NULL').fetchone()[0], "
            f"ix.last_build.workers, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    cold, peak, out = _child(code, env)
    files, defs, lines, workers, worker_kb = json.loads(out.strip().splitlines()[-1])
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "genie_tui", "search", "parse the configuration file", "--repo",
                    str(repo), "-k", "5"], env=env, capture_output=True, check=True)
    warm_cli = time.perf_counter() - t0
    os.environ["GENIE_HOME"] = str(home)
    from genie_tui.retrieval import RepoIndex

    # the agent's index is watched (inotify, on Linux): a re-index reads only the files it saw change; in a child
    # of its own, so that its open and its first re-index pay the imports and grammar loading as the agent's do
    _, _, out = _child(f"import sys, json, time; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                       f"from pathlib import Path; from genie_tui.retrieval import RepoIndex\n"
                       f"from bench_retrieval_speed import _reindex\n"
                       f"t0 = time.perf_counter(); ix = RepoIndex.open(Path({str(repo)!r}), watch=True)\n"
                       f"t = time.perf_counter() - t0\n"
                       f"print(json.dumps([t, _reindex(ix, Path({str(repo)!r}))]))", env)
    warm_watch, watched = json.loads(out.strip().splitlines()[-1])
    t0 = time.perf_counter()
    ix = RepoIndex.open(repo)  # as ``genie index`` and other one-shot users open it: a re-index scans the tree
    warm_open = time.perf_counter() - t0
    times = _reindex(ix, repo)
    lat = []
    for q in queries:
        t0 = time.perf_counter()
        ix.search(q, k=10)
        lat.append((time.perf_counter() - t0) * 1000)
    first = lat[0]  # right after the re-index: nothing of this index is in memory yet
    lat.sort()
    ix.close()
    # the parsing workers run beside the build: their peaks are added, each as large as the largest
    return {"files": files, "definitions": defs, "lines": lines, "cold_s": cold, "peak_mb": peak,
            "workers": workers, "peak_all_mb": peak + workers * worker_kb / 1024,
            "warm_cli_s": warm_cli, "warm_open_s": warm_open, "reindex_one_s": times[0],
            "reindex_p50_s": statistics.median(times), "reindex_max_s": max(times),
            "warm_open_watch_s": warm_watch, "reindex_watch_one_s": watched[0],
            "reindex_watch_p50_s": statistics.median(watched), "reindex_watch_max_s": max(watched),
            "query_first_ms": first, "query_p50_ms": statistics.median(lat),
            "query_p95_ms": lat[int(0.95 * (len(lat) - 1))]}


def _reindex(ix: Any, repo: Path) -> list[float]:
    """Seconds of :data:`EDITS` re-indexes of ``ix``, each after one more edit of the same file: the first after
    the open, then edits in a row (an editor saving as the user types)."""
    # a function added to a source file of the repository's language (Python, else JavaScript/TypeScript, else Go)
    added = {"py": b"\n\ndef _bench_added_function():\n    return 42\n",
             "ts": b"\n\nexport function _bench_added_function() { return 42; }\n",
             "js": b"\n\nfunction _bench_added_function() { return 42; }\n",
             "go": b"\n\nfunc _bench_added_function() int { return 42 }\n"}
    victim, code = next(((repo / p, added[ext]) for ext in added for p in ix.find_files(f"*.{ext}")
                         if (repo / p).stat().st_size > 2000), (None, b""))
    if victim is None:
        sys.exit(f"bench_retrieval_speed: {repo} has no Python, JavaScript, TypeScript or Go file over 2 kB to edit")
    original = victim.read_bytes()
    times = []
    try:
        for n in range(EDITS):
            victim.write_bytes(original + code.replace(b"_bench_added_function", b"_bench_added_function%d" % n))
            t0 = time.perf_counter()
            ix.refresh()
            times.append(time.perf_counter() - t0)
            assert ix.definitions(f"_bench_added_function{n}")
    finally:
        victim.write_bytes(original)
        ix.refresh()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--queries", default=str(BENCH), help="JSONL with problem_statement fields")
    ap.add_argument("--n", type=int, default=60, help="number of queries")
    a = ap.parse_args()
    lines = Path(a.queries).read_text().splitlines()
    queries = [json.loads(line)["problem_statement"] for line in lines if line.strip()][: a.n]
    for repo in a.repos:
        with tempfile.TemporaryDirectory() as tmp:
            r = measure(Path(repo).resolve(), queries, Path(tmp) / "home")
        print(json.dumps({"repo": repo, **{k: round(v, 3) for k, v in r.items()}}))


if __name__ == "__main__":
    main()
