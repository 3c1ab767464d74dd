"""commit_applied commits only genie's files on genie/<task-slug>, leaving other work uncommitted."""

from __future__ import annotations

import subprocess

from genie_tui.patching import apply_patch, commit_applied


def _git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def test_commit_on_task_branch_only_genie_files(make_repo, monkeypatch):
    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@e"}.items():
        monkeypatch.setenv(k, v)
    repo = make_repo({"a.txt": "a\n", "user.txt": "u\n"})
    (repo / "user.txt").write_text("user work in progress\n")
    assert apply_patch(repo, "--- a/a.txt\n+++ b/a.txt\n@@\n-a\n+A\n").applied
    sha = commit_applied(repo, "Uppercase a", "Fix the A bug!")
    assert sha
    assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "genie/fix-the-a-bug"
    assert _git(repo, "show", "--name-only", "--format=%s", "HEAD").split() == ["Uppercase", "a", "a.txt"]
    assert _git(repo, "status", "--porcelain").strip() == "M user.txt"
    assert commit_applied(repo, "again", "Fix the A bug!") is None  # nothing new to commit


def test_a_second_run_of_the_same_task_gets_its_own_branch(make_repo, monkeypatch):
    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@e"}.items():
        monkeypatch.setenv(k, v)
    repo = make_repo({"a.txt": "a\n"})
    assert apply_patch(repo, "--- a/a.txt\n+++ b/a.txt\n@@\n-a\n+A\n").applied
    assert commit_applied(repo, "first", "fix a")
    _git(repo, "checkout", "-q", "main")  # back where the user started; the task's branch stays
    assert apply_patch(repo, "--- a/a.txt\n+++ b/a.txt\n@@\n-a\n+B\n").applied
    assert commit_applied(repo, "second", "fix a")
    assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "genie/fix-a-2"
    assert _git(repo, "show", "genie/fix-a-2:a.txt") == "B\n" and _git(repo, "show", "genie/fix-a:a.txt") == "A\n"


def test_git_failure_is_one_line(make_repo, monkeypatch):
    import pytest

    from genie_tui.errors import GenieError

    repo = make_repo({"a.txt": "a\n"})
    monkeypatch.setenv("HOME", str(repo.parent))  # no identity anywhere
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "")
    assert apply_patch(repo, "--- a/a.txt\n+++ b/a.txt\n@@\n-a\n+A\n").applied
    with pytest.raises(GenieError) as err:
        commit_applied(repo, "x", "t")
    assert "\n" not in str(err.value) and str(err.value).startswith("git commit failed")
