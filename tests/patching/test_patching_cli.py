"""`genie apply` / `genie undo`: exit codes, --json schema, stdin, dry run, startup time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

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
    best = min(_timed(patch, repo) for _ in range(3))
    assert best < 0.3, f"genie apply took {best:.3f}s"


def _timed(patch, repo) -> float:
    t = time.perf_counter()
    r = _genie("apply", str(patch), "--repo", str(repo), "--dry-run")
    assert r.returncode == 0
    return time.perf_counter() - t
