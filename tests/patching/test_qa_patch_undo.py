"""Undo of patches whose change is (partly) a line ending, after the user edited other lines of the file."""

from __future__ import annotations

import stat

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


MODE_AND_LINE = ("diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n--- a/run.sh\n+++ b/run.sh\n"
                 "@@ -7,3 +7,3 @@\n f\n-g\n+G\n h\n")
SCRIPT = "#!/bin/sh\na\nb\nc\nd\ne\nf\ng\nh\n"


def test_undo_takes_back_a_mode_change_after_other_edits(make_repo):
    repo = make_repo({"run.sh": SCRIPT})
    (repo / "run.sh").chmod(0o644)
    assert apply_patch(repo, MODE_AND_LINE).applied
    assert stat.S_IMODE((repo / "run.sh").stat().st_mode) == 0o755
    (repo / "run.sh").write_text(SCRIPT.replace("a\n", "A\n").replace("g\n", "G\n"))
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "run.sh").read_text() == SCRIPT.replace("a\n", "A\n")
    assert stat.S_IMODE((repo / "run.sh").stat().st_mode) == 0o644


def test_undo_of_a_mode_only_patch_after_an_edit_restores_the_mode(make_repo):
    repo = make_repo({"run.sh": SCRIPT})
    (repo / "run.sh").chmod(0o755)
    assert apply_patch(repo, "diff --git a/run.sh b/run.sh\nold mode 100755\nnew mode 100644\n").applied
    with (repo / "run.sh").open("a") as f:
        f.write("echo hi\n")
    report = undo_last(repo)
    assert report.undone, report.reason
    assert stat.S_IMODE((repo / "run.sh").stat().st_mode) == 0o755
    assert (repo / "run.sh").read_text() == SCRIPT + "echo hi\n"


def test_undo_keeps_a_mode_the_user_set_after_the_patch(make_repo):
    repo = make_repo({"run.sh": SCRIPT})
    (repo / "run.sh").chmod(0o644)
    assert apply_patch(repo, "--- a/run.sh\n+++ b/run.sh\n@@ -7,3 +7,3 @@\n f\n-g\n+G\n h\n").applied
    (repo / "run.sh").chmod(0o755)  # the user makes the script executable afterwards
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "run.sh").read_text() == SCRIPT
    assert stat.S_IMODE((repo / "run.sh").stat().st_mode) == 0o755


def test_undo_refuses_when_a_line_the_user_added_beside_the_patched_line_is_the_same_text(make_repo):
    """The patch turned 'old' into a blank line; the user then added another blank line right after it. Which
    of the two blanks is genie's decides whether 'old' goes back before or after the user's: undo guessed."""
    repo = make_repo({"f.txt": "a\nb\nc\nold\nd\ne\n"})
    assert apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@ -3,3 +3,3 @@\n c\n-old\n+\n d\n").applied
    edited = "a\nb\nc\n\n\nd\ne\n"
    (repo / "f.txt").write_text(edited)
    report = undo_last(repo)
    assert not report.undone and "f.txt" in (report.reason or ""), report
    assert (repo / "f.txt").read_text() == edited


def test_undo_still_works_when_the_line_the_user_added_beside_the_patched_line_differs(make_repo):
    repo = make_repo({"f.txt": "a\nb\nc\nold\nd\ne\n"})
    assert apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@ -3,3 +3,3 @@\n c\n-old\n+\n d\n").applied
    (repo / "f.txt").write_text("a\nb\nc\n\nmine\nd\ne\n")
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "f.txt").read_text() == "a\nb\nc\nold\nmine\nd\ne\n"


def test_temp_files_a_killed_write_left_beside_a_file_go_with_its_next_write(make_repo):
    """SIGKILL while a large file was written left `.big.txt.6souwkoy.genie-tmp` in the work tree for good (in
    `git status` and the index); the next apply or undo of that file removes such leftovers, and no other file's."""
    repo = make_repo({"big.txt": "a\nb\n", "big.txt.x": "keep\n"})
    stale = repo / ".big.txt.6souwkoy.genie-tmp"
    stale.write_text("half of a write")
    other = repo / ".big.txt.x.abcdefgh.genie-tmp"  # another file's (big.txt.x): not this one's to remove
    other.write_text("not ours")
    assert apply_patch(repo, "--- a/big.txt\n+++ b/big.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n").applied
    assert not stale.exists() and other.exists()
    stale.write_text("another half")
    assert undo_last(repo).undone and (repo / "big.txt").read_text() == "a\nb\n"
    assert not stale.exists() and other.exists()
