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


APPEND = ('--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,6 @@\n def main():\n     print("hi")\n+\n+\n'
          '+if __name__ == "__main__":\n+    main()\n')
PREPEND = "--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,3 @@\n+import sys\n def main():\n     print(\"hi\")\n"


def test_a_hunk_with_context_on_one_side_applied_twice_is_refused_the_second_time(make_repo):
    """Its old side fits verbatim again once applied (its context all lies above, or all below, its added
    lines), so the second time it would add its lines again right beside themselves."""
    for patch, where in ((APPEND, 1), (PREPEND, 1)):
        repo = make_repo({"app.py": 'def main():\n    print("hi")\n'}, name=f"r{len(patch)}")
        assert apply_patch(repo, patch).applied
        once = (repo / "app.py").read_text()
        again = apply_patch(repo, patch)
        assert not again.applied, once
        assert f"already in the file at line {where}; it looks applied already" in again.hunks[0].reason
        assert (repo / "app.py").read_text() == once


def test_a_one_sided_hunk_whose_lines_stand_elsewhere_still_applies(make_repo):
    """Only the hunk's result standing right where it would go counts: the same lines elsewhere in the file,
    or a change of spacing that leaves the new side over the old one's lines, are no reason to refuse."""
    repo = make_repo({"app.py": 'if __name__ == "__main__":\n    main()\n\n\ndef main():\n    print("hi")\n',
                      "b.py": "x = 1   \ny = 2\n"})
    assert apply_patch(repo, APPEND).applied
    assert (repo / "app.py").read_text().count("main()\n") == 2
    assert apply_patch(repo, "--- a/b.py\n+++ b/b.py\n@@ -1,2 +1,2 @@\n-x = 1   \n+x = 1\n y = 2\n").applied
    assert (repo / "b.py").read_text() == "x = 1\ny = 2\n"
