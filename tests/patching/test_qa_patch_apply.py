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


TWINS = "def f():\n    x = 1  \n    return x\n\n\ndef g():\n    x = 1\n    return x\n"  # f's line has trailing spaces


def test_a_hunk_that_fits_two_places_but_for_trailing_spaces_is_refused(make_repo):
    # the model dropped f's trailing spaces (as models do) and said line 2: g's copy is not more likely
    repo = make_repo({"f.py": TWINS})
    report = apply_patch(repo, "--- a/f.py\n+++ b/f.py\n@@ -2,2 +2,2 @@\n     x = 1\n-    return x\n+    return y\n")
    assert not report.applied
    assert "2 places" in (report.reason or "") and "lines 2, 7" in (report.reason or "")
    assert (repo / "f.py").read_text() == TWINS


def test_hunk_order_still_places_a_hunk_whose_twin_differs_in_trailing_spaces(make_repo):
    repo = make_repo({"f.py": TWINS})
    diff = ("--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,3 @@\n-def f():\n+def f2():\n     x = 1  \n     return x\n"
            "@@ -7,2 +7,2 @@\n     x = 1\n-    return x\n+    return y\n")
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.py").read_text() == ("def f2():\n    x = 1  \n    return x\n\n\n"
                                           "def g():\n    x = 1\n    return y\n")
