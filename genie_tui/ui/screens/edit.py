"""Edit a proposed diff before it is applied (the edited text replaces the proposal)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from genie_tui.printable import printable


class EditDiffScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    EditDiffScreen { align: center middle; }
    EditDiffScreen > Vertical { width: 95%; height: 90%; border: thick $accent; background: $surface; }
    EditDiffScreen TextArea { height: 1fr; }
    EditDiffScreen Static { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "Apply edited diff", priority=True), Binding("escape", "cancel", "Cancel")]

    def __init__(self, diff: str) -> None:
        super().__init__()
        self.diff = diff

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Edit the diff — Ctrl+S applies it, Esc cancels", markup=False)
            # the model's text, so without terminal control sequences (as the patch pane draws it)
            yield TextArea(printable(self.diff, tabsize=None), language=None, id="edit-diff", show_line_numbers=True)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
