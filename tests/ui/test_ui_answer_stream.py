"""A long answer streams in at a bounded drawing cost."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Markdown

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
CODE = "def f():\n" + "".join(f"    value_{i} = compute(value_{i - 1}, {i})  # step\n" for i in range(160))
C_CODE = "int main() {\n\t/* a\n   comment */\n\tprintf(\"%d\\n\", 1);\n\treturn 0;\n}\n" * 3
STEPS = "".join(f"{i}. step **{i}** of the plan\n" for i in range(1, 13))  # numbers widen at 10
ANSWER = ("In C:\n\n```c\n" + C_CODE
          + "```\n\n- one\n- two `x`\n  - nested\n- three, with code:\n\n  ```python\n  x = 1\n  ```\n\n"
          + STEPS + "\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nls -l | wc\n```\n\n"
          + "Here is the **change**:\n\n```python\n" + CODE + "```\n")  # the answer ends with the long block


async def test_a_long_answer_is_drawn_at_a_bounded_rate(sample_repo: Path, serve: Any, helpers: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    updates = 0
    append = Markdown.append

    def appended(self: Markdown, markdown: str) -> Any:
        nonlocal updates
        updates += 1
        return append(self, markdown)

    monkeypatch.setattr(Markdown, "append", appended)
    # ~2,600 chunks of 4 characters, 2 ms apart: the server takes ~5 s (more on a loaded machine)
    server = serve([Reply(content=ANSWER, chunk_chars=4, chunk_delay=0.002), FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 50)) as pilot:
        start = time.monotonic()
        await helpers.send(pilot, "write it")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running,
                                 timeout=120)
        took = time.monotonic() - start
        conv = app.screen.conversation
        answer = next(w for w in conv.query(Markdown) if "compute(value_0" in w.source)
        assert answer.source.replace("    ", "\t") == ANSWER.replace("    ", "\t")  # tabs are shown as spaces
        # drawn at a bounded rate (20 a second), not once per chunk or so: ~2,600 chunks
        assert updates <= 20 * took + 10, (updates, took)
