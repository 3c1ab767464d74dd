"""only_hunks: the part of a patch a user approved, as written, to edit before applying it."""

from __future__ import annotations

from genie_tui.patching import apply_patch, only_hunks, split_hunks

RENAME = "diff --git a/old.md b/new.md\nsimilarity index 100%\nrename from old.md\nrename to new.md\n"
TWO = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n-a = 1\n+a = 10\n b = 2\n"
       "@@ -5,2 +5,2 @@\n e = 5\n-f = 6\n+f = 60\n")
OTHER = "--- a/o.py\n+++ b/o.py\n@@ -1 +1 @@\n-o = 1\n\\ No newline at end of file\n+o = 2\n\\ No newline at end of file\n"


def test_only_the_hunks_kept_and_their_files_headers_remain(make_repo):
    diff = RENAME + TWO + OTHER
    assert [h.file for h in split_hunks(diff)] == ["new.md", "m.py", "m.py", "o.py"]
    assert only_hunks(diff, {0, 1, 2, 3}) == diff
    assert only_hunks(diff, set()) == ""
    part = only_hunks(diff, {2, 3})
    assert "rename" not in part and "-a = 1" not in part and "+f = 60" in part and part.endswith(OTHER)
    repo = make_repo({"old.md": "x\n", "m.py": "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\n"})
    (repo / "o.py").write_text("o = 1")
    assert apply_patch(repo, part).applied  # what the user edits from is a patch that applies
    assert (repo / "m.py").read_text().startswith("a = 1\n") and (repo / "m.py").read_text().endswith("f = 60\n")
    assert (repo / "o.py").read_text() == "o = 2" and (repo / "old.md").exists()
