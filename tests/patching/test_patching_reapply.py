"""A patch applied a second time is refused, never applied again by fuzzy matching around its own result."""

from __future__ import annotations

import os
import subprocess
import sys

from genie_tui.patching import apply_patch

BASE = "".join(f"line {i}\n" for i in range(1, 21))
GROWS = "--- a/f.txt\n+++ b/f.txt\n@@ -5,3 +5,4 @@\n line 5\n-line 6\n+line 6\n+line 6b\n line 7\n"


def test_a_replacement_hunk_applied_twice_is_refused_the_second_time(make_repo, tmp_path):
    repo = make_repo({"f.txt": BASE})
    patch = tmp_path / "p.diff"
    patch.write_text(GROWS)
    cmd = [sys.executable, "-m", "genie_tui", "apply", str(patch), "--repo", str(repo)]
    first = subprocess.run(cmd, capture_output=True, text=True, check=False, env={**os.environ})
    assert first.returncode == 0, first.stderr
    applied = BASE.replace("line 6\n", "line 6\nline 6b\n")
    assert (repo / "f.txt").read_text() == applied
    again = subprocess.run(cmd, capture_output=True, text=True, check=False, env={**os.environ})
    assert again.returncode == 1, again.stdout  # it matched fuzzily, skipping 'line 6b', and added it twice
    assert "already in the file at line 5" in again.stderr, again.stderr
    assert (repo / "f.txt").read_text() == applied


def test_a_hunk_that_skips_a_dropped_context_line_still_applies(make_repo):
    """The guard is only against the hunk's own result: a model dropping a context line is still fine."""
    repo = make_repo({"f.txt": BASE})
    report = apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@ -5,4 +5,4 @@\n line 5\n-line 6\n+LINE 6\n line 8\n")
    assert report.applied and report.hunks[0].method == "fuzzy", report
    assert (repo / "f.txt").read_text() == BASE.replace("line 6\n", "LINE 6\n")
