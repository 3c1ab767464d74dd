"""apply_patch: every perturbation kind models produce applies; every unsafe or unclear patch is refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from genie_tui.patching import PatchReport, apply_patch, split_hunks

BASE = "".join(f"line {i}\n" for i in range(1, 41))
CODE = """\
import os


def alpha(x):
    total = 0
    for i in range(x):
        total += i
    return total


def beta(y):
    if y:
        return y * 2
    return None


class Gamma:
    def method(self):
        value = alpha(3)
        return value
"""
CODE_AFTER = CODE.replace("        total += i\n", "        total += i * 2\n")
CLEAN = """\
diff --git a/m.py b/m.py
index 1111111..2222222 100644
--- a/m.py
+++ b/m.py
@@ -4,7 +4,7 @@ import os
 def alpha(x):
     total = 0
     for i in range(x):
-        total += i
+        total += i * 2
     return total
 
 
"""


def tree(repo: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        if ".git" in dirnames:
            dirnames.remove(".git")
        for fn in filenames:
            p = Path(dirpath) / fn
            out[str(p.relative_to(repo))] = p.read_bytes()
    return out


def applied(report: PatchReport) -> PatchReport:
    assert report.applied, report.reason
    return report


def refused(repo: Path, diff: str, *words: str) -> PatchReport:
    before = tree(repo)
    report = apply_patch(repo, diff)
    assert not report.applied
    assert tree(repo) == before, "a refused patch changed files"
    assert report.reason
    for w in words:
        assert w in report.reason, report.reason
    assert all(h.reason for h in report.hunks if h.status == "refused")
    return report


@pytest.fixture
def code_repo(make_repo):
    return make_repo({"m.py": CODE})


# --- perturbations that must apply -------------------------------------------------------------------------


def test_clean_diff_applies_exactly_at_the_stated_line(code_repo):
    report = applied(apply_patch(code_repo, CLEAN))
    assert (code_repo / "m.py").read_text() == CODE_AFTER
    assert [(h.status, h.method, h.line) for h in report.hunks] == [("applied", "exact", 4)]
    assert report.files == ["m.py"]
    assert "+        total += i * 2" in report.applied_diff


@pytest.mark.parametrize("header", ["@@ -30,7 +30,7 @@", "@@ -1,7 +1,7 @@ def x", "@@ ... @@", "@@", "@@ -4,3 +4,9 @@"])
def test_wrong_or_missing_numbers_and_counts(code_repo, header):
    diff = CLEAN.replace("@@ -4,7 +4,7 @@ import os", header)
    report = applied(apply_patch(code_repo, diff))
    assert (code_repo / "m.py").read_text() == CODE_AFTER
    assert report.hunks[0].method in ("exact", "offset")


@pytest.mark.parametrize("diff", [
    CLEAN.replace("--- a/m.py\n+++ b/m.py", "--- m.py\n+++ m.py").replace("diff --git a/m.py b/m.py", "diff --git m.py m.py"),
    "\n".join(CLEAN.split("\n")[2:]),  # no git header
    CLEAN.replace("\n", "\r\n"),  # CRLF patch
    CLEAN.rstrip("\n"),  # no final newline
    "Here is the fix:\n\n" + CLEAN + "\nThis doubles the total.\n",  # prose around it
])
def test_header_prefix_and_transport_variants(code_repo, diff):
    applied(apply_patch(code_repo, diff))
    assert (code_repo / "m.py").read_text() == CODE_AFTER


def test_context_whitespace_drift_applies_and_keeps_file_lines(code_repo):
    diff = CLEAN.replace(" def alpha(x):\n", " def alpha(x):   \n").replace("     total = 0\n", " \ttotal  =  0\n")
    report = applied(apply_patch(code_repo, diff))
    assert report.hunks[0].method == "whitespace"
    assert (code_repo / "m.py").read_text() == CODE_AFTER


def test_outdented_hunk_gets_the_files_indentation(code_repo):
    diff = """\
--- a/m.py
+++ b/m.py
@@ -18,3 +18,4 @@ class Gamma:
 def method(self):
     value = alpha(3)
