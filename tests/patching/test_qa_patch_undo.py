"""Undo of patches whose change is (partly) a line ending, after the user edited other lines of the file."""

from __future__ import annotations

from genie_tui.patching import apply_patch, undo_last

ADD_FINAL_NL = "--- a/f.txt\n+++ b/f.txt\n@@ -7,2 +7,2 @@\n g\n-h\n\\ No newline at end of file\n+h\n"


def test_undo_takes_back_an_added_final_newline_after_other_edits(make_repo):
    repo = make_repo({})
    (repo / "f.txt").write_bytes(b"a\nb\nc\nd\ne\nf\ng\nh")
    assert apply_patch(repo, ADD_FINAL_NL).applied
    assert (repo / "f.txt").read_bytes().endswith(b"h\n")
    (repo / "f.txt").write_bytes((repo / "f.txt").read_bytes().replace(b"a\n", b"A\n", 1))
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "f.txt").read_bytes() == b"A\nb\nc\nd\ne\nf\ng\nh"


def test_undo_refuses_when_the_line_whose_ending_was_patched_changed(make_repo):
    repo = make_repo({})
    (repo / "f.txt").write_bytes(b"a\nb\nc\nd\ne\nf\ng\nh")
    assert apply_patch(repo, ADD_FINAL_NL).applied
    edited = (repo / "f.txt").read_bytes().replace(b"h\n", b"H\n")
    (repo / "f.txt").write_bytes(edited)
    report = undo_last(repo)
    assert not report.undone and "f.txt" in (report.reason or "")
    assert (repo / "f.txt").read_bytes() == edited


def test_undo_takes_back_a_line_made_crlf_after_other_edits(make_repo):
    repo = make_repo({})
    (repo / "f.txt").write_bytes(b"a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nh\n")  # the last line's LF is the odd one
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -7,2 +7,2 @@\n g\r\n-h\n+h\r\n"
    assert apply_patch(repo, diff).applied
    assert (repo / "f.txt").read_bytes().endswith(b"h\r\n")
    (repo / "f.txt").write_bytes((repo / "f.txt").read_bytes().replace(b"a\r\n", b"A\r\n", 1))
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "f.txt").read_bytes() == b"A\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nh\n"
