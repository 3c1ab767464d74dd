"""Slash commands about saved sessions: ``/resume [ID]`` and ``/sessions`` (a picker), and giving a session's
lock back when the app stops working on it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genie_tui.ui.screens.main import MainScreen


def close_session(agent: Any) -> None:
    """Give back the lock on ``agent``'s session, if it has one (the app no longer works on it)."""
    close = getattr(getattr(agent, "session", None), "close", None)
    if callable(close):
        close()


def latest_session(repo: Path | None, exclude: str | None = None) -> tuple[str | None, list[str]]:
    """The id of this repository's most recent saved session (``exclude``: the one already open), and a line
    for each damaged session file it skipped, read as ``/sessions`` reads them."""
    from genie_tui.ui.screens.sessions import this_repos_sessions

    if repo is None:
        return None, []
    mine, _, damaged = this_repos_sessions(repo, exclude)
    return (mine[0].id if mine else None), damaged


def _reopen(ref: str, settings: Any, repo: Path | None) -> tuple[Any, list[Any], tuple[str, str] | None]:
    """The resumed agent and the session's conversation, read before resuming cuts off a torn last line; and
    ``None``, or the session's id and task when it stopped before that task reached the model (``_not_started``)."""
    from genie_tui.core.agent import Agent  # type: ignore[import-not-found]
    from genie_tui.core.restore import restore
    from genie_tui.core.session import find_session
    from genie_tui.core.start_over import not_started
    from genie_tui.core.transcript import read_transcript

    path = find_session(ref)
    state = restore(path)
    if not_started(state):
        return _not_started(path, state, settings, repo), [], (path.stem, str(state.start["task"]))
    past = read_transcript(path)
    return Agent.resume(str(path), settings, repo=repo), past, None


def _not_started(path: Path, state: Any, settings: Any, repo: Path | None) -> Any:
    """A new agent for a session stopped before its task reached the model (core/start_over.py), in this app's
    repository only."""
    from genie_tui.core.start_over import start_over

    agent = start_over(path, state, settings, repo=repo)
    agent.active_playbooks = tuple((name, "explicit") for name in state.playbooks_on)  # shown before the first turn
    return agent


async def _busy(screen: MainScreen, what: str) -> bool:
    """A turn runs, or an ``/apply`` review awaits a verdict (the resumed session's patch would take the pane and
    leave the review's worker waiting for ever): say so instead."""
    if screen.turn_running:
        await screen.conversation.add_note(f"{what}: the agent is working; Esc stops it first", "error")
        return True
    if screen.patch.awaiting:
        await screen.conversation.add_note(f"{what}: a patch awaits your review; decide it first (F4)", "error")
        return True
    return False


async def resume(screen: MainScreen, arg: str) -> None:
    if await _busy(screen, "resume"):
        return
    ref, skipped = arg, ""
    if not ref:
        current = getattr(getattr(screen.genie.agent, "session", None), "id", None)
        latest, damaged = await asyncio.to_thread(latest_session, screen.genie.repo, current)
        if damaged:  # it may have been the newest: say so rather than resume an older one silently
            files = "a damaged session file" if len(damaged) == 1 else f"{len(damaged)} damaged session files"
            skipped = f"resume: skipped {files}: " + "; ".join(damaged)
        ref = latest or ""
        if not ref:
            await screen.conversation.add_note("resume: no saved session for this repository", "error")
            if skipped:
                await screen.conversation.add_note(skipped, "error")
            return
    try:
        agent, past, task_again = await asyncio.to_thread(_reopen, ref, screen.genie.settings, screen.genie.repo)
    except Exception as exc:  # noqa: BLE001 - an unknown id, another repository's session or a damaged file: one line
        await screen.conversation.add_note(f"resume: {exc}", "error")
        return
    previous, screen.genie.agent = screen.genie.agent, agent
    kept = _keep_users_plan(screen, previous, agent)
    close_session(previous)  # no longer open here: another genie may resume it now
    # the session's playbooks as the user left them (one turned off stays off); /playbook and the palette show them
    screen.genie.active_playbooks = agent.active_playbooks
    notices, agent.resume_notices = agent.resume_notices, []  # said here, not again at the next turn
    for text in screen.genie.pending_context:  # added before any agent had it: this session gets it, once
        agent.add_context(text)
    screen.genie.pending_context.clear()
    from genie_tui.ui.past import show_session

    await show_session(screen, past, agent)
    if task_again is not None:
        await _put_back(screen, *task_again)
        if kept:
            await screen.conversation.add_note(kept)
        return
    session_id = getattr(agent.session, "id", ref)
    task = getattr(agent, "task", "")
    more = "; type a message to continue" if screen.genie.model_ready else \
        "; no model is configured, so it cannot continue here (set OPENAI_API_KEY or --base-url)"
    await screen.conversation.add_note(f"resumed {session_id}" + (f" — “{task}”" if task else "") + more,
                                       "good" if screen.genie.model_ready else "error")
    if kept:
        await screen.conversation.add_note(kept)
    if skipped:
        await screen.conversation.add_note(skipped, "error")
    for notice in notices:
        await screen.conversation.add_note(notice, "error")


