"""A session stopped before its task reached the model (genie killed right after it started) has nothing to
continue: resuming it would send the model only "the session was interrupted", without the task. Its task runs
over in a new session instead, with the session's playbooks. ``genie resume`` and the app's ``/resume`` both do
this."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from genie_tui.core.restore import RestoredState, resolved
from genie_tui.errors import GenieError


def not_started(state: RestoredState) -> bool:
    """Whether the session has a task that never reached the model."""
    return bool(str(state.start.get("task") or "").strip()) and not any(
        m.get("role") == "user" for m in state.messages)


def start_over(path: Path, state: RestoredState, settings: Any, *, repo: Path | None = None,
               wanted: Iterable[str] = ()) -> Any:
    """A new agent for the task of the session at ``path`` (see :func:`not_started`), in the session's repository,
    with its playbooks and the ``wanted`` ones. With ``repo``, a session of another repository is refused
    (GenieError), as ``Agent.resume`` refuses it. Raises ``SessionBusy`` when another genie is just starting it."""
    from genie_tui.core.agent import Agent
    from genie_tui.core.session import Session

    own = str(state.start["repo"])
    if repo is not None and resolved(own) != resolved(str(repo)):
        raise GenieError(f"that session belongs to {own}; run genie there to resume it (this app works on {repo})")
    Session.claim(path).close()
    wanted = list(wanted)
    agent = Agent(settings, Path(own), playbooks=list(dict.fromkeys([*state.playbooks_on, *wanted])))
    agent.disabled_playbooks = set(state.playbooks_off) - set(wanted)
    return agent
