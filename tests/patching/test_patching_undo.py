"""Undo restores exact bytes, keeps unrelated edits, and refuses when the patched lines changed since."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from genie_tui.patching import apply_patch, undo_last
from genie_tui.patching.undo import journal_dir

TEXT = "".join(f"row {i}\r\n" for i in range(1, 31))  # CRLF to prove bytes come back exactly
DIFF = "--- a/t.txt\n+++ b/t.txt\n@@ -5,3 +5,3 @@\n row 5\n-row 6\n+ROW 6\n row 7\n"


def _repo(make_repo) -> Path:
    repo = make_repo({"other.txt": "mine\n"})
    (repo / "t.txt").write_bytes(TEXT.encode())
    return repo


def test_undo_restores_exact_bytes_and_mode(make_repo, genie_home):
    repo = _repo(make_repo)
    (repo / "t.txt").chmod(0o640)
    assert apply_patch(repo, DIFF, label="test").applied
    assert b"ROW 6\r\n" in (repo / "t.txt").read_bytes()
    assert journal_dir(repo).is_relative_to(genie_home)
    report = undo_last(repo)
    assert report.undone and report.files == ["t.txt"] and report.label == "test"
    assert (repo / "t.txt").read_bytes() == TEXT.encode()
    assert stat.S_IMODE((repo / "t.txt").stat().st_mode) == 0o640
    again = undo_last(repo)
    assert not again.undone and "no patch" in (again.reason or "")


def test_undo_keeps_unrelated_dirty_files_and_other_edits(make_repo):
    repo = _repo(make_repo)
    assert apply_patch(repo, DIFF).applied
    (repo / "other.txt").write_text("user edit\n")
    data = (repo / "t.txt").read_bytes().replace(b"row 25\r\n", b"row 25 edited by user\r\n")
    (repo / "t.txt").write_bytes(data)
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "other.txt").read_text() == "user edit\n"
    assert (repo / "t.txt").read_bytes() == TEXT.replace("row 25\r\n", "row 25 edited by user\r\n").encode()


def test_undo_refuses_when_patched_lines_changed(make_repo):
    repo = _repo(make_repo)
    assert apply_patch(repo, DIFF).applied
    edited = (repo / "t.txt").read_bytes().replace(b"ROW 6", b"ROW six")
    (repo / "t.txt").write_bytes(edited)
    report = undo_last(repo)
    assert not report.undone and "t.txt" in (report.reason or "")
    assert (repo / "t.txt").read_bytes() == edited


def test_undo_of_created_renamed_and_deleted_files(make_repo):
    repo = make_repo({"old.txt": "o\n", "del.txt": "d\n"})
    diff = ("--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+n\n"
            "--- a/del.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-d\n"
            "diff --git a/old.txt b/moved/old.txt\nrename from old.txt\nrename to moved/old.txt\n")
    assert apply_patch(repo, diff).applied
    assert sorted(p.name for p in repo.rglob("*.txt")) == ["new.txt", "old.txt"]
    assert undo_last(repo).undone
    assert (repo / "old.txt").read_text() == "o\n" and (repo / "del.txt").read_text() == "d\n"
    assert not (repo / "new.txt").exists() and not (repo / "moved").exists()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True,
                            check=True).stdout
    assert status == ""


def test_undo_is_a_stack(make_repo):
    repo = make_repo({"s.txt": "a\nb\nc\n"})
    assert apply_patch(repo, "--- a/s.txt\n+++ b/s.txt\n@@\n-a\n+A\n b\n").applied
    assert apply_patch(repo, "--- a/s.txt\n+++ b/s.txt\n@@\n b\n-c\n+C\n").applied
    assert undo_last(repo).undone
    assert (repo / "s.txt").read_text() == "A\nb\nc\n"
    assert undo_last(repo).undone
    assert (repo / "s.txt").read_text() == "a\nb\nc\n"


def test_dry_run_and_record_undo_false_leave_no_entry(make_repo):
    repo = make_repo({"s.txt": "a\n"})
    diff = "--- a/s.txt\n+++ b/s.txt\n@@\n-a\n+b\n"
    assert apply_patch(repo, diff, dry_run=True).applied
    assert apply_patch(repo, diff, record_undo=False).applied
    assert not undo_last(repo).undone
