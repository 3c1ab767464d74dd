"""The applied diff (``genie apply --json``'s ``applied_diff``, ``genie run``'s ``patches[].diff`` and the session's
patch record) is what `git diff` would show: of a CRLF file its lines keep their CR (a review found them bare, so
`git apply --check` refused the diff against the very file it was made from), and a last line that ends in a CR
alone has no newline for git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genie_tui.patching import apply_patch
from genie_tui.providers.scripted import Reply, ScriptedServer

H = "--- a/f.txt\n+++ b/f.txt\n"
NEW = "--- /dev/null\n+++ b/f.txt\n@@ -0,0 +1,2 @@\n+a\r\n+b\r\n"
NO_NL = "\\ No newline at end of file\n"
CHANGE_B = H + "@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
CASES = {  # the file's text (None: no such file), the diff
    "crlf, a line changed": ("a\r\nb\r\nc\r\n", H + "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"),
    "crlf, a line added": ("a\r\nb\r\n", H + "@@ -1,2 +1,3 @@\n a\n b\n+c\n"),
    "crlf without a final newline, grown": ("a\r\nb", H + "@@ -1,2 +1,3 @@\n a\n-b\n" + NO_NL + "+b\n+c\n"),
    "crlf, the final newline dropped": ("a\r\nb\r\n", H + "@@ -1,2 +1,2 @@\n a\n-b\n+b\n" + NO_NL),
    "mixed endings": ("a\r\nb\nc\r\n", H + "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"),
    "lf, the last line ending in a cr": ("a\nb\nx\r", H + "@@ -1,3 +1,3 @@\n-a\n+A\n b\n x\n"),
    "lf, that last line changed": ("a\nx\r", H + "@@ -1,2 +1,2 @@\n a\n-x\n+y\n"),
    "a new crlf file": (None, NEW),
    "a new file ending in a cr": (None, NEW + NO_NL),
    "an empty file given crlf lines": ("", H + "@@ -0,0 +1,2 @@\n+a\r\n+b\r\n"),
    "a crlf file renamed and changed": ("a\r\nb\r\n", "diff --git a/f.txt b/g.txt\nrename from f.txt\nrename to g.txt\n"
                                        + CHANGE_B.replace("+++ b/f.txt", "+++ b/g.txt")),
    # "+++ b/f.txt" as the deletion's applied diff had: `git apply` left f.txt there, empty
    "a file deleted": ("a\nb\n", "--- a/f.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"),
    "a crlf file deleted": ("a\r\nb\r\n", "--- a/f.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"),
}


def _tree(repo: Path) -> dict[str, bytes]:  # the files of a repository of one directory
    return {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}


def _git_apply(repo: Path, diff: str, *check: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "apply", *check, "-"], cwd=repo, input=diff.encode(), capture_output=True,
                          check=False)


@pytest.mark.parametrize("case", CASES)
def test_git_apply_takes_the_applied_diff_to_the_bytes_genie_wrote(make_repo, case: str) -> None:
    text, diff = CASES[case]
    repo = make_repo({"f.txt": text} if text is not None else {"other.txt": "z\n"})
    before = _tree(repo)
    report = apply_patch(repo, diff, record_undo=False)
    assert report.applied, report.reason
    written = _tree(repo)
    for name in set(written) - set(before):
        (repo / name).unlink()
    for name, data in before.items():
        (repo / name).write_bytes(data)
    checked = _git_apply(repo, report.applied_diff, "--check")
    assert checked.returncode == 0, (checked.stderr, report.applied_diff)
    assert _git_apply(repo, report.applied_diff).returncode == 0
    assert _tree(repo) == written, report.applied_diff


@pytest.mark.parametrize("text, after", [("a\nb\nx\r", b"a\nb\nx\ny\n"), ("a\r\nb\r\nx\r", b"a\r\nb\r\nx\r\ny\r\n")])
def test_a_line_added_after_a_last_line_ending_in_a_cr_is_a_line_of_its_own(make_repo, text: str, after: bytes):
    """The CR stayed the line's ending and the new line followed it: "x\ry", one line for git (and an editor).
    Both take the file's line ending."""
    repo = make_repo({"f.txt": text})
    report = apply_patch(repo, H + "@@ -2,2 +2,3 @@\n b\n x\n+y\n", record_undo=False)
    assert report.applied, report.reason
    assert (repo / "f.txt").read_bytes() == after
    subprocess.run(["git", "checkout", "f.txt"], cwd=repo, check=True)
    assert _git_apply(repo, report.applied_diff).returncode == 0 and (repo / "f.txt").read_bytes() == after


def _genie(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True,
                          env=dict(os.environ), stdin=subprocess.DEVNULL, timeout=120, check=False, **kwargs)


def test_genie_apply_json_and_genie_run_json_give_the_crlf_diff_git_shows(make_repo, tmp_path: Path) -> None:
    """The review's case: `genie apply --json` and `genie run --approve auto --json` (whose patches[].diff is the
    session's patch record) of an LF diff to a CRLF file, against `git diff` of the file genie wrote."""
    repo = make_repo({"f.txt": "a\r\nb\r\n"})
    (tmp_path / "p.diff").write_text(CHANGE_B)
    r = _genie("apply", str(tmp_path / "p.diff"), "--repo", str(repo), "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    applied = json.loads(r.stdout)["applied_diff"]
    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": CHANGE_B})]),
                         Reply(tool_calls=[("finish", {"summary": "done"})])]) as server:
        r = _genie("run", "change b to c", "--repo", str(repo), "--base-url", server.base_url, "--model", "m",
                   "--approve", "auto", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert (repo / "f.txt").read_bytes() == b"a\r\nc\r\n"
    git_diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, check=True).stdout.decode()
    hunks = git_diff[git_diff.index("--- a/"):]
    assert hunks == "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n"
    records = [json.loads(line) for line in Path(summary["trajectory"]).read_text().splitlines()]
    [recorded] = [rec["diff"] for rec in records if rec.get("type") == "patch"]
    assert applied == summary["patches"][0]["diff"] == recorded == hunks
