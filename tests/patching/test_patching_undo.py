"""Undo restores exact bytes, keeps unrelated edits, and refuses when the patched lines changed since."""

from __future__ import annotations

import errno
import stat
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_a_patch_that_changes_nothing_is_refused_and_leaves_the_undo_stack_alone(make_repo):
    repo = _repo(make_repo)
    assert apply_patch(repo, DIFF, label="real").applied
    changed = (repo / "t.txt").read_bytes()
    same = "--- a/t.txt\n+++ b/t.txt\n@@ -5,3 +5,3 @@\n row 5\n-ROW 6\n+ROW 6\n row 7\n"
    for diff in ("--- a/t.txt\n+++ b/t.txt\n", same, "--- a/t.txt\n+++ b/t.txt\n@@ -5,2 +5,2 @@\n row 5\n ROW 6\n"):
        for dry in (False, True):
            report = apply_patch(repo, diff, dry_run=dry)
            assert not report.applied and "makes no changes" in (report.reason or ""), (diff, report)
            assert all(h.status != "applied" for h in report.hunks)
    assert (repo / "t.txt").read_bytes() == changed
    assert len(list(journal_dir(repo).glob("*.json"))) == 1
    report = undo_last(repo)  # still the real patch
    assert report.undone and report.label == "real"
    assert (repo / "t.txt").read_bytes() == TEXT.encode()


def test_a_patch_is_not_applied_when_its_undo_entry_cannot_be_written(make_repo):
    repo = _repo(make_repo)
    journal_dir(repo).parent.parent.mkdir(parents=True, exist_ok=True)
    journal_dir(repo).parent.write_text("not a directory")  # what a full or read-only disk looks like here
    report = apply_patch(repo, DIFF)
    assert not report.applied
    assert report.reason.startswith("Nothing was changed: the undo journal could not be written")
    assert (repo / "t.txt").read_bytes() == TEXT.encode()
    assert apply_patch(repo, DIFF, record_undo=False).applied  # the agent's opt-out still writes


def test_a_failed_write_leaves_no_undo_entry(make_repo, monkeypatch):
    repo = make_repo({"a.txt": "a\n", "b.txt": "b\n"})
    from genie_tui.patching import fsio

    real = fsio._write_atomic

    def disk_full_on_b(path, data, mode):  # the fault a full disk gives on the second file
        if path.name == "b.txt":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data, mode)

    monkeypatch.setattr(fsio, "_write_atomic", disk_full_on_b)
    diff = "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-b\n+B\n"
    report = apply_patch(repo, diff)
    assert not report.applied and "writing failed" in (report.reason or "")
    assert (repo / "a.txt").read_text() == "a\n" and (repo / "b.txt").read_text() == "b\n"
    assert not list(journal_dir(repo).glob("*"))


def test_a_damaged_journal_entry_is_one_clear_refusal(make_repo):
    repo = _repo(make_repo)
    assert apply_patch(repo, DIFF).applied
    entry = next(journal_dir(repo).glob("*.json"))
    entry.write_text(entry.read_text()[:50])
    r = subprocess.run([sys.executable, "-m", "genie_tui", "undo", "--repo", str(repo)], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert str(entry) in r.stderr and "damaged" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert b"ROW 6" in (repo / "t.txt").read_bytes()


def test_an_interrupted_write_leaves_no_undo_entry(make_repo, monkeypatch):
    repo = make_repo({"a.txt": "a\n", "b.txt": "b\n"})
    from genie_tui.patching import fsio

    real = fsio._write_atomic

    def ctrl_c_on_b(path, data, mode):
        if path.name == "b.txt":
            raise KeyboardInterrupt
        real(path, data, mode)

    monkeypatch.setattr(fsio, "_write_atomic", ctrl_c_on_b)
    diff = "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-b\n+B\n"
    with pytest.raises(KeyboardInterrupt):
        apply_patch(repo, diff)
    assert (repo / "a.txt").read_text() == "a\n" and (repo / "b.txt").read_text() == "b\n"
    assert not list(journal_dir(repo).glob("*"))


def test_a_process_quitting_at_once_waits_for_the_patch_being_written_to_be_whole(make_repo, monkeypatch):
    # a second Ctrl+C quits with os._exit; during a 1,500-file patch it left 399 files changed. It asks
    # settle() first, which returns once the patch being written is whole.
    import threading
    import time

    from genie_tui.patching import fsio

    n = 150
    repo = make_repo({f"m{i}.py": "x = 0\n" for i in range(n)})
    diff = "".join(f"--- a/m{i}.py\n+++ b/m{i}.py\n@@ -1 +1 @@\n-x = 0\n+x = 1\n" for i in range(n))
    real, started = fsio._write_atomic, threading.Event()

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        time.sleep(0.004)  # each file takes a while: the quit lands in the middle of the patch
        real(*args, **kwargs)

    monkeypatch.setattr(fsio, "_write_atomic", slow)
    writer = threading.Thread(target=apply_patch, args=(repo, diff))
    writer.start()
    assert started.wait(10)
    assert not fsio.settle(0)  # being written
    assert fsio.settle(30)
    assert [(repo / f"m{i}.py").read_text() for i in range(n)] == ["x = 1\n"] * n
    writer.join()
    assert fsio.settle(0)
