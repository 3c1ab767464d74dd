"""Edit a proposed diff before it is applied (the edited text replaces the proposal)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from genie_tui.printable import printable


def unreadable(diff: str) -> str | None:
    """Why ``diff`` is no patch at all (nothing to apply or a line the parser cannot read), else ``None``."""
    from genie_tui.patching.parse import parse_patch

    parsed = parse_patch(diff if diff.endswith("\n") else diff + "\n")
    if parsed.errors:
        return "the diff cannot be read: " + " ".join(parsed.errors)
    if not parsed.files:
        return "no file changes found (a unified diff needs '--- a/PATH', '+++ b/PATH' and '@@' lines)."
    return None


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

    def on_mount(self) -> None:
        self._shown = self.query_one(TextArea).text  # as the editor holds it (line ends, say, normalised)

    def action_save(self) -> None:
        """The edited diff; saved unchanged, the proposal itself (so not taken for an edit)."""
        text = self.query_one(TextArea).text
        if text == self._shown:
            self.dismiss(self.diff)
            return
        problem = unreadable(text)
        if problem:  # told here, to edit again, rather than sent to the model as a refused patch
            self.notify(f"Not applied: {problem} Edit it again, or Esc to cancel.", severity="error", timeout=6,
                        markup=False)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
