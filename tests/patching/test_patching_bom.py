"""Files that start with a UTF-8 byte-order mark: git's own diff shows the mark on line 1, a model's does not;
both apply, and the mark stays unless the patch takes it away."""

from __future__ import annotations

import subprocess

from genie_tui.patching import apply_patch, undo_last

BOM = b"\xef\xbb\xbf"
TEXT = BOM + b"first\nsecond\nthird\n"


def _git_diff(make_repo, before: bytes, after: bytes):
    repo = make_repo({})
    (repo / "f.txt").write_bytes(before)
    subprocess.run(["git", "add", "f.txt"], cwd=repo, check=True)
    (repo / "f.txt").write_bytes(after)
    diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, check=True).stdout.decode()
    (repo / "f.txt").write_bytes(before)
    return repo, diff


def test_git_diff_of_the_first_line_of_a_file_with_a_bom_applies(make_repo):
    repo, diff = _git_diff(make_repo, TEXT, TEXT.replace(b"first", b"FIRST"))
    assert "-\ufefffirst" in diff  # git shows the mark as part of line 1
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == TEXT.replace(b"first", b"FIRST")
    assert undo_last(repo).undone and (repo / "f.txt").read_bytes() == TEXT


def test_git_diff_that_removes_the_bom_removes_it(make_repo):
    repo, diff = _git_diff(make_repo, TEXT, TEXT[3:])
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == TEXT[3:]


def test_git_diff_that_adds_a_bom_adds_it(make_repo):
    repo, diff = _git_diff(make_repo, TEXT[3:], TEXT)
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == TEXT


def test_a_diff_without_the_mark_changes_the_first_line_and_keeps_the_mark(make_repo):
    repo = make_repo({})
    (repo / "f.txt").write_bytes(TEXT)
    report = apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-first\n+FIRST\n second\n")
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == TEXT.replace(b"first", b"FIRST")


def test_git_diff_with_the_marked_first_line_as_context_keeps_the_bom(make_repo):
    repo, diff = _git_diff(make_repo, TEXT, TEXT.replace(b"second", b"SECOND"))
    assert " \ufefffirst" in diff
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == TEXT.replace(b"second", b"SECOND")


def test_git_diff_adding_lines_before_the_bom_is_refused_not_applied_without_it(make_repo):
    """Lines added above the marked first line turn the mark into a character of line 2 in git's reading;
    applied, the mark vanished from the file altogether."""
    repo, diff = _git_diff(make_repo, TEXT, b"top\n" + TEXT)
    report = apply_patch(repo, diff)
    assert not report.applied and "byte-order mark" in (report.reason or ""), report.reason
    assert (repo / "f.txt").read_bytes() == TEXT


def test_undo_of_a_removed_bom_after_an_edit_elsewhere_puts_the_bom_back(make_repo):
    """The undo of a change that is only the mark saw no line to take back and called the file unchanged."""
    repo, diff = _git_diff(make_repo, TEXT, TEXT[3:])
    assert apply_patch(repo, diff).applied
    (repo / "f.txt").write_bytes(TEXT[3:].replace(b"third", b"THIRD"))
    report = undo_last(repo)
    assert report.undone and report.restored == ["f.txt"], report
    assert (repo / "f.txt").read_bytes() == TEXT.replace(b"third", b"THIRD")
