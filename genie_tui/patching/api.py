"""``apply_patch``: parse, plan, then write everything or nothing, and record the undo entry."""

from __future__ import annotations

import os
from collections.abc import Collection
from contextlib import ExitStack
from pathlib import Path

from genie_tui.patching.model import HunkReport, ParsedPatch, PatchReport
from genie_tui.patching.parse import parse_patch
from genie_tui.printable import shown_path


def only_hunks(diff: str, keep: Collection[int]) -> str:
    """``diff`` with only the hunks ``keep`` (global 0-based indexes, as :func:`split_hunks` numbers them), as they
    were written: what the user approved of a patch, to edit before applying it. A file none of whose hunks is
    kept is left out whole; ``""`` when none is."""
    out: list[str] = []
    for f in parse_patch(diff).files:
        kept = [h for h in f.hunks if h.index in keep]
        if kept:  # a stand-in hunk (a rename, an empty new file) is the file's header itself
            out += f.raw_header + [line for h in kept if not h.synthetic for line in h.raw]
    return "\n".join(out) + "\n" if out else ""


def apply_patch(repo: Path, diff: str, *, hunks: Collection[int] | None = None, dry_run: bool = False,
                record_undo: bool = True, label: str = "", tag: str = "") -> PatchReport:
    """Apply the approved hunks of ``diff`` to the repository at ``repo``, atomically.

    Args:
        repo: repository root; every path in the diff must stay inside it.
        diff: a unified diff, possibly with the defects models produce (see the package docstring).
        hunks: global 0-based indexes of approved hunks (as from :func:`split_hunks`); None approves all.
        dry_run: check and report only.
        record_undo: add an undo journal entry (``genie undo``) when files are written.
        label: a short description stored with the undo entry and commit.
        tag: who applied it (the agent's ``session:patch id``), returned by :func:`undo_last` when it is undone.

    Returns:
        A :class:`PatchReport`; never raises for a bad diff (``applied`` is False and ``reason`` says why).
    """
    try:
        return _apply(Path(repo), diff, hunks, dry_run, record_undo, label, tag)
    except Exception as exc:  # noqa: BLE001 - the contract is a report, never a traceback in the agent loop
        return PatchReport(False, [], [], f"Nothing was changed: internal error while applying the patch "
                           f"({type(exc).__name__}: {exc}). Please report this.", "", dry_run)


def _apply(repo: Path, diff: str, hunks: Collection[int] | None, dry_run: bool, record_undo: bool,
           label: str, tag: str = "") -> PatchReport:
    if not repo.is_dir():
        return PatchReport(False, [], [], f"Nothing was changed: the repository {repo} does not exist or is not "
                           "a directory.", "", dry_run)
    parsed = _parse(diff, dry_run)
    if isinstance(parsed, PatchReport):
        return parsed
    approved = None if hunks is None else frozenset(hunks)
    with ExitStack() as stack:
        if not dry_run:
            from genie_tui.patching import lock

            try:  # held from planning to the last write: concurrent applies and undos take turns
                stack.enter_context(lock.repo_lock(repo))
            except lock.Busy as exc:
                return PatchReport(False, [], [], f"Nothing was changed: {exc}.", "", dry_run)
            except OSError as exc:
                if record_undo:
                    return PatchReport(False, [], [], f"Nothing was changed: the undo journal could not be "
                                       f"written ({exc}).", "", dry_run)
        return _plan_and_write(repo, parsed, approved, dry_run, record_undo, label, tag)
    raise AssertionError("unreachable")  # ExitStack does not swallow exceptions


def _parse(diff: str, dry_run: bool) -> ParsedPatch | PatchReport:
    """The parsed diff, or the report that refuses it (unreadable, or no file changes in it)."""
    parsed = parse_patch(diff)
    if parsed.errors:
        return PatchReport(False, [], [], "Nothing was changed: the diff could not be read. " +
                           " ".join(parsed.errors), "", dry_run)
    if not parsed.files:
        return PatchReport(False, [], [], "Nothing was changed: no file changes found. Send a unified diff with "
                           "'--- a/PATH', '+++ b/PATH' and '@@' hunk lines.", "", dry_run)
    return parsed


