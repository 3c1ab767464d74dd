"""One line: model, phase, the index's build while it runs, step n/max, tokens vs budget, cost when priced, approval mode, a spinner (what fits).

Updates are cheap (a dict write and one ``refresh``); the spinner ticks at 10 Hz only while busy, and
snapshot tests freeze it with ``animate=False``.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from genie_tui.printable import printable

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, *, model: str, approve: str, budget: int, demo: bool = False,
                 price: tuple[float | None, float | None] = (None, None), animate: bool = True,
                 id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.model, self.approve, self.budget, self.demo = model, approve, budget, demo
        self.price = price
        self.phase = "idle"
        self.step, self.max_steps = 0, 0
        self.prompt_tokens = self.completion_tokens = 0
        self.last_prompt = 0
        self.busy = False
        self.indexing = ""  # the code index's build while it runs ("indexing 1,200/15,000")
        self.live = animate
        self._frame = 0
        self._timer = None

    def on_mount(self) -> None:
        if self.live:
            self._timer = self.set_interval(0.1, self._spin, pause=True)
        self._draw()

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._draw()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        if self._timer is not None:
            (self._timer.resume if busy else self._timer.pause)()
        self._draw()

    def update_fields(self, **values: object) -> None:
        for k, v in values.items():
            setattr(self, k, v)
        self._draw()

    def add_usage(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.last_prompt = prompt
        self._draw()

    def cost(self) -> float | None:
        pin, pout = self.price
        if pin is None or pout is None:
            return None
        return (self.prompt_tokens * pin + self.completion_tokens * pout) / 1_000_000

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """The fields that fit the bar's width: the token count, then the context, the step and the model give
        way, so a narrow terminal still shows the phase and the approval mode (``auto`` applies patches)."""
        fields = self._fields()
        width = self.content_region.width or 10_000  # not laid out yet: all of them
        # the model last (a long name, or the demo's badge besides); the cost too, before the approval mode
        drop = ["tokens", "cost", "ctx", "index", "step", "model"]
        while drop and self._line(fields).cell_len > width:
            fields.pop(drop.pop(0), None)
        self.update(self._line(fields))

    def _fields(self) -> dict[str, tuple[str, str]]:
        """(text, style) of each field in order; the model name as text (no escape sequence of a typed name)."""
        fields = {"model": (printable(self.model), "bold"), "phase": (self.phase, ""), "index": (self.indexing, ""),
                  "step": ("", "")}
        if self.max_steps:
            fields["step"] = (f"step {self.step}/{self.max_steps}", "")
        fields["ctx"] = (f"ctx {self.last_prompt / 1000:.1f}k/{self.budget / 1000:.0f}k", "")
        fields["tokens"] = (f"{self.prompt_tokens + self.completion_tokens:,} tok", "")
        if (c := self.cost()) is not None:
            fields["cost"] = (f"${c:.4f}", "")
        fields["approve"] = (f"approve:{self.approve}", "")
        return fields

    def _line(self, fields: dict[str, tuple[str, str]]) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        if self.demo:
            t.append(" DEMO ", style="bold reverse")
            t.append(" ")
        t.append(SPINNER[self._frame] if self.busy else "●", style="bold" if self.busy else "dim")
        shown = [(name, text, style) for name, (text, style) in fields.items() if text]
        for n, (name, text, style) in enumerate(shown):  # no "·" after the spinner when the model gave way
            t.append(f" {text}" if name == "model" or n == 0 else f" · {text}", style=style)
        return t
