"""The client against a router's way of failing mid-turn: ``finish_reason: "error"`` ends a partial turn."""

from __future__ import annotations

import pytest

from typing import Any

from genie_tui.core.events import ToolCallCompleted, TurnRetrying
from genie_tui.providers.client import AssistantTurn, ModelClient, ModelError
from genie_tui.providers.scripted import Reply, ScriptedServer

MESSAGES = [{"role": "user", "content": "hello"}]


async def run_turn(server: ScriptedServer, max_retries: int = 4) -> tuple[list[Any], AssistantTurn]:
    client = ModelClient(model="scripted-model", base_url=server.base_url, api_key=None, timeout=5.0,
                         max_retries=max_retries, backoff_base=0.01, backoff_max=1.0)
    try:
        items = [item async for item in client.stream_turn(MESSAGES, [])]
    finally:
        await client.aclose()
    return items[:-1], items[-1]


async def test_a_turn_ended_with_finish_reason_error_is_retried_and_never_used() -> None:
    # OpenRouter ends a stream whose upstream failed mid-turn with finish_reason "error": what came is partial
    broken = Reply("PARTIAL", [("propose_patch", {"diff": "--- a/x\n+++ b/x\n"})], finish_reason="error")
    with ScriptedServer([broken, Reply("whole answer")]) as server:
        events, turn = await run_turn(server)
    assert turn.content == "whole answer" and turn.tool_calls == () and turn.attempts == 2
    assert "finish_reason 'error'" in next(e for e in events if isinstance(e, TurnRetrying)).reason
    assert not any(isinstance(e, ToolCallCompleted) for e in events)


async def test_turns_that_keep_ending_with_error_give_up_after_the_retries() -> None:
    with ScriptedServer([Reply("PARTIAL", finish_reason="error")] * 2) as server:
        with pytest.raises(ModelError, match="gave up after 2 attempts: the endpoint ended the turn with"):
            await run_turn(server, max_retries=1)
