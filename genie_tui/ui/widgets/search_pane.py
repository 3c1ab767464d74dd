"""The search pane: a query box and a live list of what the agent (or the user) looked at.

Agent lookups (search, definition, references, reads) stream in as ``ContextLooked`` events; the newest is
highlighted, unless the user's focus is in the list: then the highlight stays on the hit they chose. The user's own queries run the same engine in a thread. Enter previews a hit, ``c`` adds it to
the agent's context.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from genie_tui.printable import printable, shown_path
from genie_tui.ui.widgets.option_list import PagedOptionList
from genie_tui.ui.widgets.prompt import PromptInput

MAX_ROWS = 400  # rows kept in the list at most; older lookups scroll off the top
#: rows kept when the list is cut: a quarter of it goes at once, so the list is rebuilt once per hundred rows
#: added (an agent's read adds two), not at every lookup of a long session (each rebuild measures every row)
CUT_TO_ROWS = MAX_ROWS * 3 // 4
MAX_GROUP = 200  # hits shown for one lookup


@dataclass(frozen=True, slots=True)
class Hit:
    path: str
    start: int
    end: int
    label: str = ""


def _one_line(text: str) -> str:
    """``text`` as one row: no escape sequence (``[31m`` left visible), no line break (a row split in two)."""
    return printable(text).replace("\n", " ")


def _label(h: Hit) -> Text:
    # a file name may hold a newline or an escape sequence: quoted with escapes, as the command line shows it
    t = Text(f"  {shown_path(h.path)}" + (f":{h.start}-{h.end}" if h.start else ""), no_wrap=True,
             overflow="ellipsis")
    if h.label:
        t.append(f"  {_one_line(h.label)}", style="dim")
    return t


class SearchPane(Vertical):
    """Owns the list of hits; posts ``PreviewRequested`` / ``ContextRequested`` for the screen to act on."""

    BINDINGS = [
        Binding("c", "add_context", "Add to context"),
        Binding("slash", "focus_query", "Search", show=False),
    ]

    class PreviewRequested(Message):
        def __init__(self, hit: Hit) -> None:
            super().__init__()
            self.hit = hit

    class ContextRequested(Message):
        def __init__(self, hit: Hit) -> None:
            super().__init__()
            self.hit = hit

    def __init__(self, repo: Path | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.repo = repo
        self.query_box = PromptInput(placeholder="Search code (Enter) — words, a symbol, an error, or a glob", id="search-query")
        self.results = PagedOptionList(id="search-results")
        self.hits: list[Hit | None] = []  # per row: its hit, or None for a title
        self._rows: list[tuple[Option, Hit | None]] = []  # an Option keeps its rendered prompt for a rebuild

    def compose(self) -> ComposeResult:
        yield self.query_box
        yield self.results

    def _add_group(self, title: str, hits: list[Hit], live: bool, note: str = "") -> None:
        shown = hits[:MAX_GROUP]  # ranked best first: a lookup of thousands keeps its best, and says so
        texts: list[tuple[Text, Hit | None]] = [(Text(_one_line(title), style="bold", no_wrap=True, overflow="ellipsis"), None)]
        if note:  # a row of its own: a long query's title would hide it
            texts.append((Text(f"  {_one_line(note)}", style="italic dim", no_wrap=True, overflow="ellipsis"), None))
        texts += [(_label(h), h) for h in shown]
        if len(hits) > len(shown):
            texts.append((Text(f"  … {len(hits) - len(shown):,} more not shown", style="dim"), None))
        rows = [(Option(t, disabled=h is None), h) for t, h in texts]
        self._rows += rows
        self.hits += [h for _, h in rows]
        # the user is on a hit of their own (the preview or the palette may be over it): ``c`` and Enter act on
        # the highlighted row, so a lookup landing meanwhile must not move it (one did, and ``c`` added the
        # agent's file instead of the user's)
        users = self.screen.focused is self.results
        kept = self.results.highlighted
        if len(self._rows) > MAX_ROWS:  # drop the oldest rows and rebuild once (the list stays short)
            cut = len(self._rows) - CUT_TO_ROWS
            del self._rows[:cut]  # a lookup's rows (MAX_GROUP + 2) stay whole
            self.hits = [h for _, h in self._rows]
            self.results.clear_options()
            self.results.add_options([option for option, _ in self._rows])
            if users and kept is not None and kept >= cut:  # the same hit, where it is now
                self.results.highlighted = kept - cut
                self.results.scroll_to_highlight()
        else:
            self.results.add_options([option for option, _ in rows])
        if shown and not users:
            index = len(self.hits) - len(rows) + 1 + bool(note)  # its first hit: under the title and the note
            if live or self.results.highlighted is None:
                self.results.highlighted = index
                self.results.scroll_to_highlight()

    def agent_looked(self, kind: str, query: str, hits: tuple[tuple[str, int, int, str], ...]) -> None:
        """A live lookup by the agent; it becomes the highlighted group (unless the user is in the list)."""
        rows = [Hit(p, s, e, label) for p, s, e, label in hits]
        self._add_group(f"⟳ agent {kind}: {query}" + ("" if rows else "  (nothing)"), rows, live=True)

    def show_results(self, query: str, hits: list[Hit]) -> None:
        first, *more = query.split("\n")  # a pasted stack trace is titled by its first line
        title = first + (f" … (+{len(more):,} lines)" if more else "")
        self._add_group(f"⌕ {title}" + ("" if hits else "  (no matches)"), hits, live=True,
                        note=getattr(hits, "note", ""))  # the index still building: git grep answered too

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = self.query_box.expand(event.value.strip()).strip()  # the box keeps the line, to refine it
        if query:
            self.run_search(query)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        from genie_tui.ui.search import search

        try:
            hits = search(self.repo, query)
        except Exception as exc:  # search is best-effort; a broken index must not kill the pane
            self.app.call_from_thread(self.app.notify, f"search failed: {exc}", severity="error", markup=False)
            return
        self.app.call_from_thread(self.show_results, query, hits)
        self.app.call_from_thread(self._focus_results)

    def _focus_results(self) -> None:
        """To the hits, only from the search box: a first search (building the index) that ends while the user
        types in the prompt took the keys, and each ``c`` typed added a hit to the agent's context."""
        if self.app.focused in (self.query_box, None):
            self.results.focus()

    def _current(self) -> Hit | None:
        h = self.results.highlighted
        return self.hits[h] if h is not None and 0 <= h < len(self.hits) else None

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_preview()

    def action_preview(self) -> None:
        """Enter in the results (and the palette's "Search: preview the highlighted hit")."""
        if (hit := self._current()) is not None:
            self.post_message(self.PreviewRequested(hit))

    def action_add_context(self) -> None:
        if (hit := self._current()) is not None:
            self.post_message(self.ContextRequested(hit))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add_context":
            return self.results.has_focus and self._current() is not None
        return True

    def action_focus_query(self) -> None:
        self.query_box.focus()
