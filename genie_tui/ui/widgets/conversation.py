"""The conversation: user messages, the model's text streamed as Markdown, and one compact line per tool call.

The container is anchored once (it follows the tail until the user scrolls up) and keeps at most
``MAX_ITEMS`` children, so memory stays flat over a long session; older items are summarised away.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static
from textual.widgets._markdown import MarkdownStream

from genie_tui.ui.bridge import summarize_args

MAX_ITEMS = 300


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
        self.call_id, self.tool, self.args, self.raw = call_id, name, "", ""
        self.result: str | None = None
        self.meta = "…"
        self.expanded = False

    def on_mount(self) -> None:
        self._draw()

    def set_args(self, arguments: dict[str, Any] | None, raw: str) -> None:
        self.args, self.raw = summarize_args(arguments, raw), raw
        self._draw()

    def finish(self, ok: bool, result: str, elapsed_ms: float) -> None:
        size = len(result.encode())
        human = f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"
        self.result, self.meta = result, f"{human} · {elapsed_ms:.0f} ms"
        self.set_class(not ok, "-failed")
        self._draw()

    def action_toggle(self) -> None:
        self.expanded = not self.expanded
        self._draw()

    def on_click(self) -> None:
        self.action_toggle()

    def _draw(self) -> None:
        head = Text.assemble(("▸ " if not self.expanded else "▾ ", "bold"), (self.tool, "bold"), " ",
                             self.args, (f"  · {self.meta}", "dim"))
        if self.expanded:
            body = (self.raw[:4000] + "\n── result ──\n" + (self.result or "(running)")[-4000:])
            head.append("\n" + body, style="dim")
        self.update(head)


class ConversationView(VerticalScroll):
    """Owns the visible transcript; the screen calls its methods as events arrive."""

    DEFAULT_CSS = "ConversationView { height: 1fr; } ConversationView Markdown { margin: 0 1; padding: 0; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._md: Markdown | None = None
        self._stream: MarkdownStream | None = None
        self._tools: dict[str, ToolCallLine] = {}

    def on_mount(self) -> None:
        self.anchor()

    async def _add(self, widget: Static | Markdown) -> None:
        await self.mount(widget)
        extra = len(self.children) - MAX_ITEMS
        if extra > 0:
            old = list(self.children[:extra])
            for w in old:
                if isinstance(w, ToolCallLine):
                    self._tools.pop(w.call_id, None)
            await self.remove_children(old)

    async def add_user(self, text: str) -> None:
        await self.end_text()
        await self._add(UserMessage(text, markup=False))

    async def add_note(self, text: str, kind: str = "") -> None:
        await self.end_text()
        note = Note(text, markup=False)
        if kind:
            note.add_class(f"-{kind}")
        await self._add(note)

    async def text_delta(self, text: str) -> None:
        """Stream model text; ``MarkdownStream`` joins fragments that arrive faster than it renders."""
        if self._stream is None:
            self._md = Markdown()
            await self._add(self._md)
            self._stream = Markdown.get_stream(self._md)
        await self._stream.write(text)

    async def end_text(self) -> None:
        if self._stream is not None:
            stream, self._stream, self._md = self._stream, None, None
            await stream.stop()

    async def tool_started(self, call_id: str, name: str) -> None:
        await self.end_text()
        line = ToolCallLine(call_id, name)
        self._tools[call_id] = line
        await self._add(line)

    def tool_args(self, call_id: str, arguments: dict[str, Any] | None, raw: str) -> None:
        if (line := self._tools.get(call_id)) is not None:
            line.set_args(arguments, raw)

    def tool_finished(self, call_id: str, ok: bool, result: str, elapsed_ms: float) -> None:
        if (line := self._tools.get(call_id)) is not None:
            line.finish(ok, result, elapsed_ms)

    async def clear(self) -> None:
        await self.end_text()
        self._tools.clear()
        await self.remove_children()

    def transcript(self) -> str:
        """Plain text of what is shown (for copying)."""
        out = []
        for w in self.children:
            if isinstance(w, Markdown):
                out.append(w.source)
            elif isinstance(w, Static):
                out.append(str(w.content))
        return "\n\n".join(out)