def _keep_users_plan(screen: MainScreen, previous: Any, agent: Any) -> str:
    """The plan the user wrote before resuming, not sent to any model yet (before a first task, or to an agent
    that never started a session), goes on after the resumed session's plan, minus the steps it already has;
    the resumed agent sends it with its next request. Returns the note that says so ("" when nothing was kept).
    """
    steps = screen.genie.pending_plan
    if steps is None and previous is not None and getattr(previous, "session", None) is None:
        steps = list(getattr(previous, "plan", None) or [])
    screen.genie.pending_plan = None
    have = {step.text for step in agent.plan}
    added = [step for step in steps or [] if step.text not in have]
    if not added:
        return ""
    after = ", after the session's plan" if agent.plan else ""
    agent.user_plan_edit(list(agent.plan) + added)
    count, go = ("the plan step", "it goes") if len(added) == 1 else (f"the {len(added)} plan steps", "they go")
    return f"resume: kept {count} you wrote{after}; {go} to the model with your next message"


async def _put_back(screen: MainScreen, session_id: str, task: str) -> None:
    """The task of a session that never reached the model, back in the prompt: Enter runs it in a new session
    (the app sends nothing until the user says so, as after any other ``/resume``)."""
    from genie_tui.ui.widgets.prompt import PromptInput

    prompt = screen.query_one("#prompt", PromptInput)
    prompt.value = task
    prompt.cursor_position = len(task)
    prompt.focus()
    more = "; Enter runs it in a new session" if screen.genie.model_ready else \
        "; no model is configured, so it cannot run here (set OPENAI_API_KEY or --base-url)"
    await screen.conversation.add_note(f"session {session_id} stopped before its task reached the model: its task "
                                       "is back in the prompt" + more, "good" if screen.genie.model_ready else "error")


async def sessions(screen: MainScreen, arg: str) -> None:
    """A picker of this repository's saved sessions; the chosen one is resumed as ``/resume ID`` would."""
    if await _busy(screen, "sessions"):
        return
    repo = screen.genie.repo
    if repo is None:
        return
    from genie_tui.ui.screens.sessions import SessionPicker, this_repos_sessions

    current = getattr(getattr(screen.genie.agent, "session", None), "id", None)
    mine, others, damaged = await asyncio.to_thread(this_repos_sessions, repo, current)
    if not mine:
        more = f" ({others} of other repositories)" if others else ""
        await screen.conversation.add_note(f"sessions: no saved session for this repository{more}", "error")
        for line in damaged:
            await screen.conversation.add_note(f"not readable: {line}", "error")
        return

    def chosen(session_id: str | None) -> None:
        if session_id:
            screen.run_worker(resume(screen, session_id))

    screen.app.push_screen(SessionPicker(mine, others, damaged), chosen)
