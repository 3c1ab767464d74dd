"""StreamingDiffParser exposes files and hunks as their lines arrive; split_hunks agrees with apply_patch."""

from __future__ import annotations

from genie_tui.patching import StreamingDiffParser, apply_patch, split_hunks

DIFF = """\
diff --git a/a.py b/a.py
--- a/a.py
+++ b/a.py
@@ -1,2 +1,2 @@
-x = 1
+x = 2
 y = 3
@@ -10,2 +10,2 @@
 p = 1
--- removed comment line is data, not a header
--- a/b.txt
+++ b/b.txt
@@ -1 +1 @@
-old
+new
"""


def test_hunks_appear_as_lines_arrive_in_any_chunking():
    for size in (1, 3, 17, len(DIFF)):
        p = StreamingDiffParser()
        seen_files = []
        for i in range(0, len(DIFF), size):
            p.feed(DIFF[i:i + size])
            seen_files.append(len(p.files))
            assert p.complete <= len(p.hunks)
        assert seen_files[-1] == 2 and (seen_files[0] <= 1 or size == len(DIFF))
        assert p.complete == 2  # the last hunk is still open until close()
        assert [f for f, _ in p.files] == ["a.py", "b.txt"]
        hunks = p.close()
        assert p.complete == 3
        assert [(h.index, h.file) for h in hunks] == [(0, "a.py"), (1, "a.py"), (2, "b.txt")]
        assert "--- removed comment line is data" in hunks[1].text


def test_first_hunk_is_complete_when_second_starts():
    p = StreamingDiffParser()
    p.feed("--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n")
    assert len(p.hunks) == 1 and not p.is_complete(0)
    p.feed("@@ -5 +5 @@\n-z")
    assert p.is_complete(0) and not p.is_complete(1)
    assert p.partial_line == "-z"
    assert p.files[0][1][0].endswith("+y\n")


def test_split_hunks_indexes_drive_partial_approval(make_repo):
    repo = make_repo({"a.py": "x = 1\ny = 3\n", "b.txt": "old\n"})
    diff = "--- a/a.py\n+++ b/a.py\n@@\n-x = 1\n+x = 2\n y = 3\n--- a/b.txt\n+++ b/b.txt\n@@\n-old\n+new\n"
    infos = split_hunks(diff)
    assert [(h.index, h.file) for h in infos] == [(0, "a.py"), (1, "b.txt")]
    assert infos[1].text.startswith("@@") and "+new" in infos[1].text
    report = apply_patch(repo, diff, hunks={infos[1].index})
    assert report.applied and report.files == ["b.txt"]
    assert (repo / "a.py").read_text() == "x = 1\ny = 3\n"
