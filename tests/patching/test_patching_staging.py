"""Patches recorded for review (approval mode never) are checked against the files as the earlier ones leave
them, and make one diff that ``git apply`` and genie's own patcher take whole."""

from __future__ import annotations

import subprocess

from genie_tui.patching import apply_patch
from genie_tui.patching.staging import combined_diff, stage_all, stage_patch

FILES = {"a.py": "one\ntwo\nthree\n", "gone.py": "x = 1\n", "crlf.txt": "a\r\nb\r\n", "tail.txt": "no newline"}


def _apply_with_git(repo, diff: str) -> None:
    subprocess.run(["git", "apply", "-"], cwd=repo, input=diff, text=True, check=True, capture_output=True)


def test_patches_build_on_each_other_and_make_one_diff(make_repo):
    repo = make_repo(FILES)
    overlay: dict = {}
    steps = [
        "--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n",
        "--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,3 @@\n one\n-TWO\n+Two\n three\n",  # revises the one before
        "--- /dev/null\n+++ b/new/util.py\n@@ -0,0 +1 @@\n+made = 1\n",
        "--- a/new/util.py\n+++ b/new/util.py\n@@ -1 +1,2 @@\n made = 1\n+more = 2\n",  # edits what it made
        "--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n",
        "--- a/crlf.txt\n+++ b/crlf.txt\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+B\r\n",
        "--- a/tail.txt\n+++ b/tail.txt\n@@ -1 +1 @@\n-no newline\n\\ No newline at end of file\n+a newline\n",
    ]
    for diff in steps:
        report = stage_patch(repo, diff, overlay)
        assert report.applied, report.reason
    assert not (repo / "new").exists() and (repo / "a.py").read_text() == "one\ntwo\nthree\n"  # nothing written
    # against the disk, the revision and the edit of the new file would be refused
    assert not apply_patch(repo, steps[1], dry_run=True).applied and not apply_patch(repo, steps[3], dry_run=True).applied
    diff = combined_diff(repo, overlay)
    assert stage_all(repo, steps) == overlay
    clone = make_repo(FILES, name="clone")
    _apply_with_git(repo, diff)
    assert apply_patch(clone, diff).applied  # genie's own patcher takes it too
    for root in (repo, clone):
        assert (root / "a.py").read_text() == "one\nTwo\nthree\n"
        assert (root / "new/util.py").read_text() == "made = 1\nmore = 2\n"
        assert not (root / "gone.py").exists()
        assert (root / "crlf.txt").read_bytes() == b"a\r\nB\r\n"
        assert (root / "tail.txt").read_text() == "a newline\n"


def test_a_file_made_and_deleted_again_or_changed_back_leaves_no_trace(make_repo):
    repo = make_repo(FILES)
    overlay: dict = {}
    for diff in ("--- /dev/null\n+++ b/tmp.py\n@@ -0,0 +1 @@\n+t = 1\n",
                 "--- a/tmp.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-t = 1\n",
                 "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-one\n+ONE\n",
                 "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-ONE\n+one\n"):
        assert stage_patch(repo, diff, overlay).applied
    assert combined_diff(repo, overlay) == ""


def test_a_refused_patch_changes_nothing_and_says_why(make_repo):
    repo = make_repo(FILES)
    overlay: dict = {}
    assert stage_patch(repo, "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-one\n+1\n", overlay).applied
    before = dict(overlay)
    outside = stage_patch(repo, "--- /dev/null\n+++ b/../x.py\n@@ -0,0 +1 @@\n+x\n", overlay)
    assert not outside.applied and "'..'" in outside.reason and overlay == before
    stale = stage_patch(repo, "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-one\n+uno\n", overlay)  # written for the disk
    assert not stale.applied and overlay == before
    assert not stage_patch(repo, "not a diff at all", overlay).applied and overlay == before


def test_modes_come_through(make_repo):
    import os

    repo = make_repo(FILES)
    overlay: dict = {}
    assert stage_patch(repo, "diff --git a/run.sh b/run.sh\nnew file mode 100755\n--- /dev/null\n+++ b/run.sh\n"
                             "@@ -0,0 +1 @@\n+echo hi\n", overlay).applied
    assert stage_patch(repo, "diff --git a/a.py b/a.py\nold mode 100644\nnew mode 100755\n", overlay).applied
    diff = combined_diff(repo, overlay)
    assert "new file mode 100755" in diff and "old mode 100644\nnew mode 100755" in diff
    _apply_with_git(repo, diff)
    assert os.access(repo / "run.sh", os.X_OK) and os.access(repo / "a.py", os.X_OK)
