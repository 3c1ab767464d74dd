"""Undo after the user pasted a copy of genie's lines: the copy that fits the file genie wrote best is taken back,
and when another copy fits as well (its own lines and as many lines around it), undo refuses instead of taking
back whichever the line alignment happened to pair with genie's (it took back the user's copy and left genie's
change in place)."""

from __future__ import annotations

from genie_tui.patching import apply_patch, undo_last

HEAD = "import os\nimport sys\nLIMIT = 3\n"
BEFORE = HEAD + "def main():\n    setup()\n    old_step()\n    return 0\n"
DIFF = ("--- a/m.py\n+++ b/m.py\n@@ -4,4 +4,4 @@\n def main():\n     setup()\n-    old_step()\n-    return 0\n"
        "+    new_step()\n+    return 1\n")
PATCHED = "def main():\n    setup()\n    new_step()\n    return 1\n"


def test_a_copy_that_fits_as_well_as_genies_lines_makes_undo_refuse(make_repo):
    repo = make_repo({"m.py": BEFORE})
    assert apply_patch(repo, DIFF).applied
    # a copy on top, and the line above genie's lines edited: each copy has two lines of the file around it
    edited = PATCHED + HEAD.replace("LIMIT = 3", "LIMIT = 4") + PATCHED
    (repo / "m.py").write_text(edited)
    report = undo_last(repo)
    assert not report.undone and "m.py" in (report.reason or "")
    assert (repo / "m.py").read_text() == edited


def test_a_copy_with_less_of_the_file_around_it_is_left_alone(make_repo):
    repo = make_repo({"m.py": BEFORE})
    assert apply_patch(repo, DIFF).applied
    (repo / "m.py").write_text(PATCHED + "\n" + HEAD + PATCHED)  # genie's lines keep all of theirs
    report = undo_last(repo)
    assert report.undone, report.reason
    assert (repo / "m.py").read_text() == PATCHED + "\n" + BEFORE
