"""Patches recorded for review instead of applied (approval mode ``never``): each is checked against the files as
the ones recorded before it leave them, and together they make one diff from the files on disk.

A model that revises its own patch (a second patch over the lines of the first) or builds on it (a function added
to a file the first one creates) writes the later patch against the files as it left them. Checked against the
files on disk, the second was refused ("util.py does not exist") or accepted on its own, and the recorded diffs,
printed one after the other, did not apply. Here the recorded patches are applied in order to an overlay, a
mapping of the files they change to their new bytes that nothing writes; :func:`combined_diff` is the diff from
the disk to that overlay, which ``git apply`` takes whole.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path

from genie_tui.patching.model import PatchReport

#: rel path -> (the file's new bytes, or None when it is deleted; its mode, or None to keep the file's)
Overlay = dict[str, tuple[bytes | None, int | None]]


def stage_patch(repo: Path, diff: str, overlay: Overlay) -> PatchReport:
    """Check ``diff`` against the repository's files as ``overlay`` changes them and, when it applies (all or
    nothing, as :func:`~genie_tui.patching.apply_patch` would), add its changes to ``overlay``. Nothing is
    written; the report is a dry run's, its ``applied_diff`` the change against the overlay."""
    from genie_tui.patching import plan as planning
    from genie_tui.patching.api import _atomic, _parse, _reason

    parsed = _parse(diff, True)
    if isinstance(parsed, PatchReport):
        return parsed
    plan = planning.build(repo, parsed, None, overlay=overlay)
    files = list(plan.order)
    if not plan.ok:
        return PatchReport(False, files, _atomic(plan.reports), _reason(plan.reports), "", True)
    writes = {}
    for rel, (data, mode) in plan.writes.items():
        now, now_mode = _state(repo, overlay, rel)  # one read of the file for both
        if data != now or (mode is not None and mode != now_mode):
            writes[rel] = (data, mode)
    if not writes:
        return PatchReport(False, files, plan.reports, "Nothing was changed: the patch makes no changes (the files "
                           "already hold what it asks for, with the patches recorded before it).", "", True)
    for rel, (data, mode) in writes.items():
        overlay[rel] = (data, mode if mode is not None else overlay.get(rel, (None, None))[1])
    return PatchReport(True, files, plan.reports, None, "".join(plan.diffs), True)


def stage_all(repo: Path, diffs: Sequence[str]) -> Overlay:
    """The overlay of ``diffs`` staged in order (one that no longer applies, as the files changed since it was
    recorded, is passed over)."""
    overlay: Overlay = {}
    for diff in diffs:
        stage_patch(repo, diff, overlay)
    return overlay


def combined_diff(repo: Path, overlay: Overlay) -> str:
    """One unified diff (git's headers, ``git apply`` takes it) from the files on disk to ``overlay``'s."""
    out = []
    for rel in sorted(overlay):
        new, new_mode = overlay[rel]
        old, old_mode = _disk(repo / rel)
        if new_mode is None:
            new_mode = old_mode if old_mode is not None else 0o644
        out.append(_file_diff(rel, old, old_mode, new, new_mode))
    return "".join(out)


def _file_diff(rel: str, old: bytes | None, old_mode: int | None, new: bytes | None, new_mode: int) -> str:
    if old is None and new is None:
        return ""
    head = f"diff --git a/{rel} b/{rel}\n"
    if old is None:
        head += f"new file mode {_git_mode(new_mode)}\n"
    elif new is None:
        head += f"deleted file mode {_git_mode(old_mode)}\n"
    elif _git_mode(old_mode) != _git_mode(new_mode):
        head += f"old mode {_git_mode(old_mode)}\nnew mode {_git_mode(new_mode)}\n"
    elif old == new:
        return ""
    a, b = _lines(old), _lines(new)
    if a == b:
        return head  # a mode change, or an empty file made or deleted
    body = []
    for line in list(difflib.unified_diff(a, b, n=3))[2:]:  # its own ---/+++ lines left out
        body.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return (head + ("--- /dev/null\n" if old is None else f"--- a/{rel}\n")
            + ("+++ /dev/null\n" if new is None else f"+++ b/{rel}\n") + "".join(body))


def _lines(data: bytes | None) -> list[str]:
    """The file's lines, each with its ``\\n`` (a ``\\r`` stays part of the line, as git diffs it)."""
    if not data:
        return []
    text = data.decode("utf-8", "surrogateescape")
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _git_mode(mode: int | None) -> str:
    return "100755" if mode is not None and mode & 0o100 else "100644"


def _disk(path: Path) -> tuple[bytes | None, int | None]:
    try:
        return path.read_bytes(), os.stat(path).st_mode & 0o7777
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None, None


def _state(repo: Path, overlay: Overlay, rel: str) -> tuple[bytes | None, int | None]:
    """The file's bytes and mode as the overlay leaves them (its mode from the disk when the overlay keeps it)."""
    if rel not in overlay:
        return _disk(repo / rel)
    data, mode = overlay[rel]
    if mode is None:  # its mode alone: a stat, not a read
        try:
            mode = os.stat(repo / rel).st_mode & 0o7777
        except OSError:
            mode = None
    return data, mode
