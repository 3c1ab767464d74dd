"""Files with classic Mac line endings (CR only) apply and undo like CRLF files: lines match, endings stay."""

from __future__ import annotations

import os
import subprocess
import sys

from genie_tui.patching import apply_patch, undo_last

CR_TEXT = b"alpha\rbeta\rgamma\rdelta\repsilon\r"
LF_DIFF = ("--- a/mac.txt\n+++ b/mac.txt\n@@ -2,3 +2,4 @@\n beta\n-gamma\n+GAMMA\n+gamma two\n delta\n")
CR_AFTER = b"alpha\rbeta\rGAMMA\rgamma two\rdelta\repsilon\r"


def _genie(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ}, check=False)


def _cr_repo(make_repo):
    repo = make_repo({})
    (repo / "mac.txt").write_bytes(CR_TEXT)
    subprocess.run(["git", "add", "mac.txt"], cwd=repo, check=True)
    return repo


def test_a_line_diff_applies_to_a_cr_only_file_and_keeps_its_endings(make_repo, tmp_path):
    repo = _cr_repo(make_repo)
    patch = tmp_path / "p.diff"
    patch.write_text(LF_DIFF)
    r = _genie("apply", str(patch), "--repo", str(repo))
    assert r.returncode == 0, r.stderr
    assert "applied  hunk 1 mac.txt at line 2 (exact)" in r.stdout
    assert (repo / "mac.txt").read_bytes() == CR_AFTER
    r = _genie("undo", "--repo", str(repo))
    assert r.returncode == 0, r.stderr
    assert (repo / "mac.txt").read_bytes() == CR_TEXT


def test_git_diff_of_a_cr_only_file_applies_without_turning_its_last_cr_into_lf(make_repo):
    repo = _cr_repo(make_repo)
    (repo / "mac.txt").write_bytes(CR_AFTER)
    diff = subprocess.run(["git", "diff", "mac.txt"], cwd=repo, capture_output=True, check=True).stdout.decode()
    assert diff.count("\r") == 11  # bytes, not text=True: universal newlines would turn the CRs into LFs
    assert "\\ No newline at end of file" in diff  # git sees one line holding CRs
    (repo / "mac.txt").write_bytes(CR_TEXT)
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "mac.txt").read_bytes() == CR_AFTER


def test_a_cr_only_file_without_a_final_cr_keeps_it_missing(make_repo):
    repo = make_repo({})
    (repo / "mac.txt").write_bytes(CR_TEXT[:-1])
    diff = "--- a/mac.txt\n+++ b/mac.txt\n@@ -4,2 +4,3 @@\n delta\n+zeta\n epsilon\n"
    assert apply_patch(repo, diff).applied
    assert (repo / "mac.txt").read_bytes() == b"alpha\rbeta\rgamma\rdelta\rzeta\repsilon"


def test_undo_in_a_cr_only_file_keeps_the_users_edit_of_another_line(make_repo):
    repo = _cr_repo(make_repo)
    assert apply_patch(repo, LF_DIFF).applied
    (repo / "mac.txt").write_bytes(CR_AFTER.replace(b"epsilon", b"EPSILON"))
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "mac.txt").read_bytes() == CR_TEXT.replace(b"epsilon", b"EPSILON")


def test_an_ambiguous_hunk_in_a_cr_only_file_is_refused(make_repo):
    repo = make_repo({})
    (repo / "mac.txt").write_bytes(b"x\ry\rz\rx\ry\rz\r")
    report = apply_patch(repo, "--- a/mac.txt\n+++ b/mac.txt\n@@\n x\n-y\n+Y\n z\n")
    assert not report.applied and "matches 2 places" in (report.reason or "")
    assert (repo / "mac.txt").read_bytes() == b"x\ry\rz\rx\ry\rz\r"


def test_a_patch_saved_with_cr_line_endings_is_read(make_repo):
    repo = make_repo({"f.txt": "a\nb\nc\n"})
    report = apply_patch(repo, "--- a/f.txt\r+++ b/f.txt\r@@ -1,3 +1,3 @@\r a\r-b\r+B\r c\r")
    assert report.applied, report.reason
    assert (repo / "f.txt").read_text() == "a\nB\nc\n"


def test_a_cr_inside_a_line_of_an_lf_file_stays_content(make_repo):
    repo = make_repo({})
    (repo / "log.txt").write_bytes(b"start\nprogress 10%\rprogress 99%\ndone\n")
    diff = "--- a/log.txt\n+++ b/log.txt\n@@ -1,3 +1,3 @@\n start\n progress 10%\rprogress 99%\n-done\n+DONE\n"
    assert apply_patch(repo, diff).applied
    assert (repo / "log.txt").read_bytes() == b"start\nprogress 10%\rprogress 99%\nDONE\n"


def _diff_of(make_repo, files_before: dict[str, bytes], files_after: dict[str, bytes]):
    """A repository holding ``files_before`` and git's own diff from them to ``files_after``."""
    repo = make_repo({})
    for name, data in files_before.items():
        (repo / name).write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    for name, data in files_after.items():
        (repo / name).write_bytes(data)
    created = [name for name in files_after if name not in files_before]
    if created:
        subprocess.run(["git", "add", "-N", *created], cwd=repo, check=True)
    diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, check=True).stdout.decode()
    if created:
        subprocess.run(["git", "rm", "-q", "--cached", *created], cwd=repo, check=True)
    for name in created:
        (repo / name).unlink()
    for name, data in files_before.items():
        (repo / name).write_bytes(data)
    return repo, diff


def test_git_diff_that_drops_the_last_cr_of_a_cr_only_file_drops_it(make_repo):
    repo, diff = _diff_of(make_repo, {"mac.txt": CR_TEXT}, {"mac.txt": CR_TEXT + b"zeta"})
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "mac.txt").read_bytes() == CR_TEXT + b"zeta"


def test_git_diff_creating_a_cr_only_file_keeps_its_last_cr(make_repo):
    repo, diff = _diff_of(make_repo, {}, {"new.txt": b"fresh\rcontent\r"})
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "new.txt").read_bytes() == b"fresh\rcontent\r"


def test_git_diff_creating_a_crlf_file_without_a_final_newline_keeps_crlf(make_repo):
    repo, diff = _diff_of(make_repo, {}, {"win.txt": b"one\r\ntwo\r\nthree"})
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "win.txt").read_bytes() == b"one\r\ntwo\r\nthree"


def test_git_diff_growing_a_one_line_crlf_file_without_a_newline_writes_crlf(make_repo):
    """The file has no line ending of its own to follow, so the patch's CR on its added line decides; it was
    dropped for LF."""
    repo, diff = _diff_of(make_repo, {"win.txt": b"only"}, {"win.txt": b"only changed\r\nsecond"})
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "win.txt").read_bytes() == b"only changed\r\nsecond"
