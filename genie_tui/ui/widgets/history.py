"""The older part of the conversation as cheap lines: one widget for any number of finished items.

A long session keeps every item (so the user can scroll back to its beginning), but only the newest items
are real widgets. Older ones are kept as ``Entry`` records and drawn here through Textual's line API:
each entry is wrapped to the current width once, and only the lines inside the viewport are painted.
Memory per old item is its text plus a few ``Strip`` lines instead of a widget tree (a ``Markdown`` widget
is a dozen widgets).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from genie_tui.ui.bridge import summarize_args


@dataclass(slots=True)
class ToolRecord:
    """A tool call's line data; shared by its live ``ToolCallLine`` and, later, its history entry."""

    call_id: str
    name: str
    args: str = ""
    raw: str = ""
    result: str | None = None
    meta: str = "…"
    failed: bool = False
    expanded: bool = False
    progress: str = ""  # the latest output line of a long tool (a test run) while it runs

    def set_args(self, arguments: dict[str, Any] | None, raw: str) -> None:
        self.args, self.raw = summarize_args(arguments, raw), raw

    def finish(self, ok: bool, result: str, elapsed_ms: float | None) -> None:
        """The call's result; ``elapsed_ms`` is ``None`` when it is not known (a call of a resumed session)."""
        size = len(result.encode())
        human = f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"
        took = "" if elapsed_ms is None else f" · {elapsed_ms:.0f} ms"
        self.result, self.meta, self.failed = result, human + took, not ok
        self.progress = ""

    def text(self) -> Text:
        head = Text.assemble(("▾ " if self.expanded else "▸ ", "bold"), (self.name, "bold"), " ",
                             self.args, (f"  · {self.meta}", "dim"))
        if self.progress:
            head.append(f"\n  {self.progress}", style="dim italic")
        if self.expanded:
            body = self.raw[:4000] + "\n── result ──\n" + (self.result or "(running)")[-4000:]
            head.append("\n" + body, style="dim")
        return head

    def plain(self) -> str:
        return f"{self.name} {self.args}  · {self.meta}"


@dataclass(slots=True)
class Entry:
    """One finished conversation item: ``kind`` is user, note, text or tool; ``tone`` is error/good/''."""

    kind: str
    text: str = ""
    tone: str = ""
    tool: ToolRecord | None = field(default=None)

    def plain(self) -> str:
        return self.tool.plain() if self.tool is not None else self.text


STRIPS_KEPT = 400  # Strips of drawn lines kept between paints (a tall terminal shows a few hundred at most)


