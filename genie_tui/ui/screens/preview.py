"""A syntax-highlighted, read-only preview of a file scrolled to a span; ``c`` adds the span to context."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from genie_tui.patching.textfile import decode
from genie_tui.printable import printable, without_surrogates
from genie_tui.reading import TooLarge, read_regular
from genie_tui.ui.search import refusal

MAX_BYTES = 2_000_000


def _language(path: str) -> str | None:
    ext = Path(path).suffix.lower()
    return {".py": "python", ".js": "javascript", ".ts": "javascript", ".go": "go", ".rs": "rust",
            ".java": "java", ".json": "json", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml",
            ".md": "markdown", ".html": "html", ".css": "css", ".sh": "bash", ".sql": "sql"}.get(ext)


class PreviewScreen(ModalScreen[str | None]):
    """Dismisses with the text to add to the agent's context (``c``), or ``None``."""

    DEFAULT_CSS = """
    PreviewScreen { align: center middle; }
    PreviewScreen > Vertical { width: 95%; height: 90%; border: thick $primary; background: $surface; }
    PreviewScreen TextArea { height: 1fr; }
    PreviewScreen #preview-title { padding: 0 1; text-style: bold; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close"), Binding("c", "add", "Add span to context")]

    def __init__(self, repo: Path, path: str, start: int = 0, end: int = 0) -> None:
        super().__init__()
        self.repo, self.path, self.start, self.end = repo, path, start, end
        self.error: str | None = None  # why the file could not be read: then there is nothing to add
        try:  # a regular file only (a pipe put in its place must not hang the app), its first MAX_BYTES
            if (why := refusal(repo, path)) is not None:  # inside the repository only, as for the agent's tools
                raise OSError(why)
            raw = read_regular(repo / path, MAX_BYTES)
        except TooLarge as exc:
            raw = exc.head
        except OSError as exc:
            self.error = f"cannot read {exc}" if exc.errno is None else f"cannot read {path}: {exc.strerror or exc}"
            raw = f"({self.error})".encode()
        self.text = decode(raw)[1].removeprefix("\ufeff")  # as /diff and /apply read it: é stays é in Latin-1

    def compose(self) -> ComposeResult:
        span = f" lines {self.start}-{self.end}" if self.start else ""
        with Vertical():
            yield Static(f"{printable(self.path)}{span} — c: add to context, Esc: close", id="preview-title",
                         markup=False)
            # a repository file may hold escape sequences (a title change, an OSC 52 clipboard write): drawn
            # raw they would reach the terminal; the span added to context keeps the file's own text
            area = TextArea(printable(self.text, tabsize=None), read_only=True, show_line_numbers=True,
                            id="preview-text")
            lang = _language(self.path)
            if lang:
                try:
                    area.language = lang
                except Exception:  # grammar not bundled with this Textual build: plain text is fine
                    pass
            yield area

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        if self.start:
            line = max(0, self.start - 1)
            area.select_line(line)
            area.scroll_cursor_visible(center=True, animate=False)

    def span_text(self) -> str:
        lines = without_surrogates(self.text).splitlines()  # a stray byte in a UTF-8 file reaches the model as U+FFFD
        if self.start:
            body = "\n".join(lines[self.start - 1:self.end or self.start])
            return f"{self.path}:{self.start}-{self.end}\n{body}"
        return f"{self.path}\n" + "\n".join(lines[:400])

    def action_add(self) -> None:
        if self.error is not None:  # the note shown in place of the file is no context for the model
            self.notify(f"Not added: {self.error}", severity="warning", timeout=4, markup=False)
            return
        self.dismiss(self.span_text())

    def action_close(self) -> None:
        self.dismiss(None)
