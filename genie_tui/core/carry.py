"""A resumed run goes on with the work of the run it continues: with ``commit = "end"``, what a run killed
before its end had applied is committed by the resumed run when it ends, as that run would have committed it.

The killed run's hold on the undo journal died with it (``patching/hold.py``), so before the resumed run applies
anything its session's uncommitted entries are taken over under the resumed run's hold: its own applies, or a
``genie apply`` in another terminal, no longer prune them before its commit. An entry pruned while the session was
stopped cannot be committed (the commit takes each change from its entry): one line names those patches. A
patch the user undid meanwhile is neither committed nor named, and a run that committed its patches leaves
nothing to take over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genie_tui.patching.hold import Adopted

#: patches named in the line about those the commit cannot include
SHOWN = 10


def take_over(repo: Path, session_id: str, waiting: dict[str, float],
              hold_id: str | None) -> tuple[list[str], list[str]]:
    """Hold the session's uncommitted journal entries for this run's commit (``hold_id``: its hold, None when
    it has none). Returns the ids of the patches the commit will take over, and the lines to tell the user:
    the patches it cannot include, or why the journal could not be read. ``waiting``: :func:`waiting`.

    Blocking (the repository's patch lock may be waited for): run it in a thread.
    """
    from genie_tui.patching import hold, lock, undo

    prefix = f"{session_id}:"
    try:
        adopted = hold.adopt(repo, prefix, hold_id)
    except (lock.Busy, OSError) as exc:
        why = exc if isinstance(exc, lock.Busy) else f"it cannot be locked: {exc.strerror or exc}"
        # commit at the end all the same: the commit takes whatever the journal still has
        said = (f"the undo journal could not be read ({why}); this run's commit takes what was applied before "
                "the session stopped only as far as the journal still holds it")
        return ["(applied before the session stopped)"], [said]
    taken = [tag[len(prefix):] for tag, done in adopted.found.items() if not done]
    said: list[str] = []
    gone = _pruned(waiting, prefix, adopted)
    if gone:
        one = len(gone) == 1
        said.append(f"the commit at this run's end cannot include {_shown(gone)} of the run before: "
                    f"{'its undo journal entry was' if one else 'their undo journal entries were'} pruned while the "
                    f"session was stopped, so what {'it' if one else 'they'} changed stays uncommitted")
    if adopted.unheld:
        said.append(f"the undo journal entries of {_shown(adopted.unheld)} could not be kept for this run's commit; "
                    f"the journal's limit of {undo.KEEP_ENTRIES} may take them before it")
    return taken, said


def waiting(records: list[tuple[int, dict[str, Any]]]) -> dict[str, float]:
    """The patches of a session (its records, as read) that still wait for a commit: applied, not undone in the
    session, and no commit since (a commit takes every entry not yet committed); id -> when it was recorded."""
    found: dict[str, float] = {}
    for _, rec in records:
        kind = rec.get("type")
        if kind == "patch" and rec.get("applied") is True and isinstance(rec.get("id"), str):
            when = rec.get("ts")
            found[rec["id"]] = float(when) if isinstance(when, (int, float)) else float("inf")
        elif kind == "undo" and isinstance(rec.get("patch_id"), str):
            found.pop(rec["patch_id"], None)
        elif kind == "commit":
            found.clear()
    return found


def _pruned(waiting: dict[str, float], prefix: str, adopted: Adopted) -> list[str]:
    """The patches of ``waiting`` whose entries the journal no longer has because they were pruned: recorded
    before its oldest entry. One missing although an older entry is there was undone (``genie undo`` takes the
    newest entry, pruning the oldest)."""
    if adopted.oldest is None:  # pruning keeps the newest 100: an empty journal was undone or deleted
        return []
    return [pid for pid, when in waiting.items() if prefix + pid not in adopted.found and when < adopted.oldest]


def _shown(names: list[str]) -> str:
    more = len(names) - SHOWN
    return ", ".join(names[:SHOWN]) + (f" and {more} more" if more > 0 else "")
