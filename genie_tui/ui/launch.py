"""``genie`` (the app) and ``genie demo``: build settings and an agent factory, run the Textual app.

Imported only when one of these commands runs, so the other commands never pay for Textual.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from genie_tui.config import paths
from genie_tui.errors import GenieError


def _agent_factory(settings: Any, repo: Path, playbooks: list[str], demo: bool = False):
    def make() -> Any:
        try:
            from genie_tui.core.agent import Agent  # type: ignore[import-not-found]
        except ImportError as exc:  # the agent is part of every release; this guards partial checkouts
            raise GenieError(f"the agent is not available: {exc}") from exc
        return Agent(settings, repo, playbooks=playbooks, demo=demo)

    return make


def run(args: argparse.Namespace) -> int:
    """The default command: the app on ``--repo`` (or the current repository)."""
    from genie_tui.config.settings import load_settings

    repo = paths.resolve_repo(getattr(args, "repo", None))
    overrides = {k: getattr(args, k, None) for k in ("model", "base_url", "approve", "max_steps", "theme")}
    settings = load_settings(repo, overrides)
    playbooks = list(dict.fromkeys(getattr(args, "playbook", None) or []))
    if playbooks:  # an unknown or broken one is refused now, as `genie run` refuses it: in the app every task failed
        from genie_tui.playbooks import PlaybookLibrary

        PlaybookLibrary.load(repo).select("", explicit=playbooks)

    from genie_tui.ui.app import GenieApp

    app = GenieApp(settings, repo, _agent_factory(settings, repo, playbooks), theme=settings.theme,
                   playbooks=playbooks)
    result = app.run()
    if result == "demo":
        return demo(argparse.Namespace(theme=settings.theme))
    return 0


def demo(args: argparse.Namespace) -> int:
    """``genie demo``: a temporary copy of the sample repo and a scripted model server, no key needed."""
    import tempfile

    from genie_tui.config.paths import scratch_state
    from genie_tui.demo.script import TASK, demo_server, prepare_sample_repo

    # the session, undo journal and index of a repository that is gone when the demo ends go with it
    with tempfile.TemporaryDirectory(prefix="genie-demo-") as tmp, scratch_state(Path(tmp) / "state"):
        repo = prepare_sample_repo(Path(tmp))
        server = demo_server().start()
        try:
            app = build_demo_app(repo, server.base_url, theme=getattr(args, "theme", None), task=TASK)
            app.run()
        finally:
            server.stop()
    return 0


def build_demo_app(repo: Path, base_url: str, *, theme: str | None = None, animate: bool = True,
                   task: str | None = None) -> Any:
    """The demo app on ``repo`` talking to the scripted server at ``base_url`` (tests and the bench use it)."""
    from genie_tui.config.settings import load_settings
    from genie_tui.ui.app import GenieApp

    # the demo brings its own model, endpoint and key: a bad one in the environment (OPENAI_API_KEY=" sk-x") is not its
    settings = load_settings(None, {"model": "genie-demo", "base_url": base_url, "approve": "ask",
                                    "max_steps": 20, "theme": theme}, model_needed=False)
    settings.api_key = "demo"
    # nothing leaves this machine: semantic search, on in the user's settings, would send the sample's code (and
    # their embeddings key) to their endpoint (the scripted model calls no web tool)
    settings.embeddings_model = settings.embeddings_base_url = settings.embeddings_api_key = None
    settings.test_command = f"{shlex.quote(sys.executable)} -m unittest -q"  # stdlib only: no pytest needed
    return GenieApp(settings, repo, _agent_factory(settings, repo, [], demo=True), demo=True,
                    theme=settings.theme, animate=animate, welcome=False, first_task=task)
