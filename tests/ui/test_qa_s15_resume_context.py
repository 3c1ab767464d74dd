"""Context the user added (the search pane's ``c``) reaches the model once: ``/resume`` carried every piece the app
had ever been given into the resumed session, also those already sent, so a session resumed back got them again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
ADDED = "wordstats/counter.py:1-3 ADDEDMARK the counter module"


async def test_context_already_sent_is_not_added_again_by_resume(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "first task")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        older = app.agent.session.id
        await helpers.send(pilot, "/clear")
        await helpers.wait_until(pilot, lambda: app.agent is None)
        app.screen.add_context(ADDED)
        await helpers.send(pilot, "second task")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        newer = app.agent.session.id
        await helpers.send(pilot, f"/resume {older}")
        await helpers.wait_until(pilot, lambda: app.agent is not None and app.agent.session.id == older)
        await helpers.send(pilot, f"/resume {newer}")
        await helpers.wait_until(pilot, lambda: app.agent is not None and app.agent.session.id == newer)
        notes = app.agent.pending_notes()
    assert "ADDEDMARK" in json.dumps(server.requests[1])  # sent with the task it was added for
    assert not any("ADDEDMARK" in n for n in notes)  # and not queued for that session again
