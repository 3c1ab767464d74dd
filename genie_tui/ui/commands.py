"""Slash commands typed in the prompt. Each is a small async function on the main screen.

Commands that need no model (``/search``, ``/diff``, ``/undo``, ``/apply``, ``/playbook``, ``/theme``) work
on the welcome path too; the rest say how to configure a model.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from genie_tui.config.settings import model_name_problem
from genie_tui.ui.session_commands import resume, sessions

if TYPE_CHECKING:
    from genie_tui.ui.screens.main import MainScreen

Handler = Callable[["MainScreen", str], Awaitable[None]]

HELP = """\
Keys: Enter send · Esc stop the turn (idle: back to the prompt) · Ctrl+C twice quit · Ctrl+Q quit · F2 search
      F3 plan · F4 patch · F5 prompt · Ctrl+U undo · Ctrl+T approval mode · Ctrl+Y copy · Ctrl+P command palette
Patch: y approve hunk · n reject · m reject with comment · a approve all · r reject patch · e edit · Enter submit
Plan: space tick · o add · e edit · x delete · J/K move · u undo the last plan edit
Search: Enter runs the query, then previews a hit · c adds the hit to the agent's context
Commands: /plan [STEP] /playbook [NAME] /model NAME /theme NAME /undo /diff /search QUERY /browse URL /ask QUESTION
          /approve ask|auto|never /apply [FILE] /clear /resume [SESSION] /sessions /help"""


async def _help(screen: MainScreen, arg: str) -> None:
    await screen.conversation.add_note(HELP)


async def _plan(screen: MainScreen, arg: str) -> None:
    """``/plan STEP`` adds the step at once (the focus stays in the prompt); ``/plan`` alone opens the pane."""
    if arg:
        screen.plan.add_step(arg)
    else:
        screen.action_focus_pane("plan-pane")


async def _theme(screen: MainScreen, arg: str) -> None:
    if not arg:
        await screen.conversation.add_note("themes: " + ", ".join(sorted(screen.app.available_themes)))
    elif screen.genie.set_theme(arg):
        screen.notify(f"Theme: {arg}", timeout=2, markup=False)


async def _model(screen: MainScreen, arg: str) -> None:
    """Switch the model from the next request on; the conversation and the endpoint stay."""
    if not arg:
        await screen.conversation.add_note(f"model: {screen.genie.settings.model}")
        return
    agent = screen.genie.agent
    try:
        if agent is not None:
            agent.set_model(arg)
        elif model_name_problem(arg):  # no agent yet: the next one starts with it, so check it the same way
            raise ValueError(f"the model name {model_name_problem(arg)}")
    except ValueError as exc:
        await screen.conversation.add_note(f"model: {exc}", "error")
        return
    screen.genie.settings.model = arg  # an agent made later (or resumed) starts with it
    if not screen.genie.model_ready:  # a name is not an endpoint: the next message would still fail
        await screen.conversation.add_note(
            f"model: {arg} noted, but a model name alone is not enough: no API key or base URL is configured, so "
            "nothing can be sent yet. Set OPENAI_API_KEY or --base-url and restart genie, or try `genie demo`.",
            "error")
        return
    screen.status.update_fields(model=arg)
    when = "the next request" if agent is not None else "your next message"
    await screen.conversation.add_note(f"model: {arg} (from {when} on)")


async def _approve(screen: MainScreen, arg: str) -> None:
    arg = arg.lower()
    if arg not in ("ask", "auto", "never"):
        await screen.conversation.add_note("usage: /approve ask|auto|never", "error")
        return
    screen.genie.set_approval_mode(arg)


async def _search(screen: MainScreen, arg: str) -> None:
    if arg:
        screen.search.query_box.value = arg
        screen.search.run_search(arg)
    else:
        screen.search.query_box.focus()


async def _busy_patch(screen: MainScreen, what: str) -> bool:
    """The patch pane holds a patch awaiting a verdict: say so instead of replacing it (the agent waits)."""
    if screen.patch.awaiting:
        await screen.conversation.add_note(f"{what}: a patch awaits your review; decide it first (F4)", "error")
        return True
    return False


async def _diff(screen: MainScreen, arg: str) -> None:
    repo = screen.genie.repo
    if repo is None or await _busy_patch(screen, "diff"):
        return
    from genie_tui.patching.textfile import decode

    raw, new, more = await asyncio.to_thread(_working_tree_diff, repo)
    diff = decode(raw)[1]  # the files' own bytes: Latin-1 or a stray byte must not stop the app
    screen.show_patch_pane(True)
    files = f", and {new} new file{'s' if new != 1 else ''}" if new else ""
    files += f" ({more} more new files not shown)" if more else ""
    screen.patch.show_diff(diff, f"Working tree diff (git diff{files})" if diff else "No changes.")


#: New files shown by /diff; a build that leaves thousands untracked (and not ignored) shows the first ones.
DIFF_NEW_FILES = 100


def _working_tree_diff(repo: Path) -> tuple[bytes, int, int]:
    """``git diff`` of the tracked files, then each new file that git does not ignore as a diff from nothing (a
    file the agent created is part of what it did); how many new files are shown, and how many more are not."""
    out = subprocess.run(["git", "diff", "--no-color"], cwd=repo, capture_output=True, check=False).stdout
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=repo,
                            capture_output=True, check=False).stdout.split(b"\0")
    names = [os.fsdecode(n) for n in listed if n]
    for name in names[:DIFF_NEW_FILES]:
        # exit 1: there are differences; the header is git's own ("new file mode", "Binary files ... differ")
        out += subprocess.run(["git", "diff", "--no-color", "--no-index", "--", os.devnull, name], cwd=repo,
                              capture_output=True, check=False).stdout
    return out, min(len(names), DIFF_NEW_FILES), max(0, len(names) - DIFF_NEW_FILES)


async def undo(screen: MainScreen, arg: str = "") -> None:
    repo = screen.genie.repo
    if repo is None:
        return
    try:
        from genie_tui.patching import undo_last

        report = await asyncio.to_thread(undo_last, repo)
    except ImportError:
        await screen.conversation.add_note("undo is not available in this build", "error")
        return
    except Exception as exc:  # GenieError "nothing to undo" and friends
        await screen.conversation.add_note(f"undo: {exc}", "error")
        return
    files = getattr(report, "files", None) or []
    label = f" “{report.label}”" if getattr(report, "label", "") else ""
    if not getattr(report, "undone", True):
        reverted = bool(files) and set(getattr(report, "unchanged", [])) == set(files)
        await screen.conversation.add_note(f"undo: {report.reason}", "" if reverted else "error")
        if not reverted:
            return
        # the user had put every file back by hand: the patch is off the disk all the same, and the model
        # must hear it as it would an undo
    else:
        await screen.conversation.add_note(f"↶ undid the last patch{label} ({', '.join(map(str, files))})", "good")
    screen.patch.undone(label.strip())
    agent = screen.genie.agent
    if agent is not None:  # the model must not go on believing its patch is on disk
        agent.user_undid([str(f) for f in files], getattr(report, "label", "") or "", getattr(report, "tag", ""))


async def _apply(screen: MainScreen, arg: str) -> None:
    """Review a patch file hunk by hunk, then apply the approved hunks (no model needed)."""
    repo = screen.genie.repo
    if repo is None:
        await screen.conversation.add_note("usage: /apply FILE", "error")
        return
    if screen.turn_running:  # the agent's next patch would take the pane from this review
        screen._refuse_busy()
        return
    if await _busy_patch(screen, "apply"):
        return
    if not arg:
        from genie_tui.ui.recorded_review import review_recorded

        await review_recorded(screen)
        return
    path = Path(os.path.expanduser(arg))  # "~nouser/x" stays as typed (pathlib's expanduser raised)
    path = path if path.is_absolute() else repo / path
    from genie_tui.patching.cli import PATCH_BYTES
    from genie_tui.patching.textfile import decode_patch
    from genie_tui.reading import read_regular

    try:  # /dev/zero or a named pipe: refused unread, never the app's memory or a hang
        data = read_regular(path, PATCH_BYTES)
    except (OSError, ValueError) as exc:  # ValueError: a pasted NUL in the name ("embedded null byte")
        why = getattr(exc, "strerror", None) or exc
        await screen.conversation.add_note(f"apply: cannot read {arg}: {why}", "error")
        return
    diff = decode_patch(data)  # as `genie apply` reads it: a Latin-1 patch still applies to a Latin-1 file
    from genie_tui.ui.screens.edit import unreadable

    problem = unreadable(diff)
    if problem:  # said now, rather than a review of "0 hunks" that fails once approved
        await screen.conversation.add_note(f"apply: {arg} not applied: {problem}", "error")
        return
    screen.show_patch_pane(True)
    future = screen.patch.await_local(diff, path.name)
    screen.refresh_bindings()
    screen.run_worker(_apply_when_decided(screen, repo, diff, path.name, future))


async def _apply_when_decided(screen: MainScreen, repo: Path, diff: str, label: str,
                              future: asyncio.Future) -> None:
    await asyncio.wait([future])
    if future.cancelled():  # the agent's patch took the pane (a task was started during the review)
        await screen.conversation.add_note(f"apply: {label} was not applied: the agent's patch replaced its "
                                           "review (/apply it again to review it)", "error")
        return
    decision = future.result()
    if decision.rejected:
        return
    from genie_tui.patching import apply_patch

    hunks = None if decision.hunks is None or decision.edited_diff else set(decision.hunks)
    try:
        report = await asyncio.to_thread(apply_patch, repo, decision.edited_diff or diff, hunks=hunks,
                                         label=f"/apply {label}")
    except Exception as exc:  # a GenieError from the patch engine is a one-line note, not a crash
        await screen.conversation.add_note(f"apply: {exc}", "error")
        return
    result = report.to_json() if hasattr(report, "to_json") else {}
    screen.patch.applied(bool(report.applied), result if isinstance(result, dict) else {})
    await screen.conversation.add_note("✓ applied" if report.applied else f"✗ not applied: {report.reason}",
                                       "good" if report.applied else "error")


async def _playbook(screen: MainScreen, arg: str) -> None:
    """``/playbook`` lists playbooks (active ones marked, with why); ``/playbook NAME`` turns one on or off."""
    from genie_tui.playbooks import PlaybookLibrary  # type: ignore[attr-defined]

    lib = await asyncio.to_thread(PlaybookLibrary.load, screen.genie.repo)
    agent = screen.genie.agent
    if agent is None or not agent.task:  # no task has selected any yet: those that apply to every task apply
        explicit = agent.explicit_playbooks if agent is not None else screen.genie.playbooks
        screen.genie.active_playbooks = tuple((a.name, a.reason) for a in lib.select(
            "", explicit=explicit, disabled=agent.disabled_playbooks if agent is not None else ()))
    active = dict(screen.genie.active_playbooks)
    if not arg:
        lines = [f"  {'●' if pb.name in active else '○'} {pb.name} — {pb.description}"
                 + (f"  [{active[pb.name]}]" if pb.name in active else "") for pb in lib.playbooks]
        await screen.conversation.add_note("playbooks (● active; /playbook NAME turns one on or off):\n"
                                           + "\n".join(lines))
        return
    pb = lib.get(arg)
    if pb is None:
        close = lib.close_names(arg)
        await screen.conversation.add_note(f"no playbook {arg!r}" + (f"; did you mean {', '.join(close)}?" if close else ""),
                                           "error")
        return
    turn_on = pb.name not in active
    agent = screen.genie.get_agent()
    if agent is None:  # no model configured: remember the choice for the session a model will start
        if turn_on and pb.name not in screen.genie.playbooks:
            screen.genie.playbooks.append(pb.name)
        screen.genie.active_playbooks = tuple((n, r) for n, r in screen.genie.active_playbooks if n != pb.name) + (
            ((pb.name, "explicit"),) if turn_on else ())
    else:
        screen.genie.active_playbooks = agent.set_playbook(pb.name, turn_on)
    state = "on" if turn_on else "off"
    await screen.conversation.add_note(f"playbook {pb.name} turned {state}: {pb.description}",
                                       "good" if turn_on else "")


async def _clear(screen: MainScreen, arg: str) -> None:
    if await _busy_patch(screen, "clear"):  # hiding the pane would leave the review open, out of sight
        return
    if screen.turn_running:
        screen.action_cancel_turn()
    screen.genie.reset_agent()
    await screen.conversation.clear()
    screen.plan.show([], "user")
    screen.show_patch_pane(False)


async def _browse(screen: MainScreen, arg: str) -> None:
    if not arg:
        await screen.conversation.add_note("usage: /browse URL", "error")
        return
    await screen.start_task(f"Read {arg} with browse_url and use what is relevant to the task.", f"/browse {arg}")


async def _ask(screen: MainScreen, arg: str) -> None:
    if not arg:
        await screen.conversation.add_note("usage: /ask QUESTION", "error")
        return
    await screen.start_task(f"Answer this question about the code; do not change any files. Call finish with "
                            f"the answer as its summary: {arg}", f"/ask {arg}")


COMMANDS: dict[str, Handler] = {
    "help": _help, "plan": _plan, "theme": _theme, "model": _model, "approve": _approve, "search": _search,
    "diff": _diff, "undo": undo, "apply": _apply, "playbook": _playbook, "clear": _clear, "resume": resume,
    "sessions": sessions, "browse": _browse, "ask": _ask,
}


def starts_a_turn(line: str) -> bool:
    """``line`` is a command that hands the agent a task (refused, and left in the prompt, while it works)."""
    name, _, arg = line.lstrip("/").partition(" ")
    if name.lower() == "apply":  # not a task, but its review would compete with the agent's patches
        return True
    return name.lower() in ("ask", "browse") and bool(arg.strip())


#: Commands that take no argument refuse one: ``/undo src/x.py`` must not undo the whole last patch
NO_ARGUMENT = frozenset({"undo", "diff", "clear", "sessions"})


async def run_slash(screen: MainScreen, line: str) -> None:
    name, _, arg = line.lstrip("/").partition(" ")
    handler = COMMANDS.get(name.lower())
    if handler is None:
        await screen.conversation.add_note(f"unknown command /{name}; /help lists them", "error")
        return
    if arg.strip() and name.lower() in NO_ARGUMENT:
        await screen.conversation.add_note(f"/{name.lower()} takes no argument; nothing was done", "error")
        return
    await handler(screen, arg.strip())
