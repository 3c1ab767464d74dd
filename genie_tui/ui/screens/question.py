"""``ask_user``: the question, its choices as buttons and a free-text answer; the agent waits.

Dismisses with the answer text, or ``None`` (Escape) meaning "proceed on your best assumption". The same
screen asks before a command runs (``title`` and ``escape_hint`` say so there). Every text on it comes from the
model and is shown as plain text, never parsed as markup.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from genie_tui.printable import printable
from genie_tui.ui.widgets.prompt import PromptInput

if TYPE_CHECKING:
    from genie_tui.core import events as ev
    from genie_tui.ui.screens.main import MainScreen


#: Enter within this long of the dialog opening belongs to what the user was typing before it opened
TYPE_AHEAD_S = 0.6


class QuestionScreen(ModalScreen[str | None]):
    # The question and its choices scroll between the fixed title and answer box, so in a short terminal the
    # dialog shrinks to fit instead of pushing the question off the top of the screen.
    DEFAULT_CSS = """
    QuestionScreen { align: center middle; }
    QuestionScreen > Vertical { width: 80%; max-width: 90; height: auto; max-height: 100%; border: thick $accent;
        background: $surface; padding: 1 2; }
    QuestionScreen #q-body { height: auto; }
    QuestionScreen #q-text { margin-bottom: 1; text-style: bold; }
    QuestionScreen #q-choices { height: auto; margin-bottom: 1; }
    QuestionScreen #q-choices Button { width: 100%; margin-bottom: 0; }
    QuestionScreen #q-hint { color: $text-muted; }
    QuestionScreen.-short > Vertical { padding: 0 1; border-top: none; border-bottom: none; }
    QuestionScreen.-short #q-text, QuestionScreen.-short #q-choices { margin-bottom: 0; }
    QuestionScreen.-short #q-answer { border: none; height: 1; background: $boost; }
    """
    BINDINGS = [Binding("escape", "assume", "Best assumption"),
                Binding("pageup", "scroll_body(-1)", "Scroll question", show=False),
                Binding("pagedown", "scroll_body(1)", "Scroll question", show=False)]
    AUTO_FOCUS = "#q-answer"  # not the first choice: focusing it scrolled the question out of a short dialog

    def __init__(self, question: str, choices: tuple[str, ...] = (), *, title: str = "The agent asks:",
                 escape_hint: str = "Esc: proceed on the agent's best assumption") -> None:
        super().__init__()
        self.question, self.choices = printable(question), tuple(printable(c) for c in choices)
        self.title_text, self.escape_hint = title, escape_hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="q-title")
            with VerticalScroll(id="q-body"):
                yield Static(self.question, id="q-text", markup=False)
                if self.choices:
                    # one per line: long choices stay readable at any width (a row of buttons ran off-screen)
                    with Vertical(id="q-choices"):
                        for i, choice in enumerate(self.choices):
                            yield Button(Content(f"{i + 1}. {choice}"), id=f"choice-{i}", compact=True,
                                         variant="primary" if i == 0 else "default")
            yield PromptInput(placeholder="Your answer (Enter sends; a choice's number picks it)", id="q-answer")
            yield Static(self.escape_hint, id="q-hint", markup=False)

    def on_mount(self) -> None:
        self._opened = time.monotonic()
        self.on_resize()
        self.query_one("#q-answer", Input).focus()

    def on_resize(self) -> None:
        short = self.size.height < 24
        self.set_class(short, "-short")
        # what the title, answer box, hint (two lines when wrapped), padding and border take; the rest scrolls
        fixed = 1 + 1 + 2 if short else 2 + 2 + 1 + 3 + 2
        self.query_one("#q-body").styles.max_height = max(2, self.size.height - fixed)

    def action_scroll_body(self, direction: int) -> None:
        """PageUp/PageDown scroll a long question while the answer box keeps the keys."""
        body = self.query_one("#q-body", VerticalScroll)
        (body.scroll_page_down if direction > 0 else body.scroll_page_up)(animate=False)

    @on(Button.Pressed)
    def _choice(self, event: Button.Pressed) -> None:
        index = int(str(event.button.id).split("-")[1])
        self.dismiss(self.choices[index])

    @on(Input.Submitted, "#q-answer")
    def _typed(self, event: Input.Submitted) -> None:
        if time.monotonic() - self._opened < TYPE_AHEAD_S:
            return  # an Enter typed for the prompt as the dialog opened is not an answer; the text stays
        text = self.query_one("#q-answer", PromptInput).take(event.value)
        # isdecimal, not isdigit: "²" (a key on AZERTY keyboards) is a digit int() cannot read
        if text.isdecimal() and self.choices and 1 <= int(text) <= len(self.choices):
            text = self.choices[int(text) - 1]
        if text:
            self.dismiss(text)

    def action_pick(self, index: int) -> None:
        """A choice, from the palette (its entries: :meth:`palette_entries`)."""
        if 0 <= index < len(self.choices):
            self.dismiss(self.choices[index])

    def palette_entries(self) -> tuple[tuple[str, str, str], ...]:
        """A palette entry per choice (title, help, action), as its number and Enter or its button pick it.
        The model wrote the choice: the palette parses titles as markup, so it is escaped, and one line."""
        return tuple((f"Dialog: answer {i + 1}. {escape(' '.join(choice.split()))}",
                      f"{i + 1} and Enter in the dialog, or its button", f"pick({i})")
                     for i, choice in enumerate(self.choices))

    def action_assume(self) -> None:
        self.dismiss(None)


#: what counts as "yes" when asked whether a command may run (the first choice, typed or picked)
RUN_ANSWERS = frozenset({"run it", "y", "yes", "run", "ok", "1"})


def ask_question(screen: MainScreen, e: ev.QuestionAsked) -> None:
    """The agent's ``ask_user``: the dialog's answer (None: best assumption) goes back to it and into the log."""

    def answered(answer: str | None) -> None:
        if not e.answer.done():
            e.answer.set_result(answer)
        screen.run_worker(screen.conversation.add_note(f"you answered: {answer or '(proceed on best assumption)'}"))

    screen.app.push_screen(QuestionScreen(e.question, e.choices), answered)


def ask_to_run(screen: MainScreen, e: ev.CommandApprovalRequested) -> None:
    """A command the agent wants to run (not the configured tests): yes runs it; Escape or anything else not."""

    def answered(answer: str | None) -> None:
        run = (answer or "").strip().lower() in RUN_ANSWERS
        if not e.approved.done():
            e.approved.set_result(run)
        screen.run_worker(screen.conversation.add_note(f"you {'allowed' if run else 'declined'}: {e.command}",
                                                       "" if run else "error"))

    screen.app.push_screen(QuestionScreen(f"Run this command?\n\n  {e.command}", ("Run it", "Don't run"),
                                          title="The agent wants to run a command:",
                                          escape_hint="Esc: don't run it"), answered)
