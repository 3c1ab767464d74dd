"""The main screen: lays out the panes, runs one agent turn at a time, routes each event to its pane.

Intent goes down (prompt -> ``run_turn`` worker -> ``agent.run``), events come up (``AgentEvent`` ->
``_route``). Panes own their state; this module only decides who hears what.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea

from genie_tui.core import events as ev
from genie_tui.printable import StreamPrintable, printable
from genie_tui.ui.bridge import AgentEvent, TurnEnded
from genie_tui.ui.collector import REST_DELAY_S
from genie_tui.ui.screens.question import ask_question, ask_to_run
from genie_tui.ui.widgets.conversation import ConversationView
from genie_tui.ui.widgets.patch_pane import PatchPane
from genie_tui.ui.widgets.plan_pane import PlanPane
from genie_tui.ui.widgets.prompt import PREVIEW_LINES, PromptInput
from genie_tui.ui.widgets.search_pane import SearchPane
from genie_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from genie_tui.ui.app import GenieApp

QUIT_WINDOW_S = 2.0
DEMO_NOTE = ("DEMO — a scripted model works on a temporary copy of a sample repo (no key, nothing leaves this "
             "machine). It will ask you a question and ask you to review patches: y/n per hunk, a approves all, "
             "Enter submits. Esc stops, Ctrl+C twice quits.")


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"
    BINDINGS = [
        Binding("escape", "cancel_turn", "Stop"),
        Binding("f2", "focus_pane('search-pane')", "Search"),
        Binding("f3", "focus_pane('plan-pane')", "Plan"),
        Binding("f4", "focus_pane('patch-pane')", "Patch"),
        Binding("f5", "focus_pane('prompt')", "Prompt"),
        # priority, so it works while the prompt has focus; with text in the prompt it still clears the line
        Binding("ctrl+u", "undo_or_clear_line", "Undo patch", priority=True),
        Binding("ctrl+t", "cycle_approve", "Approve mode"),
        Binding("ctrl+y", "copy_transcript", "Copy", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.turn_running = False
        self._last_interrupt = 0.0
        self._open: list[tuple[asyncio.Future[object], object]] = []  # (future, answer if cancelled)
        self._text_filter = StreamPrintable()  # the model's text, without terminal control sequences
        self._fatal: str | None = None  # the error that ended the run, shown once with how the run ended

    @property
    def genie(self) -> GenieApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.genie
        s = app.settings
        title = "genie" + ("  ·  DEMO — scripted model, sample repo" if app.demo else "")
        yield Static(f"{title}  ·  {app.repo or 'no repository'}", id="title-bar", markup=False)
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield SearchPane(app.repo, id="search-pane")
                yield PlanPane(id="plan-pane")
            with Vertical(id="right"):
                yield ConversationView(id="conversation")
                yield PatchPane(id="patch-pane")
        yield PromptInput(placeholder="Describe a task, or /help for commands", id="prompt")
        yield StatusBar(model=s.model if app.model_ready else "no model", approve=s.approve,
                        budget=s.context_budget, demo=app.demo, animate=app.spinner,
                        price=(s.price_input_per_mtok, s.price_output_per_mtok), id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#patch-pane").display = False
        self.query_one("#prompt", Input).focus()
        self.on_resize()
        if self.genie.demo:
            self.run_worker(self.conversation.add_note(DEMO_NOTE))
        if self.genie.first_task:
            task, self.genie.first_task = self.genie.first_task, None
            self.call_after_refresh(lambda: self.run_worker(self.start_task(task)))

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")
        self.set_class(self.size.height < 24, "-short")
        self.query_one(Footer).compact = self.size.width < 100  # more of the pane's keys fit
        # the footer cuts off what does not fit (at 80 columns: the patch's r and e, the plan's J/K), so
        # under 120 columns the pane being worked in shows its keys on a line of its own
        self.set_class(self.size.width < 120, "-key-hints")

    # --- panes --------------------------------------------------------------------------------------
    @property
    def conversation(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def patch(self) -> PatchPane:
        return self.query_one(PatchPane)

    @property
    def plan(self) -> PlanPane:
        return self.query_one(PlanPane)

    @property
    def search(self) -> SearchPane:
        return self.query_one(SearchPane)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    def show_patch_pane(self, show: bool = True) -> None:
        self.patch.display = show

    # --- intent -------------------------------------------------------------------------------------
    @on(Input.Submitted, "#prompt")
    async def _prompt(self, event: Input.Submitted) -> None:
        prompt = self.query_one("#prompt", PromptInput)
        line = event.value.strip()
        text, shown = prompt.expand(line), prompt.expand(line, preview=PREVIEW_LINES)
        from genie_tui.ui.commands import run_slash, starts_a_turn

        if text and self.turn_running and (not text.startswith("/") or starts_a_turn(text)):
            # refused: the text (and its pastes) stays in the prompt, to send once the turn is over
            self._refuse_busy()
            return
        prompt.forget()
        event.input.value = ""
        if not text:
            return
        if text.startswith("/"):
            await run_slash(self, text)
            return
        await self.start_task(text, shown if shown != text else None)

    async def start_task(self, text: str, shown: str | None = None) -> None:
        if self.turn_running:
            self._refuse_busy()
            return
        try:
            agent = self.genie.get_agent()
        except Exception as exc:  # e.g. a bad --base-url: a one-line note, the app stays usable
            await self.conversation.add_note(f"cannot start the agent: {exc}", "error")
            return
        if agent is None:
            await self.conversation.add_note(
                "No model is configured: set OPENAI_API_KEY or --base-url (see /help), or try `genie demo`.", "error")
            return
        await self.conversation.add_user(shown or text)
        self.turn_running = True
        self.status.set_busy(True)
        self.run_turn(agent, text)

    def _refuse_busy(self) -> None:
        self.notify("The agent is working; Esc stops it first.", severity="warning")

    @work(exclusive=True, group="turn")
    async def run_turn(self, agent: object, task: str) -> None:
        error = None
        try:
            async for event in agent.run(task):  # type: ignore[attr-defined]
                self.post_message(AgentEvent(event))
        except Exception as exc:  # a broken turn is shown, never a traceback over the screen
            error = f"{type(exc).__name__}: {exc}"
        self.post_message(TurnEnded(error))

    @on(TurnEnded)
    async def _turn_ended(self, message: TurnEnded) -> None:
        self.turn_running = False
        self.status.set_busy(False)
        self.status.update_fields(phase="idle")
        await self.conversation.end_text()
        self._text_filter.reset()
        self.conversation.abandon_tools("not run: the turn ended first")
        await self._show_fatal()  # the run ended without saying how
        if message.error:
            await self.conversation.add_note(f"Turn failed: {message.error}", "error")
        # a quiet moment (the user reads the result): the garbage collector's complete pass, when one is due
        self.set_timer(REST_DELAY_S, self._at_rest)

    def _at_rest(self) -> None:
        if not self.turn_running:
            self.genie.collector.at_rest()

    # --- events up ----------------------------------------------------------------------------------
    @on(AgentEvent)
    async def _route(self, message: AgentEvent) -> None:
        e = message.event
        conv = self.conversation
        if self._fatal is not None and not isinstance(e, ev.SessionFinished):
            await self._show_fatal()
        if isinstance(e, ev.TextDelta):
            await conv.text_delta(self._text_filter.feed(e.text))
        elif isinstance(e, ev.ToolCallArgsDelta):
            if e.name == "propose_patch":
                self.patch.stream_delta(e.delta)
        elif isinstance(e, ev.ToolCallStarted):
            await conv.tool_started(e.call_id, e.name)
            if e.name == "propose_patch":
                self.show_patch_pane()
                self.patch.stream_started()
        elif isinstance(e, ev.ToolCallCompleted):
            conv.tool_args(e.call_id, e.arguments, printable(e.raw_arguments))
        elif isinstance(e, ev.ToolFinished):
            conv.tool_finished(e.call_id, e.ok, printable(e.result), e.elapsed_ms)
        elif isinstance(e, ev.ToolProgress):
            conv.tool_progress(e.call_id, printable(e.text))
        elif isinstance(e, ev.ContextLooked):
            self.search.agent_looked(e.kind, e.query, e.hits)
        elif isinstance(e, ev.UsageReported):
            self.status.add_usage(e.prompt_tokens, e.completion_tokens)
        elif isinstance(e, ev.StepStarted):
            self.status.update_fields(step=e.step, max_steps=e.max_steps)
        elif isinstance(e, ev.PhaseChanged):
            self.status.update_fields(phase=e.phase)
        elif isinstance(e, ev.PlanUpdated):
            self.plan.show(e.steps, e.source)
        elif isinstance(e, ev.PatchProposed):
            self.show_patch_pane()
            self.patch.proposed(e)
            if e.decision is not None:
                self._open.append((e.decision, ev.PatchDecision(hunks=frozenset())))  # type: ignore[arg-type]
                # never move the focus: keys typed into the prompt at that moment would approve or reject
                if self.focused is self.patch.view:
                    self.patch.view.select(0)
                else:
                    self.notify("A patch awaits your review: F4.", timeout=4)
                self.refresh_bindings()
        elif isinstance(e, ev.PatchApplied):
            self.patch.applied(e.applied, e.result)
            await conv.add_note(("✓ patch applied" if e.applied else "✗ patch not applied")
                                + (f": {e.result.get('reason')}" if e.result.get("reason") else ""),
                                "good" if e.applied else "error")
        elif isinstance(e, ev.QuestionAsked):
            self._open.append((e.answer, None))  # type: ignore[arg-type]
            ask_question(self, e)
        elif isinstance(e, ev.CommandApprovalRequested):
            self._open.append((e.approved, False))  # type: ignore[arg-type]
            ask_to_run(self, e)
        elif isinstance(e, ev.TestsRan):
            tail = printable(e.output_tail).strip().splitlines()[-1:] or [""]
            await conv.add_note(f"{'✓' if e.passed else '✗'} {e.command} (exit {e.exit_code}, {e.elapsed_s:.1f}s) {tail[0]}",
                                "good" if e.passed else "error")
        elif isinstance(e, ev.SessionStarted):
            self.status.update_fields(model=e.model, max_steps=e.max_steps, budget=e.context_budget)
            await conv.add_note(f"session {e.session_id} · {e.path}")
        elif isinstance(e, ev.PlaybooksActivated):
            self.genie.active_playbooks = e.active
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

    async def _show_fatal(self) -> None:
        fatal, self._fatal = self._fatal, None
        if fatal is not None:
            await self.conversation.add_note("fatal: " + fatal, "error")

    # --- pane messages ------------------------------------------------------------------------------
    @on(PlanPane.Edited)
    async def _plan_edited(self, message: PlanPane.Edited) -> None:
        agent = self.genie.agent
        if agent is not None:
            agent.user_plan_edit(message.steps)
            self.notify("Plan edit will be sent with the next model request.", timeout=2)
        else:
            self.genie.pending_plan = list(message.steps)
            self.notify("Plan will be sent with your first message.", timeout=2)

    @on(PatchPane.Decided)
    async def _decided(self, message: PatchPane.Decided) -> None:
        d = message.decision
        verdict = "rejected" if d.rejected else "edited" if d.edited_diff else \
            "approved all" if d.hunks is None else f"approved hunks {sorted(i + 1 for i in d.hunks)}"
        await self.conversation.add_note(f"you {verdict}" + (f" — “{d.comment}”" if d.comment else ""))
        self.refresh_bindings()
        self.query_one("#prompt", Input).focus()

    @on(SearchPane.PreviewRequested)
    def _preview(self, message: SearchPane.PreviewRequested) -> None:
        from genie_tui.ui.screens.preview import PreviewScreen

        if self.genie.repo is None:
            return
        hit = message.hit
        self.app.push_screen(PreviewScreen(self.genie.repo, hit.path, hit.start, hit.end), self.add_context)

    @on(SearchPane.ContextRequested)
    def _context_requested(self, message: SearchPane.ContextRequested) -> None:
        from genie_tui.ui.screens.preview import PreviewScreen

        if self.genie.repo is not None:
            h = message.hit
            preview = PreviewScreen(self.genie.repo, h.path, h.start, h.end)
            if preview.error is not None:  # e.g. deleted since the search: nothing to add
                self.notify(f"Not added: {preview.error}", severity="warning", timeout=4, markup=False)
                return
            self.add_context(preview.span_text())

    def add_context(self, text: str | None) -> None:
        if not text:
            return
        self.genie.pending_context.append(text)
        agent = self.genie.agent
        if agent is not None:
            agent.add_context(text)
        self.notify(f"Added to context: {text.splitlines()[0]}", timeout=3, markup=False)  # app/[id].tsx

    # --- actions ------------------------------------------------------------------------------------
    def _abandon_open(self) -> None:
        """Answer anything the agent waits on (reject / no answer / don't run) so a cancel never hangs."""
        for fut, default in self._open:
            if not fut.done():
                fut.set_result(default)
        self._open.clear()
        while len(self.app.screen_stack) > 1 and self.app.screen is not self:
            self.app.pop_screen()

    def action_cancel_turn(self) -> None:
        """Esc: stop the running turn; with none running, back to the prompt from any pane."""
        if not self.turn_running:
            self.query_one("#prompt", Input).focus()
            return
        agent = self.genie.agent
        self.patch.abandon()
        self._abandon_open()
        if agent is not None:
            agent.cancel()
        self.notify("Stopping… (the session is saved; `genie resume` continues it)", timeout=3)

    def action_interrupt(self) -> None:
        """Ctrl+C once stops the turn, twice quits (the app's binding copies a selection first)."""
        now = time.monotonic()
        if now - self._last_interrupt < QUIT_WINDOW_S:
            self.app.exit()
            return
        self._last_interrupt = now
        if self.turn_running:
            self.action_cancel_turn()
        self.notify("Press Ctrl+C again to quit.", timeout=QUIT_WINDOW_S)

    def action_focus_pane(self, pane: str) -> None:
        widget = self.query_one(f"#{pane}")
        if pane == "patch-pane":
            if self.patch.empty:
                self.notify("No patch yet: the agent's patches show here for review (/diff shows the working tree).",
                            timeout=4, markup=False)
                return
            self.show_patch_pane(True)
            self.patch.view.focus()
        elif pane == "search-pane":
            self.search.query_box.focus()
        elif pane == "plan-pane":
            self.plan.items.focus()
        else:
            widget.focus()

    def action_undo(self) -> None:
        from genie_tui.ui.commands import undo

        self.run_worker(undo(self))

    def action_undo_or_clear_line(self) -> None:
        """Ctrl+U: in a text box the usual "delete to the start of the line"; elsewhere undo the last patch."""
        focused = self.focused
        if isinstance(focused, Input):  # never an undo from a text box, even an empty one (Ctrl+U twice)
            focused.action_delete_left_all()
        elif isinstance(focused, TextArea):
            focused.action_delete_to_start_of_line()
        else:
            self.action_undo()

    def action_cycle_approve(self) -> None:
        modes = ("ask", "auto", "never")
        self.genie.set_approval_mode(modes[(modes.index(self.status.approve) + 1) % 3])

    def action_copy_transcript(self) -> None:
        self.app.copy_to_clipboard(self.conversation.transcript())
        self.notify("Conversation copied to the clipboard (OSC 52).", timeout=2)

    async def action_slash(self, line: str) -> None:
        from genie_tui.ui.commands import run_slash

        await run_slash(self, line)
