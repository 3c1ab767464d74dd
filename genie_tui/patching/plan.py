"""Turn a parsed patch into the exact new bytes of every file, without touching the disk.

Files are processed in diff order against an in-memory view of the tree, so a patch that names a file twice
sees its own earlier changes. Any refused hunk fails the whole plan (the caller writes nothing).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from genie_tui.patching import assemble, cutoff, fsio, locate, quirk, reindent
from genie_tui.patching.model import (
    ADD,
    CTX,
    DEL,
    FilePatch,
    Hunk,
    HunkReport,
    ParsedPatch,
)
from genie_tui.patching.parse import strip_prefix
from genie_tui.patching.textfile import TextFile
from genie_tui.patching.tree import Refusal, Tree


@dataclass(slots=True)
class Plan:
    reports: list[HunkReport] = field(default_factory=list)
    # rel path -> (new bytes or None for delete, mode or None to keep)
    writes: dict[str, tuple[bytes | None, int | None]] = field(default_factory=dict)
    diffs: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # touched paths, first-touched order
    seen: dict[str, bytes] = field(default_factory=dict)  # the bytes each file had when the plan read it

    @property
    def ok(self) -> bool:
        return all(r.status != "refused" for r in self.reports)


def build(repo: Path, parsed: ParsedPatch, approved: Collection[int] | None, *, strict: bool = False,
          overlay: Mapping[str, tuple[bytes | None, int | None]] | None = None) -> Plan:
    plan = Plan()
    tree = Tree(repo, overlay)
    for fp in parsed.files:
        todo = [h for h in fp.hunks if approved is None or h.index in approved]
        chosen = {h.index for h in todo}  # by index: comparing whole hunks made 10,000 hunks of a file take minutes
        skipped = [h for h in fp.hunks if h.index not in chosen]
        name = strip_prefix(fp.new_path or fp.old_path) or "?"
        try:
            name = tree.resolve(fp.new_path, "b", _git_style(fp)) or tree.resolve(fp.old_path, "a", _git_style(fp)) \
                or name
            if todo:
                _file(tree, fp, todo, plan, strict)
        except Refusal as exc:
            mine = {h.index for h in todo}  # _file may have reported some before it refused the file
            plan.reports[:] = [r for r in plan.reports if r.index not in mine]
            plan.reports.extend(HunkReport(name, h.index, "refused", reason=str(exc)) for h in todo)
            todo = []
        plan.reports.extend(HunkReport(name, h.index, "skipped") for h in skipped)
    plan.reports.sort(key=lambda r: r.index)
    plan.seen = tree.seen
    return plan


def _git_style(fp: FilePatch) -> bool:
    """The diff's paths carry git's prefixes on both sides (or on the one side that is not /dev/null)."""
    old_ok = fp.old_path is None or fp.old_path.startswith("a/")
    new_ok = fp.new_path is None or fp.new_path.startswith("b/")
    return old_ok and new_ok and (fp.old_path, fp.new_path) != (None, None)


def _touch(plan: Plan, tree: Tree, rel: str, tf: TextFile | None, mode: int | None) -> None:
    tree.claim(rel)
    tree.files[rel] = tf
    if rel not in plan.order:
        plan.order.append(rel)
    try:
        data = None if tf is None else tf.to_bytes()
    except UnicodeEncodeError:
        enc = tf.encoding if tf is not None else "?"
        raise Refusal(f"the new text of {rel} cannot be written in the file's encoding ({enc})") from None
    plan.writes[rel] = (data, mode)


_KINDS = {0o120000: "a symbolic link (mode 120000)", 0o160000: "a submodule (gitlink, mode 160000)",
          0o040000: "a directory (mode 040000)"}


def _perm(mode: int) -> int:
    """Permission bits of a regular file's git mode (checked by ``_file``); a bare 644/755 is taken as is."""
    return mode & 0o777


