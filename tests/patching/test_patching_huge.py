"""A file too large to patch is refused before it is read whole: planning a 26 MB file took 15 s and several
times its size in memory, and its undo entry holds it twice."""

from __future__ import annotations

import time

from genie_tui.patching import apply_patch
from genie_tui.patching.tree import FILE_BYTES


def test_a_file_over_the_size_limit_is_refused_unchanged(make_repo):
    repo = make_repo({"small.txt": "a\n"})
    big = repo / "big.log"
    line = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n"  # 64 bytes
    with big.open("wb") as f:
        f.write(b"first\n")
        f.write(line * (FILE_BYTES // len(line)))
    size = big.stat().st_size
    report = apply_patch(repo, "--- a/big.log\n+++ b/big.log\n@@ -1,2 +1,2 @@\n-first\n+FIRST\n 0123456789abcdef"
                               "0123456789abcdef0123456789abcdef0123456789abcde\n")
    assert not report.applied and "larger than" in (report.reason or ""), report.reason
    assert big.stat().st_size == size and big.open("rb").read(6) == b"first\n"


def test_a_file_just_under_the_limit_still_applies(make_repo):
    repo = make_repo({})
    (repo / "f.txt").write_bytes(b"a\nb\n" + b"x" * (2 ** 20) + b"\n")
    report = apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n")
    assert report.applied, report.reason
    assert FILE_BYTES >= 16 * 2 ** 20  # far over any source file: sqlite3.c, one of the largest, is 9 MB


def test_thousands_of_hunks_in_one_file_are_planned_in_linear_time(make_repo):
    """A mechanical rename across a generated file: 10,000 hunks took over half a minute (each hunk was compared
    with all the others, twice over), 30,000 seven minutes; now they take a few seconds."""
    n = 100_000
    repo = make_repo({"big.txt": "".join(f"line number {i}\n" for i in range(1, n + 1))})

    def ctx(a: int, b: int) -> str:
        return "".join(f" line number {i}\n" for i in range(a, b))

    hunks = [f"@@ -{k - 3},7 +{k - 3},7 @@\n{ctx(k - 3, k)}-line number {k}\n+LINE {k}\n{ctx(k + 1, k + 4)}"
             for k in range(7, n - 3, 10)]
    began = time.perf_counter()
    report = apply_patch(repo, "--- a/big.txt\n+++ b/big.txt\n" + "".join(hunks), dry_run=True)
    took = time.perf_counter() - began
    assert report.applied and len(report.hunks) == len(hunks) == 9_999, report.reason
    assert took < 15, f"{took:.1f} s"
