"""A hunk that does not match its place line for line is put where it belongs or refused, never put at a guess."""

from __future__ import annotations

from pathlib import Path

from genie_tui.patching import PatchReport, apply_patch


def refused(repo: Path, name: str, diff: str, *words: str) -> PatchReport:
    before = (repo / name).read_text()
    report = apply_patch(repo, diff)
    assert not report.applied, (repo / name).read_text()
    assert (repo / name).read_text() == before
    for w in words:
        assert w in report.reason, report.reason
    return report


CALC = "import functools\n\n\ndef compute(x, y, z):\n    total = x + y + z\n    return total\n"


def test_a_line_added_beside_a_stale_context_line_is_refused(make_repo):
    """The stale signature goes unmatched: the decorator went right before the next matched line, inside the
    body. Which side of the file's own signature it belongs on only that line could tell."""
    repo = make_repo({"calc.py": CALC})
    diff = ("--- a/calc.py\n+++ b/calc.py\n@@ -4,3 +4,4 @@\n+@functools.cache\n def compute(x, y):\n"
            "     total = x + y + z\n     return total\n")
    refused(repo, "calc.py", diff, "insertion point is unclear", "'def compute(x, y):' is not in the file there")


def test_a_line_added_after_a_stale_context_line_is_refused(make_repo):
    """The mirror case: '# done' went above the return whose stale copy ('return total') it follows."""
    repo = make_repo({"calc.py": "def compute(x, y, z):\n    total = x + y + z\n    return total * 2\n"})
    diff = ("--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,4 @@\n def compute(x, y, z):\n     total = x + y + z\n"
            "     return total\n+    # done\n")
    refused(repo, "calc.py", diff, "insertion point is unclear", "'return total' is not in the file there")


def test_a_line_added_beside_a_matched_line_still_applies_fuzzily(make_repo):
    """A stale context line away from the added lines leaves their place clear."""
    repo = make_repo({"calc.py": CALC})
    diff = ("--- a/calc.py\n+++ b/calc.py\n@@ -4,3 +4,4 @@\n def compute(x, y):\n     total = x + y + z\n"
            "+    total += 1\n     return total\n")
    report = apply_patch(repo, diff)
    assert report.applied and report.hunks[0].method == "fuzzy", report.reason
    assert (repo / "calc.py").read_text() == CALC.replace("    return", "    total += 1\n    return")


STORE = ("class Store:\n    def save(self, item):\n        self.validate(item)\n        return self.db.write(item)\n\n"
         "    def delete(self, item):\n        self.check(item)\n        return self.db.write(item)\n")


def test_a_wrong_context_line_inside_the_hunk_weighs_as_much_as_one_at_its_edge(make_repo):
    """Both methods match 2 of the hunk's 3 old lines: save() all but the first ('def delete'), delete() all but
    the middle one (it calls check, not validate). A mismatch in the middle cost a skipped file line more, so
    save() was changed, exit 0."""
    repo = make_repo({"store.py": STORE})
    diff = ("--- a/store.py\n+++ b/store.py\n@@ -6,3 +6,3 @@\n     def delete(self, item):\n"
            "         self.validate(item)\n-        return self.db.write(item)\n+        return self.db.remove(item)\n")
    refused(repo, "store.py", diff, "matches 2 places equally well (lines 3, 6)")


def test_a_wrong_context_line_inside_the_hunk_still_applies_where_nothing_rivals_it(make_repo):
    repo = make_repo({"store.py": STORE.replace("def save", "def keep").replace("self.validate", "self.log")})
    diff = ("--- a/store.py\n+++ b/store.py\n@@ -6,3 +6,3 @@\n     def delete(self, item):\n"
            "         self.validate(item)\n-        return self.db.write(item)\n+        return self.db.remove(item)\n")
    report = apply_patch(repo, diff)
    assert report.applied and report.hunks[0].method == "fuzzy", report.reason
    assert (repo / "store.py").read_text().endswith("self.check(item)\n        return self.db.remove(item)\n")


def _net() -> str:
    lines = [f"    step({i})" for i in range(1, 61)]
    block = ["", "    if retries > 3:", "        raise TimeoutError()", ""]
    lines[9:13] = block  # lines 10-13
    lines[49:53] = block  # lines 50-53
    lines[29] = "    unique_call()"
    return "\n".join(lines) + "\n"


RETRY = "@@ -48,4 +48,4 @@\n \n     if retries > 3:\n-        raise TimeoutError()\n+        raise RetryError()\n \n"
UNIQUE = "@@ -28,3 +28,3 @@\n     step(29)\n-    unique_call()\n+    unique_call(x)\n     step(31)\n"


def test_a_twin_hunk_written_out_of_order_is_not_placed_by_the_patch_order(make_repo):
    """The retry block is at lines 10 and 50. Hunk 1 comes before hunk 2 (line 30) in the patch, but the headers
    (48, then 28) say it comes after: the order is no evidence then, and line 10 was taken."""
    repo = make_repo({"net.py": _net()})
    report = refused(repo, "net.py", "--- a/net.py\n+++ b/net.py\n" + RETRY + UNIQUE, "2 places equally well (lines 10, 50)")
    assert report.hunks[0].status == "refused"


def test_a_twin_hunk_in_order_is_still_placed_by_the_patch_order(make_repo):
    repo = make_repo({"net.py": _net()})
    report = apply_patch(repo, "--- a/net.py\n+++ b/net.py\n" + UNIQUE + RETRY)
    assert report.applied, report.reason
    assert report.hunks[1].line == 50
    assert (repo / "net.py").read_text() == _net().replace("unique_call()", "unique_call(x)").replace(
        "TimeoutError", "RetryError").replace("RetryError", "TimeoutError", 1)
