"""The model's answer, streamed into a Markdown widget at a bounded cost, apart from the reading of the stream.

Each update of a Markdown widget parses the block the text lands in again (the whole paragraph, list or code
block so far), rebuilds its widgets and lays the screen out again, so its cost grows with the block: one update
per 4-character chunk made a 20 k-character code block take minutes and kept the event loop, which also reads
the model's stream, busy all along. Here ``write`` only collects the text (it returns at once) and a task of
its own hands what has gathered to ``Markdown.append`` at most ``FLUSH_HZ`` times a second, and never sooner
after an update than ``RENDER_SHARE`` times what the update cost, so drawing takes at most about a third of
the loop however big the answer grows. ``AnswerMarkdown`` makes an update of a code block cost what changed
in it: it is highlighted and drawn as it grows (``fence.py``); once the answer is complete it is drawn
exactly as ``Markdown`` draws it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import ClassVar

from markdown_it.token import Token
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock

from genie_tui.ui.widgets.fence import GrowingFence, StreamHighlighter, fences

FLUSH_HZ = 20  # updates a second at most: smooth to the eye, and a cheap answer is on screen within 50 ms
RENDER_SHARE = 2.0  # the wait after an update, in multiples of what it cost: drawing is at most 1/3 of the loop
REFRESH_WAIT_S = 1.0  # how long the cost of an update is timed waiting for the screen to draw it, at most


class AnswerMarkdown(Markdown):
    """The Markdown of one answer, which grows at its end while it streams: its last block is updated in place
    where Textual would rebuild it (a code block, see ``GrowingFence``)."""

    BLOCKS: ClassVar[dict[str, type[MarkdownBlock]]] = {
        **Markdown.BLOCKS, "fence": GrowingFence, "code_block": GrowingFence}

    def __init__(self) -> None:
        super().__init__()
        self.highlighter: StreamHighlighter | None = StreamHighlighter()  # ``None`` once the answer is complete

    def _parse_markdown(self, tokens: Iterable[Token]) -> Iterable[MarkdownBlock]:
        blocks = list(super()._parse_markdown(tokens))
        for block in blocks[:-1]:  # followed by another block: finished (not mounted yet)
            for fence in fences(block):
                fence.finish_highlight()
        return blocks

    async def finish(self) -> None:
        """The answer is complete: every block as ``Markdown`` draws it."""
        self.highlighter = None
        for fence in fences(self):
            await fence.finish()


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
        """Add streamed text; it is drawn with the next update."""
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
        await self.markdown.append(text)
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
