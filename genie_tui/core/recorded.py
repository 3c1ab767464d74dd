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


def combined(repo: Path, patches: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, str]], str]:
    """The patches recorded for review as one diff from the files on disk (``git apply`` takes it): the ids of
    those in it, those that no longer apply to the files as they are (id, why), and the diff. Recorded patches
    that together change nothing are among the second."""
    from genie_tui.patching.staging import combined_diff, stage_patch

    overlay: dict[str, tuple[bytes | None, int | None]] = {}
    ids: list[str] = []
    stale: list[tuple[str, str]] = []
    for p in recorded(patches):
        report = stage_patch(repo, p["diff"], overlay)
        if report.applied:
            ids.append(p["id"])
        else:
            stale.append((p["id"], " ".join((report.reason or "it does not apply").split())))
    diff = combined_diff(repo, overlay) if ids else ""
    if ids and not diff:
        stale += [(i, "together with the others it changes nothing") for i in ids]
        ids = []
    return ids, stale, diff


def settle(patches: list[dict[str, Any]], ids: list[str], reason: str) -> None:
    """The patches ``ids``, recorded for review (or left so when the user left never during their review), are no
    longer recorded: not applied as recorded, for ``reason``."""
    for p in patches:
        if p["id"] in ids and not p["applied"] and p["reason"] in (FOR_REVIEW, LEFT_NEVER):
            p["reason"] = reason


def reviewed(patches: list[dict[str, Any]], rec: dict[str, Any]) -> None:
    """What a ``recorded_review`` record (see ``UserIntent.user_reviewed_recorded``) did to ``patches``."""
    patch_id = rec.get("patch_id")
    settle(patches, [str(i) for i in rec.get("ids") or []],
           f"not applied as recorded: the user reviewed the recorded patches and applied them as {patch_id}"
           if patch_id else "not applied: the user reviewed the recorded patches and rejected them")
    for i, why in rec.get("stale") or []:
        settle(patches, [str(i)], f"not applied: recorded for review, it no longer applies to the files ({why})")


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
