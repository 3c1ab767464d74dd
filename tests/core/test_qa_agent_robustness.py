"""The turn loop against what models and repositories do in the wild: replies far over the context budget,
odd test-command markers (a Makefile that is a directory or a named pipe, a huge build tree), a session resumed
after its files were changed, integer arguments written as strings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.core.restore import restore
from genie_tui.providers.scripted import Reply, ScriptedServer
from genie_tui.tools import registry
from genie_tui.tools.base import ToolError
from genie_tui.tools.testrun import WALK_ENTRIES, detect_test_command

CODE = "def f():\n    return 1\n"
DIFF = "--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2\n"


async def test_a_reply_far_over_the_budget_is_cut_in_requests_and_kept_whole_in_the_session(make_repo, make_agent,
                                                                                            collect, finish):
    # A model that ran to its output limit repeating itself: its reply was sent again whole with every request,
    # so one reply over the budget failed every later request (a real endpoint refuses it), and every resume.
    repo = make_repo({"m.py": CODE})
    reply = "HEAD " + "blah " * 40_000 + " TAIL"
    script = [Reply(content=reply, finish_reason="length")] + \
        [Reply(tool_calls=[("list_dir", {"path": "."})])] * 2 + [finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, context_budget=8000)
        seen = await collect(agent, "do it")
        requests = server.requests
    assert seen[-1].status == "finished"
    for request in requests:
        assert (len(json.dumps(request["messages"])) + len(json.dumps(request["tools"]))) / 4 <= 8000
    sent = next(m for m in requests[-1]["messages"] if m["role"] == "assistant" and m.get("content"))["content"]
    assert sent.startswith("HEAD blah") and sent.endswith("blah  TAIL") and "cut to fit the context budget" in sent
    kept = next(m for m in restore(agent.session_path).messages if m["role"] == "assistant")["content"]
    assert kept == reply


async def test_replies_that_fit_are_sent_whole(make_repo, make_agent, collect, finish):
    repo = make_repo({"m.py": CODE})
    reply = "a considered answer " * 300  # 6,000 characters, well within the budget
    with ScriptedServer([Reply(content=reply, finish_reason="length"), finish()]) as server:
        await collect(make_agent(repo, server), "do it")
        requests = server.requests
    assert any(m.get("content") == reply for m in requests[1]["messages"])


def test_a_makefile_that_is_a_directory_or_a_named_pipe_has_no_test_target(tmp_path):
    (tmp_path / "Makefile").mkdir()
    assert detect_test_command(tmp_path) is None  # was IsADirectoryError, a traceback at every session start
    other = tmp_path / "other"
    other.mkdir()
    os.mkfifo(other / "Makefile")
    started = time.monotonic()
    assert detect_test_command(other) is None  # was a hang: open() of a pipe with no writer blocks
    assert time.monotonic() - started < 5
    real = tmp_path / "real"
    real.mkdir()
    (real / "Makefile").write_text("all:\n\techo\n\ntest:\n\t./run-tests\n")
    assert detect_test_command(real) == "make test"


def test_the_look_for_python_tests_skips_vendored_trees_and_is_bounded(tmp_path):
    deep = tmp_path / "node_modules" / "pkg"
    deep.mkdir(parents=True)
    (deep / "test_vendored.py").write_text("")
    assert detect_test_command(tmp_path) is None
    (tmp_path / "src" / "checks").mkdir(parents=True)
    (tmp_path / "src" / "checks" / "test_mine.py").write_text("")
    assert "unittest discover" in detect_test_command(tmp_path)
    huge = tmp_path / "huge"
    (huge / "out").mkdir(parents=True)
    for n in range(WALK_ENTRIES + 10):
        (huge / "out" / f"f{n}.o").touch()
    (huge / "zz").mkdir()
    (huge / "zz" / "test_late.py").write_text("")
    assert detect_test_command(huge) is None  # given up after WALK_ENTRIES entries, not walked to the end


def test_genie_run_in_a_repository_whose_makefile_is_a_named_pipe_finishes(make_repo, finish):
    repo = make_repo({"README.md": "x\n"})
    os.mkfifo(repo / "Makefile")
    script = [Reply(tool_calls=[("run_tests", {})]), finish("nothing to test")]
    env = {**os.environ, "GENIE_API_KEY": "sk-qa-agent-0000000000"}
    with ScriptedServer(script) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "test it", "--repo", str(repo), "--base-url",
                               server.base_url, "--json"], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=60, check=False)
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "no test command is configured or detected" in requests[1]["messages"][-1]["content"]


async def _stopped_session(repo, server, make_agent, collect) -> Agent:
    """A session that read m.py, patched it and then failed (the endpoint gave up): resumable."""
    agent = make_agent(repo, server, approve="auto", max_retries=0)
    seen = await collect(agent, "change f")
    assert seen[-1].status == "failed"
    return agent


async def test_a_session_resumed_after_its_files_changed_tells_the_model_and_the_user(make_repo, make_agent, collect,
                                                                                     finish):
    repo = make_repo({"m.py": CODE, "n.py": "x = 1\n"})
    script = [Reply(tool_calls=[("read_file", {"path": "m.py"}), ("read_file", {"path": "n.py"}),
                                ("read_file", {"path": "missing.py"})]),
              Reply(tool_calls=[("propose_patch", {"diff": DIFF})]), Reply(fault="500")]
    with ScriptedServer(script) as server:
        first = await _stopped_session(repo, server, make_agent, collect)
    path = first.session_path
    first.session.close()
    later = time.time() + 5
    (repo / "m.py").write_text("def f():\n    return 42\n")  # the user's own edit while genie was not running
    os.utime(repo / "m.py", (later, later))
    with ScriptedServer([finish()]) as server:
        first.settings.base_url = server.base_url
        agent = Agent.resume(str(path), first.settings)
        seen = await collect(agent, "go on")
        request = server.requests[0]
    warnings = [e.message for e in seen if isinstance(e, ev.ErrorOccurred)]
    assert warnings == ["changed since the session stopped: m.py; the model is told to read them again"]
    notes = [m["content"] for m in request["messages"] if m["role"] == "user" and "outside it" in m["content"]]
    assert len(notes) == 1 and "m.py." in notes[0] and "n.py" not in notes[0] and "missing.py" not in notes[0]
    assert "read them again" in notes[0]


async def test_a_test_run_before_files_changed_outside_the_session_is_stale_after_a_resume(make_repo, make_agent,
                                                                                           collect):
    # `genie undo` of the patch the tests ran on, between runs: --json said the tests passed, not stale
    repo = make_repo({"m.py": CODE})
    script = [Reply(tool_calls=[("propose_patch", {"diff": DIFF})]), Reply(tool_calls=[("run_tests", {})]),
              Reply(fault="500")]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, approve="auto", max_retries=0, test_command="true")
        seen = await collect(agent, "change f")
    assert seen[-1].status == "failed" and agent.tests["passed"] is True and agent.tests["stale"] is False
    agent.session.close()
    later = time.time() + 5
    (repo / "m.py").write_text(CODE)  # the patch undone outside genie
    os.utime(repo / "m.py", (later, later))
    resumed = Agent.resume(str(agent.session_path), agent.settings)
    try:
        assert resumed.tests["passed"] is True and resumed.tests["stale"] is True
    finally:
        resumed.session.close()


async def test_a_session_resumed_with_its_files_as_it_left_them_gets_no_such_note(make_repo, make_agent, collect,
                                                                                  finish):
    repo = make_repo({"m.py": CODE})
    script = [Reply(tool_calls=[("read_file", {"path": "m.py"})]), Reply(tool_calls=[("propose_patch", {"diff": DIFF})]),
              Reply(fault="500")]
    with ScriptedServer(script) as server:
        first = await _stopped_session(repo, server, make_agent, collect)
    path = first.session_path
    first.session.close()
    assert (repo / "m.py").read_text() == "def f():\n    return 2\n"  # genie's own patch is no outside change
    with ScriptedServer([finish()]) as server:
        first.settings.base_url = server.base_url
        agent = Agent.resume(str(path), first.settings)
        seen = await collect(agent, "go on")
        request = server.requests[0]
    assert not [e for e in seen if isinstance(e, ev.ErrorOccurred)]
    assert not any("outside it" in (m.get("content") or "") for m in request["messages"])


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (" 7 ", 7), ("٣", 3)])
def test_integer_arguments_written_as_decimal_strings_are_taken(value, expected):
    assert registry.validate("read_file", {"path": "m.py", "start_line": value})["start_line"] == expected


def test_an_integer_argument_in_superscript_is_a_type_error_not_a_crash_of_the_tool():
    with pytest.raises(ToolError, match="start_line must be an integer, got str"):
        registry.validate("read_file", {"path": "m.py", "start_line": "²"})


async def test_a_plan_too_long_to_restate_in_every_request_is_refused_with_the_reason(make_repo, make_agent, collect,
                                                                                      finish):
    repo = make_repo({"m.py": CODE})
    many = [{"text": f"step {n}", "status": "todo"} for n in range(500)]
    script = [Reply(tool_calls=[("update_plan", {"steps": many})]),
              Reply(tool_calls=[("update_plan", {"steps": [{"text": "x" * 50_000, "status": "todo"}]})]),
              Reply(tool_calls=[("update_plan", {"steps": [{"text": "Fix f", "status": "doing"}]})]), finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server)
        seen = await collect(agent, "plan it")
        requests = server.requests
    assert seen[-1].status == "finished"
    assert "500 steps; a plan has at most 100" in requests[1]["messages"][-1]["content"]
    assert "step 1 is 50000 characters" in requests[2]["messages"][-1]["content"]
    assert [s.text for s in agent.plan] == ["Fix f"]
    assert "x" * 3000 not in requests[3]["messages"][0]["content"]


async def test_a_long_test_run_shows_its_latest_line_on_stderr_now_and_then(monkeypatch):
    import io

    from genie_tui import headless_printer as headless

    out = io.StringIO()
    printer = headless.Printer(out, answers=[])
    await printer.handle(ev.ToolCallCompleted("c1", "run_tests", {}, "{}"))
    await printer.handle(ev.ToolProgress("c1", "run_tests", "collected 3000 items"))
    assert "collected" not in out.getvalue()  # a run that says something every second is not a line a second
    monkeypatch.setattr(headless, "PROGRESS_EVERY_S", 0.0)
    await printer.handle(ev.ToolProgress("c1", "run_tests", "tests/test_a.py ....\t\t [ 40%]"))
    assert out.getvalue().splitlines()[-1] == "  ... tests/test_a.py .... [ 40%]"


def test_a_record_the_disk_took_only_part_of_is_taken_back_so_the_session_stays_readable(monkeypatch, tmp_path):
    import errno

    from genie_tui.core import session as session_mod
    from genie_tui.core.session import Session
    from genie_tui.errors import GenieError

    path = tmp_path / "s.jsonl"
    s = Session(path, "s")
    s.record("start", task="t", repo=str(tmp_path))
    real_write = os.write

    def half_then_full(fd, data):  # a disk that fills up in the middle of a record
        if len(data) > 20:
            return real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(session_mod.os, "write", half_then_full)
    with pytest.raises(GenieError, match="No space left"):
        s.record("message", message={"role": "user", "content": "x" * 100})
    monkeypatch.setattr(session_mod.os, "write", real_write)
    s.record("error", message="the disk was full")  # space again: the run's error and end records follow
    s.record("end", status="failed")
    s.close()
    state = restore(path)  # before, the half record and the error shared a line: "not a genie trajectory"
    assert state.status == "failed" and state.messages == []


def test_a_part_that_cannot_be_taken_back_at_once_is_cut_before_the_next_record(monkeypatch, tmp_path):
    import errno

    from genie_tui.core import session as session_mod
    from genie_tui.core.session import Session
    from genie_tui.errors import GenieError

    path = tmp_path / "s.jsonl"
    s = Session(path, "s")
    s.record("start", task="t", repo=str(tmp_path))
    real_write, real_truncate = os.write, os.ftruncate

    def half_then_full(fd, data):
        if len(data) > 20:
            return real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def refused(fd, size):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(session_mod.os, "write", half_then_full)
    monkeypatch.setattr(session_mod.os, "ftruncate", refused)
    with pytest.raises(GenieError):
        s.record("message", message={"role": "user", "content": "x" * 100})
    monkeypatch.setattr(session_mod.os, "write", real_write)
    monkeypatch.setattr(session_mod.os, "ftruncate", real_truncate)
    s.record("end", status="failed")
    s.close()
    assert restore(path).status == "failed"


def test_a_named_pipe_or_a_device_among_the_sessions_is_skipped_not_waited_on(genie_home, tmp_path):
    from genie_tui.core.restore import scan_sessions
    from genie_tui.core.session import Session, find_session, sessions_dir
    from genie_tui.errors import UsageError

    s = Session.create("a task")
    s.record("start", task="a task", repo=str(tmp_path))
    s.close()
    os.mkfifo(sessions_dir() / "pipe.jsonl")
    os.symlink("/dev/zero", sessions_dir() / "zero.jsonl")
    started = time.monotonic()
    found, damaged = scan_sessions()  # `genie sessions list` and the app's /sessions hung on the pipe
    assert [f.task for f in found] == ["a task"]
    assert sorted(d.rsplit(" (", 1)[1] for d in damaged) == ["a device))", "a named pipe))"]
    with pytest.raises(UsageError, match="not a regular file"):
        restore(find_session("pipe"))
    assert time.monotonic() - started < 5


def test_a_call_without_a_name_in_a_session_leaves_its_result_to_no_other_line(tmp_path):
    # The app's view of a resumed session: the unreadable call left an index behind, and its result then
    # landed on the note put in its place (an AssertionError: the app's /resume failed on a damaged session)
    from genie_tui.core.transcript import read_transcript

    path = tmp_path / "s.jsonl"
    records = [
        {"type": "start", "ts": 1.0, "task": "t", "repo": str(tmp_path)},
        {"type": "message", "ts": 2.0, "message": {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"arguments": "{}"}}]}},
        {"type": "message", "ts": 3.0, "message": {"role": "tool", "tool_call_id": "c1", "content": "a result"}},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    items = read_transcript(path)
    assert [i.kind for i in items] == ["note", "note"]
    assert "cannot read" in items[0].text and "a result" in items[1].text


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("files", True, "the files are not a list of paths"), ("files", [5], "the files are not a list of paths"),
    ("reason", 5, "the id, reason or diff is not text"), ("applied", "yes", "applied is not true or false")])
def test_a_damaged_patch_record_is_named_with_its_line(tmp_path, field, value, problem):
    # the latest patch is restated in every request: its files joined, its reason quoted. A record of the wrong
    # shape failed every request of the resumed session ("TypeError: can only join an iterable")
    from genie_tui.errors import GenieError

    path = tmp_path / "s.jsonl"
    patch = {"type": "patch", "ts": 2.0, "id": "p1", "files": ["m.py"], "applied": True, "reason": None,
             "diff": DIFF, field: value}
    path.write_text(json.dumps({"type": "start", "ts": 1.0, "task": "t", "repo": str(tmp_path)}) + "\n"
                    + json.dumps(patch) + "\n")
    with pytest.raises(GenieError, match=f"s.jsonl:2: damaged 'patch' record \\({problem}\\)"):
        restore(path)


async def test_a_finish_without_a_summary_still_says_how_the_run_ended(make_repo, make_agent, collect, finish):
    repo = make_repo({"m.py": CODE})
    with ScriptedServer([finish("   ")]) as server:
        seen = await collect(make_agent(repo, server), "do it")
    assert (seen[-1].status, seen[-1].summary) == ("finished", "(the model gave no summary)")


def test_genie_resume_refuses_a_session_of_another_repository_than_repo_names(make_repo, finish):
    repo, other = make_repo({"m.py": CODE}), make_repo({"m.py": CODE}, name="other")
    env = {**os.environ, "GENIE_API_KEY": "sk-qa-agent-0000000000"}

    def genie(*args: str, url: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "genie_tui", *args, "--base-url", url, "--json"],
                              capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
                              check=False)

    with ScriptedServer([Reply(fault="401")]) as server:
        trajectory = json.loads(genie("run", "x", "--repo", str(repo), url=server.base_url).stdout)["trajectory"]
    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": DIFF})]), finish()]) as server:
        refused = genie("resume", trajectory, "--repo", str(other), "--approve", "auto", url=server.base_url)
        assert refused.returncode == 2 and f"belongs to {repo}, not to --repo {other}" in refused.stderr
        assert not server.requests  # before it was ignored: the patches landed in the session's repository
        (repo / "sub").mkdir()
        done = genie("resume", trajectory, "--repo", str(repo / "sub"), "--approve", "auto", url=server.base_url)
    assert done.returncode == 0, done.stderr
    assert (repo / "m.py").read_text() == "def f():\n    return 2\n" and (other / "m.py").read_text() == CODE


async def test_each_turn_tells_its_first_phase_even_when_the_last_turn_ended_in_it(make_repo, make_agent, collect,
                                                                                   finish):
    """The agent told only changes of phase, across turns: a follow-up that began with the phase the previous
    turn ended in ("done") told none, and a front end showed the previous turn's phase through it."""
    repo = make_repo({"m.py": CODE})
    script = [Reply(tool_calls=[("list_dir", {"path": "."})]), finish(), finish("again")]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server)
        first = [e.phase for e in [e async for e in agent.run("look")] if isinstance(e, ev.PhaseChanged)]
        second = [e.phase for e in await collect(agent, "and again") if isinstance(e, ev.PhaseChanged)]
    assert first == ["find", "done"]
    assert second == ["done"]
