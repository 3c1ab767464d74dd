"""Undo at the file's edges and after a line-ending switch (review s28 findings 8 and 9), through the library API."""

from __future__ import annotations

import pytest

from genie_tui.patching import apply_patch, undo_last

REMOVE_LAST = "--- a/m.py\n+++ b/m.py\n@@ -1,4 +1,2 @@\n import os\n \n-def old():\n-    pass\n"
REMOVE_FIRST = "--- a/m.py\n+++ b/m.py\n@@ -1,4 +1,2 @@\n-def old():\n-    pass\n \n import os\n"
EMPTY = "--- a/m.py\n+++ b/m.py\n@@ -1,2 +0,0 @@\n-def old():\n-    pass\n"


@pytest.mark.parametrize(("text", "diff", "edit"), [
    ("import os\n\ndef old():\n    pass\n", REMOVE_LAST, lambda s: s + "def mine():\n    return 1\n"),
    ("def old():\n    pass\n\nimport os\n", REMOVE_FIRST, lambda s: "def mine():\n    return 1\n" + s),
    ("def old():\n    pass\n", EMPTY, lambda s: s + "def mine():\n    return 1\n"),
], ids=["end", "start", "emptied"])
def test_undo_refuses_when_the_user_put_lines_where_removed_lines_go_back_at_the_edge_of_the_file(
        make_repo, text, diff, edit):
    """A patch removed old() at the end (the start) of m.py, or all of it; the user then wrote mine() there. Undo
    put old() back beside mine(), guessing the order (and with no blank line between); the same edit in the
    middle of a file is refused, as the README says."""
    repo = make_repo({"m.py": text})
    assert apply_patch(repo, diff).applied
    edited = edit((repo / "m.py").read_text())
    (repo / "m.py").write_text(edited)
    report = undo_last(repo)
    assert not report.undone and "m.py: the lines the patch changed have been edited since" in (report.reason or "")
    assert (repo / "m.py").read_text() == edited


def test_undo_at_the_edge_of_the_file_still_works_when_the_user_wrote_elsewhere(make_repo):
    repo = make_repo({"m.py": "import os\nimport re\n\ndef old():\n    pass\n"})
    assert apply_patch(repo, REMOVE_LAST.replace("1,4 +1,2", "2,4 +2,2").replace(" import os", " import re")).applied
    (repo / "m.py").write_text((repo / "m.py").read_text().replace("import os", "import sys"))
    assert undo_last(repo).undone
    assert (repo / "m.py").read_text() == "import sys\nimport re\n\ndef old():\n    pass\n"


def test_lines_put_back_by_undo_take_the_line_ending_the_file_has_now(make_repo):
    """The user switched the patched file to CRLF (an editor, .gitattributes); undo put the changed line back with
    the LF of the file genie wrote, leaving a file with mixed line endings."""
    repo = make_repo({"f.txt": "a\nb\nc\nd\n"})
    assert apply_patch(repo, "--- a/f.txt\n+++ b/f.txt\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n d\n").applied
    (repo / "f.txt").write_bytes((repo / "f.txt").read_bytes().replace(b"\n", b"\r\n"))
    assert undo_last(repo).undone
    assert (repo / "f.txt").read_bytes() == b"a\r\nb\r\nc\r\nd\r\n"
