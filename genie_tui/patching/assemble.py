"""Build a file's new text from placed hunks, and the normalised diff of what was actually changed.

All hunks of a file are merged into one set of deletions and insertions, so hunks whose context overlaps
apply together when they agree; when they disagree about a line the caller refuses.
"""

from __future__ import annotations

from collections.abc import Callable

from genie_tui.patching import locate
from genie_tui.patching.model import ADD, DEL, Hunk
from genie_tui.patching.textfile import TextFile


def edits(h: Hunk, c: locate.Candidate, adds: list[list[str]]) -> tuple[set[int], set[int], dict[int, list[str]]]:
    """(deleted lines, lines used as context, insertions by position) of one placed hunk."""
    kinds = locate.Shape.of(h).kinds
    deleted = {c.mapping[t] for t, k in enumerate(kinds) if k == DEL}
    kept = {f for t, f in enumerate(c.mapping) if f is not None and kinds[t] != DEL}
    ins: dict[int, list[str]] = {}
    for g, group in zip(sorted(c.inserts), adds, strict=True):
        ins.setdefault(c.inserts[g], []).extend(group)
    return {d for d in deleted if d is not None}, kept, ins


def conflicts(placed) -> tuple[set[int], str] | None:
    """Overlapping hunks are merged when they agree (shared lines are context in both, insertions at
    different places); otherwise say which hunks clash."""
    placed = sorted(placed, key=lambda x: (x[1].start, x[1].end))
    for n, (h1, c1, a1) in enumerate(placed):
        # sorted by start, only the hunks that start before this one ends can overlap it: thousands of hunks
        # in a file are not compared pair by pair
        for m in range(n + 1, len(placed)):
            h2, c2, a2 = placed[m]
            if c2.start >= c1.end:
                break
            if c1.start >= c2.end:
                continue
            d1, k1, i1 = edits(h1, c1, a1)
            d2, k2, i2 = edits(h2, c2, a2)
            clash = (d1 & d2) | (d1 & k2) | (d2 & k1) | (set(i1) & set(i2))
            if clash:
                line = min(clash) + 1
                return {h1.index, h2.index}, (f"hunks {h1.index + 1} and {h2.index + 1} overlap and disagree about "
                                              f"line {line} (lines {c1.start + 1}-{c1.end} and {c2.start + 1}-"
                                              f"{c2.end}); merge them into one hunk")
    return None


def assemble(tf: TextFile, placed, name: str) -> tuple[TextFile, str]:
    eol = tf.eol if any(tf.eols) else _patch_eol(placed)
    n = len(tf.lines)
    deleted: set[int] = set()
    ins: dict[int, list[str]] = {}
    spans: list[list[int]] = []  # merged [start, end) regions, for the rendered diff
    want_nl: bool | None = None
    for h, c, adds in placed:
        d, _, i = edits(h, c, adds)
        deleted |= d
        for pos, group in i.items():
            ins.setdefault(pos, []).extend(group)
        if spans and c.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], c.end)
        else:
            spans.append([c.start, c.end])
        if c.end == n and h.new_no_nl != h.old_no_nl:  # markers on both sides: the final newline stays as it is
            want_nl = not h.new_no_nl
    lines: list[str] = []
    eols: list[str] = []
    recs: list[tuple[str, str, int, int]] = []  # (tag, text, old index, new index)
    hunk_spans: list[tuple[int, int, int, int]] = []  # rec index range, old start, new start
    cur = 0
    for start, end in spans:
        lines.extend(tf.lines[cur:start])
        eols.extend(tf.eols[cur:start])
        r0, new0 = len(recs), len(lines)
        for p in range(start, end + 1):
            for a in ins.get(p, ()):
                recs.append(("+", a, -1, len(lines)))
                lines.append(a)
                eols.append(eol)
            if p == end:
                break
            if p in deleted:
                recs.append(("-", tf.lines[p], p, -1))
            else:
                recs.append((" ", tf.lines[p], p, len(lines)))
                lines.append(tf.lines[p])
                eols.append(tf.eols[p])
        hunk_spans.append((r0, len(recs), start, new0))
        cur = end
    lines.extend(tf.lines[cur:])
    eols.extend(tf.eols[cur:])
    for k in range(len(eols) - 1):  # a last line that is last no more: unended, or ended in a CR alone in a file
        if eols[k] in ("", "\r"):  # of LFs, whose next line then joined it (git sees "x\ry" as one line)
            eols[k] = eol  # (in a file of classic Mac endings the CR is its ending, and ``eol`` too)
    if want_nl is None:
        want_nl = tf.final_newline
    if eols:
        if not want_nl:
            eols[-1] = ""
        elif eols[-1] == "":
            eols[-1] = eol
    out = TextFile(lines=lines, eols=eols, encoding=tf.encoding)
    return out, _render(name, recs, hunk_spans, tf, out)


