"""`genie apply` / `genie undo`: exit codes, --json schema, stdin, dry run, startup time."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

from genie_tui.cli import main

DIFF = "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n"
BAD = "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-zzz\n+A\n b\n"


def _genie(*args: str, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env={**os.environ}, check=False)


def test_apply_json_and_exit_codes(make_repo, tmp_path):
    repo = make_repo({"f.txt": "a\nb\n"})
    patch = tmp_path / "p.diff"
    patch.write_text(DIFF)
    r = _genie("apply", str(patch), "--repo", str(repo), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["applied"] is True and data["files"] == ["f.txt"]
    assert data["hunks"][0] == {"file": "f.txt", "index": 0, "status": "applied", "method": "exact", "line": 1}
    assert (repo / "f.txt").read_text() == "A\nb\n"

    r = _genie("undo", "--repo", str(repo), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["undone"] is True
    assert (repo / "f.txt").read_text() == "a\nb\n"


def test_refused_patch_exits_1_with_reason_and_changes_nothing(make_repo, tmp_path):
    repo = make_repo({"f.txt": "a\nb\n"})
    r = _genie("apply", "-", "--repo", str(repo), stdin=BAD)
    assert r.returncode == 1
    assert "zzz" in r.stderr and "Nothing was changed" in r.stderr
    assert (repo / "f.txt").read_text() == "a\nb\n"
    r = _genie("apply", "-", "--repo", str(repo), "--json", stdin=BAD)
    data = json.loads(r.stdout)
    assert r.returncode == 1 and data["applied"] is False and data["hunks"][0]["status"] == "refused"
    assert data["hunks"][0]["reason"]


def test_usage_errors_exit_2(make_repo, tmp_path, capsys):
    repo = make_repo({"f.txt": "a\n"})
    assert main(["apply", str(tmp_path / "missing.diff"), "--repo", str(repo)]) == 2
    assert "cannot read patch" in capsys.readouterr().err
    assert main(["apply", "-", "--repo", str(tmp_path / "nope")]) == 2


def test_dry_run_via_main(make_repo, tmp_path, capsys):
    repo = make_repo({"f.txt": "a\nb\n"})
    patch = tmp_path / "p.diff"
    patch.write_text(DIFF)
    assert main(["apply", str(patch), "--repo", str(repo), "--dry-run"]) == 0
    assert "would change 1 file(s): f.txt" in capsys.readouterr().out
    assert (repo / "f.txt").read_text() == "a\nb\n"
    assert main(["undo", "--repo", str(repo)]) == 1


def test_apply_starts_fast_and_imports_no_heavy_modules(make_repo, tmp_path):
    repo = make_repo({"f.txt": "a\nb\n"})
    patch = tmp_path / "p.diff"
    patch.write_text(DIFF)
    code = ("import sys, time; t=time.perf_counter(); from genie_tui.cli import main; "
            f"rc = main(['apply', {str(patch)!r}, '--repo', {str(repo)!r}, '--dry-run']); "
            "bad = [m for m in ('git', 'textual', 'openai', 'unidiff', 'tree_sitter') if m in sys.modules]; "
            "print(rc, bad)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.stdout.split("\n")[-2] == "0 []", r.stdout + r.stderr
    best = min(_cpu(patch, repo) for _ in range(3))
    assert best < 0.3, f"genie apply took {best:.3f}s of CPU"


def _cpu(patch, repo) -> float:
    """CPU seconds of one ``genie apply --dry-run`` and its children: what start-up costs, which wall time
    measured only on a quiet machine (the suite runs on two workers, beside other work)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = _genie("apply", str(patch), "--repo", str(repo), "--dry-run")
    assert r.returncode == 0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def test_messages_count_hunks_from_1_and_json_indexes_from_0(make_repo):
    """People read "hunk 2" as the second hunk, in `genie apply` as in review comments; --json keeps 0-based
    indexes for programs."""
    body = "".join(f"line {i}\n" for i in range(1, 21))
    repo = make_repo({"f.txt": body})
    diff = ("--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n-line 1\n+LINE 1\n line 2\n line 3\n"
            "@@ -15,3 +15,3 @@\n line 15\n-no such line\n+X\n line 17\n")
    r = _genie("apply", "-", "--repo", str(repo), stdin=diff)
    assert r.returncode == 1
    assert "refused  hunk 2 f.txt" in r.stderr and "Hunk 2 (f.txt)" in r.stderr
    assert "hunk 0" not in r.stderr.lower() and "was refused" in r.stderr and "hunk 2 was refused" in r.stderr
    data = json.loads(_genie("apply", "-", "--repo", str(repo), "--json", stdin=diff).stdout)
    assert [h["index"] for h in data["hunks"]] == [0, 1]
    assert (repo / "f.txt").read_text() == body


def test_file_names_with_control_characters_are_quoted_and_escaped_as_search_shows_them(make_repo, tmp_path):
    names = ["a\nb.py", "t\tab.py", "e\x1b[31mx.py", "plain.py"]
    repo = make_repo({name: "one\n" for name in names})
    for name in names:
        (repo / name).write_text("one\ntwo\n")
    diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, text=True, check=True).stdout
    subprocess.run(["git", "checkout", "-q", "."], cwd=repo, check=True)
    shown = ['"a\\nb.py"', '"e\\x1b[31mx.py"', "plain.py", '"t\\tab.py"']  # git's order: by name

    r = _genie("apply", "-", "--repo", str(repo), stdin=diff)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [*(f"applied  hunk {n} {name} at line 1 (exact)" for n, name in
                                       enumerate(shown, 1)), f"changed 4 file(s): {', '.join(shown)}"]
    r = _genie("undo", "--repo", str(repo))
    assert r.returncode == 0 and r.stdout == f"restored 4 file(s): {', '.join(shown)}\n", r.stdout

    r = _genie("apply", "-", "--repo", str(repo), stdin=diff.replace("\n one\n", "\n onx\n"))
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 5, r.stderr  # a line per hunk, then the summary
    assert all(f"refused  hunk {n} {name}: " in r.stderr and f"Hunk {n} ({name}): " in r.stderr
               for n, name in enumerate(shown, 1)), r.stderr
    r = _genie("apply", "-", "--repo", str(repo), "--json", stdin=diff)
    assert json.loads(r.stdout)["files"] == sorted(names)  # the data keeps the names as they are
