"""One file named two ways in a patch (through a symbolic link to a directory in the repository): each hunk was
planned against the same original bytes, so the second write would have undone the first."""

from __future__ import annotations

from genie_tui.patching import apply_patch

TEXT = "1\n2\n3\n4\n5\n"
TWO_NAMES = ("--- a/lnk/t.txt\n+++ b/lnk/t.txt\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n"
             "--- a/sub/t.txt\n+++ b/sub/t.txt\n@@ -4,2 +4,2 @@\n 4\n-5\n+five\n")


def test_a_file_named_through_a_linked_directory_and_directly_is_refused_with_the_reason(make_repo):
    repo = make_repo({"sub/t.txt": TEXT})
    (repo / "lnk").symlink_to("sub")
    report = apply_patch(repo, TWO_NAMES)
    assert not report.applied
    assert "lnk/t.txt and sub/t.txt are the same file" in (report.reason or ""), report.reason
    assert all(h.status == "refused" and h.reason for h in report.hunks), report.hunks
    assert (repo / "sub" / "t.txt").read_text() == TEXT


def test_a_file_named_through_a_linked_directory_alone_still_applies(make_repo):
    repo = make_repo({"sub/t.txt": TEXT})
    (repo / "lnk").symlink_to("sub")
    report = apply_patch(repo, TWO_NAMES.split("--- a/sub")[0])
    assert report.applied, report.reason
    assert (repo / "sub" / "t.txt").read_text() == TEXT.replace("1\n", "one\n")


def test_a_symbolic_link_into_the_git_directory_is_no_way_around_its_refusal(make_repo):
    """`lnk -> .git` stays inside the repository, so it passed the check for links that leave it, and a patch
    wrote `.git/hooks/pre-commit` (run by the next commit) or `.git/config` through it."""
    repo = make_repo({"f.txt": "a\n"})
    (repo / "lnk").symlink_to(".git")
    (repo / "hooks").symlink_to(".git/hooks")
    config = (repo / ".git" / "config").read_text()
    for diff in ("--- /dev/null\n+++ b/lnk/hooks/pre-commit\n@@ -0,0 +1,2 @@\n+#!/bin/sh\n+echo hi\n",
                 "--- /dev/null\n+++ b/hooks/post-checkout\n@@ -0,0 +1 @@\n+x\n",
                 "--- a/lnk/config\n+++ b/lnk/config\n@@\n [core]\n+\thooksPath = /tmp\n"):
        report = apply_patch(repo, diff)
        assert not report.applied and ".git/" in (report.reason or ""), report.reason
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert not (repo / ".git" / "hooks" / "post-checkout").exists()
    assert (repo / ".git" / "config").read_text() == config


def test_top_level_files_named_a_and_b_do_not_block_git_style_paths(make_repo):
    """With a file named 'b' in the repository, 'b/f.txt' was refused as 'b is a file, not a directory' before
    the path without git's prefix was tried: no git diff applied there."""
    repo = make_repo({"a": "script a\n", "b": "script b\n", "f.txt": "x\ny\n"})
    diff = ("diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-x\n+X\n y\n"
            "diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+n\n")
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_text() == "X\ny\n" and (repo / "new.txt").read_text() == "n\n"
    assert (repo / "a").read_text() == "script a\n" and (repo / "b").read_text() == "script b\n"


def test_a_path_through_a_file_is_still_refused_when_no_reading_of_it_works(make_repo):
    repo = make_repo({"f.txt": "x\n"})
    report = apply_patch(repo, "--- /dev/null\n+++ b/f.txt/inner.txt\n@@ -0,0 +1 @@\n+n\n")
    assert not report.applied and "f.txt is a file, not a directory" in (report.reason or ""), report.reason


def test_a_top_level_link_named_b_that_leaves_the_repository_does_not_block_git_style_paths(make_repo, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    repo = make_repo({"f.txt": "x\ny\n"})
    (repo / "b").symlink_to(outside)
    report = apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-x\n+X\n y\n")
    assert report.applied, report.reason
    assert (repo / "f.txt").read_text() == "X\ny\n" and not list(outside.iterdir())
    # read without the prefix, the path still goes through the link: refused
    report = apply_patch(repo, "--- /dev/null\n+++ b/b/new.txt\n@@ -0,0 +1 @@\n+n\n")
    assert not report.applied and "symbolic link" in (report.reason or ""), report.reason
    assert not list(outside.iterdir())