def _plan_and_write(repo: Path, parsed: ParsedPatch, approved: frozenset[int] | None, dry_run: bool,
                    record_undo: bool, label: str, tag: str) -> PatchReport:
    from genie_tui.patching import plan as planning

    plan = planning.build(repo, parsed, approved)
    files = list(plan.order)
    if not plan.ok:
        return PatchReport(False, files, _atomic(plan.reports), _reason(plan.reports), "", dry_run)
    applied_diff = "".join(plan.diffs)
    if not plan.writes:
        reason = "Nothing was changed: no hunk was approved." if approved is not None else \
            "Nothing was changed: the patch makes no changes."
        return PatchReport(False, files, plan.reports, reason, "", dry_run)
    before: dict[str, tuple[bytes | None, int | None]] = {}
    for rel in plan.writes:
        path = repo / rel
        try:
            before[rel] = (path.read_bytes(), os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            before[rel] = (None, None)
        if before[rel][0] != plan.seen.get(rel):  # an editor (not genie: it holds the lock) wrote meanwhile
            return PatchReport(False, files, _atomic(plan.reports, f"{rel} changed meanwhile"),
                               f"Nothing was changed: {rel} changed while the patch was being applied; apply it "
                               "again.", "", dry_run)
    # a file whose new bytes and mode are what it holds now is not written (nor journaled): a diff with
    # headers only, or a hunk whose '-' and '+' lines are the same, changes nothing and must not say it did
    writes = {rel: w for rel, w in plan.writes.items()
              if w[0] != before[rel][0] or (w[1] is not None and w[1] != before[rel][1])}
    if not writes:
        return PatchReport(False, files, _unchanged(plan.reports), "Nothing was changed: the patch makes no "
                           "changes (the files already hold what it asks for).", "", dry_run)
    if dry_run:
        return PatchReport(True, files, plan.reports, None, applied_diff, True)
    from genie_tui.patching import fsio, hold, undo

    entry = None
    if record_undo:  # journal first: a patch that could not be undone is not applied
        try:
            entry = undo.record(repo, {rel: before[rel] for rel in writes}, writes, label, applied_diff, tag,
                                hold.current(repo))
        except OSError as exc:
            return PatchReport(False, files, _atomic(plan.reports, "the undo journal could not be written"),
                               f"Nothing was changed: the undo journal could not be written ({exc}).", "", dry_run)
    try:
        fsio.write_all(repo, writes, before)
    except BaseException as exc:  # write_all restored the files; a Ctrl+C too must not leave the entry
        if entry is not None:
            undo.discard(entry)
        if not isinstance(exc, OSError):
            raise
        return PatchReport(False, files, _atomic(plan.reports, "writing failed"),
                           f"Nothing was changed: writing failed ({exc}).", "", dry_run)
    if entry is not None:  # the patch is on disk and journaled: only now may the oldest entry go
        undo.prune(repo)
    return PatchReport(True, files, plan.reports, None, applied_diff, False)


def _atomic(reports: list[HunkReport], why: str = "") -> list[HunkReport]:
    """Hunks that would have applied are reported refused too: nothing was written (because a hunk was refused,
    or for ``why``)."""
    bad = [r.index for r in reports if r.status == "refused"]
    note = f"not applied: the patch is all-or-nothing and hunk {bad[0] + 1} was refused" if bad else \
        f"not applied: {why}"
    return [HunkReport(r.file, r.index, "refused", r.method, r.line, note) if r.status == "applied" else r
            for r in reports]


def _unchanged(reports: list[HunkReport]) -> list[HunkReport]:
    note = "not applied: the patch makes no changes"
    return [HunkReport(r.file, r.index, "refused", r.method, r.line, note) if r.status == "applied" else r
            for r in reports]


def _reason(reports: list[HunkReport]) -> str:
    parts = []
    for r in reports:
        if r.status == "refused" and r.reason and not r.reason.startswith("not applied: the patch is all"):
            parts.append(f"Hunk {r.index + 1} ({shown_path(r.file)}): {r.reason.rstrip('.')}.")
    return "Nothing was changed. " + " ".join(parts)
