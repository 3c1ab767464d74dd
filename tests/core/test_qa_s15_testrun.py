"""QA pass over running the tests: what the runner reports to the model and to the person watching."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

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
