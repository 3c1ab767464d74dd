"""`genie undo` says what it actually wrote, per file, and exits 1 when it wrote nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

from genie_tui.patching import apply_patch, undo_last
from genie_tui.patching.undo import entries

TWO = ("--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-a\n+A\n x\n"
       "--- a/b.txt\n+++ b/b.txt\n@@ -1,2 +1,2 @@\n-b\n+B\n x\n")


def _undo(repo, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie_tui", "undo", "--repo", str(repo), *extra],
                          capture_output=True, text=True, check=False, env={**os.environ})


def test_undo_of_files_already_as_before_the_patch_writes_nothing_and_says_so(make_repo):
    repo = make_repo({"a.txt": "a\nx\n", "b.txt": "b\nx\n", "c.txt": "c\n"})
    assert apply_patch(repo, "--- a/c.txt\n+++ b/c.txt\n@@ -1 +1 @@\n-c\n+C\n", label="first").applied
    assert apply_patch(repo, TWO, label="second").applied
    (repo / "a.txt").write_text("a\nx\n")  # the user took the change back by hand
    (repo / "b.txt").write_text("b\nx\n")
    mtimes = [(repo / n).stat().st_mtime_ns for n in ("a.txt", "b.txt")]
    r = _undo(repo)
    assert r.returncode == 1 and r.stdout == "", (r.returncode, r.stdout)
    assert "restored" not in r.stderr.replace("nothing was restored", "") and len(r.stderr.splitlines()) == 1
    assert "nothing was restored" in r.stderr and "a.txt, b.txt" in r.stderr and "second" in r.stderr
    assert [(repo / n).stat().st_mtime_ns for n in ("a.txt", "b.txt")] == mtimes
    # the entry is gone (the patch is not applied any more): the next undo takes back the patch before it
    r = _undo(repo, "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 0 and data["undone"] and data["label"] == "first" and data["restored"] == ["c.txt"]
    assert (repo / "c.txt").read_text() == "c\n" and not entries(repo)


def test_undo_names_each_file_by_what_happened_to_it(make_repo):
    repo = make_repo({"a.txt": "a\nx\n", "b.txt": "b\nx\n", "gone.txt": "g\n"})
    diff = TWO + "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+n\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-g\n"
    assert apply_patch(repo, diff).applied
    (repo / "a.txt").write_text("a\nx\n")
    r = _undo(repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["restored 2 file(s): b.txt, gone.txt",
                                     "removed 1 file(s) the patch created: new.txt",
                                     "unchanged 1 file(s), already as before the patch: a.txt"], r.stdout
    assert not (repo / "new.txt").exists() and (repo / "gone.txt").read_text() == "g\n"


def test_undo_json_lists_restored_removed_and_unchanged_files(make_repo):
    repo = make_repo({"a.txt": "a\nx\n", "b.txt": "b\nx\n"})
    assert apply_patch(repo, TWO + "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+n\n").applied
    (repo / "b.txt").write_text("b\nx\n")
    r = _undo(repo, "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 0 and data["undone"] is True
    assert (data["restored"], data["removed"], data["unchanged"]) == (["a.txt"], ["new.txt"], ["b.txt"])


def test_undo_puts_back_the_mode_of_a_file_whose_text_was_already_reverted(make_repo):
    script = "#!/bin/sh\necho a\necho b\n"
    repo = make_repo({"run.sh": script})
    (repo / "run.sh").chmod(0o644)
    diff = ("diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n--- a/run.sh\n+++ b/run.sh\n"
            "@@ -1,3 +1,3 @@\n #!/bin/sh\n-echo a\n+echo A\n echo b\n")
    assert apply_patch(repo, diff).applied
    (repo / "run.sh").write_text(script)  # the text taken back by hand, the mode genie set left as it was
    report = undo_last(repo)
    assert report.undone and report.restored == ["run.sh"], report
    assert stat.S_IMODE((repo / "run.sh").stat().st_mode) == 0o644


def test_a_patch_to_a_file_with_a_backslash_in_its_name_can_be_undone(make_repo):
    """`genie apply` patches `dir/a\\b.txt` (a backslash is a plain character in a POSIX file name); its undo
    entry was then called damaged, so neither it nor any patch before it could be undone."""
    repo = make_repo({"dir/a\\b.txt": "1\n2\n"})
    assert apply_patch(repo, "--- a/dir/a\\b.txt\n+++ b/dir/a\\b.txt\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n").applied
    assert (repo / "dir" / "a\\b.txt").read_text() == "one\n2\n"
    report = undo_last(repo)
    assert report.undone and report.restored == ["dir/a\\b.txt"], report
    assert (repo / "dir" / "a\\b.txt").read_text() == "1\n2\n"
