"""An elision marker (``# ... existing code ...``) the model writes for lines it left out: a review found it could
stand for another function's lines (a removed line the model believed in ``target()`` came out of ``other()``,
two functions below), and one between removed lines kept the lines it stood for (``old()`` half deleted, its
middle left at the top level). Both are refused now; a marker standing for a block's own lines, up to the line
that closes it, still applies."""

from __future__ import annotations

import pytest

from genie_tui.patching import apply_patch

CODE = ("def target(x):\n    if x > 0:\n        return x\n    return -x\n\n\ndef helper(y):\n    y = y * 2\n    return y\n"
        "\n\ndef other(z):\n    if z:\n        print(z)\n    return None\n")


def test_a_marker_does_not_stand_for_another_functions_lines(make_repo):
    repo = make_repo({"m.py": CODE})
    diff = ("--- a/m.py\n+++ b/m.py\n@@ -1,5 +1,5 @@\n def target(x):\n     # ... existing code ...\n"
            "-    return None\n+    return 0\n")
    report = apply_patch(repo, diff)
    assert not report.applied and (repo / "m.py").read_text() == CODE


def test_a_marker_between_removed_lines_is_refused(make_repo):
    code = "import os\n\n\ndef old(a):\n    x = a + 1\n    y = x * 2\n    z = y - 3\n    return z\n\n\ndef keep():\n    return 1\n"
    repo = make_repo({"m.py": code})
    diff = ("--- a/m.py\n+++ b/m.py\n@@ -1,12 +1,5 @@\n import os\n \n \n-def old(a):\n-    x = a + 1\n"
            "     # ... rest of old ...\n-    return z\n-\n-\n def keep():\n     return 1\n")
    report = apply_patch(repo, diff)
    assert not report.applied and (repo / "m.py").read_text() == code
    assert "stands for lines between removed ones, which would stay in the file" in report.reason


def test_a_marker_for_a_blocks_own_lines_up_to_its_closing_line_applies(make_repo):
    # click's docstring: the marker stands for a continuation line and the closing quotes, less indented
    code = ('def convert(value):\n    """Convert it.\n\n    :param ctx: The current context. May\n        be None.\n'
            '    """\n    return value\n\n\ndef split(rv):\n    return rv.split()\n')
    repo = make_repo({"m.py": code})
    diff = ("--- a/m.py\n+++ b/m.py\n@@ -4,4 +4,4 @@\n     :param ctx: The current context. May\n"
            "         # ...\n-    return value\n+    return str(value)\n")
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "m.py").read_text() == code.replace("    return value\n", "    return str(value)\n")


FIRST_SECOND = ('def first():\n    x = compute()\n    log("start")\n    y = x + 1\n    return y\n\n\n'
                'def second():\n    x = compute()\n\n    y = x + 1\n    return y\n')
LOADERS = ("def load(path):\n    data = read(path)\n    check(data)\n    items = parse(data)\n    return items\n\n\n"
           "class Loader:\n    def load(self, path):\n        data = read(path)\n        items = parse(data)\n"
           "        return items\n")
METHODS = ("class A:\n    def f(self):\n        x = 1\n        y = 2\n        return x\n\n    def g(self):\n"
           "        x = 1\n\n        y = 2\n        return x\n")


@pytest.mark.parametrize("text, diff", [
    # one place lacks a context line the hunk has, the other a blank one: neither is the more likely
    (FIRST_SECOND, ("--- a/m.py\n+++ b/m.py\n@@ -2,4 +2,4 @@\n     x = compute()\n-    y = x + 1\n+    y = x + 2\n"
                    "     return y\n")),
    # copied with its indentation from load() but for a dropped line; Loader.load fits with indentation ignored
    (LOADERS, ("--- a/m.py\n+++ b/m.py\n@@ -2,4 +2,4 @@\n     data = read(path)\n-    items = parse(data)\n"
               "+    items = parse(data, strict=True)\n     return items\n")),
    # outdented by 4: f fits ignoring indentation, g but for a blank line too; the header says g
    (METHODS, "--- a/m.py\n+++ b/m.py\n@@ -8,3 +8,3 @@\n     x = 1\n     y = 2\n-    return x\n+    return x + y\n"),
])
def test_a_hunk_that_fits_elsewhere_by_another_repair_is_refused(make_repo, text, diff):
    # a weaker fit elsewhere was never a rival: the strongest level's place was taken, against the header
    repo = make_repo({"m.py": text})
    report = apply_patch(repo, diff)
    assert not report.applied and "matches 2 places" in (report.reason or ""), report.reason
    assert (repo / "m.py").read_text() == text


def test_the_header_naming_the_best_of_two_fits_places_the_hunk(make_repo):
    # click's tests: an elided hunk fits at its header's line, and 9 lines up but for one more blank line
    text = ("def t1():\n    assert out == 'x'\n\n    y = 1\n    assert out == 'x'\n\n\ndef t2():\n    @opt('-f')\n"
            "    def cmd():\n        pass\n")
    repo = make_repo({"m.py": text})
    diff = ("--- a/m.py\n+++ b/m.py\n@@ -5,3 +5,6 @@\n     assert out == 'x'\n \n \n+def t_new():\n+    pass\n+\n+\n"
            " ...\n     @opt('-f')\n")
    report = apply_patch(repo, diff)
    assert report.applied, report.reason
    assert (repo / "m.py").read_text() == text.replace("\n\n\ndef t2", "\n\n\ndef t_new():\n    pass\n\n\ndef t2")


def test_a_hunk_that_fits_thousands_of_places_is_refused_without_holding_each_place(make_repo):
    # every place kept a list of its lines: a 1,001-line hunk over 100,000 identical lines took 4 GB, and a
    # 4,001-line one over 200,000 was killed by the kernel with no word
    import tracemalloc

    repo = make_repo({"f.txt": "x\n" * 20_000})
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -1000,501 +1000,501 @@\n" + " x\n" * 250 + "-x\n+y\n" + " x\n" * 250
    tracemalloc.start()
    try:
        report = apply_patch(repo, diff)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not report.applied and "places equally well" in (report.reason or "")
    assert peak < 100 << 20, f"{peak >> 20} MB"


def test_places_a_marker_makes_start_alike_are_told_apart_by_their_ends(make_repo):
    code = "def f():\n    a = 1\n    return 1\n    b = 2\n    return 1\n"
    repo = make_repo({"m.py": code})
    diff = ("--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,3 @@\n def f():\n     # ... existing code ...\n"
            "-    return 1\n+    return 2\n")
    report = apply_patch(repo, diff)
    assert not report.applied and (repo / "m.py").read_text() == code
    assert "matches 2 places equally well (lines 1-3, 1-5)" in report.reason  # it said "lines 1, 1"
