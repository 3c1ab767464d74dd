"""QA pass over running the tests, in the app: how a test run's end reads in the conversation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def test_a_test_run_stopped_at_test_timeout_reads_as_timed_out(sample_repo: Path, serve: Any,
                                                                      helpers: Any) -> None:
    """The conversation said "✗ COMMAND (exit 143, 1.5s)" for a run genie stopped at test_timeout."""
    server = serve([Reply(tool_calls=[("run_tests", {})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    app.settings.test_command = f"{sys.executable} -c \"import time; print('slow', flush=True); time.sleep(60)\""
    app.settings.test_timeout = 1.5
    async with app.run_test(size=(140, 40)) as pilot:
        await helpers.send(pilot, "run the tests")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running,
                                 timeout=60)
        text = helpers.screen_text(app)
    assert "timed out after 1." in text and "exit 143" not in text, text
    assert "TIMED OUT" in helpers.last_tool(server.requests[1])


async def test_a_test_command_that_does_not_exist_reads_as_not_found(sample_repo: Path, serve: Any,
                                                                     helpers: Any) -> None:
    server = serve([Reply(tool_calls=[("run_tests", {})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    app.settings.test_command = "no-such-test-runner-qa15 -q"
    async with app.run_test(size=(140, 40)) as pilot:
        await helpers.send(pilot, "run the tests")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running,
                                 timeout=60)
        text = helpers.screen_text(app)
    assert "exit 127: the command was not found" in text, text
