"""One-line input boxes that keep a multi-line paste whole: the prompt, the answer to a question, a review
comment, the search box.

Textual's ``Input`` keeps only the first line of a paste, so a pasted stack trace or task description lost
everything after its first line. Here a paste with line breaks becomes a short marker in the line
(``[paste 1: 5,000 lines]``) and ``take()`` (or ``expand()``) puts the text back when the line is sent.
Typing around a marker is free; deleting any part of it drops that paste (its text is let go at the next
paste). Where the text must stay one line (a plan step), ``joined=True`` puts the pasted lines side by side
instead, at most ``JOINED_MAX`` characters of them.
"""

from __future__ import annotations

import re
import time

from textual import events
from textual.widgets import Input

PREVIEW_LINES = 8
JOINED_MAX = 2_000  # characters of a paste joined into one line (a plan step); the rest is cut
_MARKER = re.compile(r"\[paste (\d+): [\d,]+ lines\]")


class PromptInput(Input):
    """An ``Input`` whose multi-line pastes are kept whole behind a marker (or joined into the line)."""

    def __init__(self, *args: object, joined: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.pastes: dict[int, str] = {}
        self.joined = joined
        self.last_key: events.Key | None = None
        self.typed: list[float] = []  # times of the keys typed here in the last second
        self._end_on_focus = False
        # keys dropped, until when (event clock; monotonic for Enter's binding), while the line is still this
        self._dropping: tuple[frozenset[str], float, float, str | None] = (frozenset(), 0.0, 0.0, None)
        #: the letters dropped so, with when the last came: typed after all when the word goes on (see _on_key)
        self._held: tuple[str, float, float] = ("", 0.0, 0.0)

    def drop_keys(self, keys: frozenset[str], since: float, seconds: float) -> None:
        """Drop ``keys`` typed within ``seconds`` of ``since`` (an event's ``time``), until the line changes: keys
        meant for the widget the focus just left, typed before the user could see it go. Once something is typed
        here the keys are the user's. A letter dropped is only held back: when another key follows within
        ``seconds`` that is no such key (``a`` then ``dd``: the user approved and typed "add" at once), it was the
        start of a word, and goes in before that key."""
        self._dropping = (keys, since + seconds, time.monotonic() + seconds, self.value)
        self._held = ("", 0.0, seconds)

    def _drops(self, key: str, typed: float | None = None) -> bool:
        _, typed_before, until, value = self._dropping
        if value != self.value:  # typed or set since: what comes now is meant for the line
            self._dropping = (frozenset(), 0.0, 0.0, None)
        if key not in self._dropping[0]:
            return False
        return typed < typed_before if typed is not None else time.monotonic() < until

    def echo(self, event: events.Key) -> bool:
        """Whether ``event`` is a key to drop (see :meth:`drop_keys`): then it is stopped, and a letter held back.
        Letters held back go in before a key that goes on their word."""
        if self._drops(event.key, event.time):
            event.stop()  # nor does it go up to a binding (Enter would send the line)
            event.prevent_default()
            letters, _, seconds = self._held
            self._held = (letters + (event.character or "") if event.is_printable else letters, event.time, seconds)
            return True
        letters, last, seconds = self._held
        if letters:
            self._held = ("", 0.0, seconds)
            if event.is_printable and event.time - last <= seconds:
                self.insert_text_at_cursor(letters)
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # an Enter that reached the widget the focus left looks for its binding once it has gone up the chain of
        # widgets, from where the focus is by then: here, and it sent the line (see drop_keys)
        if action == "submit" and self._drops("enter"):
            return False
        return super().check_action(action, parameters)

    async def _on_key(self, event: events.Key) -> None:
        if self.echo(event):
            return
        self.last_key = event  # a key that goes up from here to a pane is this box's own (type_ahead.py)
        if event.is_printable:  # when it came, for keys typed before it that reach the box after it (type_ahead.py)
            self.typed = [t for t in self.typed if t > event.time - 1.0] + [event.time]
        await super()._on_key(event)

    def focus_at_end(self) -> None:
        """Focus with the cursor after the text and nothing selected: a focus selects the whole line (Textual's
        ``select_on_focus``), and the next key typed would replace it."""
        self.action_end()
        if not self.has_focus:  # the focus comes as an event, after this: the cursor goes to the end then
            self._end_on_focus = True
        self.focus()

    def on_focus(self) -> None:
        if self._end_on_focus:
            self._end_on_focus = False
            self.call_later(self.action_end)  # after Input's own handler, which selects the line

    def on_paste(self, event: events.Paste) -> None:
        # prevent_default: Input's own handler, which keeps the first line, does not run after this one
        event.prevent_default()
        event.stop()
        self._insert(event.text)

    def action_paste(self) -> None:
        self._insert(self.app.clipboard)

    def _insert(self, text: str) -> None:
        if not text:
            return
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if self.joined:
            text = " ".join(part.strip() for part in text.split("\n") if part.strip())
            if len(text) > JOINED_MAX:  # one line of megabytes makes every keystroke and render crawl
                text = text[:JOINED_MAX - 1] + "…"
        elif "\n" in text:
            # a paste whose marker was deleted is gone: its text is not kept, its number is free again
            shown = {int(m[1]) for m in _MARKER.finditer(self.value)}
            self.pastes = {n: t for n, t in self.pastes.items() if n in shown}
            number = max(self.pastes, default=0) + 1
            self.pastes[number] = text
            text = f"[paste {number}: {text.count(chr(10)) + 1:,} lines]"
        start, end = self.selection
        self.replace(text, start, end)

    def expand(self, line: str, preview: int | None = None) -> str:
        """``line`` with each marker replaced by its paste (or the paste's first ``preview`` lines)."""

        def back(match: re.Match[str]) -> str:
            text = self.pastes.get(int(match[1]))
            if text is None:
                return match[0]
            lines = text.split("\n")
            if preview is not None and len(lines) > preview:
                text = "\n".join(lines[:preview]) + f"\n… ({len(lines) - preview:,} more lines)"
            return "\n" + text + "\n"

        return _MARKER.sub(back, line).strip("\n") if self.pastes else line

    def take(self, value: str | None = None) -> str:
        """The line as sent (``value``, by default what is in the box), pastes put back, and the box emptied."""
        text = self.expand((self.value if value is None else value).strip()).strip()
        self.forget()
        self.value = ""
        return text

    def forget(self) -> None:
        """The line was sent: its pastes go with it."""
        self.pastes.clear()
