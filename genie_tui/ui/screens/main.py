"""The main screen: lays out the panes, runs one agent turn at a time, routes each event to its pane.

Intent goes down (prompt -> ``run_turn`` worker -> ``agent.run``), events come up (``AgentEvent`` ->
``EventRouter`` in ``routing.py``). Panes own their state; these modules only decide who hears what.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea

from genie_tui.ui.bridge import AgentEvent, TurnEnded
from genie_tui.ui.collector import REST_DELAY_S
from genie_tui.ui.screens.routing import EventRouter
from genie_tui.ui.widgets.conversation import ConversationView
from genie_tui.ui.widgets.patch_pane import PatchPane
from genie_tui.ui.widgets.plan_pane import PlanPane
from genie_tui.ui.widgets.prompt import PREVIEW_LINES, PromptInput
from genie_tui.ui.widgets.search_pane import SearchPane
from genie_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from genie_tui.ui.app import GenieApp

QUIT_WINDOW_S = 2.0
TINY_WIDTH = 60  # narrower: the search and plan column shows only while it has the keys
CRAMPED_HEIGHT = 16  # shorter: a patch under review takes every row it can
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
        # what the agent waits for: each a future and the answer it gets if the turn stops first
        self.awaiting: list[tuple[asyncio.Future[object], object]] = []
        self._router = EventRouter(self)

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
        pane = self.query_one("#patch-pane", PatchPane)
        pane.display = False
        pane.after = self.query_one("#prompt", PromptInput)
        pane.after.focus()
        self.on_resize()
        if self.genie.demo:
            self.run_worker(self.conversation.add_note(DEMO_NOTE))
        if self.genie.first_task:
            task, self.genie.first_task = self.genie.first_task, None
            self.call_after_refresh(lambda: self.run_worker(self.start_task(task)))

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")
        self.set_class(self.size.height < 24, "-short")
        # under 60 columns the left column (28 wide) left the conversation a strip of a few letters: it shows
        # only while the search or plan pane has the keys (F2/F3), and then takes the width
        self.set_class(self.size.width < TINY_WIDTH, "-tiny")
        # under 16 rows a review showed one line of the diff under the pane's title and keys: the title bar,
        # the prompt and the pane's top border give it their rows while it has the keys
        self.set_class(self.size.height < CRAMPED_HEIGHT, "-cramped")
        self.query_one(Footer).compact = self.size.width < 100  # more of the pane's keys fit
        # the footer cuts off what does not fit (at 80 columns: the patch's r and e, the plan's J/K), so
        # under 120 columns the pane being worked in shows its keys on a line of its own
        self.set_class(self.size.width < 120, "-key-hints")

    @on(events.DescendantFocus)
    def _focus_landed(self, event: events.DescendantFocus) -> None:
        left = self.query_one("#left")
        self.set_class(event.widget is left or left in event.widget.ancestors, "-left-focus")

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
        self.status.update_fields(phase="thinking")  # not "idle" while the model writes before its first tool
        self.status.set_busy(True)
        self.run_turn(agent, text)

    def _refuse_busy(self) -> None:
        self.notify("The agent is working; Esc stops it first.", severity="warning")

    @work(exclusive=True, group="turn")
    async def run_turn(self, agent: object, task: str) -> None:
        error = None
        try:
            async for event in agent.run(task):  # type: ignore[attr-defined]
                self.post_message(AgentEvent(event, agent))
        except Exception as exc:  # a broken turn is shown, never a traceback over the screen
            error = f"{type(exc).__name__}: {exc}"
        self.post_message(TurnEnded(error, agent))

    def _left_behind(self, agent: object | None) -> bool:
        """``agent`` is one ``/clear`` started over from: what its turn still says belongs to no conversation here."""
        return agent is not None and agent is not self.genie.agent

    @on(TurnEnded)
    async def _turn_ended(self, message: TurnEnded) -> None:
        self.turn_running = False
        self.status.set_busy(False)
        self.status.update_fields(phase="idle")
        # a quiet moment (the user reads the result): the garbage collector's complete pass, when one is due
        self.set_timer(REST_DELAY_S, self._at_rest)
        if self._left_behind(message.agent):  # "■ cancelled" and the like: not in the new, empty conversation
            self._router.reset()
            return
        await self.conversation.end_text()
        self.conversation.abandon_tools("not run: the turn ended first")
        await self._router.turn_ended()  # the run may have ended without saying how
        if message.error:
            await self.conversation.add_note(f"Turn failed: {message.error}", "error")

    def _at_rest(self) -> None:
        if not self.turn_running:
            self.genie.collector.at_rest()

    # --- events up ----------------------------------------------------------------------------------
    @on(AgentEvent)
    async def _route(self, message: AgentEvent) -> None:
        if self._left_behind(message.agent):
            self._router.left_behind(message.event)
            return
        await self._router.route(message.event)

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
        self.query_one("#prompt", PromptInput).focus()  # PatchPane.after: the keys typed behind come here too

    @on(SearchPane.PreviewRequested)
    def _preview(self, message: SearchPane.PreviewRequested) -> None:
        from genie_tui.ui.screens.preview import PreviewScreen

        if self.genie.repo is None:
            return
        hit = message.hit
        self.app.push_screen(PreviewScreen(self.genie.repo, hit.path, hit.start, hit.end), self.add_context)

    @on(SearchPane.ContextRequested)
    async def _context_requested(self, message: SearchPane.ContextRequested) -> None:
        from genie_tui.ui.screens.preview import load, past_read, span_text

        if self.genie.repo is not None:
            h = message.hit
            loaded = await asyncio.to_thread(load, self.genie.repo, h.path)  # up to 2 MB: not on the event loop
            why = loaded.error or past_read(loaded, h.start, h.end)  # deleted since the search, past the 2 MB read...
            if why is not None:
                self.notify(f"Not added: {why}", severity="warning", timeout=4, markup=False)
                return
            self.add_context(span_text(h.path, loaded.text, h.start, h.end))

    def add_context(self, text: str | None) -> None:
        if not text:
            return
        agent = self.genie.agent
        if agent is not None:
            agent.add_context(text)
        else:  # for the agent the next message makes, or the session /resume opens
            self.genie.pending_context.append(text)
        self.notify(f"Added to context: {text.splitlines()[0]}", timeout=3, markup=False)  # app/[id].tsx

    # --- actions ------------------------------------------------------------------------------------
    def _abandon_open(self) -> None:
        """Answer anything the agent waits on (reject / no answer / don't run) so a cancel never hangs."""
        for fut, default in self.awaiting:
            if not fut.done():
                fut.set_result(default)
        self.awaiting.clear()
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
            self.patch.focus_review()
        elif pane == "search-pane":
            self.search.query_box.focus()
        elif pane == "plan-pane":
            self.plan.focus_keys()
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
