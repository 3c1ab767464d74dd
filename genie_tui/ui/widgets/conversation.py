"""The conversation: user messages, the model's text streamed as Markdown, and one compact line per tool call.

The container is anchored once (it follows the tail until the user scrolls up). The whole session stays
scrollable, but only the newest ``LIVE_ITEMS`` items are widgets: older finished ones become records drawn
as plain lines by one ``History`` widget at the top, so memory and layout cost stay flat over a long session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown, Static

from genie_tui.printable import printable
from genie_tui.ui.collector import release
from genie_tui.ui.widgets.answer import AnswerMarkdown, AnswerStream
from genie_tui.ui.widgets.history import Entry, History, ToolRecord

LIVE_ITEMS = 40  # newest items kept as widgets; older ones move to ``History`` in batches of ``BATCH``
BATCH = 20
KEEP_TRIES = 50  # refreshes a reader's kept place waits for the layout that places it


class Note(Static):
    """A one-line notice (patch applied, tests ran, error) in the log."""

    DEFAULT_CSS = "Note { color: $text-muted; padding: 0 1; } Note.-error { color: $error; } Note.-good { color: $success; }"


class UserMessage(Static):
    DEFAULT_CSS = "UserMessage { background: $boost; padding: 0 1; margin: 1 0 0 0; border-left: thick $primary; }"


class ToolCallLine(Static, can_focus=True):
    """``⚙ name args · size · time``; Enter or a click expands it to the full arguments and result."""

    DEFAULT_CSS = """
    ToolCallLine { color: $text-muted; padding: 0 1; height: auto; }
    ToolCallLine:focus { background: $boost; }
    ToolCallLine.-failed { color: $error; }
    """
    BINDINGS = [("enter", "toggle", "Expand")]

    def __init__(self, call_id: str, name: str) -> None:
        super().__init__(markup=False)
        self.record = ToolRecord(call_id, name)

    @property
    def call_id(self) -> str:
        return self.record.call_id

    def on_mount(self) -> None:
        self._draw()

    def set_args(self, arguments: dict[str, Any] | None, raw: str) -> None:
        self.record.set_args(arguments, raw)
        self._draw()

    def finish(self, ok: bool, result: str, elapsed_ms: float) -> None:
        self.record.finish(ok, result, elapsed_ms)
        self.set_class(not ok, "-failed")
        self._draw()

    def set_progress(self, text: str) -> None:
        self.record.progress = text
        self._draw()

    def action_toggle(self) -> None:
        self.record.expanded = not self.record.expanded
        self._draw()

    def on_click(self) -> None:
        self.action_toggle()

    def _draw(self) -> None:
        self.update(self.record.text())


class ConversationView(VerticalScroll):
    """Owns the visible transcript; the screen calls its methods as events arrive."""

    DEFAULT_CSS = "ConversationView { height: 1fr; } ConversationView Markdown { margin: 0 1; padding: 0; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history = History()
        self._stream: AnswerStream | None = None
        self._ending: AnswerStream | None = None  # the answer whose last text end_text is drawing
        self._tools: dict[str, ToolRecord] = {}
        self._live: list[Widget] = []
        self._keep: tuple[int, int] | None = None  # a reader's place (item, line) waiting for a layout
        self._tries = 0  # refreshes waited for that layout

    def compose(self) -> ComposeResult:
        yield self.history

    def on_mount(self) -> None:
        self.anchor()

    @property
    def item_count(self) -> int:
        """Every item of the session so far (old ones in the history, new ones as widgets)."""
        return len(self.history.entries) + len(self._live)

    async def _add(self, widget: Widget) -> None:
        await self.mount(widget)
        self._live.append(widget)
        if len(self._live) >= LIVE_ITEMS + BATCH:
            await self._compact()

    async def _compact(self) -> None:
        """Turn the oldest ``BATCH`` widgets into history lines, keeping a scrolled-up reader's place."""
        # The reader's place is an item (a history entry or a widget, by its number in the session) and a line in
        # it, measured in the last layout and scrolled back to once a layout has placed that item again. Batches
        # can move faster than the screen lays out (a burst of events on a busy machine): a place still waiting
        # for its layout stays the one kept, as no later layout has measured anything newer.
        self._keep_place(waits=False)  # (its own call still waits)
        # scrolled up by the reader: short of the end with the anchor released. Short of the end alone is also a
        # view following the tail that lags behind a burst of items; correcting that one would release the anchor
        # (Textual's scroll_to does, whatever its release_anchor says) and the view would stop following.
        if (self._keep is None and self.scroll_y < self.max_scroll_y - 1
                and getattr(self, "_anchor_released", True)):
            self._keep, self._tries = self._reader_place(), 0
            if self._keep is not None:
                self.call_after_refresh(self._keep_place)
        old, self._live = self._live[:BATCH], self._live[BATCH:]
        self.history.extend([_entry(w) for w in old])
        nodes = [node for widget in old for node in widget.walk_children(with_self=True)]
        await self.remove_children(old)
        release(nodes)  # freed now by reference counting, not by the next full garbage collection
        _release_styles_caches()

    def _reader_place(self) -> tuple[int, int] | None:
        """The item at the top of the view and the line of it there, in the last layout (widgets mounted since
        have none yet, and come after every placed one)."""
        history, y = self.history, round(self.scroll_y)
        if not history.laid_out():
            return None
        if y < history.virtual_region.bottom:
            return history.entry_at(y - history.virtual_region.y)
        placed = [(i, w.virtual_region.y) for i, w in enumerate(self._live) if w.virtual_region.height]
        above = [(i, top) for i, top in placed if top <= y]
        if not above:
            return None
        i, top = above[-1]
        return len(history.entries) + i, y - top

    def _keep_place(self, waits: bool = True) -> None:
        """Scroll to the kept place once a layout has placed its item (else after the next refresh, where ``waits``:
        one call waits at a time, as more would use up the tries that many times faster)."""
        if self._keep is None:
            return
        item, offset = self._keep
        history = self.history
        base = len(history.entries)
        widget = self._live[item - base] if base <= item < base + len(self._live) else None
        if item >= base and widget is None:  # its item is gone (the view was cleared)
            self._keep = None
            return
        if not history.laid_out() or (widget is not None and not widget.virtual_region.height):
            if not waits:
                return
            if getattr(self.app, "_batch_count", 0):
                # in a batch_update no layout comes, and a callback runs every idle turn: a burst would use up the
                # tries and let the place go; looked at again a little later, and not counted
                self.set_timer(0.05, self._keep_place)
                return
            self._tries += 1
            if self._tries < KEEP_TRIES:  # not shown at all (a screen over it): the place is let go
                self.call_after_refresh(self._keep_place)
            else:
                self._keep = None
            return
        self._keep = None
        y = (history.virtual_region.y + history.line_of(item, offset) if widget is None
             else widget.virtual_region.y + offset)
        self.scroll_to(y=y, animate=False, immediate=True)

    async def add_user(self, text: str) -> None:
        await self.end_text()
        await self._add(UserMessage(text, markup=False))

    async def add_note(self, text: str, kind: str = "") -> None:
        await self.end_text()
        note = Note(printable(text), markup=False)  # a summary, a reason naming a file: no control sequences
        if kind:
            note.add_class(f"-{kind}")
        await self._add(note)

    async def text_delta(self, text: str) -> None:
        """Stream model text: collected here, drawn at a bounded rate by ``AnswerStream`` (never waited for)."""
        if self._stream is None:
            markdown = AnswerMarkdown()
            await self._add(markdown)
            self._stream = AnswerStream(markdown)
        self._stream.write(text)

    async def end_text(self, draw: bool = True) -> None:
        """The answer is complete: what is left of it drawn (``draw``; else it is about to be removed)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            self._ending = stream  # its text until then, for a copy made meanwhile (see transcript)
            try:
                await (stream.stop() if draw else stream.discard())
            finally:
                self._ending = None

    async def tool_started(self, call_id: str, name: str) -> None:
        await self.end_text()
        line = ToolCallLine(call_id, name)
        self._tools[call_id] = line.record
        await self._add(line)

    def tool_args(self, call_id: str, arguments: dict[str, Any] | None, raw: str) -> None:
        if (record := self._tools.get(call_id)) is not None:
            self._update_tool(record, lambda line: line.set_args(arguments, raw),
                              lambda: record.set_args(arguments, raw))

    def tool_finished(self, call_id: str, ok: bool, result: str, elapsed_ms: float) -> None:
        if (record := self._tools.pop(call_id, None)) is not None:
            self._update_tool(record, lambda line: line.finish(ok, result, elapsed_ms),
                              lambda: record.finish(ok, result, elapsed_ms))

    def tool_progress(self, call_id: str, text: str) -> None:
        """A running tool's latest output line (the core sends a few a second at most), under its line."""
        if (record := self._tools.get(call_id)) is not None:
            line = " ".join(text.split())
            self._update_tool(record, lambda w: w.set_progress(line), lambda: setattr(record, "progress", line))

    def abandon_tools(self, reason: str) -> None:
        """Tool calls still shown as running when their turn was dropped or stopped: they never ran."""
        for call_id in list(self._tools):
            self.tool_finished(call_id, False, reason, 0.0)

    # --- the tool-call keys (Enter, Up/Down in the older part, Tab between live lines) for the palette ------
    def tool_calls(self) -> list[tuple[Widget, int | None]]:
        """Every tool call shown, oldest first: (the history, its entry) or (its live line, None)."""
        old: list[tuple[Widget, int | None]] = [(self.history, i) for i, e in enumerate(self.history.entries)
                                                if e.tool is not None]
        return old + [(w, None) for w in self._live if isinstance(w, ToolCallLine)]

    def _selected_tool(self, calls: list[tuple[Widget, int | None]]) -> int | None:
        focused = self.screen.focused
        return next((n for n, (w, i) in enumerate(calls) if w is focused and i in (None, self.history.cursor)), None)

    def _select_tool(self, delta: int) -> Widget | None:
        """Focus the tool call ``delta`` after the focused one (the newest when none is), as its keys would."""
        calls = self.tool_calls()
        if not calls:
            return None
        here = self._selected_tool(calls)
        widget, entry = calls[len(calls) - 1 if here is None else max(0, min(len(calls) - 1, here + delta))]
        if entry is not None:
            self.history.cursor = entry
            self.history.focus()
            self.history.action_move(0)  # scrolls the cursor's line into view
        else:
            widget.focus()
            widget.scroll_visible(animate=False)
        return widget

    def action_tool_move(self, delta: int) -> None:
        self._select_tool(delta)

    def action_tool_toggle(self) -> None:
        widget = self._select_tool(0)
        if isinstance(widget, (History, ToolCallLine)):
            widget.action_toggle()

    def _update_tool(self, record: ToolRecord, live: Callable[[ToolCallLine], None],
                     old: Callable[[], None]) -> None:
        line = next((w for w in reversed(self._live) if isinstance(w, ToolCallLine) and w.record is record), None)
        if line is not None:
            live(line)
        else:  # the call scrolled into the history while it ran
            old()
            self.history.invalidate()

    async def clear(self) -> None:
        await self.end_text(draw=False)
        self._tools.clear()
        self._keep = None
        self.history.clear()
        live, self._live = self._live, []
        nodes = [node for widget in live for node in widget.walk_children(with_self=True)]
        await self.remove_children(live)
        release(nodes)

    async def show_past(self, entries: list[Entry]) -> None:
        """Show a resumed session: its items go straight into the history as lines (no widget each), and the
        view follows the tail from there."""
        await self.clear()
        self.history.extend(entries)
        # the lines are wrapped once for the width they will have: laid out first without the scrollbar that
        # so many lines bring, the whole session would be wrapped twice (~0.2 s for 500 turns)
        self.show_vertical_scrollbar = self.show_vertical_scrollbar or len(entries) > self.size.height
        self.anchor()

    def transcript(self) -> str:
        """Plain text of the whole session (for copying)."""
        out = [e.plain() for e in self.history.entries]
        drawing = {s.markdown: s for s in (self._stream, self._ending) if s is not None}
        out.extend(Entry("text", drawing[w].text).plain() if w in drawing else _entry(w).plain()
                   for w in self._live)  # an answer being drawn: all of it so far
        return "\n\n".join(out)


