"""Property: random file, random edits, real diff, random perturbation -> apply gives exactly the edited file
or refuses cleanly (nothing changed, a reason given). Anything else is a silent misapplication."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genie_tui.patching import apply_patch

# Few distinct lines (so hunks are often ambiguous) that also differ after whitespace normalisation.
ALPHABET = ["", "x = 1", "    return x", "if x:", "        pass", "}", "def f():", "# note", "\tcall()", "y = x + 1"]

ROOT = Path("/tmp") if Path("/tmp").is_dir() else Path.cwd()


@st.composite
def files_and_edits(draw):
    unique = draw(st.booleans())
    n = draw(st.integers(1, 40))
    if unique:
        old = [f"line {i} {draw(st.sampled_from(['a', 'b', 'c']))}" for i in range(n)]
    else:
        old = draw(st.lists(st.sampled_from(ALPHABET), min_size=n, max_size=n))
    new = list(old)
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(new)))
        op = draw(st.sampled_from(["ins", "del", "rep"]))
        payload = [f"added {draw(st.integers(0, 999))}" for _ in range(draw(st.integers(1, 3)))]
        if op == "ins":
            new[pos:pos] = payload
        elif pos < len(new):
            span = draw(st.integers(1, 3))
            new[pos:pos + span] = [] if op == "del" else payload
    # Without a final newline the last line must be non-empty, else the text would end in a newline after all.
    final_nl = draw(st.booleans()) or not old or old[-1] == "" or not new or new[-1] == ""
    crlf = draw(st.booleans()) and (len(old) > 1 or final_nl)  # a file without any EOL has no EOL style
    return old, new, final_nl, crlf, unique


def _text(lines: list[str], final_nl: bool, eol: str) -> str:
    return eol.join(lines) + (eol if final_nl and lines else "")


def _diff(old: list[str], new: list[str], context: int, final_nl: bool) -> str:
    a = [ln + "\n" for ln in old]
    b = [ln + "\n" for ln in new]
    if not final_nl:
        if a:
            a[-1] = a[-1][:-1] + "\n\\ No newline at end of file\n"
        if b:
            b[-1] = b[-1][:-1] + "\n\\ No newline at end of file\n"
    return "".join(difflib.unified_diff(a, b, "a/f.txt", "b/f.txt", n=context))


PERTURBATIONS = ["none", "numbers", "bare", "counts", "ws", "noab", "crlf_patch", "no_final_nl", "drop_marker",
                 "drop_ctx", "extra_blank", "elide"]


def _perturb(diff: str, kind: str, draw, unique: bool) -> str:
    lines = diff.split("\n")
    body = [i for i, ln in enumerate(lines) if ln[:1] == " " and not ln.startswith("--- ")]
    if kind == "numbers":
        shift = draw(st.integers(-40, 40))
        return re.sub(r"^@@ -(\d+)", lambda m: f"@@ -{max(1, int(m.group(1)) + shift)}", diff, flags=re.MULTILINE)
    if kind == "bare":
        return re.sub(r"^@@ .* @@.*$", draw(st.sampled_from(["@@", "@@ ... @@"])), diff, flags=re.MULTILINE)
    if kind == "counts":
        return re.sub(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", r"@@ -\1,99 +\3,1 @@", diff, flags=re.MULTILINE)
    if kind == "ws" and body:
        i = draw(st.sampled_from(body))
        lines[i] = lines[i] + draw(st.sampled_from([" ", "\t", "  "]))
        return "\n".join(lines)
    if kind == "noab":
        return diff.replace("--- a/", "--- ").replace("+++ b/", "+++ ")
    if kind == "crlf_patch":
        return diff.replace("\n", "\r\n")
    if kind == "no_final_nl":
        return diff.rstrip("\n")
    if kind == "drop_marker":
        return diff.replace("\\ No newline at end of file\n", "")
    if unique and kind in ("drop_ctx", "extra_blank", "elide"):
        inner = [i for i in body if lines[i - 1][:1] in " -" and lines[i + 1][:1] in " -"]
        if inner:
            i = draw(st.sampled_from(inner))
            if kind == "drop_ctx":
                del lines[i]
            elif kind == "extra_blank":
                lines.insert(i, " ")
            else:
                lines[i] = " # ..."
            return "\n".join(lines)
    return diff


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(case=files_and_edits(), context=st.integers(1, 3), kind=st.sampled_from(PERTURBATIONS), data=st.data())
def test_apply_is_exact_or_a_clean_refusal(tmp_path_factory, case, context, kind, data):
    old, new, final_nl, crlf, unique = case
    if old == new:
        return
    eol = "\r\n" if crlf else "\n"
    repo = tmp_path_factory.mktemp("prop")
    target = repo / "f.txt"
    before = _text(old, final_nl, eol).encode()
    target.write_bytes(before)
    diff = _perturb(_diff(old, new, context, final_nl), kind, data.draw, unique)
    report = apply_patch(repo, diff, record_undo=False)
    got = target.read_bytes()
    if report.applied:
        assert got == _text(new, final_nl, eol).encode(), (kind, diff)
    else:
        assert got == before, "a refused patch changed the file"
        assert report.reason and all(h.reason for h in report.hunks if h.status == "refused")
