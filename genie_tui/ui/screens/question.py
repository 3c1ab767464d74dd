"""``ask_user``: the question, its choices as buttons and a free-text answer; the agent waits.

Dismisses with the answer text, or ``None`` (Escape) meaning "proceed on your best assumption".
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class QuestionScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    QuestionScreen { align: center middle; }
    QuestionScreen > Vertical { width: 80%; max-width: 90; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    QuestionScreen #q-text { margin-bottom: 1; text-style: bold; }
    QuestionScreen #q-choices { height: auto; margin-bottom: 1; }
    QuestionScreen #q-choices Button { margin-right: 1; min-width: 8; }
    QuestionScreen #q-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "assume", "Best assumption")]

    def __init__(self, question: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.question, self.choices = question, choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("The agent asks:", id="q-title")
            yield Static(self.question, id="q-text", markup=False)
            if self.choices:
                with Horizontal(id="q-choices"):
                    for i, choice in enumerate(self.choices):
                        yield Button(f"{i + 1}. {choice}", id=f"choice-{i}", variant="primary" if i == 0 else "default")
            yield Input(placeholder="Your answer (Enter sends)", id="q-answer")
            yield Static("Esc: proceed on the agent's best assumption", id="q-hint")

    def on_mount(self) -> None:
        self.query_one("#q-answer", Input).focus()

    @on(Button.Pressed)
    def _choice(self, event: Button.Pressed) -> None:
        index = int(str(event.button.id).split("-")[1])
        self.dismiss(self.choices[index])

    @on(Input.Submitted, "#q-answer")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text.isdigit() and self.choices and 1 <= int(text) <= len(self.choices):
            text = self.choices[int(text) - 1]
        if text:
            self.dismiss(text)

    def action_assume(self) -> None:
        self.dismiss(None)
