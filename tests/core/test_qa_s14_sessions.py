"""QA of sessions: how a session that was cut off is listed, resumed and exported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from genie_tui.cli import main
from genie_tui.config.settings import load_settings
from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.providers.scripted import Reply, ScriptedServer

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
LOOK = Reply(tool_calls=[("list_dir", {"path": "."})])
KEY = "sk-test-key-for-the-scripted-server"


def genie(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GENIE_API_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=120, check=False)


async def _finished_then_cut_off(repo: Path) -> Agent:
    """A session whose first task finished and whose follow-up (the app keeps the conversation) was cut off
    mid-turn, as by a crash or ``kill -9``: no end record after the follow-up."""
    with ScriptedServer([FINISH, Reply(fault="hang", hang_seconds=30)]) as server:
        agent = Agent(load_settings(repo, {"base_url": server.base_url, "approve": "auto"}), repo)
        async for _ in agent.run("tidy a.py"):
            pass
        turn = agent.run("now rename x")
        async for event in turn:
            if isinstance(event, ev.StepStarted):
                break
        await turn.aclose()  # the process died here: nothing more is written
        await agent.client.aclose()
    agent.session.close()
    return agent


async def test_a_follow_up_cut_off_after_a_finished_task_is_listed_interrupted_and_resumes(make_repo, capsys):
    repo = make_repo({"a.py": "x = 1\n"})
    agent = await _finished_then_cut_off(repo)
    assert main(["sessions", "list"]) == 0
    listed = capsys.readouterr().out
    assert agent.session.id in listed and " interrupted " in listed and " finished " not in listed, listed
    with ScriptedServer([FINISH]) as server:
        proc = genie("resume", agent.session.id, "--base-url", server.base_url, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "finished"


async def test_exporting_a_follow_up_cut_off_after_a_finished_task_notes_it_was_cut_off(make_repo, tmp_path, capsys):
    repo = make_repo({"a.py": "x = 1\n"})
    agent = await _finished_then_cut_off(repo)
    assert main(["export", agent.session.id, "-o", str(tmp_path / "train.jsonl")]) == 0
    assert "note: the session ended interrupted, not finished" in capsys.readouterr().err


def _recorded_in(repo: str, task: str = "t") -> str:
    """A session file whose start names ``repo`` as its repository; returns its id."""
    from genie_tui.core.session import Session

    s = Session.create(task)
    s.record("start", task=task, repo=repo, config={}, tools=[])
    s.record("message", message={"role": "assistant", "content": "hi"})
    s.close()
    return s.id


def test_sessions_list_repo_passes_over_sessions_whose_repository_path_cannot_be_resolved(make_repo, tmp_path,
                                                                                          capsys):
    repo = make_repo({"a.py": "x = 1\n"})
    loop = tmp_path / "loop"
    loop.symlink_to(loop)  # the repository's directory was replaced by a link to itself
    _recorded_in(str(loop / "r"))
    _recorded_in("/tmp/r\x00x")  # a damaged file's path: NUL cannot be in one
    mine = _recorded_in(str(repo))
    assert main(["sessions", "list", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(mine) and len(out.splitlines()) == 1, out


def test_a_session_whose_repository_is_no_absolute_path_is_refused_not_resumed_where_genie_runs(make_repo):
    here = make_repo({"a.py": "x = 1\n"})
    session_id = _recorded_in("")  # a damaged start record: "" is the current directory to Path
    with ScriptedServer([FINISH]) as server:
        proc = genie("resume", session_id, "--base-url", server.base_url, cwd=here)
        assert server.requests == []
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().endswith("damaged 'start' record (the repository is not an absolute path)")


def test_a_session_another_genie_is_running_is_listed_in_use_and_interrupted_once_it_is_killed(make_repo, capsys):
    import time

    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([LOOK, Reply(fault="hang", hang_seconds=60)]) as server:
        running = subprocess.Popen([sys.executable, "-m", "genie_tui", "run", "look around", "--repo", str(repo),
                                    "--base-url", server.base_url], env={**os.environ, "GENIE_API_KEY": KEY},
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while len(server.requests) < 2:
                assert running.poll() is None and time.monotonic() < deadline, "the run never asked the model"
                time.sleep(0.05)
            assert main(["sessions", "list"]) == 0
            while_running = capsys.readouterr().out
            session_id = while_running.split()[0]
            assert main(["export", session_id]) == 0
            export_note = capsys.readouterr().err
        finally:
            running.kill()
            running.wait(timeout=30)
    assert " in use " in while_running and "interrupted" not in while_running, while_running
    assert export_note == "note: the session is running in another genie; exported as far as it got, which is not " \
                          "its end\n"
    assert main(["sessions", "list"]) == 0
    assert " interrupted " in capsys.readouterr().out  # the lock died with the process


def test_a_listings_brief_look_at_the_lock_does_not_refuse_a_resume(make_repo):
    import fcntl
    import threading

    from genie_tui.core.session import Session, find_session

    path = find_session(_recorded_in(str(make_repo({"a.py": ""}))))
    probe = os.open(path, os.O_RDONLY)
    fcntl.flock(probe, fcntl.LOCK_SH)  # `sessions list` in another process, looking whether it runs
    threading.Timer(0.02, os.close, [probe]).start()
    Session.claim(path).close()  # not "in use by another genie process"


def test_sessions_list_shows_a_task_of_several_lines_on_the_sessions_one_row(make_repo, capsys):
    repo = make_repo({"a.py": ""})
    session_id = _recorded_in(str(repo), task="Crash on an empty list\n\nSteps:\n1. call average([])\n\t2. boom")
    assert main(["sessions", "list"]) == 0
    [row] = capsys.readouterr().out.splitlines()
    assert row.startswith(session_id) and row.endswith("Crash on an empty list Steps: 1. call average([]) 2. boom")


def test_session_files_are_readable_by_their_user_only(make_repo):
    """A session quotes the repository's code and the conversation (and whatever secret a file held): on a
    shared machine, other users must not read it, as they cannot read the undo journal."""
    from genie_tui.core.session import Session, sessions_dir

    old = os.umask(0o022)
    try:
        s = Session.create("t")
        s.record("start", task="t", repo="/r", config={}, tools=[])
        s.close()
    finally:
        os.umask(old)
    assert s.path.stat().st_mode & 0o777 == 0o600
    assert sessions_dir().stat().st_mode & 0o777 == 0o700
