"""The patches recorded for review under approval mode never: which they are, and the files as they leave
them (what read_file shows then)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genie_tui.core.agent import Agent

FOR_REVIEW = "not applied: approval mode is never"


def recorded(patches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The patches recorded for review under approval mode never, in order."""
    return [p for p in patches if not p["applied"] and p["reason"] == FOR_REVIEW and p.get("diff")]


def for_review(patches: list[dict[str, Any]]) -> list[str]:
    """The diffs of :func:`recorded` (``patching.staging`` makes them one)."""
    return [p["diff"] for p in recorded(patches)]


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
