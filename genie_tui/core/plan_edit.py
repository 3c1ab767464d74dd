"""The note that tells the model the user edited the plan, and its one-line stand-in once a later edit supersedes
it: each note carries the whole plan, and the current plan is restated in every request's system prompt, so
older copies only take room (see :func:`genie_tui.core.context.compact`)."""

from __future__ import annotations

import re
from typing import Any

from genie_tui.core.events import PlanStep
from genie_tui.core.prompt import render_plan

PLAN_EDIT_NOTE = "[The user edited the plan."
_HEADER = PLAN_EDIT_NOTE + " Their version replaces yours; follow it and reflect it in your next update_plan.]"
#: what an older plan edit becomes in a request that needs room (the session keeps the note as it was sent)
SUPERSEDED_NOTE = ("[The user edited the plan at this point; that version is superseded: the current plan is in the "
                   "system prompt.]")
# a plan edit note: its first line at the start of a message or of a note (notes are joined with a blank line),
# then its plan up to the blank line before the next note, or the message's end
_BLOCK = re.compile(r"(?:^|(?<=\n\n))" + re.escape(_HEADER) + r"(?:\n(?!\n)[^\n]*)*")


def plan_edit_note(plan: list[PlanStep]) -> str:
    """What the model is told at its next request when the user edits the plan: the user's whole plan."""
    return _HEADER + "\n" + render_plan(plan)


def _user_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    return content if message.get("role") == "user" and isinstance(content, str) else ""


def superseded(messages: list[dict[str, Any]]) -> list[int]:
    """The indexes of the user messages in ``messages`` that carry a plan edit older than the newest one."""
    edits = [i for i, m in enumerate(messages) if _BLOCK.search(_user_text(m))]
    return edits[:-1]


def shrunk(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` (a user message) with each plan edit in it replaced by :data:`SUPERSEDED_NOTE`; the other notes
    it carries stay as they are."""
    return {**message, "content": _BLOCK.sub(SUPERSEDED_NOTE, message["content"])}
