"""The patches recorded for review under approval mode never: which they are, and the files as they leave
them (what read_file shows then)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genie_tui.core.agent import Agent

FOR_REVIEW = "not applied: approval mode is never"
#: a recorded patch's reason once the user leaves ``never`` without taking it (the model is told)
LEFT_NEVER = "not applied: recorded under approval mode never, which the user then left"


def recorded(patches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The patches recorded for review under approval mode never, in order."""
    return [p for p in patches if not p["applied"] and p["reason"] == FOR_REVIEW and p.get("diff")]


def for_review(patches: list[dict[str, Any]]) -> list[str]:
    """The diffs of :func:`recorded` (``patching.staging`` makes them one)."""
    return [p["diff"] for p in recorded(patches)]


def leave_never(patches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The user left approval mode never: the patches recorded for review are left unapplied (and no longer
    staged). Returns them."""
    left = recorded(patches)
    for p in left:
        p["reason"] = LEFT_NEVER
    return left


def combined(repo: Path, patches: list[dict[str, Any]]) -> tuple[list[str], str]:
    """The ids of the patches recorded for review and their one diff from the files on disk (``git apply`` takes
    it); no ids and ``""`` when there are none, or they change nothing on disk any more."""
    from genie_tui.patching.staging import combined_diff, stage_all

    taken = recorded(patches)
    diff = combined_diff(repo, stage_all(repo, [p["diff"] for p in taken])) if taken else ""
    return ([p["id"] for p in taken], diff) if diff else ([], "")


def taken_into(patches: list[dict[str, Any]], ids: list[str], patch_id: str) -> None:
    """The user reviewed the recorded patches ``ids`` as one diff and applied it (or some of it) as ``patch_id``:
    they are no longer recorded for review."""
    for p in recorded(patches):
        if p["id"] in ids:
            p["reason"] = f"not applied as recorded: the user reviewed the recorded patches and applied them as {patch_id}"


def staged_view(agent: Agent) -> Callable[[], dict[str, tuple[bytes | None, int | None]]]:
    """What read_file shows under approval mode never (``ToolContext.staged``): the files as the patches recorded
    for review leave them, replayed at each read (a few patches take milliseconds). It holds the agent weakly: a
    cycle kept an agent dropped by its caller, with its session's lock, until a garbage collection."""
    from genie_tui.patching.staging import stage_all

    ref = weakref.ref(agent)

    def staged() -> dict[str, tuple[bytes | None, int | None]]:
        agent = ref()
        diffs = for_review(agent.patches) if agent is not None and agent.approval_mode == "never" else []
        return stage_all(agent.repo, diffs) if agent is not None and diffs else {}

    return staged
