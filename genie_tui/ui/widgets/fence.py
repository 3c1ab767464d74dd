"""A code block that grows while the model writes it, highlighted and drawn without redoing all of it each time.

Textual's ``MarkdownFence`` highlights its whole code whenever the block is parsed again, and a streamed
answer's last block is parsed again with each update: a 20 k-character block cost ~140 ms a time, so the
updates of one long block added up to minutes. Its one ``Label`` also draws every line again with each update.
While the answer streams, ``GrowingHighlight`` keeps the highlighting of the code up to a line where lexing
starts afresh and lexes only from there, and ``GrowingFence`` shows the code in pieces of ``PIECE_LINES``
lines, redrawing only the pieces whose highlighting changed. When the block is finished (another block follows
it, or the stream ends) it is highlighted whole and shown as one ``Label``, as ``MarkdownFence`` does, so what
stays on the screen is exactly what Markdown draws.
"""

from __future__ import annotations

from pygments.lexers import get_lexer_by_name
from pygments.token import Token
from pygments.util import ClassNotFound
from textual.app import ComposeResult
from textual.content import Content, Span
from textual.highlight import (
    ANSIDarkHighlightTheme,
    ANSILightHighlightTheme,
    HighlightTheme,
    guess_language,
)
from textual.widget import Widget
from textual.widgets import Label, Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownFence

TAB_SIZE = 8  # as ``textual.highlight.highlight`` expands tabs
#: lines lexed again each time behind the last: the line before them is where lexing starts afresh only when
#: these lex alone as they did after it (a lexer's state can carry over a plain line break)
SETTLE_LINES = 8
PIECE_LINES = 40  # lines of a growing code block drawn by one Label


def _lexer(language: str) -> object:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True, tabsize=TAB_SIZE)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=True, tabsize=TAB_SIZE)


class GrowingHighlight:
    """The highlighting of a code block that grows at its end, as ``textual.highlight.highlight`` gives it for
    the whole block, re-lexing only from the last line where the lexer started afresh."""

    def __init__(self, language: str, theme: type[HighlightTheme]) -> None:
        self.language = language
        self.theme = theme
        self._lexer = _lexer(language)
        self._done = ""  # the code up to a line start where lexing begins afresh
        self._done_at = 0  # where its tokens end (Textual places tokens by their length, tabs expanded)
        self._spans: list[Span] = []  # the spans of ``_done``
        self.lexed = 0  # characters lexed so far, over every call (what this saves is measured by it)
        self.unchanged = 0  # characters at the start the last call highlighted as the one before it

    def highlight(self, code: str) -> Content:
        code = "\n".join(code.splitlines())  # as Textual's highlight normalises it
        if not code.startswith(self._done):
            self._done, self._done_at, self._spans = "", 0, []
        self.unchanged = len(self._done)
        tail = code[len(self._done):]
        self.lexed += len(tail)
        spans = self._spans[:]
        styles = self.theme.STYLES
        real_breaks = tail.count("\n")  # the lexer adds one at the end: no line of the code starts after it
        at, breaks, line_start = self._done_at, 0, 0
        tokens: list[tuple[object, str]] = []
        # line starts after a plain line break: (where in the tail, token position, spans and tokens before it)
        starts: list[tuple[int, int, int, int]] = []
        for token_type, value in self._lexer.get_tokens(tail):  # type: ignore[attr-defined]
            end = at + len(value)
            kind = token_type
            while True:  # the span rule of ``textual.highlight.highlight``
                if style := styles.get(kind):
                    spans.append(Span(at, end, style))
                    break
                if (kind := kind.parent) is None:
                    break
            at = end
            tokens.append((token_type, value))
            if "\n" in value:
                for _ in range(value.count("\n")):
                    line_start = tail.find("\n", line_start) + 1
                breaks += value.count("\n")
                if value.endswith("\n") and token_type in Token.Text and breaks <= real_breaks:
                    starts.append((line_start, end, len(spans), len(tokens)))
        self._restart(code, tail, tokens, spans, starts)
        return Content(code, spans=spans).stylize_before("$text")

    def _restart(self, code: str, tail: str, tokens: list[tuple[object, str]], spans: list[Span],
                 starts: list[tuple[int, int, int, int]]) -> None:
        """Lex from a later line next time: a line start ``SETTLE_LINES`` lines before the end from which all
        that follows lexes alone as it did here (it would not inside a comment, a string, a here-document)."""
        if len(starts) <= SETTLE_LINES:
            return
        start = starts[-1 - SETTLE_LINES]
        if list(self._lexer.get_tokens(tail[start[0]:])) == tokens[start[3]:]:  # type: ignore[attr-defined]
            self._done = code[: len(self._done) + start[0]]
            self._done_at = start[1]
            self._spans = spans[: start[2]]


