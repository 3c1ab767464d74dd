"""Fixtures of the web tool tests: the test module's loopback site, and a tool context allowed to reach it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from genie_tui.config.settings import load_settings
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