def _file(tree: Tree, fp: FilePatch, todo: list[Hunk], plan: Plan, strict: bool) -> None:
    if fp.binary:
        raise Refusal("binary patches are not supported; genie only patches text files")
    if fp.new_mode is not None and fp.new_mode >> 12 not in (0, 0o10):
        what = _KINDS.get(fp.new_mode & 0o170000, f"an unknown file type (mode {fp.new_mode:06o})")
        raise Refusal(f"the patch makes {strip_prefix(fp.display)} {what}; genie only writes regular files (modes 100644 "
                      "and 100755)")
    old = tree.resolve(fp.old_path, "a", _git_style(fp))
    new = tree.resolve(fp.new_path, "b", _git_style(fp))
    if old is None and new is None:
        raise Refusal("both sides of a file in the patch are /dev/null, so it names no file: write the file's path "
                      "on the +++ line (or on --- to delete it)")
    real = [h for h in fp.hunks if not h.synthetic]
    creates = fp.new_file or (old is None) or (
        not (old and tree.exists(old)) and not (new and tree.exists(new)) and all(not h.has_old_side for h in real))
    if creates:
        target = new or old
        assert target is not None
        if tree.exists(target):
            raise Refusal(f"{target} already exists, but the patch creates it (--- /dev/null); "
                          "send a diff against the current file instead")
        if len(todo) != len(fp.hunks):
            raise Refusal(f"a new file ({target}) can only be approved as a whole")
        if not fp.new_file and not real:
            # "--- x" / "+++ y" with nothing after it is a header, not a creation: only /dev/null or
            # "new file mode" create a file without content
            raise Refusal(f"{target} does not exist and the patch has no hunk for it; to create a file use "
                          "'--- /dev/null' and '+' lines")
        problem = next((h.problem for h in real if h.problem), None)
        if problem:
            raise Refusal(problem)
        if any(h.has_old_side for h in real):
            raise Refusal(f"the patch creates {target} but its hunk has context or removed lines; "
                          "every line of a new file must start with '+'")
        lines = [t for h in real for k, t in h.lines if k == ADD]
        crs = [j in h.cr_end for h in real for j, (k, _) in enumerate(h.lines) if k == ADD]
        # New content follows the patch: CRLF only when the patch itself carries CRs on its added lines (but a
        # last line without a newline has no line ending to carry one). (Taking the style of sibling CRLF files
        # was tried; real histories add LF files next to them.)
        open_end = bool(lines) and real[-1].new_no_nl
        crlf = bool(lines) and all(crs[:-1] if open_end else crs) and (len(lines) > 1 or not open_end)
        tf = TextFile(lines=lines, eols=["\r\n" if crlf else "\n"] * len(lines))
        if open_end:
            tf.eols[-1] = "\r" if crs[-1] else ""  # git's "+x\r" without a newline: the file ends in CR
        # as git creates it: under umask 077 a new secret.env is the user's only (it was 0644 whatever the umask)
        _touch(plan, tree, target, tf, fsio.new_file_mode(fp.new_mode is not None and bool(fp.new_mode & 0o111)))
        plan.diffs.append(assemble.render_new(target, tf))
        plan.reports.extend(HunkReport(target, h.index, "applied", "exact", 1) for h in todo)
        return
    deleting = fp.deleted or new is None
    source = old if old and tree.exists(old) else new
    if source is None or not tree.exists(source):
        raise Refusal(f"{old or new} does not exist in the repository")
    # a rename, copy or mode change alone moves the file as it is, so a binary one too (`git mv img.png logo.png`)
    tf = tree.load(source, whole=not deleting and all(h.synthetic for h in fp.hunks))
    if deleting and len(todo) != len(fp.hunks):
        raise Refusal(f"deleting {source} can only be approved as a whole")
    hunks = [h for h in todo if not h.synthetic]
    reports, new_tf, diff = _apply_hunks(tf, hunks, source, strict) if hunks else ([], tf, "")
    plan.reports.extend(reports)
    plan.reports.extend(HunkReport(source, h.index, "applied", None, None) for h in todo if h.synthetic)
    if any(r.status == "refused" for r in reports):
        return
    mode = tree.modes.get(source)
    if fp.new_mode is not None:
        mode = _perm(fp.new_mode)
    if deleting:
        if new_tf.lines:
            raise Refusal(f"the patch deletes {source} but its removed lines do not cover the whole file "
                          f"({len(new_tf.lines)} lines would remain); remove every line or do not delete it")
        _touch(plan, tree, source, None, None)
        # as git shows a deletion: with "+++ b/x", `git apply` of the applied diff left x there, empty
        gone = "\n+++ /dev/null\n"
        plan.diffs.append(diff.replace(f"\n+++ b/{source}\n", gone, 1) if diff else f"--- a/{source}{gone}")
        return
    target = new if new and new != source and fp.old_path is not None else source
    if target != source:
        verb = "copy" if fp.copy else "rename"
        if tree.exists(target):
            raise Refusal(f"the patch {'copies' if fp.copy else 'renames'} {source} to {target}, but {target} already exists")
        if not fp.copy:  # a copy keeps its source
            _touch(plan, tree, source, None, None)
        header = f"diff --git a/{source} b/{target}\n{verb} from {source}\n{verb} to {target}\n"
        plan.diffs.append(header + diff.replace(f"+++ b/{source}\n", f"+++ b/{target}\n", 1))
    else:
        plan.diffs.append(diff)
    _touch(plan, tree, target, new_tf, mode)


