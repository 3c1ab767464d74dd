"""QA pass over running the tests: what the runner reports to the model and to the person watching."""

from __future__ import annotations

import asyncio
import sys

import pytest

from genie_tui.tools.testrun import run_command

# `cargo test -q` in a fresh `cargo new --lib` crate (cargo 1.8x): the unit tests ran, then the doc-tests of a
# crate without doc examples report "running 0 tests" (exit 0)
CARGO_LIB = ("\nrunning 1 test\n.\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; "
             "finished in 0.00s\n\n\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; "
             "0 filtered out; finished in 0.00s\n\n")


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
