"""A virtualised, syntax-highlighted diff view that grows line by line while the model writes it.

Only finished lines are appended (the unfinished tail is drawn but never cached), and only the visible
lines are rendered (Textual's line API), so a 3,000-line diff streams without re-parsing what is already on
screen. Measured: one growing Markdown fence stalls the loop for 260 ms; this does not (tools/bench_tui.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from genie_tui.printable import printable

if TYPE_CHECKING:
    from genie_tui.patching.model import FilePatch

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(slots=True)
class HunkRow:
    """One hunk as shown: where its header is, the user's verdict, and how it applied.

    ``label`` says what a change without ``@@`` hunks is ("rename a → b"): the patcher gives it a hunk of its own.
    """

    index: int
    file: str
    line: int
    label: str = ""
    verdict: str = PENDING
    comment: str = ""
    outcome: str = ""
    ok: bool | None = None


class PatchView(ScrollView, can_focus=True):
    """Diff lines with per-hunk headers; ``feed()`` text, ``flush()`` appends the finished lines."""

    DEFAULT_CSS = """
    PatchView { background: $surface; scrollbar-size-vertical: 1; }
    PatchView:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self.line_hunk: list[int] = []
        self.hunks: list[HunkRow] = []
        self.selected = 0
        self._partial = ""
        self._file = ""
        self._width = 0
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(1024)
        self._syntax: dict[str, Syntax | None] = {}

    # --- content ------------------------------------------------------------------------------------
    def clear(self) -> None:
        self.lines.clear()
        self.line_hunk.clear()
        self.hunks.clear()
        self.selected = 0
        self._partial = ""
        self._file = ""
        self._width = 0
        self._cache.clear()
        self.virtual_size = Size(0, 0)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    @property
    def text(self) -> str:
        body = "\n".join(self.lines)
        return body + ("\n" if self.lines else "") + self._partial

    def feed(self, text: str) -> None:
        """Buffer streamed text; nothing is rendered until ``flush()`` (the pane calls it at ~30 Hz)."""
        self._partial += text

    def flush(self, final: bool = False) -> int:
        """Append finished lines (all of them when ``final``); returns how many were added."""
        if not self._partial:
            return 0
        *done, rest = self._partial.split("\n")
        if final and rest:
            done.append(rest)
            rest = ""
        self._partial = rest
        follow = self.is_vertical_scroll_end or not self.lines
        for line in done:
            self._append(line)
        self.virtual_size = Size(self._width + 2, len(self.lines) + (1 if rest else 0))
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()
        return len(done)

    def set_text(self, diff: str) -> None:
        self.clear()
        self.feed(diff)
        self.flush(final=True)

    def _append(self, line: str) -> None:
        if line.startswith("+++ "):
            name = line[4:].split("\t")[0].strip()
            if name != "/dev/null":
                self._file = name[2:] if name.startswith(("a/", "b/")) else name
        elif line.startswith("--- ") and not self._file:
            name = line[4:].split("\t")[0].strip()
            self._file = name[2:] if name.startswith(("a/", "b/")) else name
        elif line.startswith("diff --git"):
            self._file = ""
        if line.startswith("@@"):
            self.hunks.append(HunkRow(index=len(self.hunks), file=self._file, line=len(self.lines)))
            self.line_hunk.append(len(self.hunks) - 1)
        elif line.startswith(("--- ", "+++ ", "diff --git", "index ")):
            self.line_hunk.append(-1)
        else:
            self.line_hunk.append(len(self.hunks) - 1 if self.hunks else -1)
        self.lines.append(line)  # as written: the diff's text (edit, apply) stays byte for byte
        self._width = max(self._width, cell_len(printable(line)))

    def number_hunks(self) -> None:
        """Make the rows the patcher's hunks, once the whole diff is known.

        While the diff streams, each ``@@`` line is a row. The patcher also counts a file change without hunks (a
        pure rename, a mode change, an empty new file) as a hunk and numbers hunks across the whole patch, so the
        rows come from its parse: row ``i`` is what ``apply_patch(hunks=...)`` means by hunk ``i``.
        """
        from genie_tui.patching.parse import parse_patch, strip_prefix

        parsed = parse_patch(self.text)
        if not parsed.hunks:
            return
        keys = [line.rstrip("\r") for line in self.lines]  # as the parser reads them
        rows: list[HunkRow] = []
        line_hunk = [-1] * len(self.lines)
        at = 0
        for f in parsed.files:
            name = strip_prefix(f.new_path or f.old_path) or "?"
            for hunk in f.hunks:
                head = hunk.raw[0] if hunk.raw else hunk.header  # a hunk-less change: its file header
                start = next((i for i in range(at, len(keys)) if keys[i] == head), min(at, len(keys) - 1))
                rows.append(HunkRow(index=hunk.index, file=name, line=start,
                                    label=_operation(f) if hunk.synthetic else ""))
                for i in range(start, min(start + max(len(hunk.raw), 1), len(keys))):
                    line_hunk[i] = len(rows) - 1
                at = start + 1
        self.hunks, self.line_hunk = rows, line_hunk
        self.selected = min(self.selected, len(rows) - 1)
        self._cache.clear()
        self.refresh()

    # --- hunks --------------------------------------------------------------------------------------
    def select(self, index: int) -> None:
        if not self.hunks:
            return
        self.selected = max(0, min(index, len(self.hunks) - 1))
        self._cache.clear()
        row = self.hunks[self.selected]
        self.scroll_to(y=max(0, row.line - 1), animate=False)
        self.refresh()

    def set_verdict(self, index: int, verdict: str, comment: str = "") -> None:
        row = self.hunks[index]
        row.verdict, row.comment = verdict, comment
        self._cache.clear()
        self.refresh()

    def set_outcome(self, index: int, ok: bool, outcome: str) -> None:
        if 0 <= index < len(self.hunks):
            self.hunks[index].ok, self.hunks[index].outcome = ok, outcome
            self._cache.clear()
            self.refresh()

    # --- rendering ----------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index > len(self.lines) or (index == len(self.lines) and not self._partial):
            return Strip.blank(width, base)
        if index == len(self.lines):
            strip = Strip(list(Text("  " + self._partial, style="dim").render(self.app.console)))
        else:
            key = (index, self.selected)
            cached = self._cache.get(key) if self.text_selection is None else None
            if cached is None:
                cached = Strip(list(self._line_text(index).render(self.app.console)))
                if self.text_selection is None:
                    self._cache[key] = cached
            strip = cached
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, index)

    def _line_text(self, index: int) -> Text:
        line = printable(self.lines[index])  # drawn without control sequences, tabs expanded
        hunk = self.line_hunk[index]
        theme = _palette(self.app.current_theme)
        gutter = Text("▌ " if hunk >= 0 and hunk == self.selected else "  ", style=theme.primary or "")
        row = self.hunks[hunk] if hunk >= 0 else None
        shift = 2  # where the line's own text starts (a text selection is given in its columns)
        if row is not None and index == row.line and row.label:
            # a change without hunks: what it does and its verdict first, where a narrow pane still shows them
            text = gutter + Text(printable(row.label), style=f"bold {theme.accent or ''}")
            text.append("  " + self._badge(row) + "  ", style=self._badge_style(row))
            shift = len(text)
            text.append(line, style="dim")
        elif row is not None and index == row.line:
            text = gutter + Text(line, style=f"bold {theme.accent or ''}")
            text.append("  " + self._badge(row), style=self._badge_style(row))
        elif row is None or row.label:
            text = gutter + Text(line, style="bold")
        elif line[:1] in "+- " and line:
            sign = line[0]
            body = self._highlight(line[1:], self.hunks[hunk].file)
            colour = theme.success if sign == "+" else theme.error if sign == "-" else None
            text = gutter + Text(sign, style=f"bold {colour}" if colour else "") + body
            if colour:
                text.stylize(Style(bgcolor=_tint(colour, theme.background)), 2)
        else:
            text = gutter + Text(line, style="dim")
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(index)) is not None:
            start, end = span
            text.stylize(self.screen.get_component_rich_style("screen--selection"), start + shift,
                         len(text) if end == -1 else end + shift)
        text.no_wrap = True
        return text

    @staticmethod
    def _badge(row: HunkRow) -> str:
        if row.outcome:
            return ("✓ " if row.ok else "✗ ") + row.outcome
        mark = {PENDING: "[ ] pending", APPROVED: "[✓] approve", REJECTED: "[✗] reject"}[row.verdict]
        return mark + (f" — {row.comment}" if row.comment else "")

    def _badge_style(self, row: HunkRow) -> str:
        theme = _palette(self.app.current_theme)
        if row.outcome:
            return f"bold {theme.success if row.ok else theme.error}"
        return {PENDING: "dim", APPROVED: f"bold {theme.success}", REJECTED: f"bold {theme.error}"}[row.verdict]

    def _highlight(self, code: str, file: str) -> Text:
        if file not in self._syntax:
            lexer = lexer_for(file)
            theme = "monokai" if self.app.current_theme.dark else "default"
            self._syntax[file] = Syntax("", lexer, theme=theme) if lexer is not None else None
        syntax = self._syntax[file]
        if syntax is None:
            return Text(code)
        text = syntax.highlight(code)
        text.rstrip()
        return text

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self.lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._syntax.clear()
        self._cache.clear()