+    value += 1
     return value
"""
    report = applied(apply_patch(code_repo, diff))
    assert report.hunks[0].method == "whitespace"
    assert "        value = alpha(3)\n        value += 1\n        return value\n" in (code_repo / "m.py").read_text()


def test_tab_indented_file_receives_tabs(make_repo):
    repo = make_repo({"t.go": "func f() {\n\tx := 1\n\treturn x\n}\n"})
    diff = "--- a/t.go\n+++ b/t.go\n@@ -1,4 +1,5 @@\n func f() {\n     x := 1\n+    x++\n     return x\n }\n"
    applied(apply_patch(repo, diff))
    assert (repo / "t.go").read_text() == "func f() {\n\tx := 1\n\tx++\n\treturn x\n}\n"


def test_missing_inner_context_line(code_repo):
    diff = CLEAN.replace("     total = 0\n", "")
    report = applied(apply_patch(code_repo, diff))
    assert report.hunks[0].method == "fuzzy"
    assert (code_repo / "m.py").read_text() == CODE_AFTER


def test_extra_spurious_context_line(code_repo):
    diff = CLEAN.replace("     total = 0\n", "     total = 0\n \n")
    applied(apply_patch(code_repo, diff))
    assert (code_repo / "m.py").read_text() == CODE_AFTER


@pytest.mark.parametrize("marker", ["...", " ...", " # ...", " # ... existing code ...", " // ..."])
def test_elided_context(code_repo, marker):
    diff = """\
--- a/m.py
+++ b/m.py
@@ -4,9 +4,9 @@
 def alpha(x):
MARK
-        total += i
+        total += i * 2
     return total
