"""A hunk that matched only with its indentation ignored gets the file's indentation for its added lines when
its matched lines show how it is shifted; when they do not, it is refused, never written with a guessed indent."""

from __future__ import annotations

import pytest

from genie_tui.patching import apply_patch

CODE = "class A:\n    def f(self):\n        return 1\n\n    def g(self):\n        pass\n"


@pytest.mark.parametrize("diff", [
    # the one matched line is shifted: nothing shows whether the added line is shifted the same way
    "--- a/a.py\n+++ b/a.py\n@@\n-      return 1\n+      return 2\n",
    # one matched line as in the file, one shifted: a tie
    "--- a/a.py\n+++ b/a.py\n@@\n     def f(self):\n-      return 1\n+      return 2\n",
])
def test_added_lines_whose_indentation_cannot_be_told_are_refused(make_repo, diff):
    repo = make_repo({"a.py": CODE})
    report = apply_patch(repo, diff)
    assert not report.applied, (repo / "a.py").read_text()  # was written as '      return 2': broken Python
    assert "indentation" in (report.reason or "")
    assert (repo / "a.py").read_text() == CODE


def test_a_consistent_shift_still_reindents_the_added_lines(make_repo):
    repo = make_repo({"a.py": CODE})
    report = apply_patch(repo, "--- a/a.py\n+++ b/a.py\n@@\n   def f(self):\n-      return 1\n+      return 2\n")
    assert report.applied, report.reason
    assert (repo / "a.py").read_text() == CODE.replace("return 1", "return 2")


def test_a_hunk_that_only_removes_lines_needs_no_indentation_evidence(make_repo):
    repo = make_repo({"a.py": CODE})
    report = apply_patch(repo, "--- a/a.py\n+++ b/a.py\n@@\n     def g(self):\n-      pass\n+\n")
    assert report.applied, report.reason
    assert (repo / "a.py").read_text() == CODE.replace("        pass\n", "\n")