def _operation(f: FilePatch) -> str:
    """What a file change without ``@@`` hunks does, in words ("rename a → b", "new empty file x")."""
    from genie_tui.patching.parse import strip_prefix

    old, new = strip_prefix(f.old_path), strip_prefix(f.new_path)
    name = new or old or "?"
    if f.binary:
        return f"binary change to {name}"
    if f.deleted:
        return f"delete {old or name}"
    if f.new_file:
        return f"new empty file {name}"
    parts = []
    if old and new and old != new:
        copy = any(line.startswith("copy from ") for line in f.raw_header)
        parts.append(f"{'copy' if copy else 'rename'} {old} → {new}")
    if f.new_mode is not None:
        parts.append(f"mode {f.new_mode:06o}" if parts else f"mode of {name} → {f.new_mode:06o}")
    return ", ".join(parts) or f"no change to {name} (a file header only)"


_LEXERS: dict[str, Any] = {}


def lexer_for(file: str) -> Any:
    """A pygments lexer *instance* per file suffix, cached.

    Rich re-resolves a lexer given by name on every ``highlight`` call, and pygments' name/filename lookup
    scans plugin entry points (50-100 ms); measured as 300 ms event-loop stalls at the start of a patch.
    """
    suffix = PurePosixPath(file).suffix.lower() or PurePosixPath(file).name
    if suffix not in _LEXERS:
        from pygments.lexers import get_lexer_for_filename
        from pygments.util import ClassNotFound

        try:
            _LEXERS[suffix] = get_lexer_for_filename(f"x{suffix}" if suffix.startswith(".") else suffix,
                                                     stripnl=False, ensurenl=False)
        except ClassNotFound:
            _LEXERS[suffix] = None
    return _LEXERS[suffix]