""".replace("MARK", marker)
    report = applied(apply_patch(code_repo, diff))
    assert report.hunks[0].method == "fuzzy"
    assert (code_repo / "m.py").read_text() == CODE_AFTER


def test_crlf_file_keeps_crlf(make_repo):
    repo = make_repo({})
    (repo / "m.py").write_bytes(CODE.replace("\n", "\r\n").encode())
    applied(apply_patch(repo, CLEAN))
    assert (repo / "m.py").read_bytes() == CODE_AFTER.replace("\n", "\r\n").encode()


def test_missing_final_newline_is_kept_without_a_marker(make_repo):
    repo = make_repo({"a.txt": "one\ntwo\nthree"})
    diff = "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n"
    applied(apply_patch(repo, diff))
    assert (repo / "a.txt").read_bytes() == b"one\nTWO\nthree"


def test_no_newline_markers_are_honoured(make_repo):
    repo = make_repo({"a.txt": "one\ntwo"})
    diff = ("--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n\\ No newline at end of file\n+two\n")
    applied(apply_patch(repo, diff))
    assert (repo / "a.txt").read_bytes() == b"one\ntwo\n"


def test_permissions_and_latin1_encoding_are_kept(make_repo):
    repo = make_repo({})
    p = repo / "run.sh"
    p.write_bytes("#!/bin/sh\n# caf\xe9\necho hi\n".encode("latin-1"))
    p.chmod(0o755)
    diff = "--- a/run.sh\n+++ b/run.sh\n@@ -2,2 +2,2 @@\n # caf\xe9\n-echo hi\n+echo bye\n"
    applied(apply_patch(repo, diff))
    assert p.read_bytes() == "#!/bin/sh\n# caf\xe9\necho bye\n".encode("latin-1")
    assert stat.S_IMODE(p.stat().st_mode) == 0o755


def test_utf8_bom_is_kept(make_repo):
    repo = make_repo({})
    (repo / "b.txt").write_bytes(b"\xef\xbb\xbfalpha\nbeta\n")
    applied(apply_patch(repo, "--- a/b.txt\n+++ b/b.txt\n@@\n alpha\n-beta\n+gamma\n"))
    assert (repo / "b.txt").read_bytes() == b"\xef\xbb\xbfalpha\ngamma\n"


# --- new, deleted, renamed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("old", ["/dev/null", "a/pkg/new.py"])
def test_new_file_with_or_without_dev_null(make_repo, old):
    repo = make_repo({"x.txt": "x\n"})
    diff = f"--- {old}\n+++ b/pkg/new.py\n@@ -0,0 +1,2 @@\n+print(1)\n+print(2)\n"
    applied(apply_patch(repo, diff))
    assert (repo / "pkg/new.py").read_text() == "print(1)\nprint(2)\n"


def test_new_file_that_exists_is_refused(make_repo):
    repo = make_repo({"n.txt": "here\n"})
    refused(repo, "--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+new\n", "already exists")


@pytest.mark.parametrize("git_header", [True, False])
def test_delete_file(make_repo, git_header):
    repo = make_repo({"d/gone.txt": "a\nb\n", "keep.txt": "k\n"})
    head = "diff --git a/d/gone.txt b/d/gone.txt\ndeleted file mode 100644\n" if git_header else ""
    diff = head + "--- a/d/gone.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    applied(apply_patch(repo, diff))
    assert not (repo / "d/gone.txt").exists()
    assert (repo / "keep.txt").exists()


def test_delete_that_leaves_lines_is_refused(make_repo):
    repo = make_repo({"gone.txt": "a\nb\nc\n"})
    refused(repo, "--- a/gone.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n", "whole file")


@pytest.mark.parametrize("git_header", [True, False])
def test_rename_with_changes(make_repo, git_header):
    repo = make_repo({"src/old.py": CODE})
    if git_header:
        diff = ("diff --git a/src/old.py b/src/new.py\nsimilarity index 90%\nrename from src/old.py\n"
                "rename to src/new.py\n" + CLEAN.split("\n", 2)[2].replace("a/m.py", "a/src/old.py")
                .replace("b/m.py", "b/src/new.py"))
    else:
        diff = "\n".join(CLEAN.split("\n")[2:]).replace("a/m.py", "a/src/old.py").replace("b/m.py", "b/src/new.py")
    applied(apply_patch(repo, diff))
    assert not (repo / "src/old.py").exists()
    assert (repo / "src/new.py").read_text() == CODE_AFTER


def test_pure_rename(make_repo):
    repo = make_repo({"a.txt": "same\n"})
    diff = "diff --git a/a.txt b/b.txt\nsimilarity index 100%\nrename from a.txt\nrename to b.txt\n"
    assert len(split_hunks(diff)) == 1  # a pure rename still gets an approval slot
    applied(apply_patch(repo, diff))
    assert tree(repo) == {"b.txt": b"same\n"}


_CALC = "def add(a, b):\n    return a - b\n"
_CALC_HUNK = "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"


@pytest.mark.parametrize("header, side", [
    ("diff --git a/calc.py b/calc.py\nrename from calc.py\nrename to calc2.py\n--- a/calc.py\n+++ b/calc.py\n",
     "new"),
    ("diff --git a/calc.py b/calc2.py\nrename from calc.py\nrename to calc2.py\n--- a/other.py\n+++ b/calc2.py\n",
     "old"),
    ("diff --git a/calc.py b/calc2.py\ncopy from calc.py\ncopy to calc2.py\n--- a/calc.py\n+++ b/calc3.py\n",
     "new"),
    ("diff --git a/calc.py b/calc2.py\nrename from calc.py\nrename to calc2.py\n--- a/calc.py\n+++ /dev/null\n",
     "new"),
])
def test_rename_lines_that_disagree_with_the_file_lines_are_refused(make_repo, header, side):
    # Which file the patch means is a guess either way; git apply says "inconsistent new filename".
    repo = make_repo({"calc.py": _CALC})
    refused(repo, header + _CALC_HUNK, f"inconsistent {side} filename")


@pytest.mark.parametrize("header, new", [
    ("diff --git a/calc.py b/calc2.py\nrename from calc.py\nrename to calc2.py\n--- a/calc.py\n+++ b/calc2.py\n",
     "calc2.py"),
    ("diff --git calc.py calc2.py\nrename from calc.py\nrename to calc2.py\n--- calc.py\n+++ calc2.py\n",
     "calc2.py"),
    (('diff --git a/calc.py "b/calc\\t2.py"\nrename from calc.py\nrename to "calc\\t2.py"\n--- a/calc.py\n'
      '+++ "b/calc\\t2.py"\n'), "calc\t2.py"),
])
def test_rename_lines_that_agree_with_the_file_lines_apply(make_repo, header, new):
    repo = make_repo({"calc.py": _CALC})
    applied(apply_patch(repo, header + _CALC_HUNK))
    assert tree(repo) == {new: _CALC.replace("a - b", "a + b").encode()}


# --- refusals ------------------------------------------------------------------------------------------------


def test_nonexistent_removed_line_refuses_whole_patch(make_repo):
    repo = make_repo({"m.py": CODE, "n.txt": BASE})
    good = "--- a/n.txt\n+++ b/n.txt\n@@ -1,3 +1,3 @@\n line 1\n-line 2\n+LINE 2\n line 3\n"
    bad = CLEAN.replace("-        total += i\n", "-        totl += i\n")
    report = refused(repo, good + bad, "totl += i", "do not exist")
    statuses = {h.index: h.status for h in report.hunks}
    assert statuses == {0: "refused", 1: "refused"}  # atomic: the good hunk was not written either
    assert report.hunks[0].line == 1


def test_nonexistent_context_of_pure_addition(code_repo):
    diff = "--- a/m.py\n+++ b/m.py\n@@ -11,3 +11,4 @@\n def betta(y):\n+    # note\n     if yy:\n"
    refused(code_repo, diff, "context lines exist", "betta")


def test_ambiguous_hunk_lists_the_places(make_repo):
    text = "def a():\n    x = 1\n    return x\n\n\ndef b():\n    x = 1\n    return x\n"
    repo = make_repo({"d.py": text})
    diff = "--- a/d.py\n+++ b/d.py\n@@ -4,2 +4,2 @@\n     x = 1\n-    return x\n+    return x + 1\n"
    report = refused(repo, diff, "2 places", "lines 2, 7")
    assert report.hunks[0].status == "refused"


def test_stated_line_breaks_a_tie_only_when_the_numbers_proved_right(make_repo):
    text = "top\n\ndef a():\n    x = 1\n    return x\n\n\ndef b():\n    x = 1\n    return x\n"
    repo = make_repo({"d.py": text})
    tie = "@@ -9,2 +9,2 @@\n     x = 1\n-    return x\n+    return x + 1\n"
    refused(repo, "--- a/d.py\n+++ b/d.py\n" + tie, "2 places")  # a lone number proves nothing
    wrong_proof = "@@ -5,1 +5,1 @@\n-top\n+TOP\n"  # 'top' is really on line 1
    refused(repo, "--- a/d.py\n+++ b/d.py\n" + wrong_proof + tie, "2 places")
    proof = "@@ -1,1 +1,1 @@\n-top\n+TOP\n"
    applied(apply_patch(repo, "--- a/d.py\n+++ b/d.py\n" + proof + tie))
    assert (repo / "d.py").read_text() == "TOP" + text[3: text.rindex("return x")] + "return x + 1\n"


def test_ambiguity_resolved_by_hunk_order(make_repo):
    text = "first\nx = 1\nmid\nx = 1\nlast\n"
    repo = make_repo({"o.txt": text})
    diff = ("--- a/o.txt\n+++ b/o.txt\n@@\n-first\n+FIRST\n x = 1\n@@\n mid\n-x = 1\n+x = 2\n")
    applied(apply_patch(repo, diff))
    assert (repo / "o.txt").read_text() == "FIRST\nx = 1\nmid\nx = 2\nlast\n"


def test_unclear_insertion_point_is_refused(make_repo):
    repo = make_repo({"u.txt": "a\nb\nc\nd\n"})
    # 'b' was left out between 'a' and the added line: before or after 'b'? Refuse rather than guess.
    refused(repo, "--- a/u.txt\n+++ b/u.txt\n@@\n a\n+new\n c\n d\n", "unclear")


@pytest.mark.parametrize("path,word", [
    ("../outside.txt", ".."), ("/etc/passwd", "absolute"), (".git/config", ".git"), ("a/../../x", ".."),
])
def test_path_escapes_are_refused(make_repo, path, word):
    repo = make_repo({"x.txt": "x\n"})
    refused(repo, f"--- /dev/null\n+++ {path}\n@@ -0,0 +1 @@\n+pwned\n", word)
    assert not (repo.parent / "outside.txt").exists()


def test_symlink_leaving_the_repo_is_refused(make_repo, tmp_path):
    repo = make_repo({"x.txt": "x\n"})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "t.txt").write_text("secret\n")
    (repo / "link").symlink_to(outside)
    refused(repo, "--- a/link/t.txt\n+++ b/link/t.txt\n@@\n-secret\n+changed\n", "symbolic link")
    assert (outside / "t.txt").read_text() == "secret\n"


def test_binary_patch_and_binary_file_are_refused(make_repo):
    repo = make_repo({"x.txt": "x\n"})
    (repo / "img.bin").write_bytes(b"\x00\x01\x02abc\n")
    refused(repo, "diff --git a/img.png b/img.png\nBinary files a/img.png and b/img.png differ\n", "binary")
    refused(repo, "--- a/img.bin\n+++ b/img.bin\n@@\n-abc\n+def\n", "binary")


def test_garbage_and_empty_diffs_are_refused_not_raised(code_repo):
    refused(code_repo, "", "no file changes")
    refused(code_repo, "just some prose\n", "no file changes")
    refused(code_repo, "@@ -1 +1 @@\n-a\n+b\n", "file header")
    refused(code_repo, "--- a/m.py\n+++ b/m.py\n@@\n def alpha(x):\nnot a diff line\n+oops\n", "does not start")


def test_missing_file_is_refused(code_repo):
    refused(code_repo, "--- a/nope.py\n+++ b/nope.py\n@@\n-x\n+y\n", "does not exist")


# --- partial approval, dry run -------------------------------------------------------------------------------


def test_partial_approval_applies_only_approved_hunks(make_repo):
    repo = make_repo({"n.txt": BASE})
    diff = ("--- a/n.txt\n+++ b/n.txt\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+LINE 3\n line 4\n"
            "@@ -20,3 +20,3 @@\n line 20\n-line 21\n+LINE 21\n line 22\n")
    assert [h.index for h in split_hunks(diff)] == [0, 1]
    report = applied(apply_patch(repo, diff, hunks={1}))
    assert [h.status for h in report.hunks] == ["skipped", "applied"]
    text = (repo / "n.txt").read_text()
    assert "line 3\n" in text and "LINE 21\n" in text
    assert "LINE 21" in report.applied_diff and "LINE 3" not in report.applied_diff
    rejected = apply_patch(repo, diff, hunks=set())
    assert not rejected.applied and "no hunk was approved" in (rejected.reason or "")


def test_dry_run_changes_nothing(code_repo):
    before = tree(code_repo)
    report = apply_patch(code_repo, CLEAN, dry_run=True)
    assert report.applied and report.dry_run
    assert tree(code_repo) == before


def test_json_report_schema(code_repo):
    data = apply_patch(code_repo, CLEAN).to_json()
    assert data["applied"] is True and data["files"] == ["m.py"]
    assert data["hunks"] == [{"file": "m.py", "index": 0, "status": "applied", "method": "exact", "line": 4}]


def test_same_file_twice_in_one_patch(make_repo):
    repo = make_repo({"n.txt": BASE})
    one = "--- a/n.txt\n+++ b/n.txt\n@@\n line 1\n-line 2\n+LINE 2\n line 3\n"
    two = "--- a/n.txt\n+++ b/n.txt\n@@\n line 30\n-line 31\n+LINE 31\n line 32\n"
    applied(apply_patch(repo, one + two))
    assert (repo / "n.txt").read_text() == BASE.replace("line 2\n", "LINE 2\n").replace("line 31\n", "LINE 31\n")


def test_applied_diff_is_a_normalised_diff_git_accepts(make_repo):
    """The report's diff is recounted and prefixed: unidiff parses it and `git apply` reproduces the result."""
    import subprocess

    import unidiff

    repo = make_repo({"m.py": CODE, "n.txt": BASE})
    messy = (CLEAN.replace("@@ -4,7 +4,7 @@ import os", "@@ ... @@").replace("     total = 0\n", "")
             + "--- n.txt\n+++ n.txt\n@@ -30,9 +1 @@\n line 3\n-line 4\n+LINE 4\n line 5\n")
    report = applied(apply_patch(repo, messy))
    after = tree(repo)
    patch = unidiff.PatchSet(report.applied_diff)
    assert [p.path for p in patch] == ["m.py", "n.txt"]
    assert all(h.source_length == sum(1 for ln in h if not ln.is_added) for p in patch for h in p)
    subprocess.run(["git", "checkout", "--", "."], cwd=repo, check=True)
    subprocess.run(["git", "apply", "-"], cwd=repo, input=report.applied_diff, text=True, check=True)
    assert tree(repo) == after