def _patch_eol(placed) -> str:
    """The line ending for added lines in a file that has none yet (empty, or one line without a newline):
    CRLF when the patch carries a CR on each added line that gets an ending (git's diff of a CRLF file)."""
    crs = []
    for h, _, _ in placed:
        adds = [j for j, (k, _) in enumerate(h.lines) if k == ADD]
        if adds and h.new_no_nl and adds[-1] == len(h.lines) - 1:
            adds = adds[:-1]  # the file's last line, which stays without an ending
        crs += [j in h.cr_end for j in adds]
    return "\r\n" if crs and all(crs) else "\n"


def _endings(tf: TextFile, mac: bool | None = None) -> Callable[[int], tuple[str, bool]]:
    """For line ``i`` of ``tf``: what follows its text in git's diff of it, and whether git sees it end without a
    newline. Git splits lines at LF alone, so a CRLF line keeps its CR (``-b`` and CR; shown without it, the diff
    did not apply to the file), and a last line ending in a CR alone has no newline. A file of classic Mac
    endings (``mac``), which git sees as one line holding CRs, is shown a line between each two CRs as before."""
    last = len(tf.lines) - 1
    if tf.cr_only if mac is None else mac:
        return lambda i: ("", i == last and not tf.final_newline)
    return lambda i: ("\r" if tf.eols[i].startswith("\r") else "", i == last and tf.eols[i] in ("", "\r"))


def _render(name: str, recs, spans, old: TextFile, new: TextFile) -> str:
    out = [f"--- a/{name}", f"+++ b/{name}"]
    old_end, new_end, neither = _endings(old), _endings(new), ("", False)
    for r0, r1, ostart, nstart in spans:
        body = recs[r0:r1]
        olen = sum(1 for t, *_ in body if t != "+")
        nlen = sum(1 for t, *_ in body if t != "-")
        out.append(f"@@ -{ostart + (1 if olen else 0)},{olen} +{nstart + (1 if nlen else 0)},{nlen} @@")
        for tag, text, oi, ni in body:
            o_cr, o_end = old_end(oi) if tag != "+" else neither
            n_cr, n_end = new_end(ni) if tag != "-" else neither
            if tag == " " and (o_cr, o_end) != (n_cr, n_end):  # the same text, ending otherwise: a changed line
                out.append("-" + text + o_cr)
                if o_end:
                    out.append("\\ No newline at end of file")
                out.append("+" + text + n_cr)
                if n_end:
                    out.append("\\ No newline at end of file")
                continue
            out.append(tag + text + (n_cr if tag == "+" else o_cr))
            if o_end or n_end:
                out.append("\\ No newline at end of file")
    return "\n".join(out) + "\n"


def render_new(name: str, tf: TextFile) -> str:
    """The diff that creates ``tf`` (CRLF or LF lines, the last perhaps ending in CR or nothing), as git shows it."""
    ending = _endings(tf, mac=False)
    body = []
    for i, ln in enumerate(tf.lines):
        cr, open_end = ending(i)
        body.append(f"+{ln}{cr}")
        if open_end:
            body.append("\\ No newline at end of file")
    head = ["--- /dev/null", f"+++ b/{name}"] + ([f"@@ -0,0 +1,{len(tf.lines)} @@"] if tf.lines else [])
    return "\n".join(head + body) + "\n"