@dataclass(frozen=True, slots=True)
class _Palette:
    """The theme colours the diff uses, as ``#rrggbb`` (or ``None``), which Rich styles always accept."""

    primary: str | None
    accent: str | None
    success: str | None
    error: str | None
    background: str | None


def _palette(theme: Any) -> _Palette:
    """A theme may use any colour Textual parses (``hsl(...)``, ``ansi_blue``, names); Rich styles do not
    accept all of them, and a style Rich cannot parse would drop the diff's colours."""
    return _hex_palette(theme.primary, theme.accent, theme.success, theme.error, theme.background)


@functools.lru_cache(maxsize=16)
def _hex_palette(*colours: str | None) -> _Palette:
    from textual.color import Color

    def convert(colour: str | None) -> str | None:
        if not colour:
            return None
        try:
            return Color.parse(colour).hex6
        except Exception:  # noqa: BLE001 - a colour Textual cannot parse either: left out
            return None

    return _Palette(*map(convert, colours))


def _tint(colour: str | None, background: str | None) -> str | None:
    """A faint background for added/removed lines: the sign colour blended into the theme background."""
    from textual.color import Color

    if not colour:
        return None
    try:
        return Color.parse(background or "#000000").blend(Color.parse(colour), 0.14).hex
    except Exception:  # a user theme with an odd colour string: no tint rather than no diff
        return None