def _apply_hunks(tf: TextFile, hunks: list[Hunk], name: str, strict: bool):
    hunks, drop_bom = quirk.fit(tf, hunks)
    found: dict[int, list[locate.Candidate]] = {}
    shapes = {h.index: locate.Shape.of(h) for h in hunks}
    fails: dict[int, str] = {}
    for h in hunks:
        if h.problem:
            fails[h.index] = h.problem
            continue
        stated = h.old_start - 1 if h.old_start else (0 if h.old_start == 0 else None)
        if h.old_len == 0 and h.old_start:
            stated = h.old_start
        res = locate.find(tf, shapes[h.index], stated)
        if not isinstance(res, locate.Failure):
            res = locate.not_over_own_result(tf, h, res)
        if isinstance(res, locate.Failure):
            fails[h.index] = res.reason
            done = locate.already_applied(tf, h)
            if done is not None and "already in the file" not in res.reason:
                fails[h.index] += (f". Note: the hunk's new lines are already in the file at line {done}; it may "
                                   "have been applied already (re-read the file)")
        elif strict and res[0].level != 0:
            fails[h.index] = "the lines have changed since the patch was applied"
        else:
            found[h.index] = res
    chosen = _resolve(hunks, found, fails)
    reports: list[HunkReport] = []
    placed: list[tuple[Hunk, locate.Candidate, list[list[str]] | None]] = []
    for h in hunks:
        if h.index in fails:
            reports.append(HunkReport(name, h.index, "refused", reason=fails[h.index]))
            continue
        c = chosen[h.index]
        cut = cutoff.line_cut(tf, shapes[h.index], c) if h.cut_mid_line else None
        if cut:
            reports.append(HunkReport(name, h.index, "refused", c.method, c.start + 1, cut))
            continue
        adds = _added(tf, shapes[h.index], c)
        if isinstance(adds, str):
            reports.append(HunkReport(name, h.index, "refused", c.method, c.start + 1, adds))
            continue
        placed.append((h, c, adds))
        reports.append(HunkReport(name, h.index, "applied", c.method, c.start + 1))
    placed.sort(key=lambda x: (x[1].start, x[1].end))
    conflicts = assemble.conflicts(placed)
    if conflicts:
        bad, msg = conflicts
        reports = [HunkReport(r.file, r.index, "refused", r.method, r.line, msg) if r.index in bad else r
                   for r in reports]
    if any(r.status == "refused" for r in reports):
        return reports, tf, ""
    new_tf, diff = assemble.assemble(tf, placed, name)
    if any(i in chosen and chosen[i].start == 0 for i in drop_bom):
        new_tf.encoding = "utf-8"
    return reports, new_tf, diff