class History(Widget, can_focus=True):
    """Draws ``entries`` as wrapped lines; a click on a tool call's line, or Enter on the one the cursor
    is on (Up/Down move between tool calls), expands it."""

    DEFAULT_CSS = "History { height: auto; } History > .history--cursor { background: $boost; text-style: bold; }"
    COMPONENT_CLASSES = {"history--cursor"}
    BINDINGS = [
        Binding("enter", "toggle", "Expand"),
        Binding("up,k", "move(-1)", "Prev tool call", show=False),
        Binding("down,j", "move(1)", "Next tool call", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        # a line's segments, made a Strip only when drawn: a Strip carries seven small caches, so a long
        # session's history as Strips was most of the app's objects and made each full garbage collection
        # (a pause of the whole app) several times slower
        self._lines: list[list[Segment]] = []
        self._strips: dict[int, Strip] = {}  # the lines drawn lately
        self._owner: list[int] = []  # entry index of each line
        self._key: tuple[int, str] | None = None  # (width, theme) the lines were wrapped for
        self._colors: tuple[str, dict[str, str]] = ("", {})
        self.cursor: int | None = None  # the entry (a tool call) Enter expands
        self.can_focus = False  # a Tab stop only once it holds a tool call

    def extend(self, entries: list[Entry]) -> None:
        start = len(self.entries)
        self.entries.extend(entries)
        self.can_focus = self.can_focus or any(e.tool is not None for e in entries)
        if self._key is not None:
            for i in range(start, len(self.entries)):
                self._wrap(i, self._key[0])
        self.refresh(layout=True)

    def laid_out(self) -> bool:
        """Whether the last layout placed every entry's lines (none added or re-wrapped since)."""
        return self._key is not None and self.virtual_region.height == len(self._lines)

    def entry_at(self, line: int) -> tuple[int, int]:
        """The entry drawn on ``line`` of this widget and the line's place in it (lines of the last wrap)."""
        index = self._owner[max(0, min(line, len(self._owner) - 1))]
        return index, line - bisect.bisect_left(self._owner, index)

    def line_of(self, index: int, offset: int) -> int:
        """The line of this widget that is line ``offset`` of entry ``index`` (its last if it has fewer)."""
        first = bisect.bisect_left(self._owner, index)
        return first + max(0, min(offset, bisect.bisect_right(self._owner, index) - first - 1))

    def clear(self) -> None:
        self.entries.clear()
        self.cursor = None
        self.can_focus = False
        self.invalidate()

    def invalidate(self) -> None:
        """Re-wrap everything on the next paint (a tool call finished late, an entry expanded)."""
        self._key = None
        self._lines.clear()
        self._strips.clear()
        self._owner.clear()
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure(width)
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        self._ensure(width)
        if 0 <= y < len(self._lines):
            strip = self._strips.get(y)
            if strip is None:
                if len(self._strips) >= STRIPS_KEPT:
                    self._strips.clear()
                strip = self._strips[y] = Strip(self._lines[y], width)
            if self.has_focus and self.cursor is not None and self._owner[y] == self.cursor:
                strip = strip.apply_style(self.get_component_rich_style("history--cursor"))
            return strip
        return Strip.blank(width)

    # --- keyboard: the same as a click, on the tool call the cursor is on -----------------------------
    def _tools(self) -> list[int]:
        return [i for i, e in enumerate(self.entries) if e.tool is not None]

    def on_focus(self) -> None:
        tools = self._tools()
        if self.cursor not in tools:
            self.cursor = tools[-1] if tools else None
        self._show_cursor()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, delta: int) -> None:
        tools = self._tools()
        if not tools:
            return
        here = tools.index(self.cursor) if self.cursor in tools else len(tools) - 1
        self.cursor = tools[max(0, min(len(tools) - 1, here + delta))]
        self._show_cursor()

    def action_toggle(self) -> None:
        if self.cursor is not None and (tool := self.entries[self.cursor].tool) is not None:
            tool.expanded = not tool.expanded
            self.invalidate()
            self.call_after_refresh(self._show_cursor)

    def _show_cursor(self) -> None:
        self.refresh()
        if self.cursor is None or self.cursor not in self._owner or self.parent is None:
            return
        first = self._owner.index(self.cursor)
        last = len(self._owner) - 1 - self._owner[::-1].index(self.cursor)
        top = self.virtual_region.y
        self.parent.scroll_to_region(Region(0, top + first, 1, min(last - first + 1, 10)),  # type: ignore[attr-defined]
                                     animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if 0 <= y < len(self._owner):
            tool = self.entries[self._owner[y]].tool
            if tool is not None:
                self.cursor = self._owner[y]
                tool.expanded = not tool.expanded
                self.invalidate()

    def _ensure(self, width: int) -> None:
        key = (width, self.app.theme)
        if key != self._key and width > 0:
            self._key = key
            self._lines.clear()
            self._strips.clear()
            self._owner.clear()
            for i in range(len(self.entries)):
                self._wrap(i, width)

    def _wrap(self, index: int, width: int) -> None:
        entry = self.entries[index]
        if self._colors[0] != self.app.theme:  # building the colour system costs ~1 ms; once per theme
            self._colors = (self.app.theme, self.app.get_css_variables())
        rendered = _padded_lines(_styled(entry, self._colors[1]), self.app.console, width,
                                 top=1 if entry.kind == "user" else 0, bottom=1 if entry.kind == "text" else 0)
        self._lines.extend(rendered)
        self._owner.extend([index] * len(rendered))


def _padded_lines(text: Text, console: Console, width: int, *, top: int, bottom: int) -> list[list[Segment]]:
    """``text`` wrapped to ``width`` less a column each side, as lines of segments exactly ``width`` wide: what
    rendering it in a ``Padding`` gives, in a third of the time (a resumed session wraps thousands at once)."""
    inner = max(1, width - 2)
    out = [[Segment(" " * width)] for _ in range(top)]
    for line in text.wrap(console, inner, tab_size=console.tab_size):
        if line.cell_len > inner:
            line.truncate(inner)
        out.append([_EDGE, *line.render(console), Segment(" " * max(0, width - 1 - line.cell_len))])
    out.extend([Segment(" " * width)] for _ in range(bottom))
    return out


_EDGE = Segment(" ")


def _styled(entry: Entry, colors: dict[str, str]) -> Text:
    def color(name: str, fallback: str) -> Style:
        if name == "text-muted":  # a theme gives it as "auto 60%": blend foreground into background
            try:
                fg, bg = Color.parse(colors["foreground"]), Color.parse(colors["background"])
                return Style(color=fg.blend(bg, 0.4).rich_color)
            except (KeyError, ValueError):
                return Style.parse(fallback)
        try:
            return Style(color=Color.parse(colors[name]).rich_color)
        except (KeyError, ValueError):
            return Style.parse(fallback)

    if entry.tool is not None:
        text = entry.tool.text()
        text.stylize(color("error" if entry.tool.failed else "text-muted", "red" if entry.tool.failed else "grey50"))
        return text
    if entry.kind == "user":
        return Text.assemble(("▌ ", color("primary", "blue")), (entry.text, "bold"))
    if entry.kind == "note":
        name = {"error": "error", "good": "success"}.get(entry.tone, "text-muted")
        return Text(entry.text, style=color(name, "grey50"))
    return _light_markdown(entry.text)


_INLINE = re.compile(r"\*\*(?P<bold>[^*\n]+)\*\*|`(?P<code>[^`\n]+)`|^(?P<head>#{1,6} .*)$", re.MULTILINE)


def _light_markdown(source: str) -> Text:
    """Bold, inline code and headings without a Markdown parse (full rendering costs ~3 ms per item)."""
    text, pos = Text(), 0
    for m in _INLINE.finditer(source):
        text.append(source[pos:m.start()])
        if m["bold"] is not None:
            text.append(m["bold"], "bold")
        elif m["code"] is not None:
            text.append(m["code"], "bold reverse")
        else:
            text.append(m["head"].lstrip("#").strip(), "bold underline")
        pos = m.end()
    text.append(source[pos:])
    return text
