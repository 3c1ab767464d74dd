"""The model's answer, streamed into a Markdown widget at a bounded cost, apart from the reading of the stream.

Each update of a Markdown widget parses the block the text lands in again (the whole paragraph, list or code
block so far), rebuilds its widgets and lays the screen out again, so its cost grows with the block: one update
per 4-character chunk made a 20 k-character code block take minutes and kept the event loop, which also reads
the model's stream, busy all along. Here ``write`` only collects the text (it returns at once) and a task of
its own hands what has gathered to ``Markdown.append`` at most ``FLUSH_HZ`` times a second, and never sooner
after an update than ``RENDER_SHARE`` times what the update cost, so drawing takes at most about a third of
the loop however big the answer grows. ``AnswerMarkdown`` makes an update of the last block cost what changed
in it: a list keeps the rows of its unchanged items, a code block is highlighted and drawn as it grows
(``fence.py``); once the answer is complete it is drawn exactly as ``Markdown`` draws it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Markdown
from textual.widgets._markdown import (
    MarkdownBlock,
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownOrderedListItem,
)

from genie_tui.ui.widgets.fence import GrowingFence, StreamHighlighter, fences

FLUSH_HZ = 20  # updates a second at most: smooth to the eye, and a cheap answer is on screen within 50 ms
RENDER_SHARE = 2.0  # the wait after an update, in multiples of what it cost: drawing is at most 1/3 of the loop
REFRESH_WAIT_S = 1.0  # how long the cost of an update is timed waiting for the screen to draw it, at most
#: the tokens ``Markdown._parse_markdown`` makes a top-level block of (others, such as raw HTML, draw nothing)
TOP_LEVEL = frozenset(("heading_open", "hr", "paragraph_open", "blockquote_open", "bullet_list_open",
                       "ordered_list_open", "table_open", "fence", "code_block"))


class _GrowingRows:
    """Of a list that, updated, keeps the rows of the items whose source did not change and adds the others
    (Textual builds the whole list again: ~1,000 widgets for a list of 250 items, with each update). Not a
    widget class itself: Textual's CSS follows a widget class's first widget base only."""

    _blocks: list[MarkdownBlock]
    _markdown: Markdown
    _token: Token
    source_range: tuple[int, int]

    def _symbols(self, items: list[MarkdownListItem]) -> list[str]:
        raise NotImplementedError

    def _items(self) -> list[tuple[MarkdownListItem, str, str]]:
        """The list's items, each with the source it was parsed from and the symbol it is shown with."""
        items = [block for block in self._blocks if isinstance(block, MarkdownListItem)]
        lines = self._markdown.lines()  # type: ignore[attr-defined]
        shift = self.source_range[0] - (self._token.map[0] if self._token.map else 0)
        sources = ["".join(lines[start + shift:end + shift]) for start, end in (i._token.map or (0, 0) for i in items)]
        found = list(zip(items, sources, self._symbols(items), strict=True))
        self._blocks.clear()
        return found

    @staticmethod
    def _row(item: MarkdownListItem, source: str, symbol: str) -> Horizontal:
        """An item's row, as the list's ``compose`` makes it."""
        bullet = MarkdownBullet()
        bullet.symbol = symbol
        row = Horizontal(bullet, Vertical(*item._blocks))
        row._item = (source, symbol)  # type: ignore[attr-defined]
        return row

    def compose(self) -> ComposeResult:
        try:
            rows = [self._row(*item) for item in self._items()]
        except Exception as error:  # noqa: BLE001 - raised in compose it would end the app: the list as Textual's
            self.log.error(f"list: composed as Markdown composes it after {error!r}")
            rows = list(super().compose())  # type: ignore[misc]
        yield from rows

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if type(block) is not type(self):
            await super()._update_from_block(block)  # type: ignore[misc]
            return
        self._copy_context(block)  # type: ignore[attr-defined]
        old, new = list(self.children), block._items()  # type: ignore[attr-defined]
        keep = 0
        while keep < min(len(old), len(new)) and getattr(old[keep], "_item", (None,))[0] == new[keep][1]:
            keep += 1
        for row, (_, source, symbol) in zip(old[:keep], new[:keep]):  # an ordered list's numbers widen at 10
            if row._item[1] != symbol:  # type: ignore[attr-defined]
                row._item = (source, symbol)  # type: ignore[attr-defined]
                bullet = row.query_one(MarkdownBullet)
                bullet.symbol = symbol
                bullet.refresh(layout=True)  # its width is its symbol's
        await self.remove_children(old[keep:])  # type: ignore[attr-defined]
        await self.mount_all([self._row(*item) for item in new[keep:]])  # type: ignore[attr-defined]


class GrowingBulletList(_GrowingRows, MarkdownBulletList):
    def _symbols(self, items: list[MarkdownListItem]) -> list[str]:
        return [item.bullet for item in items]  # as ``MarkdownBulletList.compose`` shows them


class GrowingOrderedList(_GrowingRows, MarkdownOrderedList):
    def _symbols(self, items: list[MarkdownListItem]) -> list[str]:
        """As ``MarkdownOrderedList.compose`` numbers them."""
        start = 1
        if items and isinstance(items[0], MarkdownOrderedListItem):
            try:
                start = int(items[0].bullet)
            except ValueError:
                pass
        width = max((len(f"{number}. ") for number in range(start, start + len(items))), default=0)
        return [f"{number}. ".rjust(width + 1) for number in range(start, start + len(items))]


