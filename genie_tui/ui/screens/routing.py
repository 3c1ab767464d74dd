"""Agent events to the panes of the main screen: which pane hears what, and the notes the conversation gets.

The screen owns the panes and the open questions (``_open``: each a future with the answer it gets if the
turn is cancelled); the router owns what lives between events of one turn: the filter that keeps terminal
control sequences out of the model's text, and the fatal error shown once with how the run ended.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from genie_tui.core import events as ev
from genie_tui.core.recorded import recorded
from genie_tui.printable import StreamPrintable, printable
from genie_tui.tools.testrun import exit_text
from genie_tui.ui.screens.question import ask_question, ask_to_run

if TYPE_CHECKING:
    from genie_tui.ui.screens.main import MainScreen


class EventRouter:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._text_filter = StreamPrintable()  # the model's text, without terminal control sequences
        self._fatal: str | None = None  # the error that ended the run, shown once with how the run ended

    async def turn_ended(self) -> None:
        self._text_filter.reset()
        await self._show_fatal()

    def reset(self) -> None:
        """The turn is gone with its conversation (``/clear``): nothing of it is shown later."""
        self._text_filter.reset()
        self._fatal = None

    def left_behind(self, e: object) -> None:
        """An event of a turn ``/clear`` started over from: shown nowhere, and whatever it waits for is answered as a
        stopped turn answers it (a cancelled turn asks nothing more, but none must wait for a dialog never shown)."""
        waits = _waits(e)
        if waits is not None and not waits[0].done():
            waits[0].set_result(waits[1])

    async def route(self, e: object) -> None:
        screen = self.screen
        conv = screen.conversation
        if self._fatal is not None and not isinstance(e, ev.SessionFinished):
            await self._show_fatal()
        if (waits := _waits(e)) is not None:  # answered so if the turn is stopped before the user answers
            screen.awaiting.append(waits)
        if isinstance(e, ev.TextDelta):
            await conv.text_delta(self._text_filter.feed(e.text))
        elif isinstance(e, ev.ToolCallArgsDelta):
            if e.name == "propose_patch":
                screen.patch.stream_delta(e.delta)
        elif isinstance(e, ev.ToolCallStarted):
            await conv.tool_started(e.call_id, e.name)
            if e.name == "propose_patch":
                screen.show_patch_pane()
                screen.patch.stream_started()
        elif isinstance(e, ev.ToolCallCompleted):
            conv.tool_args(e.call_id, e.arguments, printable(e.raw_arguments))
        elif isinstance(e, ev.ToolFinished):
            conv.tool_finished(e.call_id, e.ok, printable(e.result), e.elapsed_ms)
        elif isinstance(e, ev.ToolProgress):
            conv.tool_progress(e.call_id, printable(e.text))
        elif isinstance(e, ev.ContextLooked):
            screen.search.agent_looked(e.kind, e.query, e.hits)
        elif isinstance(e, ev.UsageReported):
            screen.status.add_usage(e.prompt_tokens, e.completion_tokens)
        elif isinstance(e, ev.StepStarted):
            screen.status.update_fields(step=e.step, max_steps=e.max_steps)
        elif isinstance(e, ev.PhaseChanged):
            screen.status.update_fields(phase=e.phase)
        elif isinstance(e, ev.PlanUpdated):
            screen.plan.show(e.steps, e.source)
        elif isinstance(e, ev.PatchProposed):
            screen.show_patch_pane()
            screen.patch.proposed(e)
            if e.decision is not None:
                # never move the focus: keys typed into the prompt at that moment would approve or reject
                if screen.focused is screen.patch.view:
                    screen.patch.view.select(0)
                else:
                    screen.notify("A patch awaits your review: F4.", timeout=4)
                screen.refresh_bindings()
        elif isinstance(e, ev.PatchApplied):
            screen.patch.applied(e.applied, e.result)
            await conv.add_note(("✓ patch applied" if e.applied else "✗ patch not applied")
                                + (f": {e.result.get('reason')}" if e.result.get("reason") else ""),
                                "good" if e.applied else "error")
        elif isinstance(e, ev.QuestionAsked):
            ask_question(screen, e)
        elif isinstance(e, ev.CommandApprovalRequested):
            ask_to_run(screen, e)
        elif isinstance(e, ev.TestsRan):
            tail = printable(e.output_tail).strip().splitlines()[-1:] or [""]
            how = (f"timed out after {e.elapsed_s:.1f}s: test_timeout" if e.timed_out
                   else f"{exit_text(e.command, e.exit_code)}, {e.elapsed_s:.1f}s")
            await conv.add_note(f"{'✓' if e.passed else '✗'} {e.command} ({how}) {tail[0]}",
                                "good" if e.passed else "error")
        elif isinstance(e, ev.SessionStarted):
            screen.status.update_fields(model=e.model, max_steps=e.max_steps, budget=e.context_budget)
            await conv.add_note(f"session {e.session_id} · {e.path}")
        elif isinstance(e, ev.PlaybooksActivated):
            screen.genie.active_playbooks = e.active
            if e.active:
                await conv.add_note("playbooks: " + ", ".join(f"{n} ({r})" for n, r in e.active))
        elif isinstance(e, ev.TurnRetrying):
            self._text_filter.reset()
            conv.abandon_tools("not run: the answer was cut off and is asked for again")
            await conv.add_note(f"retrying ({e.retry}/{e.max_retries}) in {e.delay:.1f}s: {e.reason} "
                                "(anything above from this answer is discarded)", "error")
        elif isinstance(e, ev.TurnFinished):
            self._text_filter.reset()
            await conv.end_text()
        elif isinstance(e, ev.Committed):
            moved = f" (switched from {e.previous})" if e.previous else ""
            await conv.add_note(f"committed {e.sha[:10]} on branch {e.branch}{moved}", "good")
        elif isinstance(e, ev.ErrorOccurred):
            if e.fatal:  # the run ends with it: "■ failed: …" says it, one line rather than the same one twice
                self._fatal = printable(e.message)
            else:
                await conv.add_note(printable(e.message), "error")
        elif isinstance(e, ev.SessionFinished):
            if self._fatal is not None and not (e.status == "failed" and printable(e.summary) == self._fatal):
                await self._show_fatal()
            self._fatal = None
            # in the app the conversation goes on by typing; `genie resume` is the headless way back in
            summary = e.summary.replace("; `genie resume` continues the session", "; type a message to go on")
            await conv.add_note(f"■ {e.status}: {summary}", "good" if e.status == "finished" else "error")
            agent = self.screen.genie.agent
            waiting = recorded(agent.patches) if agent is not None else []
            if waiting:  # under never nothing was applied: say where the patches are
                await conv.add_note(f"{len(waiting)} patch{'es' * (len(waiting) > 1)} recorded for review, not "
                                    "applied (approval mode never): /apply reviews them as one diff")

    async def _show_fatal(self) -> None:
        fatal, self._fatal = self._fatal, None
        if fatal is not None:
            await self.screen.conversation.add_note("fatal: " + fatal, "error")


def _waits(e: object) -> tuple[asyncio.Future[Any], object] | None:
    """The future an event's agent awaits, with the answer it gets if the turn stops first: a patch rejected, no
    answer to a question, a command not run."""
    if isinstance(e, ev.PatchProposed) and e.decision is not None:
        return e.decision, ev.PatchDecision(hunks=frozenset())
    if isinstance(e, ev.QuestionAsked):
        return e.answer, None
    if isinstance(e, ev.CommandApprovalRequested):
        return e.approved, False
    return None
