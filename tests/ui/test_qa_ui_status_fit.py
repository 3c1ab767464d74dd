"""The status bar in a narrow terminal keeps the model, the phase and the approval mode (the token count, the
context and the step give way first), and shows a typed model name without its escape sequences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genie_tui.providers.scripted import Reply


def _status_line(helpers: Any, app: Any) -> str:
    return helpers.screen_text(app).splitlines()[-2]  # above the footer


@pytest.mark.parametrize("size", [(60, 20), (40, 12)], ids=["60x20", "40x12"])
async def test_a_narrow_status_bar_keeps_the_approval_mode(sample_repo: Path, serve: Any, helpers: Any,
                                                           size: tuple[int, int]) -> None:
    server = serve([Reply(content="Looked.", tool_calls=[("finish", {"summary": "done"})])])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=size) as pilot:
        await helpers.send(pilot, "look")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        await pilot.press("ctrl+t")  # ask -> auto: the mode a user most needs to see
        await pilot.pause(0.1)
        line = _status_line(helpers, app)
        assert "idle" in line and line.rstrip().endswith("approve:auto"), line
        await pilot.resize_terminal(120, 30)
        await pilot.pause(0.1)
        line = _status_line(helpers, app)
        assert "step 1/12" in line and " tok " in line and "approve:auto" in line, line


async def test_a_typed_model_name_with_an_escape_sequence_is_refused_and_not_drawn(sample_repo: Path, serve: Any,
                                                                                   helpers: Any) -> None:
    server = serve([])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await helpers.send(pilot, "/model gpt\x1b[31m-red")
        await pilot.pause(0.2)
        text, line = helpers.screen_text(app), _status_line(helpers, app)
    assert "\x1b" not in text and "red" not in line and "scripted-model" in line, line
    assert "must be printable" in text


async def test_a_long_model_name_gives_way_to_the_approval_mode(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(40, 12)) as pilot:
        await helpers.send(pilot, "/model gpt-4.1-mini-2025-04-14-preview")
        await pilot.pause(0.2)
        line = _status_line(helpers, app)
        assert "idle" in line and line.rstrip().endswith("approve:ask"), line
        await pilot.resize_terminal(100, 12)
        await pilot.pause(0.1)
        assert "gpt-4.1-mini-2025-04-14-preview" in _status_line(helpers, app)


async def test_a_priced_model_s_cost_gives_way_to_the_approval_mode(sample_repo: Path, serve: Any, helpers: Any) -> None:
    # with prices set, under 37 columns the bar read "● · thinking · $6.5432 ·": the mode was gone, the cost kept
    server = serve([Reply(content="Looked.", tool_calls=[("finish", {"summary": "done"})], prompt_tokens=900_000,
                          completion_tokens=100_000)])
    app = helpers.make_app(sample_repo, server.base_url)
    app.settings.price_input_per_mtok, app.settings.price_output_per_mtok = 5.0, 15.0
    async with app.run_test(size=(34, 12)) as pilot:
        await helpers.send(pilot, "look")
        await helpers.wait_until(pilot, lambda: not app.screen.turn_running)
        await pilot.pause(0.1)
        line = _status_line(helpers, app)
        assert line.rstrip().endswith("approve:ask") and "$" not in line and "● ·" not in line, line
        await pilot.resize_terminal(120, 30)
        await pilot.pause(0.1)
        assert "$" in _status_line(helpers, app)
