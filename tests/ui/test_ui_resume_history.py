"""A resumed session shows what happened before: the conversation as history lines, the plan, the last patch."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from genie_tui.demo.script import patches
from genie_tui.providers.scripted import Reply
from genie_tui.ui.widgets.conversation import ToolCallLine

FINISH = Reply(tool_calls=[("finish", {"summary": "words now split on punctuation"})])
STEPS = [{"text": "Read the counter", "status": "done"}, {"text": "Split on punctuation", "status": "todo"}]


async def _start(pilot: Any, text: str) -> None:
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")


async def _record(repo: Path, serve: Any, helpers: Any) -> str:
    """A real session through the app: model text, a file read, a plan, an applied patch, the finish."""
    first, _ = patches()
    server = serve([
        Reply(content="I will read the **counter** first.", tool_calls=[("read_file", {"path": "wordstats/counter.py"})]),
        Reply(tool_calls=[("update_plan", {"steps": STEPS})]),
        Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "normalise words"})]),
        FINISH,
    ])
    app = helpers.make_app(repo, server.base_url, approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "make words() handle punctuation")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 4 and not app.screen.turn_running)
        return app.agent.session.id


async def test_resume_shows_the_earlier_conversation_plan_and_patch(sample_repo: Path, serve: Any,
                                                                    helpers: Any) -> None:
    session_id = await _record(sample_repo, serve, helpers)
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await _start(pilot, f"/resume {session_id}")
        await helpers.wait_until(pilot, lambda: f"resumed {session_id}" in helpers.screen_text(app))
        conv = screen.conversation
        assert not any(isinstance(w, ToolCallLine) for w in conv.children)  # old items are lines, not widgets
        conv.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        shown = helpers.screen_text(app)
        assert "make words() handle punctuation" in shown  # the user's message
        assert "I will read the counter first." in shown  # the model's text, its bold kept without markers
        assert "read_file path=wordstats/counter.py" in shown
        assert "def words(text):" not in shown  # the tool call is collapsed...
        history = conv.history
        line = next(i for i, e in enumerate(history.entries) if e.tool is not None and e.tool.name == "read_file")
        history.focus()
        while history.cursor != line:
            await pilot.press("up")
        await pilot.press("enter")  # ...and expands to its arguments and result
        await pilot.pause()
        assert "def words(text):" in helpers.screen_text(app)
        assert "words now split on punctuation" in conv.transcript()  # the end of the session
        assert "patch p1 applied" in conv.transcript()
        # the plan pane and the patch pane show the state the session left
        assert [s.text for s in screen.plan.steps] == ["Read the counter", "Split on punctuation"]
        assert screen.patch.display and "import re" in screen.patch.view.text
        assert "applied" in str(screen.patch.title.render())
        conv.scroll_end(animate=False, immediate=True)  # following the tail again
        await _start(pilot, "and now the tests")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not screen.turn_running)
        await pilot.pause()
        assert "and now the tests" in helpers.screen_text(app)  # the new turn follows the old lines
    assert "make words() handle punctuation" in json.dumps(server.requests[0])


async def test_a_damaged_line_is_skipped_with_a_note(sample_repo: Path, serve: Any, helpers: Any) -> None:
    session_id = await _record(sample_repo, serve, helpers)
    from genie_tui.core.session import find_session

    path = find_session(session_id)
    lines = path.read_text().splitlines()
    lines.insert(3, json.dumps({"type": "tests", "ts": 1.0}))  # a record without the fields genie reads
    path.write_text("\n".join(lines) + "\n")
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, f"/resume {session_id}")
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        await pilot.pause()
        text = app.screen.conversation.transcript()
        assert "line 4: a 'tests' record this version cannot read; skipped" in text
        assert "I will read the **counter** first." in text and "make words() handle punctuation" in text


def _long_session(path: Path, repo: Path, turns: int) -> None:
    records: list[dict[str, Any]] = [{"type": "start", "ts": 1.0, "task": "turn 0", "repo": str(repo), "config": {}},
                                     {"type": "message", "message": {"role": "system", "content": "sys"}}]
    for t in range(turns):
        records.append({"type": "message", "message": {"role": "user", "content": f"turn {t}"}})
        records.append({"type": "message", "message": {
            "role": "assistant", "content": f"answer **{t}** " + "words " * 30,
            "tool_calls": [{"id": f"c{t}", "type": "function",
                            "function": {"name": "read_file", "arguments": json.dumps({"path": f"f{t}.py"})}}]}})
        records.append({"type": "message", "message": {"role": "tool", "tool_call_id": f"c{t}",
                                                        "content": "1: line\n" * 40}})
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


async def test_a_500_turn_session_shows_fast_and_scrolls_to_its_beginning(sample_repo: Path, helpers: Any,
                                                                          monkeypatch: Any) -> None:
    from genie_tui.core.session import sessions_dir

    sessions_dir().mkdir(parents=True, exist_ok=True)
    path = sessions_dir() / "20260101-000000-long-abcd.jsonl"
    _long_session(path, sample_repo, 500)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        await _start(pilot, f"/resume {path.stem}")
        await helpers.wait_until(pilot, lambda: f"resumed {path.stem}" in helpers.screen_text(app), timeout=10)
        took = time.perf_counter() - started
        conv = app.screen.conversation
        assert conv.item_count >= 1500
        assert "turn 499" in helpers.screen_text(app)
        conv.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert "turn 0" in helpers.screen_text(app) and "f0.py" in helpers.screen_text(app)
    print(f"resumed 500 turns in {took:.3f} s")
    # About 0.3-0.4 s on the development machine, 1.53 s once with a benchmark and two other test runs sharing
    # its 2 cores: the bound is for a several-fold slowdown, not for the load of a shared machine.
    assert took < 3.0


async def test_a_patch_left_undecided_at_quit_shows_after_resume_as_not_applied(sample_repo: Path, serve: Any,
                                                                                helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first})])])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "make words() handle punctuation")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        session_id = app.agent.session.id
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        await pilot.press("ctrl+q")  # quit while the patch awaits review
    app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, f"/resume {session_id}")
        await helpers.wait_until(pilot, lambda: f"resumed {session_id}" in helpers.screen_text(app))
        patch = app.screen.patch
        assert patch.display and not patch.awaiting and "import re" in patch.view.text
        title = str(patch.title.render())
        assert "(wordstats/counter.py): ✗ not applied" in title and "stopped before it was decided" in title


async def test_a_run_ended_by_a_model_error_shows_the_error_once_after_resume(sample_repo: Path, serve: Any,
                                                                              helpers: Any) -> None:
    server = serve([Reply(fault="500")])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "hello")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        session_id = app.agent.session.id
    app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, f"/resume {session_id}")
        await helpers.wait_until(pilot, lambda: f"resumed {session_id}" in helpers.screen_text(app))
        lines = [line for line in app.screen.conversation.transcript().splitlines() if "scripted 500" in line]
    assert len(lines) == 1 and "session failed: model endpoint" in lines[0]
