"""A file too large to patch is refused before it is read whole: planning a 26 MB file took 15 s and several
times its size in memory, and its undo entry holds it twice."""

from __future__ import annotations

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