def test_new_file_takes_its_line_endings_from_the_patch(make_repo):
    repo = make_repo({})
    (repo / "old.txt").write_bytes(b"a\r\nb\r\n")
    diff = ("--- a/old.txt\n+++ b/old.txt\n@@\n a\n-b\n+B\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+x\n+y\n"
            "--- /dev/null\n+++ b/win.txt\n@@ -0,0 +1,2 @@\n+x\r\n+y\r\n")
    applied(apply_patch(repo, diff))
    assert (repo / "old.txt").read_bytes() == b"a\r\nB\r\n"
    assert (repo / "new.txt").read_bytes() == b"x\ny\n"
    assert (repo / "win.txt").read_bytes() == b"x\r\ny\r\n"  # CRs on some lines only: content, not transport


def test_overlapping_hunks_merge_when_they_agree_and_refuse_when_not(make_repo):
    repo = make_repo({"n.txt": BASE})
    one = "@@ -2,5 +2,5 @@\n line 2\n-line 3\n+LINE 3\n line 4\n line 5\n line 6\n"
    two = "@@ -4,5 +4,5 @@\n line 4\n line 5\n line 6\n-line 7\n+LINE 7\n line 8\n"
    report = applied(apply_patch(repo, "--- a/n.txt\n+++ b/n.txt\n" + one + two))
    assert (repo / "n.txt").read_text() == BASE.replace("line 3\n", "LINE 3\n").replace("line 7\n", "LINE 7\n")
    assert report.applied_diff.count("@@ -") == 1  # rendered as one merged hunk
    clash = "@@ -4,3 +4,3 @@\n line 4\n-line 5\n+LINE 5\n line 6\n"
    three = "@@ -3,4 +3,4 @@\n line 3\n line 4\n line 5\n-line 6\n+LINE 6\n"
    refused(repo, "--- a/n.txt\n+++ b/n.txt\n" + clash + three, "disagree about line 5")


def test_reapplying_says_it_looks_applied_already(code_repo):
    applied(apply_patch(code_repo, CLEAN))
    report = refused(code_repo, CLEAN, "already in the file at line 4")
    assert report.hunks[0].status == "refused"


def test_filling_an_empty_existing_file(make_repo):
    repo = make_repo({"empty.txt": ""})
    applied(apply_patch(repo, "--- a/empty.txt\n+++ b/empty.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n"))
    assert (repo / "empty.txt").read_text() == "one\ntwo\n"


def test_outdented_hunk_with_empty_added_lines_is_refused_when_whitespace_lines_are_in_use(code_repo):
    # Outdenting turned "    " into "" somewhere; with whitespace-only lines around, the empty line is unknowable.
    diff = ("--- a/m.py\n+++ b/m.py\n@@ -18,3 +18,6 @@ class Gamma:\n def method(self):\n     value = alpha(3)\n"
            "+    \n+\n+    value += 1\n     return value\n")
    refused(code_repo, diff, "empty added lines")


def test_markdown_fenced_diff(code_repo):
    applied(apply_patch(code_repo, "```diff\n" + CLEAN + "```\n"))
    assert (code_repo / "m.py").read_text() == CODE_AFTER
