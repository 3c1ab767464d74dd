"""A long answer streams in at a bounded drawing cost, and ends up drawn exactly as Markdown draws it."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
from pygments.lexer import Lexer
from textual.content import Content
from textual.highlight import HighlightTheme, highlight
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBullet

from genie_tui.providers.scripted import Reply
from genie_tui.ui.widgets.answer import GrowingBulletList
from genie_tui.ui.widgets.fence import SETTLE_LINES, GrowingFence, GrowingHighlight

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
CODE = "def f():\n" + "".join(f"    value_{i} = compute(value_{i - 1}, {i})  # step\n" for i in range(160))
C_CODE = "int main() {\n\t/* a\n   comment */\n\tprintf(\"%d\\n\", 1);\n\treturn 0;\n}\n" * 3
STEPS = "".join(f"{i}. step **{i}** of the plan\n" for i in range(1, 13))  # numbers widen at 10
ANSWER = ("In C:\n\n```c\n" + C_CODE
          + "```\n\n- one\n- two `x`\n  - nested\n- three, with code:\n\n  ```python\n  x = 1\n  ```\n\n"
          + STEPS + "\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nls -l | wc\n```\n\n"
          + "Here is the **change**:\n\n```python\n" + CODE + "```\n")  # the answer ends with the long block


def _drawn(widget: Any) -> list[tuple[object, ...]]:
    """What each widget of a Markdown draws: its type, its size, its text and the text's styles."""
    out = []
    for w in widget.walk_children(with_self=False):
        visual = w.render()
        shown = (visual.plain, visual.spans) if isinstance(visual, Content) else ("", None)
        # (a table Textual updates as it grows gets its later cells as the ``Static`` its cell class extends)
        kind = type(w).__name__.replace("Growing", "Markdown").replace("MarkdownTableCellContents", "Static")
        out.append((kind, tuple(w.size), *shown))
    return out


