"""Findings of the s28 review of the patcher's parsing and file handling (encodings, quoted names, modes, binary
renames), each through `genie apply` on git's own diffs in real repositories."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

LATIN1 = b"nom\ncaf\xe9\nr\xe9sum\xe9\nfin\n"


def _genie(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ}, check=False)


def git(repo: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env).stdout


def _git_diff(repo: Path, *args: str) -> bytes:
    """git's own diff of the worktree (its bytes, as `git diff > fix.diff` saves them); the worktree is reset."""
    out = git(repo, *args, "diff")
    git(repo, "checkout", "-q", "--", ".")
    return out


def test_a_git_diff_of_a_latin1_file_and_a_utf8_file_writes_each_in_its_own_encoding(make_repo, tmp_path):
    """The patch was decoded as a whole, and as Latin-1 because of the Latin-1 file's bytes: the UTF-8 file's added
    line 'naïve ✓' was written double-encoded ('naÃ¯ve â\\x9c\\x93'), exit 0. git apply writes the diff's bytes."""
    repo = make_repo({"notes.md": "# Notes\n\nintro\n"})
    (repo / "legacy.txt").write_bytes(LATIN1)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "latin-1")
    legacy, notes = b"nom\ncaf\xe9 cr\xe8me\nr\xe9sum\xe9\nfin\n", "# Notes\n\nintro\nna\u00efve \u2713\n".encode()
    (repo / "legacy.txt").write_bytes(legacy)
    (repo / "notes.md").write_bytes(notes)
    patch = tmp_path / "mixed.diff"
    patch.write_bytes(_git_diff(repo))
    r = _genie("apply", str(patch), cwd=repo)
    assert r.returncode == 0, r.stderr
    assert (repo / "notes.md").read_bytes() == notes
    assert (repo / "legacy.txt").read_bytes() == legacy


def test_a_latin1_file_whose_part_of_the_patch_looks_mostly_utf8_is_patched_byte_for_byte(make_repo, tmp_path):
    """A Latin-1 file with a line holding 'Ã©' (the bytes of UTF-8's é) beside an 'é': the hunk around that line
    reads as UTF-8 with a stray byte, and matched the Latin-1 file only once read again as Latin-1."""
    repo = make_repo({})
    old = b"caf\xe9\nr\xe9sum\xe9\na\nb\nc\nd\n\xc3\xa9t\xe9\nfin\n"
    (repo / "legacy.txt").write_bytes(old)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "latin-1")
    (repo / "legacy.txt").write_bytes(old.replace(b"t\xe9\n", b"t\xe9 2\n"))
    patch = tmp_path / "latin.diff"
    patch.write_bytes(_git_diff(repo))
    r = _genie("apply", str(patch), cwd=repo)
    assert r.returncode == 0, r.stderr
    assert (repo / "legacy.txt").read_bytes() == old.replace(b"t\xe9\n", b"t\xe9 2\n")


def test_git_quoted_names_with_a_backslash_or_non_ascii_characters_are_the_files_git_named(make_repo, tmp_path):
    """A backslash in a name git quoted was read as a '/' (`back\\slash.txt` looked for as `back/slash.txt`, a new
    `back\\slash2.txt` created as `back/slash2.txt`), and with core.quotePath=false a quoted name holding
    characters past Latin-1 was not unquoted at all (`"b/日本\\tx.txt"` created `日本/tx.txt`)."""
    repo = make_repo({"back\\slash.txt": "one\n", 'café "menu".txt': "two\n", "old\\name.txt": "three\n"})
    (repo / "back\\slash.txt").write_text("ONE\n")
    (repo / 'café "menu".txt').write_text("TWO\n")
    git(repo, "mv", "old\\name.txt", "日本 new\\name.txt")
    for name in ("back\\slash2.txt", "日本\tx.txt"):
        (repo / name).write_text("new\n")
    git(repo, "add", "-A")
    patch = tmp_path / "names.diff"
    patch.write_bytes(git(repo, "-c", "core.quotePath=false", "diff", "--cached", "-M"))
    git(repo, "reset", "-q", "--hard")  # the new files go too
    assert b'"b/\xe6\x97\xa5\xe6\x9c\xac\\tx.txt"' in patch.read_bytes()  # git's quoting, as the review saw it
    r = _genie("apply", str(patch), cwd=repo)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in repo.iterdir() if p.name != ".git") == sorted(
        ["back\\slash.txt", 'café "menu".txt', "日本 new\\name.txt", "back\\slash2.txt", "日本\tx.txt"])
    assert (repo / "back\\slash.txt").read_text() == "ONE\n" and (repo / 'café "menu".txt').read_text() == "TWO\n"
    assert (repo / "日本 new\\name.txt").read_text() == "three\n" and (repo / "日本\tx.txt").read_text() == "new\n"