class AnswerMarkdown(Markdown):
    """The Markdown of one answer, which grows at its end while it streams: its last block is updated in place
    where Textual would rebuild it (a list keeps its unchanged items; a code block, see ``GrowingFence``)."""

    BLOCKS: ClassVar[dict[str, type[MarkdownBlock]]] = {
        **Markdown.BLOCKS, "fence": GrowingFence, "code_block": GrowingFence,
        "bullet_list_open": GrowingBulletList, "ordered_list_open": GrowingOrderedList}

    def __init__(self) -> None:
        super().__init__()
        self.highlighter: StreamHighlighter | None = StreamHighlighter()  # ``None`` once the answer is complete
        self.plain = False  # drawn with Markdown's own blocks, after the incremental drawing failed
        self._lines: tuple[str, list[str]] = ("", [])

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        return Markdown.BLOCKS[block_name] if self.plain else super().get_block_class(block_name)

    def lines(self) -> list[str]:
        """The source's lines (with their ends), split once for each update."""
        if self._lines[0] is not self.source:
            self._lines = (self.source, self.source.splitlines(keepends=True))
        return self._lines[1]

    def _parse_markdown(self, tokens: Iterable[Token]) -> Iterable[MarkdownBlock]:
        blocks = list(super()._parse_markdown(tokens))
        for block in blocks[:-1]:  # followed by another block: finished (not mounted yet)
            for fence in fences(block):
                fence.finish_highlight()
        return blocks

    async def finish(self) -> None:
        """The answer is complete: every block as ``Markdown`` draws it."""
        self.highlighter = None
        try:
            for fence in fences(self):
                await fence.finish()
            if self._parsed_as_a_whole():
                return
        except Exception as error:  # noqa: BLE001 - see ``degrade``
            await self.degrade(error)
            return
        await Markdown.update(self, self.source)  # built again only when they differ (none of the benchmark's shapes)

    def _parsed_as_a_whole(self) -> bool:
        """Whether the blocks shown are the ones the whole answer parses into. ``Markdown.append`` parses again
        from the last block only, so text that changes how earlier blocks parse leaves them as they were: a line
        that ends a block and is then continued as a list item (``2`` becoming ``2. two``) splits one list in
        two, and a reference link (``[docs][1]``) stays literal text when its definition comes later. Blocks
        only, without their inline text: ~17 ms for an 80 k-character answer."""
        parser = MarkdownIt("gfm-like") if getattr(self, "_parser_factory", None) is None else self._parser_factory()
        parser.disable(["inline", "linkify", "replacements", "smartquotes", "text_join"], ignoreInvalid=True)
        env: dict[str, object] = {}
        tokens = parser.parse(self.source, env)
        if env.get("references"):
            return False
        parsed = [tuple(t.map) for t in tokens if t.level == 0 and t.map is not None and t.type in TOP_LEVEL]
        return parsed == [tuple(block.source_range) for block in self.children if isinstance(block, MarkdownBlock)]

    async def degrade(self, error: BaseException) -> None:
        """The incremental drawing failed (it leans on Textual's private block classes, which a new Textual may
        change): from here on the answer is Markdown's own, built again from its source."""
        self.log.error(f"answer: drawn as plain Markdown after {error!r}")
        self.plain, self.highlighter = True, None
        await Markdown.update(self, self.source)


class AnswerStream:
    """Feeds streamed text to one ``Markdown`` widget: ``write`` never waits, ``stop`` shows what is left."""

    def __init__(self, markdown: AnswerMarkdown) -> None:
        self.markdown = markdown
        self._pending: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._next_at = 0.0  # the loop time before which no update is made (unless the stream stops)
        self._stopped = asyncio.Event()

    @property
    def text(self) -> str:
        """The whole answer so far, drawn or not yet."""
        return self.markdown.source + "".join(self._pending)

    def write(self, text: str) -> None:
        """Add streamed text; it is drawn with the next update.

        A line or paragraph separator (U+2028, U+2029) becomes a line break: ``Markdown.append`` counts the
        parser's lines (which end at ``\\n`` only) in ``str.splitlines`` lines (which end at those too), so it
        parsed again from a line too early and showed the block before twice."""
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
        if not text:
            return
        self._pending.append(text)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Draw what has not been drawn yet at once, and end."""
        self._stopped.set()
        if self._task is not None:
            await self._task
        if self._pending:  # nothing was drawing
            await self._flush(final=True)
        await self.markdown.finish()

    async def discard(self) -> None:
        """End without drawing what is left, nor the finished answer's final drawing: it is being removed (``/clear``
        during a stream drew a long code block's whole highlighting, and perhaps rebuilt it, to throw it away)."""
        self._pending.clear()
        self._stopped.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        """Update while text is waiting, paced; the task ends when none is, and ``write`` starts another."""
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                delay = self._next_at - loop.time()
                if delay > 0 and not self._stopped.is_set():
                    try:
                        await asyncio.wait_for(self._stopped.wait(), delay)
                    except TimeoutError:
                        pass
                await self._flush(final=self._stopped.is_set())
        finally:
            self._task = None

    async def _flush(self, final: bool) -> None:
        text = "".join(self._pending)
        self._pending.clear()
        start = time.thread_time()
        try:
            await self.markdown.append(text)
        except Exception as error:  # noqa: BLE001 - see ``AnswerMarkdown.degrade``; the text is in the source
            await self.markdown.degrade(error)
        if final:
            return
        # What an update costs includes the layout and painting it causes, which the screen does after it (when
        # its messages are handled: not while its handler waits in ``stop``, which ends the wait). The time is
        # this thread's CPU time: a machine busy with other processes does not make drawing look dearer.
        waits = [asyncio.ensure_future(self.markdown.wait_for_refresh()), asyncio.ensure_future(self._stopped.wait())]
        await asyncio.wait(waits, timeout=REFRESH_WAIT_S, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        cost = time.thread_time() - start
        self._next_at = asyncio.get_running_loop().time() + max(1 / FLUSH_HZ, RENDER_SHARE * cost)
