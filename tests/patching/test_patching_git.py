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
    # where the user was: on main, with no empty genie/t branch made for a commit that never came, the change
    # applied and uncommitted
    assert _git(repo, "branch", "--show-current").strip() == "main" and _git(repo, "branch", "--list", "genie/*") == ""
    assert _git(repo, "status", "--porcelain").strip() == "M a.txt"
    _git(repo, "checkout", "-q", "--detach")  # and from a detached HEAD, detached at the same commit
    head = _git(repo, "rev-parse", "HEAD")
    with pytest.raises(GenieError):
        commit_applied(repo, "x", "t")
    assert _git(repo, "branch", "--show-current") == "" and _git(repo, "rev-parse", "HEAD") == head
    assert _git(repo, "branch", "--list", "genie/*") == ""


# --- the user's own uncommitted work in and beside the files genie changed stays uncommitted ----------------

LINES = "".join(f"line {n}\n" for n in range(1, 13))
GENIE_10 = "--- a/a.txt\n+++ b/a.txt\n@@ -9,3 +9,3 @@\n line 9\n-line 10\n+LINE TEN\n line 11\n"


def _identity(monkeypatch):
    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@e"}.items():
        monkeypatch.setenv(k, v)


def _edit(repo, rel, n, text):
    lines = (repo / rel).read_text().splitlines(keepends=True)
    lines[n - 1] = text + "\n"
    (repo / rel).write_text("".join(lines))


def _changes(repo, *args):
    """The '-'/'+' lines of a git diff (headers left out)."""
    return [ln for ln in _git(repo, *args).splitlines() if ln[:1] in "-+" and ln[:3] not in ("---", "+++")]


def test_an_unstaged_edit_in_the_file_genie_patches_stays_uncommitted(make_repo, monkeypatch):
    _identity(monkeypatch)
    repo = make_repo({"a.txt": LINES})
    _edit(repo, "a.txt", 2, "MY WORK")
    assert apply_patch(repo, GENIE_10).applied
    assert commit_applied(repo, "Shout ten", "ten")
    assert _changes(repo, "show", "--format=", "HEAD") == ["-line 10", "+LINE TEN"]  # genie's change, no more
    assert _changes(repo, "diff") == ["-line 2", "+MY WORK"]  # the user's edit, uncommitted
    assert _changes(repo, "diff", "--cached") == []
    assert (repo / "a.txt").read_text() == LINES.replace("line 2\n", "MY WORK\n").replace("line 10\n", "LINE TEN\n")


def test_a_staged_edit_in_the_file_genie_patches_stays_staged_and_uncommitted(make_repo, monkeypatch):
    _identity(monkeypatch)
    repo = make_repo({"a.txt": LINES})
    _edit(repo, "a.txt", 2, "MY STAGED WORK")
    _git(repo, "add", "a.txt")
    _edit(repo, "a.txt", 5, "MY UNSTAGED WORK")
    assert apply_patch(repo, GENIE_10).applied
    assert commit_applied(repo, "Shout ten", "ten")
    assert _changes(repo, "show", "--format=", "HEAD") == ["-line 10", "+LINE TEN"]
    assert _changes(repo, "diff", "--cached") == ["-line 2", "+MY STAGED WORK"]
    assert _changes(repo, "diff") == ["-line 5", "+MY UNSTAGED WORK"]
    assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "genie/ten"


def test_genie_commits_its_own_files_only_and_the_users_other_files_are_untouched(make_repo, monkeypatch):
    _identity(monkeypatch)
    repo = make_repo({"a.txt": LINES, "gone.txt": "old\n", "other.txt": "o\n", "staged.txt": "s\n"})
    (repo / "other.txt").write_text("other work\n")
    (repo / "staged.txt").write_text("staged work\n")
    _git(repo, "add", "staged.txt")
    _edit(repo, "a.txt", 2, "MY WORK")
    diff = GENIE_10 + "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+new\n" + \
        "--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n"
    assert apply_patch(repo, diff).applied
    assert commit_applied(repo, "Three files", "three")
    assert sorted(_git(repo, "show", "--name-status", "--format=", "HEAD").splitlines()) == \
        ["A\tnew.txt", "D\tgone.txt", "M\ta.txt"]
    assert _changes(repo, "show", "--format=", "HEAD", "--", "a.txt") == ["-line 10", "+LINE TEN"]
    assert sorted(_git(repo, "status", "--porcelain").splitlines()) == [" M a.txt", " M other.txt", "M  staged.txt"]
    assert _changes(repo, "diff", "--cached") == ["-s", "+staged work"]


def test_a_change_that_touches_the_users_edit_is_left_applied_and_uncommitted(make_repo, monkeypatch):
    _identity(monkeypatch)
    repo = make_repo({"a.txt": LINES, "b.txt": "b\n"})
    _edit(repo, "a.txt", 9, "MY LINE 9")  # right next to genie's line 10
    head = _git(repo, "rev-parse", "HEAD")
    assert apply_patch(repo, GENIE_10.replace(" line 9\n", " MY LINE 9\n")).applied
    notes: list[str] = []
    assert commit_applied(repo, "Shout ten", "ten", notes=notes) is None
    assert notes == [("not committed: genie's change to a.txt touches lines you changed there yourself; it stays "
                      "applied, uncommitted")]
    assert _git(repo, "rev-parse", "HEAD") == head and _git(repo, "branch", "--show-current").strip() == "main"
    assert (repo / "a.txt").read_text() == LINES.replace("line 9\n", "MY LINE 9\n").replace("line 10\n", "LINE TEN\n")
    assert _changes(repo, "diff", "--cached") == []
    # it is not tried again: the next patch's commit holds that patch only
    assert apply_patch(repo, "--- a/b.txt\n+++ b/b.txt\n@@\n-b\n+B\n").applied
    notes.clear()
    assert commit_applied(repo, "Upper b", "ten", notes=notes) and notes == []
    assert _git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["b.txt"]
    assert _changes(repo, "diff") == ["-line 9", "-line 10", "+MY LINE 9", "+LINE TEN"]


def test_a_change_that_touches_the_users_staged_edit_is_not_committed(make_repo, monkeypatch):
    _identity(monkeypatch)
    repo = make_repo({"a.txt": LINES})
    _edit(repo, "a.txt", 10, "MY LINE 10")
    _git(repo, "add", "a.txt")
    _edit(repo, "a.txt", 10, "line 10")  # taken back in the work tree only: the staged edit is still there
    assert apply_patch(repo, GENIE_10).applied
    notes: list[str] = []
    assert commit_applied(repo, "Shout ten", "ten", notes=notes) is None
    assert notes == [("not committed: genie's change to a.txt touches lines you staged there yourself; it stays "
                      "applied, uncommitted")]
    assert _changes(repo, "diff", "--cached") == ["-line 10", "+MY LINE 10"]