def test_an_unquoted_windows_path_a_model_writes_still_names_the_file(make_repo):
    """Only git's quoted names keep their backslashes: `src\\app.py`, unquoted, is the Windows path of src/app.py."""
    from genie_tui.patching import apply_patch

    repo = make_repo({"src/app.py": "x = 1\n"})
    report = apply_patch(repo, "--- src\\app.py\n+++ src\\app.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n")
    assert report.applied and report.files == ["src/app.py"], report
    assert (repo / "src" / "app.py").read_text() == "x = 2\n"


def _apply_under_umask(repo: Path, patch: Path, mask: int, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run([*cmd, str(patch)], cwd=repo, capture_output=True, text=True, env={**os.environ},
                          check=False, umask=mask)


def test_a_new_file_gets_the_mode_git_gives_it_under_the_umask(make_repo, tmp_path):
    """New files were written 0644 (0755) whatever the umask: under umask 077 a new secret.env was world-readable,
    where git apply (and the shell) make it the user's only."""
    patch = tmp_path / "new.diff"
    patch.write_text("--- /dev/null\n+++ b/secret.env\n@@ -0,0 +1 @@\n+TOKEN=abc\n"
                     "diff --git a/run.sh b/run.sh\nnew file mode 100755\n--- /dev/null\n+++ b/run.sh\n"
                     "@@ -0,0 +1 @@\n+#!/bin/sh\n")
    for mask, modes in ((0o077, (0o600, 0o700)), (0o002, (0o664, 0o775))):
        ours, theirs = make_repo({}, f"genie-{mask:o}"), make_repo({}, f"git-{mask:o}")
        r = _apply_under_umask(ours, patch, mask, sys.executable, "-m", "genie_tui", "apply")
        assert r.returncode == 0, r.stderr
        assert _apply_under_umask(theirs, patch, mask, "git", "apply").returncode == 0
        for repo in (ours, theirs):
            assert tuple(stat.S_IMODE((repo / n).stat().st_mode) for n in ("secret.env", "run.sh")) == modes, repo


def test_a_rename_of_a_binary_file_applies_with_the_rest_of_the_patch(make_repo, tmp_path):
    """git's diff of `git mv img.png logo.png` (a rename with no content) was refused as a binary file, and the
    whole patch with it; git apply moves the file. A hunk for a binary file is still refused."""
    repo = make_repo({"a.py": "x = 1\n"})
    image = bytes(range(256)) * 8
    (repo / "img.png").write_bytes(image)
    (repo / "tool.bin").write_bytes(image)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "binary")
    git(repo, "mv", "img.png", "logo.png")
    (repo / "tool.bin").chmod(0o755)
    (repo / "a.py").write_text("x = 2\n")
    git(repo, "add", "-A")
    patch = tmp_path / "rename.diff"
    patch.write_bytes(git(repo, "diff", "--cached", "-M"))
    git(repo, "reset", "-q", "--hard")
    (repo / "tool.bin").chmod(0o644)
    r = _genie("apply", str(patch), cwd=repo)
    assert r.returncode == 0, r.stderr
    assert (repo / "logo.png").read_bytes() == image and not (repo / "img.png").exists()
    assert stat.S_IMODE((repo / "tool.bin").stat().st_mode) & 0o111 and (repo / "tool.bin").read_bytes() == image
    assert (repo / "a.py").read_text() == "x = 2\n"
    r = _genie("undo", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert (repo / "img.png").read_bytes() == image and not (repo / "logo.png").exists()
    hunk = tmp_path / "hunk.diff"
    hunk.write_text("diff --git a/img.png b/pic.png\nrename from img.png\nrename to pic.png\n--- a/img.png\n"
                    "+++ b/pic.png\n@@ -1 +1 @@\n-x\n+y\n")
    r = _genie("apply", str(hunk), cwd=repo)
    assert r.returncode == 1 and "img.png is a binary file" in r.stderr and (repo / "img.png").exists()