def _release_styles_caches() -> None:
    """Let removed widgets' rendered lines go.

    Textual memoises ``StylesCache.get_inner_outer``, a method, in an ``lru_cache`` of 1,024 entries whose keys
    hold the ``StylesCache`` of every widget drawn lately, removed ones too, and with it the lines it drew
    (Textualize/textual#6665). Over a long session that kept ~900 dead caches, ~5,000 ``Strip``s and 35,000
    of their small caches alive, which every full garbage collection scanned. Clearing it costs a few
    ``Style``s per widget on its next paint.
    """
    try:  # a private module: a Textual without it (or with the bug fixed another way) needs nothing done here
        from textual._styles_cache import StylesCache
    except ImportError:
        return
    clear = getattr(getattr(StylesCache, "get_inner_outer", None), "cache_clear", None)
    if clear is not None:
        clear()


def _entry(widget: Widget) -> Entry:
    if isinstance(widget, ToolCallLine):
        return Entry("tool", tool=widget.record)
    if isinstance(widget, Markdown):
        return Entry("text", widget.source)
    kind = "user" if isinstance(widget, UserMessage) else "note"
    tone = "error" if widget.has_class("-error") else "good" if widget.has_class("-good") else ""
    return Entry(kind, str(getattr(widget, "content", "")), tone)
