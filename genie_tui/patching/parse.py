"""A tolerant unified-diff parser for model-written patches.

Models get the bookkeeping of a diff wrong far more often than its content: ``@@`` numbers and counts,
``a/``/``b/`` prefixes, git headers, CRLF, a missing final newline. The parser therefore trusts only the line
prefixes: a hunk runs until the next header, counts are recorded but never used to cut a hunk short, and
elision markers (``...``, ``# ... existing code ...``) become explicit gaps for the locator. Anything it cannot
read with confidence becomes an error, never a silently dropped line.
"""

from __future__ import annotations

import re

from genie_tui.patching import cutoff, stub
from genie_tui.patching.model import (
    ADD,
    CTX,
    DEL,
    GAP,
    FilePatch,
    Hunk,
    HunkInfo,
    ParsedPatch,
)
from genie_tui.patching.names import (
    clean_path,
    git_header_paths,
    header_name,
    same_name,
    strip_prefix,
)

_HUNK_RE = re.compile(r"^@@+\s*-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?\s*@@+(.*)$")
# "@@@ -1,3 -1,3 +1,4 @@@": git's combined diff of a merge, whose lines carry one prefix column per parent
_COMBINED_RE = re.compile(r"^@@@+\s*(?:-\d+(?:,\d+)?\s+){2,}\+\d+")
_ELISION_RE = re.compile(
    r"^(?:#|//|/\*+|\*|--|;+|<!--|%|\"|rem\b)?\s*(?:\.\.\.|\u2026)"
    r"(?:\s*[\[(]?\s*(?:[A-Za-z]+[ ,]*){0,6}[\])]?\s*(?:\.\.\.|\u2026)?)?\s*(?:\*/|-->)?$",
    re.IGNORECASE,
)
# "\ No newline at end of file" in any translation git uses: a backslash and a space. Other lines starting
# with a backslash (LaTeX) are content that lost its prefix.
_NO_NL_RE = re.compile(r"^\\ ")
_FENCE = ("```", "~~~")


def is_elision(text: str) -> bool:
    """True for lines a model writes instead of unchanged code: ``...``, ``# ...``, ``// ... rest ...``."""
    s = text.strip()
    return bool(s) and len(s) <= 60 and ("..." in s or "\u2026" in s) and bool(_ELISION_RE.match(s))


