"""Model-style patches through ``genie apply``'s engine: each ends in exactly the intended files or a refusal
that leaves every file as it was."""

from __future__ import annotations

from genie_tui.patching import apply_patch, undo_last

TEXT = "".join(f"{i}\n" for i in range(1, 31))


def test_a_git_copy_keeps_its_source(make_repo):
    repo = make_repo({"f.txt": TEXT})
    diff = ("diff --git a/f.txt b/c.txt\nsimilarity index 90%\ncopy from f.txt\ncopy to c.txt\n"
            "--- a/f.txt\n+++ b/c.txt\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n")
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_text() == TEXT
    assert (repo / "c.txt").read_text() == TEXT.replace("3\n", "three\n", 1)
    assert report.files == ["c.txt"] and "copy from f.txt" in report.applied_diff
    assert undo_last(repo).undone
    assert (repo / "f.txt").read_text() == TEXT and not (repo / "c.txt").exists()


def test_a_pure_git_copy_keeps_its_source(make_repo):
    repo = make_repo({"f.txt": TEXT})
    report = apply_patch(repo, "diff --git a/f.txt b/c.txt\nsimilarity index 100%\ncopy from f.txt\ncopy to c.txt\n")
    assert report.applied, report.reason
    assert (repo / "f.txt").read_text() == TEXT == (repo / "c.txt").read_text()
