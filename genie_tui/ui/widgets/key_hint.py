"""A pane's keys on lines of their own, for terminals whose footer cannot show them all.

The footer cuts off whatever does not fit (at 80 columns the patch review's ``r`` and ``e``); this line
wraps between keys, never inside one, so each key stays next to what it does.
"""

from __future__ import annotations

from textual.widgets import Static

SEP = " · "


def pack(keys: tuple[str, ...], width: int) -> str:
    """``keys`` joined by `` · `` into lines no wider than ``width`` (a key wider than that gets its own line)."""
    lines: list[str] = []
    line = ""
    for key in keys:
        if line and len(line) + len(SEP) + len(key) > width:
            lines.append(line)
            line = key
        else:
            line = f"{line}{SEP}{key}" if line else key
    return "\n".join([*lines, line] if line else lines)


class KeyHint(Static):
    """``keys`` packed to the widget's width; hidden unless the screen's CSS shows it."""

    def __init__(self, keys: tuple[str, ...], *, id: str | None = None) -> None:
        super().__init__(SEP.join(keys), id=id, markup=False)
        self.keys = keys

    def on_resize(self) -> None:
        if self.content_size.width > 0:
            self.update(pack(self.keys, self.content_size.width))
