"""``/model`` refuses a name with a space, as ``--model`` and the config do, before and after the agent exists; a
local server's name with ``:`` and ``/`` is taken and sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
REFUSED = "model: the model name must have no spaces (model ids such as llama3:8b or org/model have none)"


async def test_model_with_a_space_is_refused_and_a_local_name_is_sent(sample_repo: Path, serve: Any,
                                                                      helpers: Any) -> None:
    server = serve([FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/model gpt 4o")  # no agent yet
        await pilot.pause(0.2)
        assert app.screen.genie.settings.model == "scripted-model"
        await helpers.send(pilot, "first task")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        await helpers.send(pilot, "/model org/model two")  # the agent's set_model
        await pilot.pause(0.2)
        shown = app.screen.conversation.transcript()
        assert shown.count(REFUSED) == 2, shown
        assert app.screen.genie.settings.model == "scripted-model" and app.agent.settings.model == "scripted-model"
        await helpers.send(pilot, "/model hf.co/org/qwen:Q4_K_M")
        await helpers.send(pilot, "second task")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
    assert [r["model"] for r in server.requests] == ["scripted-model", "hf.co/org/qwen:Q4_K_M"]
