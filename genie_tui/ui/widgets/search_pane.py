"""The search pane: a query box and a live list of what the agent (or the user) looked at.

Agent lookups (search, definition, references, reads) stream in as ``ContextLooked`` events; the newest is
highlighted, unless the user's focus is in the list: then the highlight stays on the hit they chose. The user's own queries run the same engine in a thread. Enter previews a hit, ``c`` adds it to
the agent's context. While the index builds, a query's rows show the index's hits first, then take in
``git grep``'s, then, once the build's files are in, the index's complete answer (see :meth:`SearchPane._search`).
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
from textual.worker import Worker, get_current_worker

from genie_tui.printable import printable, shown_path
from genie_tui.ui.widgets.option_list import PagedOptionList
from genie_tui.ui.widgets.prompt import PromptInput

MAX_ROWS = 400  # rows kept in the list at most; older lookups scroll off the top
#: rows kept when the list is cut: a quarter of it goes at once, so the list is rebuilt once per hundred rows
#: added (an agent's read adds two), not at every lookup of a long session (each rebuild measures every row)
CUT_TO_ROWS = MAX_ROWS * 3 // 4
MAX_GROUP = 200  # hits shown for one lookup
BUILT_POLL_S = 0.25  # how often a search answered while the index built looks whether its files are in
SEARCHED_AGAIN = "index built: searched again"  # the note of a search run again once the build's files are in


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
        self._sizes: dict[int, int] = {}  # a group's row count, by id() of its title row's Option
        self._searched = ""  # what the box held when the user's last search started (typed since: it differs)

    def compose(self) -> ComposeResult:
        yield self.query_box
        yield self.results

    def _group_rows(self, title: str, hits: list[Hit], note: str) -> list[tuple[Option, Hit | None]]:
        shown = hits[:MAX_GROUP]  # ranked best first: a lookup of thousands keeps its best, and says so
        texts: list[tuple[Text, Hit | None]] = [(Text(_one_line(title), style="bold", no_wrap=True, overflow="ellipsis"), None)]
        if note:  # a row of its own: a long query's title would hide it
            texts.append((Text(f"  {_one_line(note)}", style="italic dim", no_wrap=True, overflow="ellipsis"), None))
        texts += [(_label(h), h) for h in shown]
        if len(hits) > len(shown):
            texts.append((Text(f"  … {len(hits) - len(shown):,} more not shown", style="dim"), None))
        rows = [(Option(t, disabled=h is None), h) for t, h in texts]
        self._sizes[id(rows[0][0])] = len(rows)
        return rows

    def _add_group(self, title: str, hits: list[Hit], live: bool, note: str = "") -> Option:
        """Add a group of rows; returns its title row, by which :meth:`_replace_group` finds it."""
        rows = self._group_rows(title, hits, note)
        self._rows += rows
        self.hits += [h for _, h in rows]
        # the user is on a hit of their own (the preview or the palette may be over it): ``c`` and Enter act on
        # the highlighted row, so a lookup landing meanwhile must not move it (one did, and ``c`` added the
        # agent's file instead of the user's)
        users = self.screen.focused is self.results
        kept = self.results.highlighted
        if len(self._rows) > MAX_ROWS:  # drop the oldest rows and rebuild once (the list stays short)
            cut = len(self._rows) - CUT_TO_ROWS
            for option, _ in self._rows[:cut]:
                self._sizes.pop(id(option), None)
            del self._rows[:cut]  # a lookup's rows (MAX_GROUP + 2) stay whole
            self._rebuild(kept - cut if users and kept is not None and kept >= cut else None)
        else:
            self.results.add_options([option for option, _ in rows])
        if hits and not users:
            index = len(self.hits) - len(rows) + 1 + bool(note)  # its first hit: under the title and the note
            if live or self.results.highlighted is None:
                self.results.highlighted = index
                self.results.scroll_to_highlight()
        return rows[0][0]

    def _rebuild(self, highlight: int | None) -> None:
        self.hits = [h for _, h in self._rows]
        self.results.clear_options()
        self.results.add_options([option for option, _ in self._rows])
        if highlight is not None:  # the same hit, where it is now
            self.results.highlighted = highlight
            self.results.scroll_to_highlight()

    def _replace_group(self, group: Option, title: str, hits: list[Hit], note: str) -> Option | None:
        """The rows of ``group`` (a search shown before) replaced by these, in place; None if it was cut off.
        The highlight stays on the hit it was on: in the group, on the same hit (or another of its file) if the
        new rows hold it, else on their first hit; on a later row (a newer lookup), or on an earlier one the
        user is on, on that row where it is now; else (nothing of the group was there to highlight) on the
        group's first hit, as a search that answered at once highlights it."""
        start = next((i for i, (option, _) in enumerate(self._rows) if option is group), None)
        if start is None:
            return None
        size = self._sizes.pop(id(group))
        kept = self.results.highlighted
        rows = self._group_rows(title, hits, note)
        self._rows[start:start + size] = rows
        new = [h for _, h in rows]
        if kept is not None and kept >= start + size:  # a newer lookup's row
            highlight: int | None = kept + len(rows) - size
        elif kept is not None and kept < start and self.screen.focused is self.results:
            highlight = kept  # the user is on an earlier hit
        else:
            old = self.hits[kept] if kept is not None and kept >= start else None
            at = [i for i, h in enumerate(new) if h is not None and h == old] or \
                [i for i, h in enumerate(new) if h is not None and old is not None and h.path == old.path] or \
                [i for i, h in enumerate(new) if h is not None]
            highlight = start + at[0] if at else kept
        self._rebuild(highlight)
        return rows[0][0]

    def agent_looked(self, kind: str, query: str, hits: tuple[tuple[str, int, int, str], ...]) -> None:
        """A live lookup by the agent; it becomes the highlighted group (unless the user is in the list)."""
        rows = [Hit(p, s, e, label) for p, s, e, label in hits]
        self._add_group(f"⟳ agent {kind}: {query}" + ("" if rows else "  (nothing)"), rows, live=True)

    def show_results(self, query: str, hits: list[Hit], group: Option | None = None) -> Option | None:
        """Show a search's hits (``group``: in place of that search's rows); returns the group's title row."""
        first, *more = query.split("\n")  # a pasted stack trace is titled by its first line
        title = first + (f" … (+{len(more):,} lines)" if more else "")
        pending = getattr(hits, "rest", None) is not None  # git grep still to answer: not "(no matches)" yet
        title = f"⌕ {title}" + ("" if hits or pending else "  (no matches)")
        note = getattr(hits, "note", "")  # the index still building: git grep answered too
        if group is None:
            return self._add_group(title, hits, live=True, note=note)
        return self._replace_group(group, title, hits, note)

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = self.query_box.expand(event.value.strip()).strip()  # the box keeps the line, to refine it
        if query:
            self.run_search(query)

    def run_search(self, query: str) -> None:
        """The user's query (Enter in the box, ``/search``), answered in a thread; a later one replaces it."""
        self._searched = self.query_box.value
        self._search(query)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str) -> None:
        """The index's hits first; while it builds, then git grep's added to them, the rows replaced in place (the
        index's waited for git grep: 1.9-3.1 s to the first search's rows in a 20,000-file repository, 1.1 s
        now); then, once the build's files are in, the same query again, whose complete answer replaces the
        partial one (which stayed otherwise), unless the user typed in the box since or searched again."""
        from genie_tui.ui import search as engine

        worker = get_current_worker()
        try:
            found = engine.first(self.repo, query)
            group = self.app.call_from_thread(self._shown, worker, query, found, None)
            if group is not None and found.rest is not None and not worker.is_cancelled:
                found = found.rest()
                group = self.app.call_from_thread(self._shown, worker, query, found, group)
            if group is None or not found.partial or not self._await_build(worker):
                return
            found = engine.search(self.repo, query)
            found.note = found.note or SEARCHED_AGAIN
            if not worker.is_cancelled:
                self.app.call_from_thread(self._shown, worker, query, found, group, True)
        except Exception as exc:  # search is best-effort; a broken index must not kill the pane
            if not worker.is_cancelled:  # (the app may be gone: nothing to tell)
                self.app.call_from_thread(self.app.notify, f"search failed: {exc}", severity="error", markup=False)

    def _await_build(self, worker: Worker[None]) -> bool:
        """Wait for the build's files; False if the user typed in the box or searched again meanwhile, or the
        index was closed (the app quitting)."""
        from genie_tui.ui.search import built

        while not worker.is_cancelled and self.query_box.value == self._searched:
            if (done := built(self.repo, BUILT_POLL_S)) is not False:
                return bool(done) and not worker.is_cancelled and self.query_box.value == self._searched
        return False

    def _shown(self, worker: Worker[None], query: str, found: list[Hit], group: Option | None,
               again: bool = False) -> Option | None:
        """On the app's thread: a search's rows shown or replaced (``again``: searched again once the index was
        built, which never moves the keys); None when they are not (a later search, or typed since)."""
        if worker.is_cancelled:
            return None
        if again and self.query_box.value != self._searched:  # typed since: the rows stay as they were
            return None
        group = self.show_results(query, found, group)
        pending = getattr(found, "rest", None) is not None
        if group is not None and not again and (found or not pending):
            self._focus_results()
        return group

    def _focus_results(self) -> None:
        """To the hits, only from the search box, and only if the user did not type in it since the search
        started: a first search (building the index) that ends while the user types in the prompt took the
        keys, and each ``c`` typed added a hit to the agent's context."""
        if self.app.focused in (self.query_box, None) and self.query_box.value == self._searched:
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
