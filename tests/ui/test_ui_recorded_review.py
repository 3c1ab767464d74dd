"""Approval mode never in the app: the patches the agent recorded for review are reviewed as one diff with
``/apply`` alone (the diff ``genie run`` prints), and what the user approves is applied as the agent's next patch:
the model is told, the session keeps it, and /undo undoes it as the agent's. Before, the app showed each recorded patch and
offered no way to take them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genie_tui.core.restore import restore
from genie_tui.core.transcript import describe
from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply
from genie_tui.ui.palette import commands

FINISH = Reply(tool_calls=[("finish", {"summary": "recorded both"})])


async def test_recorded_patches_are_reviewed_as_one_diff_and_applied_as_the_agents_next_patch(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, second = patches()
    before = (sample_repo / COUNTER).read_text()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first})]),
                    Reply(tool_calls=[("propose_patch", {"diff": second})]), FINISH,
                    Reply(tool_calls=[("finish", {"summary": "thanks"})])])
    app = helpers.make_app(sample_repo, server.base_url, approve="never", welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "fix the word counter")
        await helpers.wait_until(pilot, lambda: "/apply reviews them as one diff" in helpers.screen_text(app))
        assert "2 patches recorded for review" in helpers.screen_text(app)
        assert (sample_repo / COUNTER).read_text() == before  # never: nothing written
        assert "Review the recorded patches" in [c.title for c in commands(app, screen)]  # Ctrl+P has it too
        await helpers.send(pilot, "/apply")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        assert str(screen.patch.title.render()).startswith("Review: recorded patches p1, p2")
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: "✓ applied as p3" in helpers.screen_text(app))
        text = (sample_repo / COUNTER).read_text()
        assert "WORD.findall" in text and "(-item[1], item[0])" in text  # both, in one application
        agent = app.agent
        assert [(p["id"], p["applied"]) for p in agent.patches] == [("p1", False), ("p2", False), ("p3", True)]
        assert "Review the recorded patches" not in [c.title for c in commands(app, screen)]
        await helpers.send(pilot, "/apply")  # nothing is recorded for review any more
        await helpers.wait_until(pilot, lambda: "there are none now" in helpers.screen_text(app))
        await helpers.send(pilot, "thanks")
        await helpers.wait_until(pilot, lambda: len(server.requests) == 4)
        told = [m["content"] for m in server.requests[3]["messages"] if m["role"] == "user"]
        assert any("reviewed the patches recorded for review (p1, p2) as one diff and applied all of it as p3"
                   in t for t in told), told
        assert "## Latest patch\np3: applied (wordstats/counter.py)" in server.requests[3]["messages"][0]["content"]
        await helpers.wait_until(pilot, lambda: not screen.turn_running)
        await helpers.send(pilot, "/undo")  # the agent's patch: undone as its own, and the model told which
        await helpers.wait_until(pilot, lambda: (sample_repo / COUNTER).read_text() == before)
        await helpers.wait_until(pilot, lambda: agent.patches[-1].get("undone") is True)
        path = agent.session_path
    state = restore(path)  # a resume sees them taken, not still recorded for review
    assert [p["reason"] for p in state.patches[:2]] == [
        "not applied as recorded: the user reviewed the recorded patches and applied them as p3"] * 2
    lines = [describe(rec) for _, rec in state.records]
    assert "user reviewed the recorded patches p1, p2 as one diff and applied all of it as p3" in lines


async def test_recorded_patches_reviewed_hunk_by_hunk_apply_only_the_hunks_approved(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, second = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first})]),
                    Reply(tool_calls=[("propose_patch", {"diff": second})]), FINISH,
                    Reply(tool_calls=[("finish", {"summary": "thanks"})])])
    app = helpers.make_app(sample_repo, server.base_url, approve="never", welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "fix the word counter")
        await helpers.wait_until(pilot, lambda: "/apply reviews them as one diff" in helpers.screen_text(app))
        await helpers.send(pilot, "/apply")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("n", "y")  # the combined diff's two hunks (the first patch's two are one): only the sort
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: "✓ applied as p3" in helpers.screen_text(app))
        text = (sample_repo / COUNTER).read_text()
        assert "(-item[1], item[0])" in text and "WORD.findall" not in text
        await helpers.send(pilot, "thanks")
        await helpers.wait_until(pilot, lambda: len(server.requests) == 4)
        told = " ".join(m["content"] for m in server.requests[3]["messages"] if m["role"] == "user")
        assert "applied hunk 2 of it as p3" in told, told
