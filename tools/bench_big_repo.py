#!/usr/bin/env python3
"""Make ``big1m``, the 1M-line repository that ``tools/bench_retrieval_speed.py`` measures the speed targets on.

    python tools/bench_big_repo.py --cache CACHE --out DIR [--instances ID,ID,...]

The retrieval benchmark's worktrees (``../shared/bench/retrieval/prepare.py --cache CACHE``) are real code, but
the largest is 154k lines. This copies the tracked files of nine of them (by default two of each repository's
newest instances, one of requests) into subdirectories of ``DIR`` and commits them as one repository of one
commit, so ``big1m`` is the same on every machine that has the benchmark. It prints the number of tracked files
and of their lines; ``bench_retrieval_speed.py`` prints the lines actually indexed (about 1.15M).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

NINE = ("sphinx-doc__sphinx-11510", "sphinx-doc__sphinx-9698", "pydata__xarray-7229", "pydata__xarray-6992",
        "pylint-dev__pylint-7993", "pylint-dev__pylint-7228", "pytest-dev__pytest-11143", "pytest-dev__pytest-10081",
        "psf__requests-6028")


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def build(cache: Path, out: Path, instances: list[str]) -> tuple[int, int]:
    """Copy each worktree's tracked files under ``out/<instance>/`` and commit; (files, lines)."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"bench_big_repo: {out} exists and is not empty; give a new directory")
    for inst in instances:
        if not (cache / "worktrees" / inst / ".git").exists():
            raise SystemExit(f"bench_big_repo: no worktree {cache / 'worktrees' / inst} "
                             f"(run prepare.py --cache {cache} first)")
    out.mkdir(parents=True, exist_ok=True)
    files = lines = 0
    for inst in instances:
        wt = cache / "worktrees" / inst
        for rel in _git("ls-files", "-z", cwd=wt).split("\0"):
            src = wt / rel
            if not rel or not src.is_file() or src.is_symlink():
                continue
            dst = out / inst / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            data = src.read_bytes()  # read once: copied and counted
            dst.write_bytes(data)
            files += 1
            lines += data.count(b"\n")
    _git("init", "-q", cwd=out)
    _git("add", "-A", cwd=out)
    _git("commit", "-q", "-m", f"big1m: {len(instances)} benchmark worktrees", cwd=out)
    return files, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", required=True, type=Path, help="prepare.py's --cache (holds worktrees/<id>)")
    ap.add_argument("--out", required=True, type=Path, help="the new repository's directory")
    ap.add_argument("--instances", help="comma-separated instance ids (default: nine fixed ones, see NINE)")
    a = ap.parse_args()
    insts = a.instances.split(",") if a.instances else list(NINE)
    files, lines = build(a.cache, a.out, insts)
    print(f"{a.out}: {files} tracked files, {lines} lines, from {len(insts)} worktrees", file=sys.stderr)


if __name__ == "__main__":
    main()