def _count_appends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The updates made to Markdown widgets from here on (each one's text, appended to the list returned)."""
    appends: list[str] = []
    append = Markdown.append

    def appended(self: Markdown, markdown: str) -> Any:
        appends.append(markdown)
        return append(self, markdown)

    monkeypatch.setattr(Markdown, "append", appended)
    return appends


async def test_a_long_answer_streams_at_a_bounded_cost_and_ends_drawn_as_markdown_draws_it(
        sample_repo: Path, serve: Any, helpers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lexed: list[int] = []
    get_tokens = Lexer.get_tokens

    def counted(self: Lexer, text: str, *args: Any, **kwargs: Any) -> Any:
        lexed.append(len(text))
        return get_tokens(self, text, *args, **kwargs)

    monkeypatch.setattr(Lexer, "get_tokens", counted)
    appends = _count_appends(monkeypatch)
    # ~2,600 chunks of 4 characters, 2 ms apart: the server takes ~5 s (more on a loaded machine)
    server = serve([Reply(content=ANSWER, chunk_chars=4, chunk_delay=0.002), FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 50)) as pilot:
        start = time.monotonic()
        await helpers.send(pilot, "write it")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running,
                                 timeout=120)
        took, updates = time.monotonic() - start, len(appends)
        conv = app.screen.conversation
        answer = next(w for w in conv.query(Markdown) if "compute(value_0" in w.source)
        assert answer.source.replace("    ", "\t") == ANSWER.replace("    ", "\t")  # tabs are shown as spaces
        # drawn at a bounded rate (20 a second), not once per chunk or so: ~2,600 chunks
        assert updates <= 20 * took + 10, (updates, took)
        # the code block was highlighted whole only when it was finished, not again with each update
        whole = [n for n in lexed if n >= len(CODE) // 2]
        assert len(whole) <= 3, (len(whole), updates)
        # and the answer ends up drawn exactly as Markdown draws the same text at once
        reference = Markdown(answer.source)
        await conv.mount(reference)
        await pilot.pause()
        assert _drawn(answer) == _drawn(reference)


CODES = {
    "python": CODE[:1500] + 'def g():\n    """A docstring\n\n    over lines.\n    """\n    return f"{1}"\n',
    "c": C_CODE,
    "bash": "cat <<EOF\nhello $x\n\nEOF\necho 'hi'\nls -l\n" * 6,
}


@pytest.mark.parametrize("language", list(CODES))
def test_a_growing_block_is_highlighted_as_textual_highlights_it_whole(language: str) -> None:
    code = CODES[language]
    growing = GrowingHighlight(language, HighlightTheme)
    rnd = random.Random(7)
    end = 0
    while end < len(code):
        end = min(len(code), end + rnd.randint(1, 60))
        part = code[:end].rstrip()
        mine, whole = growing.highlight(part), highlight(part, language=language, theme=HighlightTheme)
        assert (mine.plain, mine.spans) == (whole.plain, whole.spans), part[-80:]


def test_lexing_a_growing_block_costs_the_new_lines_not_the_whole_block() -> None:
    growing = GrowingHighlight("python", HighlightTheme)
    steps = range(40, len(CODE), 40)
    for end in steps:
        growing.highlight(CODE[:end])
    # each time the lines since the last line lexing starts afresh at, kept a few lines behind (not the whole
    # block each time: ~680,000 characters here)
    longest = max(len(line) + 1 for line in CODE.splitlines())
    assert growing.lexed <= len(steps) * (SETTLE_LINES + 2) * longest, growing.lexed


async def test_a_long_list_streams_without_its_items_being_built_again_each_update(
        sample_repo: Path, serve: Any, helpers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bullets = 0
    init = MarkdownBullet.__init__

    def counted(self: MarkdownBullet, *args: Any, **kwargs: Any) -> None:
        nonlocal bullets
        bullets += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(MarkdownBullet, "__init__", counted)
    appends = _count_appends(monkeypatch)
    items = "".join(f"- item {i} with `code` and **bold** words\n" for i in range(120))
    server = serve([Reply(content="The list:\n\n" + items, chunk_chars=4, chunk_delay=0.002), FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await helpers.send(pilot, "list them")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running,
                                 timeout=120)
        assert "item 119 with code" in helpers.screen_text(app)
    updates = len(appends)
    # each update builds the item it changed and the ones it added, not the whole list again (that would be
    # ~60 items an update on average)
    assert updates > 5 and bullets <= 120 + 2 * updates, (bullets, updates)


SPLIT_LIST = "1. one\n\n   ```bash\n   ls -l\n   ```\n2"  # a paragraph "2" until ". two" makes it an item
LATE_REFERENCE = "- see [the docs][1]\n- two\n\n"  # the reference link is defined by the next chunk


@pytest.mark.parametrize("first, rest", [(SPLIT_LIST, ". two\n\n   ```\n   plain\n   ```\n"),
                                         (LATE_REFERENCE, "[1]: http://example.com\n")])
async def test_an_answer_ends_drawn_as_its_whole_text_parses_though_later_text_changed_earlier_blocks(
        sample_repo: Path, serve: Any, helpers: Any, first: str, rest: str) -> None:
    # two chunks 0.3 s apart: the first is drawn alone, then the second changes how the first parses
    server = serve([Reply(content=first + rest.ljust(len(first)), chunk_chars=len(first), chunk_delay=0.3), FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await helpers.send(pilot, "answer")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        conv = app.screen.conversation
        answer = next(w for w in conv.query(Markdown) if w.source.startswith(first))
        reference = Markdown(answer.source)
        await conv.mount(reference)
        await pilot.pause()
        assert _drawn(answer) == _drawn(reference)


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a Textual whose private blocks changed")


@pytest.mark.parametrize("part", ["highlight", "highlight on a theme switch", "code pieces", "list rows",
                                  "list update"])
async def test_an_answer_whose_incremental_drawing_fails_is_drawn_as_markdown_draws_it(
        sample_repo: Path, serve: Any, helpers: Any, monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    broken = {"highlight": (GrowingHighlight, "highlight"), "code pieces": (GrowingFence, "_show"),
              "list rows": (GrowingBulletList, "_items"), "list update": (GrowingBulletList, "_update_from_block")}
    if part in broken:
        monkeypatch.setattr(*broken[part], _broken)
    words = " ".join(f"word{i}" for i in range(60))
    text = ("Code:\n\n```python\n" + CODE[:CODE.index("\n", 800) + 1] + "```\n\n- one\n- two `x`\n\n"
            + words + "\n")
    server = serve([Reply(content=text, chunk_chars=16, chunk_delay=0.03), FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await helpers.send(pilot, "write it")
        if part == "highlight on a theme switch":  # the theme's colours highlight the growing block again
            await helpers.wait_until(pilot, lambda: "value_3 " in helpers.screen_text(app))
            monkeypatch.setattr(GrowingHighlight, "highlight", _broken)
            app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        # while it streams, what came before the text being written is still shown
        await helpers.wait_until(pilot, lambda: "word40" in helpers.screen_text(app))
        assert "two x" in helpers.screen_text(app)
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        conv = app.screen.conversation
        answer = next(w for w in conv.query(Markdown) if w.source.startswith("Code:"))
        assert answer.source == text  # nothing lost, and the code block and the list are shown
        reference = Markdown(text)
        await conv.mount(reference)
        await pilot.pause()
        assert _drawn(answer) == _drawn(reference)


async def test_a_line_separator_in_the_answer_does_not_show_a_block_twice_while_it_streams(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    # U+2028 ends a line for str.splitlines but not for the Markdown parser
    chunks = ["Before\u2028after\n# Heading\nfirst paragraph\n", "second line\n", "\nlast paragraph\n"]
    size = max(map(len, chunks))
    server = serve([Reply(content="".join(c.ljust(size) for c in chunks), chunk_chars=size, chunk_delay=0.5),
                    FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await helpers.send(pilot, "answer")
        await helpers.wait_until(pilot, lambda: "second line" in helpers.screen_text(app))
        assert helpers.screen_text(app).count("Heading") == 1, helpers.screen_text(app)
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        assert helpers.screen_text(app).count("Heading") == 1


async def test_clear_during_a_stream_does_not_draw_the_answer_it_removes(
        sample_repo: Path, serve: Any, helpers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # /clear ended the answer as a finished one first: a long code block highlighted whole (and perhaps rebuilt)
    # to be thrown away the moment after
    from genie_tui.ui.widgets.answer import AnswerMarkdown

    finished = 0
    finish = AnswerMarkdown.finish

    async def counted(self: AnswerMarkdown) -> None:
        nonlocal finished
        finished += 1
        await finish(self)

    monkeypatch.setattr(AnswerMarkdown, "finish", counted)
    server = serve([Reply(content="Here:\n\n```python\n" + CODE * 3 + "```\n", chunk_chars=4, chunk_delay=0.005),
                    FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        await helpers.send(pilot, "write it")
        await helpers.wait_until(pilot, lambda: "value_20 = " in conv.transcript())
        await helpers.send(pilot, "/clear")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        await pilot.pause(0.3)
        assert conv.transcript().strip() == "" and not list(conv.query(Markdown))
    assert finished == 0


async def test_a_copy_while_the_answer_s_last_text_is_drawn_holds_all_of_it(
        sample_repo: Path, helpers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # end_text let go of the answer before its last text was drawn: a copy made meanwhile missed that text
    import asyncio

    from genie_tui.ui.widgets import answer
    from genie_tui.ui.widgets.answer import AnswerStream

    monkeypatch.setattr(answer, "FLUSH_HZ", 1)  # an update a second at most: the last words wait to be drawn
    gate = asyncio.Event()
    stop = AnswerStream.stop

    async def held(self: AnswerStream) -> None:
        await gate.wait()
        await stop(self)

    monkeypatch.setattr(AnswerStream, "stop", held)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = app.screen.conversation
        await conv.text_delta("The first part, ")
        await pilot.pause()
        await conv.text_delta("and the last words.")
        ending = asyncio.create_task(conv.end_text())
        await asyncio.sleep(0)  # end_text has let go of the stream; its last words are not drawn yet
        assert "The first part, and the last words." in conv.transcript()
        gate.set()
        await ending
        await pilot.pause()
        assert "The first part, and the last words." in conv.transcript()
