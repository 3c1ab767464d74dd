"""A syntax-highlighted, read-only preview of a file scrolled to a span; ``c`` adds the span to context.

The file is read, decoded and cut to a window in a thread, so a large one never freezes the app: what a text
area costs grows with what it holds (a 1 MB Python file took 6 s to highlight, a 2 MB line 4 s to wrap).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from genie_tui.patching.textfile import decode
from genie_tui.printable import printable, shown_path, without_surrogates
from genie_tui.reading import TooLarge, read_regular
from genie_tui.retrieval.textutil import split_lines
from genie_tui.ui.search import refusal

MAX_BYTES = 2_000_000
MAX_LINES = 2_000  # lines drawn at once: the window around the span
MAX_LINE_CHARS = 1_000  # a longer line is drawn cut with "…" (the context gets it whole)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A file as the preview has it: its text (decoded as /diff and /apply do) or why it could not be read."""

    text: str
    error: str | None = None
    cut: bool = False  # the file is longer than MAX_BYTES: text is its beginning


def load(repo: Path, path: str) -> Loaded:
    """``path`` in ``repo``: a regular file inside the repository only (the agent's own rule), its first
    MAX_BYTES. Blocking: call it from a thread."""
    why = refusal(repo, path)
    if why is not None:
        return Loaded("", f"cannot read {why}")
    cut = False
    try:  # a regular file only (a pipe put in its place must not hang the app)
        raw = read_regular(repo / path, MAX_BYTES)
    except TooLarge as exc:
        raw, cut = exc.head, True
    except OSError as exc:
        return Loaded("", f"cannot read {path}: {exc.strerror or exc}")
    if b"\0" in raw[:8192]:  # as the agent's read_file: raw bytes are no context for a model
        return Loaded("", f"{path} is a binary file ({len(raw):,}{'+' if cut else ''} bytes); not shown")
    return Loaded(decode(raw)[1].removeprefix("\ufeff"), None, cut)  # as /diff and /apply: é stays é in Latin-1


def past_read(loaded: Loaded, start: int, end: int) -> str | None:
    """Why the span ``start``-``end`` cannot be shown or added: it lies past the part of the file that was read."""
    if start and loaded.cut and start > len(split_lines(loaded.text)):
        return (f"lines {start}-{end or start} lie past the first {MAX_BYTES // 1_000_000} MB of the file, which is "
                "all a preview reads (the agent's read_file reads them)")
    return None


def window(text: str, start: int) -> tuple[int, str, int]:
    """(first line number, text to draw, lines in all): at most MAX_LINES lines around ``start``, long lines
    cut. A repository file may hold escape sequences (a title change, an OSC 52 clipboard write): drawn raw they
    would reach the terminal, so they go here (the span added to context keeps the file's own text)."""
    lines = split_lines(printable(text, tabsize=None))  # numbered as the index and editors number them
    first = max(0, min(start - 1 - MAX_LINES // 4, len(lines) - MAX_LINES)) if start else 0
    shown = [ln if len(ln) <= MAX_LINE_CHARS else ln[:MAX_LINE_CHARS] + " …"
             for ln in lines[first:first + MAX_LINES]]
    return first + 1, "\n".join(shown), len(lines)


def span_text(path: str, text: str, start: int = 0, end: int = 0) -> str:
    """What ``c`` adds to the agent's context: the span (or the first 400 lines) under its path."""
    lines = split_lines(without_surrogates(text))  # a stray byte in a UTF-8 file reaches the model as U+FFFD
    name = shown_path(path)  # a newline in a file's name must not split the heading, as the agent's tools show it
    if start:
        body = "\n".join(lines[start - 1:end or start])
        return f"{name}:{start}-{end}\n{body}"
    return f"{name}\n" + "\n".join(lines[:400])


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
    BINDINGS: ClassVar = [Binding("escape,q", "close", "Close"), Binding("c", "add", "Add span to context")]

    def __init__(self, repo: Path, path: str, start: int = 0, end: int = 0) -> None:
        super().__init__()
        self.repo, self.path, self.start, self.end = repo, path, start, end
        self.text: str | None = None  # the file's text once read (in a thread)
        self.error: str | None = None  # why the file could not be read: then there is nothing to add
        self.cut = False  # only the file's first MAX_BYTES were read

    def _title(self, more: str = "") -> str:
        span = f" lines {self.start}-{self.end}" if self.start else ""
        return f"{shown_path(self.path)}{span}{more} — c: add to context, Esc: close"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title(), id="preview-title", markup=False)
            yield TextArea("(loading …)", read_only=True, show_line_numbers=True, id="preview-text")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._load()

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _load(self) -> None:
        loaded = load(self.repo, self.path)
        view = window(loaded.text, self.start) if loaded.error is None else (1, printable(f"({loaded.error})"), 1)
        self.app.call_from_thread(self._show, loaded, *view)

    def _show(self, loaded: Loaded, first: int, drawn: str, total: int) -> None:
        self.text, self.error, self.cut = loaded.text, loaded.error, loaded.cut
        try:
            area, title = self.query_one(TextArea), self.query_one("#preview-title", Static)
        except NoMatches:  # closed while the file was read
            return
        last = first + drawn.count("\n")
        more = f" (lines {first:,}-{last:,} of {total:,} shown)" if first > 1 or last < total else ""
        more += f" (its first {MAX_BYTES // 1_000_000} MB)" if loaded.cut else ""
        beyond = past_read(loaded, self.start, self.end)
        more += f" ({beyond})" if beyond else ""
        title.update(self._title(more))
        area.line_number_start = first
        area.load_text(drawn)
        lang = _language(self.path) if loaded.error is None else None
        if lang:
            with suppress(Exception):  # grammar not bundled with this Textual build: plain text is fine
                area.language = lang
        if self.start:  # the cursor on the hit's line, not a selection: Ctrl+C would copy it instead of stopping
            area.cursor_location = (max(0, min(self.start - first, drawn.count("\n"))), 0)
            area.scroll_cursor_visible(center=True, animate=False)

    def span_text(self) -> str:
        return span_text(self.path, self.text or "", self.start, self.end)

    def action_add(self) -> None:
        if self.text is None:
            self.notify("Still reading the file.", timeout=2)
            return
        if self.error is not None:  # the note shown in place of the file is no context for the model
            self.notify(f"Not added: {self.error}", severity="warning", timeout=4, markup=False)
            return
        beyond = past_read(Loaded(self.text, None, self.cut), self.start, self.end)
        if beyond:  # the span would be sent empty
            self.notify(f"Not added: {beyond}", severity="warning", timeout=5, markup=False)
            return
        self.dismiss(self.span_text())

    def action_close(self) -> None:
        self.dismiss(None)
