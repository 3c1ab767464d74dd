"""The app and sessions it cannot use: one another genie process is running, and a file with a line nested too
deeply to parse. Both are one line in the app, never a crash or a session written by two processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from genie_tui.core.session import sessions_dir
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
#: another process holding a session as a running genie does (an exclusive flock), until its stdin closes
HOLDER = ("import fcntl, sys\n"
          "f = open(sys.argv[1], 'rb')\n"
          "fcntl.flock(f, fcntl.LOCK_EX | (fcntl.LOCK_NB if sys.argv[2] == 'try' else 0))\n"
          "print('held', flush=True)\n"
          "sys.stdin.read()\n")


async def _start(pilot: Any, text: str) -> None:
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")


def _saved_session(repo: Path, task: str, session_id: str = "20260101-120000-count-the-words-ab12") -> Path:
    """A session a genie that has ended left (written here as the records it is)."""
    records = [{"type": "start", "ts": 1767268800.0, "task": task, "repo": str(repo), "config": {}, "tools": [],
                "playbooks": []},
               {"type": "message", "message": {"role": "system", "content": "sys"}},
               {"type": "message", "message": {"role": "user", "content": task}},
               {"type": "message", "message": {"role": "assistant", "content": "looking"}},
               {"type": "end", "status": "cancelled", "summary": "stopped"}]
    path = sessions_dir() / f"{session_id}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _hold(path: Path, how: str = "wait") -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), how], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return holder


def _held(holder: subprocess.Popen) -> bool:
    line = holder.stdout.readline()  # "held", or nothing when the lock was refused (the process ended)
    return line.strip() == "held"


def _release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=30)


async def test_resuming_a_session_another_genie_is_running_is_refused_in_one_line(sample_repo: Path, serve: Any,
                                                                                  helpers: Any) -> None:
    path = _saved_session(sample_repo, "count the words better")
    session_id = path.stem
    before = path.read_bytes()
    holder = _hold(path)
    try:
        assert _held(holder)
        app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
        async with app.run_test(size=(240, 40)) as pilot:
            await _start(pilot, f"/resume {session_id}")
            await helpers.wait_until(pilot, lambda: "in use by another genie process" in helpers.screen_text(app))
            assert app.agent is None and f"resume: session {session_id} is in use" in helpers.screen_text(app)
            assert path.read_bytes() == before  # nothing written to the session the other process runs
            _release(holder)  # it ended: now the app may continue the session
            await _start(pilot, f"/resume {session_id}")
            await helpers.wait_until(pilot, lambda: app.agent is not None)
            assert f"resumed {session_id}" in helpers.screen_text(app)
            other = _hold(path, "try")
            assert not _held(other)  # the app holds it now
            other.wait(timeout=30)
            await _start(pilot, "/clear")  # the app is done with it: another genie may resume it
            await helpers.wait_until(pilot, lambda: app.agent is None)
            other = _hold(path, "try")
            assert _held(other)
            _release(other)
    finally:
        if holder.poll() is None:
            _release(holder)


async def test_sessions_picker_names_a_line_nested_too_deeply_instead_of_crashing(sample_repo: Path, serve: Any,
                                                                                   helpers: Any) -> None:
    from genie_tui.ui.screens.sessions import SessionPicker

    good = _saved_session(sample_repo, "count the words better")
    lines = good.read_text().splitlines()
    deep = "[" * 100_000 + "]" * 100_000  # valid JSON, nested deeper than the parser goes
    (sessions_dir() / "zz.jsonl").write_text("\n".join([lines[0], deep, *lines[1:]]) + "\n")
    app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await _start(pilot, "/sessions")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, SessionPicker))
        shown = helpers.screen_text(app)
        assert "count the words better" in shown
        assert "not readable: zz.jsonl:2: not a genie trajectory (invalid JSON)" in shown
        await pilot.press("enter")  # the good one still resumes
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        assert app.agent.session.id == good.stem


async def test_sessions_picker_passes_over_a_session_whose_repository_is_a_loop_of_links(
        sample_repo: Path, serve: Any, helpers: Any, tmp_path: Path) -> None:
    from genie_tui.core.session import Session
    from genie_tui.ui.screens.sessions import SessionPicker

    good = _saved_session(sample_repo, "count the words better")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)  # the repository's directory was replaced by a link to itself
    other = Session.create("elsewhere")
    other.record("start", task="elsewhere", repo=str(loop / "r"), config={}, tools=[])
    other.close()
    app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await _start(pilot, "/sessions")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, SessionPicker))
        shown = helpers.screen_text(app)
        assert "count the words better" in shown and "elsewhere" not in shown
        assert "1 of another repository not shown" in shown
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        assert app.agent.session.id == good.stem


async def test_sessions_picker_names_a_start_time_no_date_can_show_instead_of_crashing(sample_repo: Path, serve: Any,
                                                                                      helpers: Any) -> None:
    from genie_tui.ui.screens.sessions import SessionPicker

    good = _saved_session(sample_repo, "count the words better")
    lines = good.read_text().splitlines()
    (sessions_dir() / "zz.jsonl").write_text("\n".join([lines[0].replace("1767268800.0", "1e308"), *lines[1:]]) + "\n")
    app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await _start(pilot, "/sessions")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, SessionPicker))
        shown = helpers.screen_text(app)
        assert "count the words better" in shown and "2026-01-01" in shown
        assert "not readable: zz.jsonl:1: damaged 'start' record (the time is not a date" in shown
        await pilot.press("enter")  # the good one still resumes
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        assert app.agent.session.id == good.stem
