"""Diffs genie cannot read with confidence are refused whole, with the reason, instead of half understood."""

from __future__ import annotations

import pytest

from genie_tui.patching import apply_patch

COMBINED = ("diff --cc f.txt\nindex 1111111,2222222..3333333\n--- a/f.txt\n+++ b/f.txt\n"
            "@@@ -1,3 -1,3 +1,4 @@@\n  a\n  b\n++new\n  c\n")


def test_a_combined_diff_of_a_merge_is_refused_not_read_with_its_second_column_as_content(make_repo):
    """`git diff` during a merge prints two prefix columns; read as a plain diff, '++new' added '+new'."""
    repo = make_repo({"f.txt": " a\n b\n c\n"})
    report = apply_patch(repo, COMBINED)
    assert not report.applied and "combined diff" in (report.reason or ""), report
    assert (repo / "f.txt").read_text() == " a\n b\n c\n"


def test_three_at_signs_around_a_plain_range_pair_are_still_a_typo_that_applies(make_repo):
    repo = make_repo({"f.txt": "a\nb\nc\n"})
    report = apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@@ -1,3 +1,3 @@@\n a\n-b\n+B\n c\n")
    assert report.applied, report.reason
    assert (repo / "f.txt").read_text() == "a\nB\nc\n"


def test_hunks_refused_because_nothing_could_be_written_say_why(make_repo, tmp_path):
    """A patch that planned well but could not be written (here: the undo journal) reported its hunks refused
    with no reason at all; `genie apply` printed 'refused  hunk 1 f.txt at line 1 (exact)' and nothing more."""
    import os
    import subprocess
    import sys

    from genie_tui.patching.undo import journal_dir

    repo = make_repo({"f.txt": "a\nb\nc\n"})
    journal_dir(repo).parent.mkdir(parents=True, exist_ok=True)
    journal_dir(repo).write_text("not a directory")  # the lock beside it works; the entry cannot be written
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
    report = apply_patch(repo, diff)
    assert not report.applied and all(h.status == "refused" and h.reason for h in report.hunks), report.hunks
    assert "undo journal" in (report.hunks[0].reason or "")
    r = subprocess.run([sys.executable, "-m", "genie_tui", "apply", "-", "--repo", str(repo)], input=diff,
                       capture_output=True, text=True, check=False, env={**os.environ})
    assert r.returncode == 1 and r.stderr.splitlines()[0].startswith(
        "refused  hunk 1 f.txt at line 1 (exact): not applied: the undo journal could not be written"), r.stderr
    assert (repo / "f.txt").read_text() == "a\nb\nc\n"


@pytest.mark.parametrize("path, words", [
    ("new\0name.txt", "NUL"),
    ("x" * 300 + ".txt", "too long"),
    ("newdir/", "directory"),
], ids=["nul", "long", "slash"])
def test_a_path_no_file_can_have_is_refused_in_one_line_and_creates_nothing(make_repo, path, words):
    """A NUL or an over-long name was an 'internal error ... Please report this'; 'newdir/' created a file
    named newdir."""
    repo = make_repo({"f.txt": "a\n"})
    report = apply_patch(repo, f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+x\n")
    assert not report.applied and "internal error" not in (report.reason or ""), report.reason
    assert words in (report.reason or ""), report.reason
    assert sorted(p.name for p in repo.iterdir()) == [".git", "f.txt"]


def test_a_file_that_is_dev_null_on_both_sides_is_refused_with_a_reason(make_repo):
    from genie_tui.patching import apply_patch

    repo = make_repo({"a.py": "x = 1\n"})
    report = apply_patch(repo, "--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+x\n")
    assert not report.applied and "internal error" not in report.reason  # it was an AssertionError
    assert "both sides of a file in the patch are /dev/null, so it names no file" in report.reason