def _resolve(hunks: list[Hunk], found: dict[int, list[locate.Candidate]], fails: dict[int, str]):
    """Pick one candidate per hunk: unique ones first, then hunk order (where the headers agree with it), then the
    stated line number."""
    chosen: dict[int, locate.Candidate] = {h.index: found[h.index][0] for h in hunks
                                           if h.index in found and len(found[h.index]) == 1}
    order = [h for h in hunks if h.index in found]
    # The stated line may break a tie only when the patch's numbers have proven right: every hunk placed
    # unambiguously sits exactly where its header says (models' line numbers are otherwise unreliable).
    proof = [chosen[h.index].start == h.old_start - 1 for h in order
             if h.index in chosen and h.old_start is not None and h.old_start > 0]
    trusted = bool(proof) and all(proof)
    for pos, h in enumerate(order):
        cands = found[h.index]
        if len(cands) == 1:
            continue
        lo = max((chosen[p.index].end for p in order[:pos] if p.index in chosen and _in_order(p, h)), default=0)
        hi = min((chosen[p.index].start for p in order[pos + 1:] if p.index in chosen and _in_order(h, p)),
                 default=1 << 30)
        fit = [c for c in cands if c.start >= lo and c.end <= hi] or cands
        stated = [c for c in cands if c.method == "exact"]  # verbatim at the header's line
        if stated and stated[0] not in fit:
            # hunk order and the stated line disagree: the line wins only once the numbers have proven right
            fit = stated if trusted else cands
        if len(fit) > 1 and h.old_start is not None and trusted:
            exact = [c for c in fit if c.method == "exact"]
            if len(exact) == 1:
                fit = exact
        if len(fit) == 1:
            chosen[h.index] = fit[0]
        else:
            spans = len({c.start for c in fit}) < len(fit)  # places that start alike (elided lines) by their ends
            where = ", ".join(f"{c.start + 1}-{c.end}" if spans else str(c.start + 1) for c in fit[:8])
            fails[h.index] = (f"the hunk matches {len(fit)} places equally well (lines {where}); add context "
                              "lines that occur only at the intended place")
    return chosen


def _in_order(first: Hunk, then: Hunk) -> bool:
    """Whether the patch's order of two hunks may stand for their order in the file: not when their headers
    say the reverse (a hunk written out of order), since then one of the two is wrong and nothing tells which."""
    return not (first.old_start and then.old_start and first.old_start > then.old_start)


def _added(tf: TextFile, shape: locate.Shape, c: locate.Candidate) -> list[list[str]] | str:
    """The added lines of each group in ``c``'s order, re-indented when matching needed it."""
    fn = None
    if c.level >= 2:
        pairs = [(shape.texts[t], tf.lines[f]) for t, f in enumerate(c.mapping)
                 if f is not None and shape.kinds[t] in (CTX, DEL) and shape.texts[t].strip()]
        fn = reindent.infer(pairs)
        added = [a for g in c.inserts for a in shape.adds[g]]
        if fn is None and any(a.strip() for a in added) and reindent.unclear(pairs):
            return ("the hunk matches the file only with its indentation ignored, and too few of its lines show "
                    "how it is shifted to indent its added lines the same way; resend it with the file's exact "
                    "indentation")
        if (fn is not None and "" in added
                and any(line and not line.strip() for line in [*tf.lines, *added])):
            return ("the hunk is indented differently from the file and whitespace-only lines are in use, so "
                    "the indentation of its empty added lines cannot be told; resend it with the file's "
                    "exact indentation")
    out = []
    for g in sorted(c.inserts):
        res = reindent.apply(fn, shape.adds[g])
        if isinstance(res, str):
            return res
        out.append(res)
    return out


__all__ = ["Plan", "Refusal", "build"]