class GrowingFence(MarkdownFence):
    """A ``MarkdownFence`` that, while its answer streams, is highlighted by the answer's ``GrowingHighlight`` and
    shown in pieces of ``PIECE_LINES`` lines: an update redraws the pieces whose highlighting changed (the last
    one or two), where one ``Label`` would draw every line of the block again. Finished, it is one ``Label``."""

    def __init__(self, markdown: Markdown, token: object, code: str) -> None:
        self.growing = False  # highlighted in part: the block has to be highlighted whole when it is finished
        self._finished = False  # highlighted whole: from here on, as ``MarkdownFence`` highlights it
        self._pieces: list[tuple[int, int, Label]] = []  # (start, end, label) while shown in pieces
        super().__init__(markdown, token, code)  # type: ignore[arg-type]

    def highlight(self, code: str, language: str, ansi: bool = False, dark: bool = False) -> Content:  # type: ignore[override]
        highlighter = getattr(self._markdown, "highlighter", None)  # set while its answer streams
        if self._finished or highlighter is None:
            self.growing = False
            return MarkdownFence.highlight(code, language, ansi, dark)
        try:
            content = highlighter.highlight(code, language, _theme(ansi, dark))
        except Exception as error:  # noqa: BLE001 - it mirrors ``textual.highlight``: highlighted whole, as Textual does
            self.log.error(f"code block: highlighted whole after {error!r}")
            self._finished, self.growing = True, False
            return MarkdownFence.highlight(code, language, ansi, dark)
        self.growing = True
        return content

    def _copy_context(self, block: MarkdownBlock) -> None:
        if isinstance(block, GrowingFence):
            self.growing, self._finished = block.growing, block._finished
        super()._copy_context(block)

    def compose(self) -> ComposeResult:
        if self.growing:
            try:
                self._pieces = []
                yield from self._show(self._highlighted_code)
                return
            except Exception as error:  # noqa: BLE001 - raised in compose it would end the app: one Label, as Textual's
                self.log.error(f"code block: composed whole after {error!r}")
                self._pieces, self._finished, self.growing = [], True, False
        yield from super().compose()

    def set_content(self, content: Content) -> None:
        if self.growing and self._pieces:
            self._content = content
            for label in self._show(content):
                self.mount(label)
        else:
            super().set_content(content)

    def _show(self, content: Content) -> list[Label]:
        """Update the pieces the new content changed (``unchanged``: where its highlighting may differ from the
        last drawn); return the labels of pieces that are new."""
        highlighter = getattr(self._markdown, "highlighter", None)
        unchanged = highlighter.unchanged if highlighter is not None else 0
        if highlighter is not None:
            highlighter.unchanged = len(content.plain)
        plain, starts, at = content.plain, [0], 0
        while True:
            for _ in range(PIECE_LINES):
                at = plain.find("\n", at) + 1
                if not at:
                    break
            if not at:
                break
            starts.append(at)
        ansi_pad = 0 if self.app.native_ansi_color else 2  # as ``MarkdownFence:ansi > Label`` pads it
        new: list[Label] = []
        for k, start in enumerate(starts):
            end = starts[k + 1] - 1 if k + 1 < len(starts) else len(plain)
            padding = (1 if k == 0 else 0, ansi_pad, 1 if k == len(starts) - 1 else 0, ansi_pad)
            if k < len(self._pieces):
                was_start, was_end, label = self._pieces[k]
                if (was_start, was_end) != (start, end) or end > unchanged:
                    label.update(content[start:end])
                    self._pieces[k] = (start, end, label)
            else:
                label = Label(content[start:end], expand=True)
                self._pieces.append((start, end, label))
                new.append(label)
            if label.styles.padding != padding:
                label.styles.padding = padding
        return new

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        await super()._update_from_block(block)
        if isinstance(block, MarkdownFence) and self._pieces and not self.growing:  # finished: one Label
            await self._unpiece()

    async def _unpiece(self) -> None:
        self._pieces = []
        await self.recompose()

    def finish_highlight(self) -> None:
        """Highlight the whole block, as ``MarkdownFence`` does."""
        self._finished = True
        if self.growing:
            self.growing = False
            self._highlighted_code = MarkdownFence.highlight(
                self.code, self.lexer, ansi=self.app.native_ansi_color, dark=self.app.current_theme.dark)
            super().set_content(self._highlighted_code)

    async def finish(self) -> None:
        """Highlight the whole block and show it as one ``Label``, as ``MarkdownFence`` does."""
        self.finish_highlight()
        if self._pieces:
            await self._unpiece()


class StreamHighlighter:
    """Highlights the code blocks of an answer while it streams: the growing one by its ``GrowingHighlight``."""

    def __init__(self) -> None:
        #: characters at the start of the growing block highlighted as they were when it was last drawn
        self.unchanged = 0
        self._growing: GrowingHighlight | None = None
        self._guess: tuple[int, str] = (0, "")  # the code length a language was last guessed at, and the guess

    def highlight(self, code: str, language: str, theme: type[HighlightTheme]) -> Content:
        if not language:  # guessed from all of the code (~0.15 s for 20 k characters): again when it has doubled
            length, guess = self._guess
            if not guess or len(code) >= 2 * length:
                self._guess = (len(code), guess_language(code, None))
            language = self._guess[1]
        growing = self._growing
        if growing is None or growing.language != language or growing.theme is not theme:
            growing = self._growing = GrowingHighlight(language, theme)
        content = growing.highlight(code)
        self.unchanged = min(self.unchanged, growing.unchanged)
        return content


def fences(block: Widget) -> list[GrowingFence]:
    """The code blocks in ``block`` (itself too), mounted or not yet."""
    found, todo = [], [block]
    while todo:
        node = todo.pop()
        if isinstance(node, GrowingFence):
            found.append(node)
        todo.extend(node.children)
        if isinstance(node, MarkdownBlock):
            todo.extend(node._blocks)
    return found


def _theme(ansi: bool, dark: bool) -> type[HighlightTheme]:
    """The theme ``MarkdownFence.highlight`` uses."""
    if ansi:
        return ANSIDarkHighlightTheme if dark else ANSILightHighlightTheme
    return HighlightTheme
