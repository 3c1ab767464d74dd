"""The command palette's genie commands (Ctrl+P): every key's action is here too, with its key in the help.

Pane commands appear while they can act: the review commands while a patch awaits a verdict (those that decide
not while a review comment is being written: Focus patch, F4, goes back to it), the step
commands while the plan has steps and no step is being written (Esc's "close" while a comment or a step is), the tool-call commands while the conversation shows one, the search
commands while a hit is highlighted, "Review the recorded patches" while the agent has patches recorded under
approval mode never. Over a dialog, only its own keys (a question's choices among them, :data:`DIALOGS`).
Models are the ones the endpoint lists (fetched once, the first time the
palette opens) plus "Switch model…", which puts ``/model `` in the prompt for any other name (never over a
draft: see ``TYPED``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.markup import escape

from genie_tui.core.recorded import recorded
from genie_tui.ui.themes import textual_builtin

if TYPE_CHECKING:
    from genie_tui.ui.app import GenieApp
    from genie_tui.ui.screens.main import MainScreen

# (title, help, action on the main screen)
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("Stop the current turn", "Esc: close the stream, run no further tool", "cancel_turn"),
    ("Focus search", "F2: search the code, Enter previews, c adds to context", "focus_pane('search-pane')"),
    ("Focus plan", "F3: tick, add, edit, reorder, delete steps", "focus_pane('plan-pane')"),
    ("Focus patch", "F4: review hunks (y approve, n reject, m comment, a all, Enter submit)", "focus_pane('patch-pane')"),
    ("Focus prompt", "F5 (or Esc when idle): type a task or a /command", "focus_pane('prompt')"),
    ("Undo last patch", "Ctrl+U: restore the files the last applied patch changed", "undo"),
    ("Cycle approval mode", "Ctrl+T: ask -> auto -> never", "cycle_approve"),
    ("Copy conversation", "Ctrl+Y: copy the transcript to the clipboard (OSC 52)", "copy_transcript"),
    ("Show working-tree diff", "/diff: git diff in the patch pane", "slash('/diff')"),
    ("Clear the conversation", "/clear: start a new session", "slash('/clear')"),
    ("Resume the latest session", "/resume: continue this repository's most recent session", "slash('/resume')"),
    ("Resume a session…", "/sessions: pick one of this repository's saved sessions", "slash('/sessions')"),
    ("Show the current model", "/model: the model the next request uses (Switch model… changes it)",
     "slash('/model')"),
    ("List playbooks", "/playbook: the playbooks genie knows, which are active and why", "slash('/playbook')"),
    ("Help", "/help: keys and slash commands", "slash('/help')"),
)

# Commands that take an argument: the palette puts the command in the prompt for the rest to be typed. A draft
# in the prompt is kept: a question or a URL typed first becomes the argument of /ask or /browse; /model and
# /apply, whose argument is a name, leave a draft as it is and say so.
TYPED: tuple[tuple[str, str, str], ...] = (
    ("Switch model…", "/model NAME: the model for the next request on; the conversation stays", "/model "),
    ("Apply a patch file…", "/apply FILE: review a diff file hunk by hunk, then apply it", "/apply "),
    ("Ask about the code…", "/ask QUESTION: an answer, no file changes", "/ask "),
    ("Read a web page…", "/browse URL: the agent reads it for the task", "/browse "),
)

# (title, help, pane, action) while a patch awaits review
REVIEW: tuple[tuple[str, str, str], ...] = (
    ("Patch: approve the selected hunk", "y in the patch pane", "verdict('approved')"),
    ("Patch: reject the selected hunk", "n in the patch pane", "verdict('rejected')"),
    ("Patch: reject the selected hunk with a comment", "m in the patch pane", "comment"),
    ("Patch: next hunk", "j or Down in the patch pane", "move(1)"),
    ("Patch: previous hunk", "k or Up in the patch pane", "move(-1)"),
    ("Patch: approve all hunks and apply", "a in the patch pane", "approve_all"),
    ("Patch: reject the whole patch (with a comment)", "r in the patch pane", "reject_all"),
    ("Patch: edit the diff before applying", "e in the patch pane", "edit"),
    ("Patch: submit the review (pending hunks count as approved)", "Enter in the patch pane", "submit"),
)

PLAN: tuple[tuple[str, str, str], ...] = (
    ("Plan: add a step", "o in the plan pane", "add"),
    ("Plan: tick the highlighted step (todo → doing → done)", "space in the plan pane", "tick"),
    ("Plan: edit the highlighted step", "e in the plan pane", "edit"),
    ("Plan: delete the highlighted step", "x or Delete in the plan pane", "delete"),
    ("Plan: move the highlighted step up", "K or Shift+Up in the plan pane", "move(-1)"),
    ("Plan: move the highlighted step down", "J or Shift+Down in the plan pane", "move(1)"),
    ("Plan: undo the last edit", "u in the plan pane", "undo"),
)

# Esc in the review comment and in the step editor, offered while one is open (title, help)
CLOSE_COMMENT = ("Patch: close the review comment", "Esc in the review comment: back to the hunks, the comment dropped")
CLOSE_EDITOR = ("Plan: close the step editor", "Esc in the step editor: the step is not saved")

# the conversation's tool-call lines: the selected one (the newest when none is)
TOOL_CALLS: tuple[tuple[str, str, str], ...] = (
    ("Conversation: expand or collapse the selected tool call", "Enter on a tool call (or a click)", "tool_toggle"),
    ("Conversation: next tool call", "Down or j in the older conversation, Tab between the newest", "tool_move(1)"),
    ("Conversation: previous tool call", "Up or k in the older conversation, Shift+Tab between the newest",
     "tool_move(-1)"),
)

# A dialog's own keys, offered instead of the main screen's commands while it is open: those act behind it (the
# palette's "approve all" decided a patch whose edit was still open in the diff editor). (title, help, action)
DIALOGS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "PreviewScreen": (("Preview: add the shown span to the agent's context", "c in the preview", "add"),
                      ("Preview: close", "Esc or q in the preview", "close")),
    "EditDiffScreen": (("Editor: apply the edited diff", "Ctrl+S in the diff editor", "save"),
                       ("Editor: cancel the edit (the patch still awaits review)", "Esc in the diff editor", "cancel")),
    "QuestionScreen": (("Dialog: answer Esc (the agent's best assumption, or don't run the command)",
                        "Esc in the dialog; a choice's number and Enter picks it", "assume"),
                       ("Dialog: scroll the question down", "PageDown in the dialog", "scroll_body(1)"),
                       ("Dialog: scroll the question up", "PageUp in the dialog", "scroll_body(-1)")),
    "SessionPicker": (("Sessions: resume the highlighted session", "Enter in the session list", "resume"),
                      ("Sessions: close", "Esc in the session list: resume none", "close")),
    "WelcomeScreen": (("Welcome: run the demo", "d on the welcome screen", "choose('demo')"),
                      ("Welcome: continue", "Esc or c on the welcome screen", "choose('continue')")),
}

MODELS_TIMEOUT_S = 5.0


def dialog_commands(screen: Any) -> Iterator[SystemCommand]:
    """The palette over a dialog: its own keys only, those that can act now (Enter in an empty session list
    cannot), then what the dialog itself offers (a question's choices, which come from the model)."""
    entries = (*DIALOGS.get(type(screen).__name__, ()), *getattr(screen, "palette_entries", tuple)())
    for title, help_, action in entries:
        if screen.check_action(action.partition("(")[0], ()) is not False:
            yield SystemCommand(title, help_, partial(screen.run_action, action))


def commands(app: GenieApp, main: MainScreen) -> Iterator[SystemCommand]:
    """genie's palette entries as things stand now (the palette asks again as the user types)."""
    for title, help_, action in PALETTE:
        yield SystemCommand(title, help_, partial(main.run_action, action))
    for title, help_, line in TYPED:
        yield SystemCommand(title, help_, partial(_type, main, line, title))
    agent = app.agent
    if agent is not None and not main.patch.awaiting and recorded(agent.patches):
        yield SystemCommand("Review the recorded patches", "/apply: the patches recorded under approval mode never, "
                            "as one diff, hunk by hunk", partial(main.run_action, "slash('/apply')"))
    if main.patch.awaiting:  # those its keys would do now: none that decide while a review comment is open
        for title, help_, action in REVIEW:
            if main.patch.check_action(action.partition("(")[0], ()):
                yield SystemCommand(title, help_, partial(_in_pane, main.patch.view, main.patch, action))
    if main.patch.check_action("close_comment", ()):
        yield SystemCommand(*CLOSE_COMMENT, partial(_in_pane, main.patch.view, main.patch, "close_comment"))
    # those its keys would do now: while a step is being written, adding one goes back to it, and Esc closes it
    for title, help_, action in PLAN:
        if main.plan.check_action(action.partition("(")[0], ()) and (main.plan.steps or action == "add"):
            yield SystemCommand(title, help_, partial(_in_pane, main.plan.items, main.plan, action))
    if main.plan.check_action("close_editor", ()):
        yield SystemCommand(*CLOSE_EDITOR, partial(_in_pane, main.plan.items, main.plan, "close_editor"))
    if main.conversation.tool_calls():
        for title, help_, action in TOOL_CALLS:
            yield SystemCommand(title, help_, partial(main.conversation.run_action, action))
    if main.search._current() is not None:
        yield SystemCommand("Search: preview the highlighted hit", "Enter in the search results",
                            partial(_in_pane, main.search.results, main.search, "preview"))
        yield SystemCommand("Search: add the highlighted hit to the agent's context", "c in the search results",
                            partial(_in_pane, main.search.results, main.search, "add_context"))
    yield from _models(app, main)
    for name in sorted(app.available_themes):
        if not textual_builtin(app.available_themes[name]):
            yield SystemCommand(f"Theme: {escape(name)}", "switch the colour theme", partial(app.set_theme, name))
    for mode in ("ask", "auto", "never"):
        yield SystemCommand(f"Approval mode: {mode}", "how proposed patches are handled",
                            partial(app.set_approval_mode, mode))
    if app.repo is not None:
        from genie_tui.playbooks import PlaybookLibrary

        active = dict(app.active_playbooks)
        for pb in PlaybookLibrary.load(app.repo).playbooks:
            state = f"active ({active[pb.name]}); select to turn off" if pb.name in active else "select to turn on"
            # the palette parses help as markup; a repository's description is text ("[tool.poetry]")
            yield SystemCommand(f"Playbook: {escape(pb.name)}", f"{escape(pb.description)} — {state}",
                                partial(main.run_action, f"slash({'/playbook ' + pb.name!r})"))


#: commands whose argument is free text: a draft in the prompt becomes their argument
DRAFT_ARGUMENT = frozenset({"/ask ", "/browse "})


def _type(main: MainScreen, line: str, title: str) -> None:
    """Put ``line`` in the prompt, never over a draft: the palette's Enter cannot be taken back."""
    from genie_tui.ui.widgets.prompt import PromptInput

    prompt = main.query_one("#prompt", PromptInput)
    draft = prompt.value
    command = draft.split(maxsplit=1)[0].lower() if draft.strip() else ""
    if not command:
        prompt.value = line
    elif command == line.strip():  # the command is there already: its argument is being written
        pass
    elif line in DRAFT_ARGUMENT and not command.startswith("/"):
        prompt.insert(line, 0)  # a paste's marker stays in the text and its lines in the box
    else:
        main.notify(f"The prompt holds a draft: send or clear it first, then choose “{title}” again.",
                    severity="warning", timeout=5, markup=False)
    prompt.focus_at_end()


async def _in_pane(target: Any, pane: Any, action: str) -> None:
    """A pane's key, from the palette: focus where the key works (so the next key goes on from there), run it."""
    target.focus()
    await pane.run_action(action)


def _models(app: GenieApp, main: MainScreen) -> Iterator[SystemCommand]:
    if app.model_ready and app.palette_models is None:
        app.palette_models = ()  # asked once per session: the answer comes while the palette is open
        app.run_worker(_fetch_models(app), group="models", exit_on_error=False)
    current = app.settings.model
    for name in app.palette_models or ():
        if name != current:
            yield SystemCommand(f"Model: {escape(name)}", f"switch from {escape(current)} (the endpoint lists it)",
                                partial(main.run_action, f"slash({'/model ' + name!r})"))


async def _fetch_models(app: GenieApp) -> None:
    import importlib

    s = app.settings
    try:
        # importing the SDK takes up to a second: not on the event loop
        client_mod = await asyncio.to_thread(importlib.import_module, "genie_tui.providers.client")
        client = client_mod.ModelClient(model=s.model, base_url=s.base_url, api_key=s.api_key,
                                        timeout=MODELS_TIMEOUT_S, max_retries=0)
        try:
            names = await asyncio.wait_for(client.list_models(), MODELS_TIMEOUT_S)
        finally:
            await client.aclose()
    except Exception:  # noqa: BLE001 - no list (a server without /models, offline): "Switch model…" remains
        return
    app.palette_models = tuple(str(n) for n in names)
