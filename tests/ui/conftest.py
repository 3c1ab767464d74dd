"""Fixtures for the Textual app tests: a committed copy of the demo sample repo, a scripted model server,
and an app wired to both through the real agent (only the model is scripted)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.demo.script import prepare_sample_repo
from genie_tui.providers.scripted import ScriptedServer


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    return prepare_sample_repo(tmp_path)


@pytest.fixture
def serve() -> Iterator[Callable[[list[Any]], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: list[Any]) -> ScriptedServer:
        server = ScriptedServer(script).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def make_app(repo: Path, base_url: str | None, *, approve: str = "ask", theme: str | None = None,
             **kwargs: Any) -> Any:
    """The app on ``repo`` with the real agent talking to ``base_url`` (no model when ``None``)."""
    from genie_tui.ui.app import GenieApp
    from genie_tui.ui.launch import _agent_factory

    overrides: dict[str, Any] = {"approve": approve, "max_steps": 12, "theme": theme}
    if base_url:
        overrides.update(model="scripted-model", base_url=base_url)
    settings = load_settings(repo, overrides)
    if base_url:
        settings.api_key = "test"
        settings.max_retries = 0
    settings.test_command = f"{sys.executable} -m unittest -q"
    kwargs.setdefault("animate", False)
    return GenieApp(settings, repo, _agent_factory(settings, repo, []), **kwargs)


async def wait_until(pilot: Any, cond: Callable[[], object], timeout: float = 15.0) -> None:
    """Let the app run until ``cond()`` is true; fail with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(cond, '__name__', cond)}")
        await pilot.pause(0.05)


async def send(pilot: Any, text: str) -> None:
    """Type ``text`` into the prompt and press Enter, as the user sends a task or a /command."""
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")


async def burst(app: Any, *keys: str, gap: float = 0.0) -> None:
    """Keys as a terminal sends them typed fast or ahead: each posted to the app without waiting for the one
    before to be handled (Pilot.press waits for the app to be idle after each); ``gap`` seconds apart."""
    from textual import events

    for key in keys:
        app.post_message(events.Key({" ": "space"}.get(key, key), key if len(key) == 1 else None))
        if gap:
            await asyncio.sleep(gap)


def last_tool(body: dict[str, Any]) -> str:
    """The newest tool result in a request the scripted server received."""
    return next((m["content"] for m in reversed(body["messages"]) if m.get("role") == "tool"), "")


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.fixture
def helpers() -> Any:
    class H:
        make_app = staticmethod(make_app)
        wait_until = staticmethod(wait_until)
        screen_text = staticmethod(screen_text)
        send = staticmethod(send)
        burst = staticmethod(burst)
        last_tool = staticmethod(last_tool)
        sleep = staticmethod(asyncio.sleep)

    return H
