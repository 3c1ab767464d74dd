"""``\\ No newline at end of file`` changes a file's last line only where it stands for it: after the last line of
its side of the hunk. One that models put in the middle of a hunk is no reason to add or drop the final newline."""

from __future__ import annotations

from genie_tui.patching import apply_patch


def test_a_marker_after_an_added_line_in_the_middle_of_a_hunk_keeps_the_final_newline(make_repo):
    repo = make_repo({"f.txt": "a\nb\nc\n"})
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n\\ No newline at end of file\n c\n"
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == b"a\nB\nc\n"


def test_a_marker_after_a_removed_line_in_the_middle_of_a_hunk_adds_no_final_newline(make_repo):
    repo = make_repo({})
    (repo / "f.txt").write_bytes(b"a\nb\nc")
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+B\n c\n"
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == b"a\nB\nc"


def test_markers_at_the_end_of_their_side_still_change_the_final_newline(make_repo):
    repo = make_repo({"f.txt": "a\nb\nc\n"})
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n\\ No newline at end of file\n"
    assert apply_patch(repo, diff).applied
    assert (repo / "f.txt").read_bytes() == b"a\nb\nC"
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -2,2 +2,2 @@\n b\n-C\n\\ No newline at end of file\n+c\n"
    assert apply_patch(repo, diff).applied
    assert (repo / "f.txt").read_bytes() == b"a\nb\nc\n"
