"""The agent's commits of its applied patches (config ``commit``): in a thread, stopped with the turn."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from genie_tui.core.events import Committed, ErrorOccurred
from genie_tui.core.session import redact

if TYPE_CHECKING:
    from genie_tui.core.agent import Agent


async def commit(agent: Agent, message: str) -> list[Committed | ErrorOccurred]:
    """Commit applied patches (config ``commit``): the commit made (and whether the branch changed), and a
    line for genie's changes left uncommitted because they touch the user's own edits, or a problem to
    report; nothing when there was nothing to commit.

    git and the journal's lock (another genie's apply may hold it for a while) are waited for in a thread, never
    on the event loop. A cancel meanwhile (the turn's task cancelled, or ``agent.cancel()`` during the commit at
    the run's end, which no task of the turn covers) stops it: git and its hooks are ended, and what a commit
    that was not made leaves is undone (``gitproc.py``), which is then waited for. It had been waited out: a
    pre-commit hook of 45 s held a SIGTERM up for as long. ``agent.commit_stopped`` says whether that happened."""
    from genie_tui.patching.gitproc import Stop

    secrets = agent.settings.secrets()  # the branch is a slug of the task and the message is the model's
    stop = agent.commit_stop = Stop()
    committing = asyncio.ensure_future(asyncio.to_thread(
        _commit, agent.repo, redact(message, secrets), redact(agent.task or "task", secrets), f"{agent.session.id}:",
        stop))
    try:
        before, sha, branch, notes, problem = await asyncio.shield(committing)
    except asyncio.CancelledError:
        stop.set()
        before, sha, branch, notes, problem = await committing
    finally:
        agent.commit_stop = None
    agent.commit_stopped = problem is not None and stop.is_set
    if problem is not None:
        agent.session.record("error", message=problem)
        return [ErrorOccurred(problem)]
    events: list[Committed | ErrorOccurred] = []
    if sha is not None:
        previous = before if before != branch else None
        agent.session.record("commit", sha=sha, branch=branch, previous=previous)
        events.append(Committed(sha, branch, previous))
    for note in notes:
        agent.session.record("error", message=note)
        events.append(ErrorOccurred(note))
    return events


def _commit(repo: Any, message: str, task: str, tag: str,
            stop: Any) -> tuple[str | None, str | None, str, list[str], str | None]:
    """The branch before, the commit's sha, the branch after, the notes and a problem, or None; of the patches
    tagged ``tag`` (the session's own)."""
    from genie_tui.patching import commit_applied
    from genie_tui.patching.gitops import current_branch
    from genie_tui.patching.gitproc import Stopped

    before = current_branch(repo)
    notes: list[str] = []
    try:
        sha = commit_applied(repo, message, task, notes=notes, tag=tag, stop=stop)
    except Stopped as exc:
        return before, None, "", [], str(exc)
    except Exception as exc:  # noqa: BLE001 - committing is optional; the change is on disk either way
        return before, None, "", [], f"commit failed: {exc}"
    return before, sha, (current_branch(repo) or "HEAD") if sha is not None else "", notes, None
