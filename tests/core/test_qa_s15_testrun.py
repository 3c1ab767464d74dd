"""QA pass over running the tests: what the runner reports to the model and to the person watching."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from genie_tui.providers.scripted import Reply, ScriptedServer
from genie_tui.tools.testrun import run_command

# `cargo test -q` in a fresh `cargo new --lib` crate (cargo 1.8x): the unit tests ran, then the doc-tests of a
# crate without doc examples report "running 0 tests" (exit 0)
CARGO_LIB = ("\nrunning 1 test\n.\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; "
             "finished in 0.00s\n\n\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; "
             "0 filtered out; finished in 0.00s\n\n")


def genie(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True,
                          env={**os.environ, "GENIE_API_KEY": "sk-qa-s15-testrun-key-12345"}, stdin=subprocess.DEVNULL,
                          timeout=120, check=False)


def _printed(text: str) -> str:
    """A shell command that prints ``text`` exactly."""
    return f"{sys.executable} -c \"import sys; sys.stdout.write({text!r})\""


@pytest.mark.parametrize("output", [
    CARGO_LIB,
    # two unittest suites in one `make test`, the second one empty
    "Ran 4 tests in 0.010s\n\nOK\nRan 0 tests in 0.000s\n\nOK\n",
    # go test ./... with one package without test files
    "?   \texample.com/m/cmd\t[no test files]\nok  \texample.com/m\t0.004s\n",
])
def test_a_run_where_some_tests_ran_and_a_part_had_none_passes(tmp_path, output):
    """Every Rust library without doc examples printed "running 0 tests" for its doc-tests, and genie called
    the run not passing ("no tests ran"), so the model went on fixing a crate whose tests pass."""
    run = asyncio.run(run_command(tmp_path, _printed(output), 60))
    assert run.exit_code == 0
    assert run.passed, run.report()
    assert "no tests ran" not in run.report()


@pytest.mark.parametrize("output", [
    "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored\n\n",
    "\nRan 0 tests in 0.000s\n\nOK\n",
    # go test ./... in a module without any test file
    "?   \texample.com/m\t[no test files]\n?   \texample.com/m/cmd\t[no test files]\n",
])
def test_a_run_where_no_test_ran_anywhere_is_not_a_pass(tmp_path, output):
    run = asyncio.run(run_command(tmp_path, _printed(output), 60))
    assert run.exit_code == 0 and not run.passed
    assert "no tests ran" in run.report()


def test_coloured_output_reaches_the_model_without_escape_sequences(make_repo):
    """A project with ``addopts = "--color=yes"`` (or FORCE_COLOR in the environment) gave the model ESC [31m and
    friends around every word of the failure: noise that costs tokens and that the 400-character cut counted."""
    repo = make_repo({"test_a.py": "def test_x():\n    assert 1 == 2\n"})
    run = asyncio.run(run_command(repo, f"{sys.executable} -m pytest -q --color=yes -p no:cacheprovider", 120))
    report = run.report()
    assert run.exit_code == 1 and "1 failed" in report
    assert "\x1b" not in report and "[0m" not in report, report
    assert "FAILED test_a.py::test_x" in report


def test_a_progress_bar_in_the_output_does_not_push_the_failure_out_of_what_the_model_sees(tmp_path):
    """A bar redrawn with carriage returns (tqdm, a download) is one line on a terminal; split at each return it
    was hundreds of lines, and the 60 the model is shown held only the bar, not the assertion above it."""
    bar = "".join(f"\rprocessing: {n:3d}%|{'#' * (n // 10):10s}|" for n in range(101)) * 5
    output = ("test_a.py F\n\n___ test_x ___\n\n    def test_x():\n>       assert load() == 2\nE       assert 1 == 2\n"
              "\n------ Captured stderr call ------\n" + bar + "\n"
              "FAILED test_a.py::test_x - assert 1 == 2\n1 failed in 0.31s\n")
    seen: list[str] = []
    run = asyncio.run(run_command(tmp_path, _printed(output) + "; exit 1", 60, seen.append))
    report = run.report()
    assert "E       assert 1 == 2" in report, report
    shown = report.split("\n", 2)[2]  # below the command and the verdict
    assert "processing: 100%|##########|" in shown and shown.count("processing") == 1
    assert "\r" not in report and "1 failed in 0.31s" in seen[-1]


def test_output_with_control_bytes_and_bytes_that_are_not_utf8_is_text_for_the_model(tmp_path):
    raw = b"ok \x00\x07\x08 bell\n\xff\xfe latin-1: caf\xe9\n\x1b]52;c;aGk=\x07clipboard\n"
    script = f"{sys.executable} -c \"import sys; sys.stdout.buffer.write({raw!r})\""
    report = asyncio.run(run_command(tmp_path, script, 60)).report()
    assert "ok  bell" in report and "caf\ufffd" in report and "clipboard" in report
    assert not any(ch in report for ch in "\x00\x07\x08\x1b"), report


def test_a_test_run_stopped_at_test_timeout_is_reported_as_timed_out_not_as_a_failure(make_repo):
    """`genie run` said "tests FAILED (exit 143, ...)" for a run genie itself stopped at ``test_timeout``: the
    person reading the CI log looked for a failing test, or for who sent SIGTERM."""
    repo = make_repo({"a.py": ""})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text(
        f'test_command = "{sys.executable} -c \\"import time; print(1, flush=True); time.sleep(60)\\""\n'
        "test_timeout = 1.5\n")
    with ScriptedServer([Reply(tool_calls=[("run_tests", {})]), Reply(tool_calls=[("finish", {"summary": "x"})])]) \
            as server:
        proc = genie("run", "run the tests", "--repo", str(repo), "--base-url", server.base_url, "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    assert "tests TIMED OUT after" in proc.stderr and "tests FAILED" not in proc.stderr, proc.stderr
    result = json.loads(proc.stdout)
    assert result["tests"]["passed"] is False and result["tests"]["timed_out"] is True
    assert "TIMED OUT" in requests[1]["messages"][-1]["content"]
    replay = genie("replay", result["trajectory"])
    assert "tests timed out" in replay.stdout, replay.stdout


def test_a_test_run_that_goes_quiet_still_says_it_is_running(tmp_path, monkeypatch):
    """Progress came only with new output lines, so `cargo test -q` compiling for minutes, or one slow test,
    left a CI log (and the app's line under the call) silent for as long: no way to tell it from a hang."""
    from genie_tui.tools import testrun

    monkeypatch.setattr(testrun, "HEARTBEAT_S", 0.3)
    seen: list[str] = []
    command = f"{sys.executable} -c \"import time; print('collected 3 items', flush=True); time.sleep(1.5)\""
    run = asyncio.run(run_command(tmp_path, command, 60, seen.append))
    assert run.passed or run.exit_code == 0
    beats = [line for line in seen if "still running" in line]
    assert len(beats) >= 2, seen
    assert all(re.fullmatch(r"still running after \d+s: collected 3 items", line) for line in beats), beats
    assert beats[-1] != beats[0]  # the time so far goes up
    quiet: list[str] = []
    asyncio.run(run_command(tmp_path, f"{sys.executable} -c \"import time; time.sleep(1)\"", 60, quiet.append))
    assert quiet and all(line.startswith("still running after") and line.endswith(", no output yet")
                         for line in quiet), quiet
    dots: list[str] = []  # pytest -q's dots, no line ended yet: that is output ("no output yet" said otherwise)
    script = "import sys, time\nfor _ in range(12):\n    sys.stdout.write('.'); sys.stdout.flush(); time.sleep(0.1)\n"
    asyncio.run(run_command(tmp_path, f"{sys.executable} -c \"{script}\"", 60, dots.append))
    beats = [line for line in dots if "still running" in line]
    assert beats and all(re.fullmatch(r"still running after \d+s: \.+", line) for line in beats), dots


async def test_the_ci_log_shows_a_quiet_test_run_still_running(monkeypatch):
    """The printer shows a heartbeat like any other progress line, at most every PROGRESS_EVERY_S."""
    import io

    from genie_tui import headless_printer
    from genie_tui.core import events as ev

    monkeypatch.setattr(headless_printer, "PROGRESS_EVERY_S", 0.0)
    out = io.StringIO()
    printer = headless_printer.Printer(out, answers=[])
    await printer.handle(ev.ToolCallCompleted("c1", "run_tests", {}, "{}"))
    await printer.handle(ev.ToolProgress("c1", "run_tests", "still running after 2m 10s, no output yet"))
    assert "  ... still running after 2m 10s, no output yet" in out.getvalue()


def test_the_tests_do_not_inherit_genies_key_nor_an_endpoint_that_carries_credentials(tmp_path, monkeypatch):
    """The keys were taken out of the tests' environment, but an endpoint with its password in it
    (``https://me:pw@proxy/v1``, as proxies in front of a model are often set) was handed to them."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-qa-s15-key-not-for-tests")
    monkeypatch.setenv("GENIE_BASE_URL", "https://genie:hunter2-proxy-pass@llm-proxy.example/v1")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://llm-proxy.example/v1?api-key=qa-s15-query-token")
    monkeypatch.setenv("QA_S15_KEEP", "kept")
    show = f"{sys.executable} -c \"import os; [print(k, v) for k, v in os.environ.items()]\""
    output = asyncio.run(run_command(tmp_path, show, 60)).output
    assert "QA_S15_KEEP kept" in output and "\nCI " in output
    for leaked in ("sk-qa-s15-key", "hunter2-proxy-pass", "qa-s15-query-token"):
        assert leaked not in output, leaked
    # an endpoint without credentials is the tests' to see (a project testing against a local server)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    assert "http://localhost:11434/v1" in asyncio.run(run_command(tmp_path, show, 60)).output


@pytest.mark.parametrize(("command", "code", "meaning"), [
    ("no-such-test-runner-qa15 -q", 127, "exit code 127: the command was not found"),
    ("kill -SEGV $$", 139, "exit code 139: killed by SIGSEGV"),
    ("kill -KILL $$", 137, "exit code 137: killed by SIGKILL"),
    pytest.param("kill -KILL $PPID", -9, "exit code -9: killed by SIGKILL",  # what genie started (the reaper),
                 marks=pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper is Linux's")),
    ("echo 'no tests ran in 0.01s'; exit 5 # pytest", 5, "exit code 5: pytest collected no tests"),
])
def test_an_exit_code_that_is_not_a_test_failure_says_what_it_is(tmp_path, command, code, meaning):
    """A mistyped test_command read "tests FAILED (exit 127)" in the log, as if the tests had failed; a crash
    or the out-of-memory killer was a bare 139 or 137."""
    run = asyncio.run(run_command(tmp_path, command, 60))
    assert run.exit_code == code and not run.passed
    assert meaning in run.report(), run.report()


async def test_the_progress_line_of_a_test_run_says_what_its_exit_code_means():
    import io

    from genie_tui.core import events as ev
    from genie_tui.headless_printer import Printer

    out = io.StringIO()
    printer = Printer(out, answers=[])
    await printer.handle(ev.TestsRan("pytst -q", False, 127, "/bin/sh: 1: pytst: not found", 0.01))
    assert "tests FAILED (exit 127: the command was not found, 0.0s): pytst -q" in out.getvalue(), out.getvalue()


def test_the_model_is_told_its_last_step_and_a_run_out_of_steps_says_where_the_work_stood(make_repo):
    """The model was never told how many steps it had: its last step was mid-work (a patch it never saw applied,
    tests it never saw run), and the run ended "stopped after N steps without finishing" with nothing more."""
    repo = make_repo({"a.py": "x = 1\n"})
    script = [Reply(tool_calls=[("read_file", {"path": "a.py"})]) for _ in range(5)] + [
        Reply(content="Done: found where x is set in a.py. Left: change it to 2 and run the tests.")]
    with ScriptedServer(script) as server:
        proc = genie("run", "set x to 2", "--repo", str(repo), "--base-url", server.base_url, "--max-steps", "6",
                     "--json")
        requests = server.requests
    assert proc.returncode == 3, proc.stderr
    assert len(requests) == 6
    notes = [[m["content"] for m in r["messages"] if m["role"] == "user" and "[genie] Step budget" in m["content"]]
             for r in requests]
    assert notes[:3] == [[], [], []]
    assert "step 4 of 6" in notes[3][0] and "2 more" in notes[3][0]  # a heads-up while there is room to wrap up
    assert "last step (6 of 6)" in notes[5][-1]
    assert requests[5]["messages"][-1]["content"] == notes[5][-1]  # the newest thing the model reads
    result = json.loads(proc.stdout)
    assert result["status"] == "budget_exhausted"
    assert result["summary"].startswith("stopped after 6 steps without finishing; the model's last reply: Done:")
    assert "Left: change it to 2" in proc.stderr.splitlines()[-1]


def test_genie_runs_log_shows_how_the_tests_ended_not_only_that_they_failed(make_repo):
    """The log said "tests FAILED (exit 1, 0.3s)" and then the first line of the report, "$ COMMAND" again: the
    person reading a CI log could not tell one failure from a broken suite without opening the session."""
    repo = make_repo({"test_a.py": "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_x(self):\n"
                                   "        self.assertEqual(1, 2)\n"})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text(f'test_command = "{sys.executable} -m unittest -q"\n')
    with ScriptedServer([Reply(tool_calls=[("run_tests", {})]), Reply(tool_calls=[("finish", {"summary": "x"})])]) \
            as server:
        proc = genie("run", "run the tests", "--repo", str(repo), "--base-url", server.base_url)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("tests FAILED (exit 1,"))
    assert lines[at + 1].strip() == "FAILED (failures=1)", lines[at:at + 3]


FIX_A = "--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-X = 1\n+X = 2\n"


@pytest.mark.parametrize("tests_again", [False, True])
def test_the_json_says_when_the_last_test_run_is_older_than_the_last_patch(make_repo, tests_again):
    """`tests.passed` was true after a run whose tests passed before the model's last patch and never ran again:
    a CI job read it as "the change passes its tests"."""
    repo = make_repo({"calc.py": "X = 1\n", "test_calc.py": "import unittest\n\n\nclass T(unittest.TestCase):\n"
                                                            "    def test_x(self):\n        pass\n"})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text(f'test_command = "{sys.executable} -m unittest -q"\n')
    script = [Reply(tool_calls=[("run_tests", {})]), Reply(tool_calls=[("propose_patch", {"diff": FIX_A})])]
    script += [Reply(tool_calls=[("run_tests", {})])] if tests_again else []
    script += [Reply(tool_calls=[("finish", {"summary": "x"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "set X to 2", "--repo", str(repo), "--base-url", server.base_url, "--approve", "auto",
                     "--json")
    assert proc.returncode == 0, proc.stderr
    assert (repo / "calc.py").read_text() == "X = 2\n"
    result = json.loads(proc.stdout)
    tests = result["tests"]
    assert tests["passed"] is True and tests["stale"] is (not tests_again), tests
    from genie_tui.core.restore import restore  # a resumed session reports the same

    assert restore(Path(result["trajectory"])).tests == tests


async def _never_run_tests(make_agent, collect, finish, repo, **settings) -> str:
    """What the model is told when it runs a command of its choosing under approval mode ``never``."""
    script = [Reply(tool_calls=[("run_tests", {"command": "python -m pytest -q"})]), finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, approve="never", **settings)
        await collect(agent, "check the tests pass")
        return server.requests[1]["messages"][-1]["content"]


async def test_under_never_with_no_test_command_the_model_is_told_it_has_none_to_run(
        make_repo, make_agent, collect, finish):
    """The refusal told the model to "use run_tests without a command to run the tests", which then failed
    with "no test command is configured or detected": there was no command the model could run at all."""
    result = await _never_run_tests(make_agent, collect, finish, make_repo({"notes.txt": "hello\n"}))
    assert "'never'" in result and "without a command" not in result
    assert "no test command is configured or detected" in result and "test_command" in result


async def test_under_never_with_a_test_command_the_model_is_pointed_to_it(make_repo, make_agent, collect, finish):
    result = await _never_run_tests(make_agent, collect, finish, make_repo({"notes.txt": "hello\n"}),
                                    test_command="true")
    assert "'never'" in result and "use run_tests without a command to run 'true'" in result


async def test_a_long_question_is_cut_in_the_log():
    # a model's 2 MB question went whole into the CI log, where every other line is cut
    import io

    from genie_tui.core import events as ev
    from genie_tui.headless_printer import QUESTION_CHARS, Printer

    out = io.StringIO()
    printer = Printer(out, answers=["yes"])
    answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    await printer.handle(ev.QuestionAsked("Which one? " + "x" * 2_000_000, ("a", "b"), answer))
    assert answer.result() == "yes"
    line = next(x for x in out.getvalue().splitlines() if x.startswith("? Which one?"))
    assert len(line) < QUESTION_CHARS + 100 and line.endswith(f"({2_000_011 - QUESTION_CHARS} more characters) [a / b]")


async def test_a_blank_test_command_is_none_and_a_nul_in_any_setting_is_a_config_error(make_repo, make_agent,
                                                                                      collect, capsys):
    # `sh -c "   "` passed every time, so a blank test_command reported failing tests as passing
    from genie_tui.cli import main
    from genie_tui.providers.scripted import Reply, ScriptedServer

    repo = make_repo({"test_x.py": "import unittest\n\nclass T(unittest.TestCase):\n    def test_x(self):\n"
                                   "        self.assertEqual(1, 2)\n", ".genie/config.toml": 'test_command = "   "\n'})
    script = [Reply(tool_calls=[("run_tests", {})]), Reply(tool_calls=[("finish", {"summary": "ran"})])]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, approve="auto")
        await collect(agent, "run the tests")
    assert agent.tests is not None and agent.tests["passed"] is False, agent.tests  # detected: unittest, failing
    (repo / ".genie/config.toml").write_text('test_command = "echo\\u0000x"\n')
    assert main(["config", "show", "--repo", str(repo)]) == 2
    assert "test_command must not contain a NUL character" in capsys.readouterr().err
