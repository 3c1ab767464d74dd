"""Benchmark the app while a model's answer streams in as Markdown, at a model's pace.

    python tools/bench_tui_markdown.py [--shapes code,paragraph,mixed] [--rate 100] [--json FILE]

Each shape is one answer streamed by a scripted server (in a child process, so its work does not count against
the app's event loop) a token (4 characters) at a time, ``--rate`` tokens a second, through the real client,
agent, bridge and conversation view:

* code: a sentence, then a 240-line Python code block (one growing Markdown block, highlighted);
* paragraph: one paragraph of 40,000 characters (one growing block of prose, wrapped);
* mixed: 20,000 tokens of headings, paragraphs, bullet lists and inline code (many blocks).

Reported per shape: the model's time to send it at that pace (``model_s``), when the whole answer was on the
screen (``shown_s``, from the first chunk) and how much later that was than the model (``behind_s``), when the
app had read the whole stream (``read_s``: the stream is read on the event loop too, so an app busy drawing reads
it late), how far the screen was behind what the app had read at its worst (``worst_behind_chars``), and how
late a 10 ms ticker woke (p50, p95, worst) from the first chunk to the last shown: typing, scrolling and every
other key wait that long.
Targets: the screen keeps up with the model (``behind_s`` < 0.5 s) and no stall over 50 ms at p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.bench_tui import make_app, make_repo


def answer(shape: str) -> str:
    if shape == "code":
        body = "".join(f"    value_{i} = compute(items[{i}], scale={i % 7})  # step {i}\n" if i % 12 else
                       f"def helper_{i}(items, scale):\n" for i in range(240))
        return "Here is the rewritten module:\n\n```python\n" + body + "```\n\nThat is all.\n"
    if shape == "paragraph":
        words = [f"word{i % 97} is `part{i % 13}` of **the** sentence" for i in range(1, 10_000)]
        return " ".join(words)[:40_000] + "\n"
    para = "This is **word** number {i} in a long `answer`, with some prose about the change.\n"
    parts = [(f"\n## Section {i}\n\n" if i % 40 == 0 else "") + ("- " if i % 7 == 0 else "") + para.format(i=i)
             for i in range(20_000 * 4 // len(para))]
    return "".join(parts)


def serve(text_file: str, delay: float) -> None:
    """Child process: the scripted server, one streamed answer then ``finish``, until stdin closes."""
    from genie_tui.providers.scripted import Reply, ScriptedServer

    text = Path(text_file).read_text()
    server = ScriptedServer([Reply(content=text, chunk_chars=4, chunk_delay=delay),
                             Reply(tool_calls=[("finish", {"summary": "done"})])]).start()
    print(server.base_url, flush=True)
    sys.stdin.read()
    server.stop()


def start_server(text: str, rate: float) -> tuple[subprocess.Popen[str], str, Path]:
    """The scripted server in a child process, streaming ``text`` at ``rate`` tokens a second; its base URL."""
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(text)
    proc = subprocess.Popen([sys.executable, __file__, "--serve", f.name, repr(1.0 / rate)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip(), Path(f.name)


async def run_shape(repo: Path, shape: str, rate: float) -> dict[str, Any]:
    from textual.widgets import Markdown

    from genie_tui.core.events import TextDelta
    from genie_tui.ui.bridge import AgentEvent

    text = answer(shape)
    proc, base_url, text_file = start_server(text, rate)  # before the app, so it does not count against its loop
    assert proc.stdin is not None
    received = 0  # characters of the answer the app has been handed (the server's pace, give or take the socket)
    marks: dict[str, float] = {}
    seen: dict[int, Any] = {}

    def hook(message: Any) -> None:
        nonlocal received
        # an event reaches the app and then the screen: the hook sees it at both, counted once
        if isinstance(message, AgentEvent) and isinstance(message.event, TextDelta) and \
                id(message.event) not in seen:
            seen[id(message.event)] = message.event  # held, so that its id is not reused
            marks.setdefault("first", time.perf_counter())
            received += len(message.event.text)
            if received >= len(text):
                marks.setdefault("received", time.perf_counter())

    lateness: list[float] = []
    worst_behind = 0
    try:
        app = make_app(repo, base_url, "never", 5)
        async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
            await app.workers.wait_for_complete()
            app.screen.query_one("#prompt").value = "write it"
            conv = app.screen.conversation
            deadline = time.monotonic() + 20 * len(text) / 4 / rate + 60

            def shown() -> int:  # what the view's Markdown holds (each shape is one answer, the session's only text)
                return sum(len(md.source) for md in conv.query(Markdown))

            async def sample() -> None:
                nonlocal worst_behind
                while "first" not in marks and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                while time.monotonic() < deadline:
                    t = time.perf_counter()
                    await asyncio.sleep(0.01)
                    lateness.append(time.perf_counter() - t - 0.01)
                    now_shown = shown()
                    worst_behind = max(worst_behind, received - now_shown)
                    if os.environ.get("BENCH_DEBUG") and len(lateness) % 100 == 0:
                        print(f"t={time.perf_counter() - marks['first']:.1f} received={received} shown={now_shown}",
                              file=sys.stderr)
                    if now_shown >= len(text.rstrip()) and "received" in marks:
                        break
                marks["shown"] = time.perf_counter()

            sampler = asyncio.create_task(sample())
            await pilot.press("enter")
            await sampler
            await app.workers.wait_for_complete()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
        text_file.unlink()
    lateness.sort()
    n = len(lateness) or 1
    model_s = len(text) / 4 / rate
    return {"shape": shape, "chars": len(text), "model_s": round(model_s, 1),
            "shown_s": round(marks["shown"] - marks["first"], 2),
            "behind_s": round(marks["shown"] - marks["first"] - model_s, 2),
            "read_s": round(marks["received"] - marks["first"], 2), "worst_behind_chars": worst_behind,
            "stall_p50_ms": round(1000 * lateness[n // 2], 1), "stall_p95_ms": round(1000 * lateness[int(n * .95)], 1),
            "stall_worst_ms": round(1000 * lateness[-1], 1)}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], float(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shapes", default="code,paragraph,mixed")
    ap.add_argument("--rate", type=float, default=100.0, help="tokens (4 characters) a second")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        repo, _ = make_repo(Path(tmp))
        for shape in args.shapes.split(","):
            result = asyncio.run(run_shape(repo, shape, args.rate))
            print(json.dumps(result), flush=True)
            results.append(result)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
