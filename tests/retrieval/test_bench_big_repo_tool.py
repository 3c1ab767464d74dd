"""tools/bench_big_repo.py: the speed benchmark's 1M-line repository, made the same way on every machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "bench_big_repo.py"
_WHO = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **_WHO}).stdout


def _worktree(make_repo, cache: Path, name: str, files: dict[str, str]) -> None:
    src = make_repo(files, name=f"src-{name}")
    (src / "untracked.py").write_text("x = 1\n")  # not tracked: not copied
    (cache / "worktrees").mkdir(parents=True, exist_ok=True)
    git(src, "worktree", "add", "-q", "--detach", str(cache / "worktrees" / name))


def test_tracked_files_of_each_worktree_in_one_commit(make_repo, tmp_path):
    cache = tmp_path / "cache"
    _worktree(make_repo, cache, "acme__a-1", {"a/x.py": "def f():\n    return 1\n", "README": "a\n"})
    _worktree(make_repo, cache, "acme__b-2", {"a/x.py": "def g():\n    return 2\n\n\n"})
    out = tmp_path / "big"
    run = subprocess.run([sys.executable, str(TOOL), "--cache", str(cache), "--out", str(out),
                          "--instances", "acme__a-1,acme__b-2"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "3 tracked files, 7 lines, from 2 worktrees" in run.stderr
    assert sorted(git(out, "ls-files").split()) == ["acme__a-1/README", "acme__a-1/a/x.py", "acme__b-2/a/x.py"]
    assert git(out, "status", "--porcelain") == ""
    assert git(out, "rev-list", "--count", "HEAD").strip() == "1"
    assert (out / "acme__b-2" / "a" / "x.py").read_text() == "def g():\n    return 2\n\n\n"


def test_refuses_a_directory_that_holds_files_and_a_missing_worktree(make_repo, tmp_path):
    out = tmp_path / "big"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    run = subprocess.run([sys.executable, str(TOOL), "--cache", str(tmp_path), "--out", str(out)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "exists and is not empty" in run.stderr
    assert (out / "keep.txt").read_text() == "mine\n"
    run = subprocess.run([sys.executable, str(TOOL), "--cache", str(tmp_path), "--out", str(tmp_path / "new"),
                          "--instances", "nope__x-1"], capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "no worktree" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "new").exists()
