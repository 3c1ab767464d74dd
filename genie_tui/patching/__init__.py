"""Apply model-written unified diffs robustly, or refuse with a reason; never misapply silently.

Public API: :func:`apply_patch`, :func:`split_hunks`, :func:`only_hunks`, :class:`StreamingDiffParser`, :func:`undo_last`,
:func:`commit_applied` and the report types. Parsing and locating are pure; ``fsio`` is the only writer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from genie_tui.patching.api import apply_patch, only_hunks
from genie_tui.patching.model import HunkInfo, HunkReport, PatchReport, UndoReport
from genie_tui.patching.parse import split_hunks
from genie_tui.patching.stream import StreamingDiffParser
from genie_tui.patching.undo import undo_last

if TYPE_CHECKING:
    from genie_tui.patching.gitops import commit_applied


def __getattr__(name: str) -> Any:
    if name == "commit_applied":  # keeps gitpython out of `genie apply`'s import time
        from genie_tui.patching.gitops import commit_applied

        return commit_applied
    raise AttributeError(name)


__all__ = ["HunkInfo", "HunkReport", "PatchReport", "StreamingDiffParser", "UndoReport", "apply_patch",
           "commit_applied", "only_hunks", "split_hunks", "undo_last"]
