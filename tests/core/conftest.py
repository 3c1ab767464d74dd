"""Fixtures of the core tests: the web tool tests' loopback site and a tool context allowed to reach it; the
agent tests' ``make_agent``, ``collect`` and ``finish``."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.core.agent import Agent
from genie_tui.providers.scripted import Reply, ScriptedServer
from genie_tui.tools.base import ToolContext


@pytest.fixture(scope="module")
def loopback_site(request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL of a server on 127.0.0.1 answering with the test module's ``_Site`` request handler."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), request.module._Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_ctx(make_repo: Any) -> ToolContext:
    """A tool context whose web tools may reach 127.0.0.1 (an internal address, refused by default)."""
    repo = make_repo({"a.py": ""})
    context = ToolContext(repo, load_settings(repo, {}))
    context.settings.web_allow_hosts = "127.0.0.1"
    return context


@pytest.fixture
def make_agent() -> Callable[..., Agent]:
    """``make_agent(repo, server, approve="ask", **settings)``: an agent talking to a scripted server, with
    short retry back-off and any settings given set on it."""

    def _make(repo: Path, server: ScriptedServer, approve: str = "ask", **extra: Any) -> Agent:
        settings = load_settings(repo, {"base_url": server.base_url, "approve": approve})
        settings.backoff_base = 0.05
        for key, value in extra.items():
            setattr(settings, key, value)
        return Agent(settings, repo)

    return _make


@pytest.fixture
def collect() -> Callable[..., Awaitable[list[Any]]]:
    """``await collect(agent, task, react=None)``: every event of one turn, ``react(agent, event)`` called on
    each as it comes (to approve, cancel or edit); the agent's client is closed afterwards."""

    async def _collect(agent: Agent, task: str, react: Callable[[Agent, Any], None] | None = None) -> list[Any]:
        seen = []
        async for event in agent.run(task):
            seen.append(event)
            if react:
                react(agent, event)
        await agent.client.aclose()
        return seen

    return _collect


@pytest.fixture
def finish() -> Callable[..., Reply]:
    """``finish(summary="done")``: the scripted reply that ends a turn."""

    def _finish(summary: str = "done") -> Reply:
        return Reply(tool_calls=[("finish", {"summary": summary})])

    return _finish