def split_lines(text: str) -> list[str]:
    """Split on LF only (form feeds and other separators stay inside lines) and drop one CR per line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.removesuffix("\r") for ln in lines]


def _is_file_start(lines: list[str], i: int) -> bool:
    ln = lines[i]
    if ln.startswith(("diff --git ", "diff -")):
        return True
    return ln.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")


def _is_header(lines: list[str], i: int) -> bool:
    return lines[i].startswith("@@") or _is_file_start(lines, i)


def _is_body_pair(lines: list[str], j: int, hunk: Hunk, olds: int, news: int) -> bool:
    """Whether a ``--- x``/``+++ y`` pair inside a hunk is a removed and an added line (SQL or Lua comments
    ``-- x``), as git reads it: only when the @@ counts still want a line on both sides. Followed by a hunk
    header (or nothing), the pair is body only if it meets the counts exactly and does not name one file on
    both sides, so a real file header after a miscounted hunk still starts a file."""
    if lines[j].startswith("diff ") or hunk.old_len is None or hunk.new_len is None:
        return False
    left_old, left_new = hunk.old_len - olds, hunk.new_len - news
    if left_old < 1 or left_new < 1:
        return False
    nxt = lines[j + 2] if j + 2 < len(lines) else ""
    if nxt.startswith(("@@", "diff ")) or j + 2 >= len(lines):
        old, new = clean_path(lines[j][4:]), clean_path(lines[j + 1][4:])
        if old is None or new is None or strip_prefix(old) == strip_prefix(new):
            return False
        return left_old == 1 and left_new == 1
    return True


def parse_patch(text: str) -> ParsedPatch:
    """Parse ``text`` into files and hunks, tolerating the defects models produce."""
    text = text.removeprefix("\ufeff")  # a patch saved by Notepad or PowerShell starts with a BOM
    if "\r" in text and "\n" not in text:  # saved with classic Mac endings: no diff is a single line
        text = text.replace("\r", "\n")
    # A CR on every line is transport (the patch was saved with CRLF); CRs on only some lines are content,
    # which matters for new files.
    crs = text.count("\r\n")
    transport = crs > 0 and crs >= text.count("\n") - 1
    raw_lines = text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    if transport:
        raw_lines = [ln.removesuffix("\r") for ln in raw_lines]
    cr_lines = {i for i, ln in enumerate(raw_lines) if ln.endswith("\r")}
    open_end = bool(text) and not text.endswith(("\n", "\r"))  # the text stops mid-line
    lines = [ln.removesuffix("\r") for ln in raw_lines]  # one CR: a CR-only file's last line in git's diff ends in one
    files: list[FilePatch] = []
    errors: list[str] = []
    cur: FilePatch | None = None
    git_pending = False  # cur came from "diff --git" and has not seen ---/+++ yet
    moved: dict[str, tuple[str, str]] = {}  # cur's rename/copy lines: side -> (name, line)
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        if ln.startswith("diff --git "):
            a, b = git_header_paths(ln)
            cur = FilePatch(old_path=a, new_path=b, raw_header=[ln])
            files.append(cur)
            git_pending = True
            moved = {}
            i += 1
            while i < n and not _is_header(lines, i):
                h = lines[i]
                cur.raw_header.append(h)
                if h.startswith("new file mode"):
                    cur.new_file = True
                    cur.new_mode = _mode(h)
                elif h.startswith("deleted file mode"):
                    cur.deleted = True
                elif h.startswith("new mode"):
                    cur.new_mode = _mode(h)
                elif h.startswith(("rename from ", "copy from ")):
                    cur.copy = h.startswith("copy ")
                    moved["old"] = (header_name(h.split(" from ", 1)[1].strip()), h)
                    cur.old_path = "a/" + moved["old"][0]
                elif h.startswith(("rename to ", "copy to ")):
                    moved["new"] = (header_name(h.split(" to ", 1)[1].strip()), h)
                    cur.new_path = "b/" + moved["new"][0]
                elif h.startswith(("Binary files ", "GIT binary patch")):
                    cur.binary = True
                i += 1
            continue
        if ln.startswith("--- ") and i + 1 < n and lines[i + 1].startswith("+++ "):
            old, new = clean_path(ln[4:]), clean_path(lines[i + 1][4:])
            if cur is not None and git_pending:
                # Rename/copy lines and ---/+++ lines naming different files: which one is meant would be a
                # guess, so refuse as git apply does ("inconsistent new filename").
                for side, j, path in (("old", i, old), ("new", i + 1, new)):
                    said = moved.get(side)
                    if said is not None and not same_name(path, said[0]):
                        errors.append(f"line {j + 1}: inconsistent {side} filename: {lines[j].strip()!r} "
                                      f"disagrees with {said[1].strip()!r}; make them name the same file")
                cur.old_path, cur.new_path = old, new
                cur.raw_header += [ln, lines[i + 1]]
            else:
                cur = FilePatch(old_path=old, new_path=new, raw_header=[ln, lines[i + 1]])
                files.append(cur)
            if old is None:
                cur.new_file = True
            if new is None:
                cur.deleted = True
            git_pending = False
            i += 2
            continue
        if ln.startswith("Binary files ") and cur is not None:
            cur.binary = True
            i += 1
            continue
        if ln.startswith("@@"):
            if cur is None:
                errors.append(f"line {i + 1}: hunk header {ln.strip()!r} comes before any file header "
                              "(add '--- a/PATH' and '+++ b/PATH' lines)")
                i += 1
                while i < n and not _is_header(lines, i):
                    i += 1
                continue
            git_pending = False
            hunk, i, err = _read_hunk(lines, i, cr_lines, stub.is_python(cur.new_path or cur.old_path), open_end)
            if err:
                errors.append(err)
            cur.hunks.append(hunk)
            continue
        i += 1  # prose or unknown headers between files ("Index:", "====") are ignored
    cut = cutoff.header_cut(files, lines[-1] if open_end and lines else None)
    if cut:
        errors.append(cut)
    index = 0
    for f in files:
        if not f.hunks:
            # A hunk-less operation (pure rename, empty new file, mode change) still needs an approval slot.
            label = f"{f.raw_header[0] if f.raw_header else 'file operation'}"
            f.hunks.append(Hunk(index=0, header=label, old_start=None, old_len=None, new_start=None,
                                new_len=None, section="", raw=list(f.raw_header), synthetic=True))
        for hk in f.hunks:
            hk.index = index
            index += 1
    return ParsedPatch(files=files, errors=errors)


def _mode(line: str) -> int | None:
    """The full git mode (file type and permissions) at the end of a mode line; the plan checks the type."""
    m = re.search(r"([0-7]{6})\s*$", line)
    return int(m.group(1), 8) if m else None


def _read_hunk(lines: list[str], i: int, cr_lines: set[int], python: bool,
               open_end: bool) -> tuple[Hunk, int, str | None]:
    head = lines[i]
    m = _HUNK_RE.match(head.strip())
    index = 0
    if m:
        hunk = Hunk(index=index, header=head, old_start=int(m.group(1)),
                    old_len=int(m.group(2)) if m.group(2) is not None else 1,
                    new_start=int(m.group(3)), new_len=int(m.group(4)) if m.group(4) is not None else 1,
                    section=m.group(5).strip())
    else:
        hunk = Hunk(index=index, header=head, old_start=None, old_len=None, new_start=None, new_len=None,
                    section="")
    hunk.raw.append(head)
    body: list[tuple[str, str]] = []
    raw_empty: list[bool] = []
    err = None
    j = i + 1
    n = len(lines)
    olds = news = 0
    cut_off = False
    marks: list[int] = []  # "\\ No newline at end of file" markers: how many body lines came before each
    while j < n and (not _is_header(lines, j) or
                     (_is_file_start(lines, j) and _is_body_pair(lines, j, hunk, olds, news))):
        ln = lines[j]
        if ln == "" or ln[0] in " -+":
            kind = ln[0] if ln else CTX
            text = ln[1:]
            if kind == ADD:
                hunk.add_cr += j in cr_lines
            if j in cr_lines:
                hunk.cr_end.add(len(body))
            olds += kind != ADD
            news += kind != DEL
            if kind == CTX and is_elision(text):
                kind = GAP
            body.append((kind, text))
            raw_empty.append(ln == "")
        elif ln.startswith(_FENCE):  # the closing fence of a diff in a markdown reply ends it
            hunk.raw.extend(lines[i + 1:j])
            break
        elif _NO_NL_RE.match(ln):
            marks.append(len(body))
        elif is_elision(ln):
            body.append((GAP, ln))
            raw_empty.append(False)
        else:
            look = j
            while look < n and not _is_header(lines, look) and not lines[look].startswith(_FENCE):
                if lines[look][:1] in ("+", "-"):
                    err = (f"line {j + 1} of the patch ({ln[:60]!r}) is inside a hunk but does not start with "
                           "' ', '+' or '-'; prefix every unchanged line with a space")
                    break
                look += 1
            if err is None:
                hunk.raw.extend(lines[i + 1:j])
            j = look
            break
        j += 1
    else:
        hunk.raw.extend(lines[i + 1:j])
        cut_off = j >= n  # the patch ended inside the hunk (not at prose, a fence or the next header)
    # Blank lines at the end of a hunk are usually separators, not context, unless the counts want them.
    while body and raw_empty and raw_empty[-1] and body[-1] == (CTX, ""):
        olds = sum(1 for k, _ in body if k in (CTX, DEL))
        news = sum(1 for k, _ in body if k in (CTX, ADD))
        if hunk.old_len is not None and olds <= hunk.old_len and news <= (hunk.new_len or 0):
            break
        body.pop()
        raw_empty.pop()
    if _COMBINED_RE.match(head.strip()) and err is None:
        err = (f"line {i + 1} of the patch ({head.strip()[:60]!r}) starts a hunk of a combined diff (a merge with "
               "several parents), which genie cannot apply; send a plain unified diff ('@@ -a,b +c,d @@') against "
               "the file as it is")
    hunk.lines = body
    hunk.old_no_nl, hunk.new_no_nl = _no_newline(body, marks)
    # the text stops in the middle of the hunk's last line, a context line: the plan checks it against the file
    hunk.cut_mid_line = cut_off and open_end and bool(body) and body[-1][0] == CTX and lines[n - 1][:1] == " "
    hunk.problem = _problem(hunk, cut_off and err is None, python)
    return hunk, j, err


def _no_newline(body: list[tuple[str, str]], marks: list[int]) -> tuple[bool, bool]:
    """Whether the old and the new side end without a newline: a marker counts for a side when it follows that
    side's last line. One in the middle of a side (models write them there) would add or drop the file's final
    newline for a line that is not the last, so it is ignored."""
    old = new = False
    for at in marks:
        at = min(at, len(body))
        if not at:
            continue
        kind, rest = body[at - 1][0], {k for k, _ in body[at:]}
        old = old or (kind in (CTX, DEL) and not rest & {CTX, DEL, GAP})
        new = new or (kind in (CTX, ADD) and not rest & {CTX, ADD, GAP})
    return old, new


def _problem(hunk: Hunk, at_end: bool, python: bool) -> str | None:
    """Why a hunk that parsed must still be refused: a stream cut off inside it, or an elision marker
    standing in for code the hunk removes (in Python, a ``...`` that is a whole block's body is code)."""
    body = hunk.lines
    cut = cutoff.hunk_cut(hunk, at_end)
    if cut:
        return cut
    if any(k == DEL and t.strip() for k, t in body):
        marker = next((t for j, (k, t) in enumerate(body) if k == ADD and is_elision(t)
                       and not (python and stub.is_stub_body(body, j))), None)
        if marker is not None:
            return (f"the added line {marker.strip()!r} is a placeholder, not code, and the hunk removes lines, "
                    "so applying it would delete code; write out every line the new version keeps")
        inside = next((t for j, (k, t) in enumerate(body) if k == GAP and _between_removed(body, j)), None)
        if inside is not None:  # ``-def old(a):`` / `` # ... rest of old ...`` / ``-    return z``
            return (f"the line {inside.strip()!r} stands for lines between removed ones, which would stay in the "
                    "file; write out every line to remove")
    return None


def _between_removed(body: list[tuple[str, str]], j: int) -> bool:
    """Whether the nearest non-blank lines on both sides of ``body[j]`` are removed lines."""
    before = next((k for k, t in reversed(body[:j]) if t.strip()), None)
    after = next((k for k, t in body[j + 1:] if t.strip()), None)
    return before == DEL and after == DEL


def split_hunks(diff: str) -> list[HunkInfo]:
    """The hunks of ``diff`` in order, with their global indexes, for per-hunk approval."""
    parsed = parse_patch(diff)
    out: list[HunkInfo] = []
    for f in parsed.files:
        name = strip_prefix(f.new_path or f.old_path) or "?"
        for h in f.hunks:
            out.append(HunkInfo(index=h.index, file=name, header=h.header, text="\n".join(h.raw) + "\n"))
    return out


__all__ = ["ADD", "CTX", "DEL", "GAP", "clean_path", "is_elision", "parse_patch", "split_hunks", "strip_prefix"]
