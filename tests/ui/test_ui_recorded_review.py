"""Approval mode never in the app: the patches the agent recorded for review are reviewed as one diff with
``/apply`` alone (the diff ``genie run`` prints), and what the user approves is applied as the agent's next patch:
the model is told, the session keeps it, and /undo undoes it as the agent's. Before, the app showed each recorded patch
and offered no way to take them. Then what a review of that found: patches that no longer apply, a rejection's
reason, commits, and leaving never during the review.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from genie_tui.core.restore import restore
from genie_tui.core.transcript import describe
from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply
from genie_tui.ui.palette import commands

FINISH = Reply(tool_calls=[("finish", {"summary": "recorded both"})])


def _script(first: str, second: str) -> list[Reply]:
    """Two patches recorded under never, the turn's finish, and the answer to one more message."""
    return [Reply(tool_calls=[("propose_patch", {"diff": first})]), Reply(tool_calls=[("propose_patch", {"diff": second})]),
            FINISH, Reply(tool_calls=[("finish", {"summary": "thanks"})])]


async def _record(pilot: Any, app: Any, helpers: Any, task: str) -> None:
    """Send ``task`` and wait until its turn has recorded the patches and says so."""
    await helpers.send(pilot, task)
    await helpers.wait_until(pilot, lambda: "/apply reviews them as one diff" in helpers.screen_text(app))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


async def test_recorded_patches_are_reviewed_as_one_diff_and_applied_as_the_agents_next_patch(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, second = patches()
    before = (sample_repo / COUNTER).read_text()
    server = serve(_script(first, second))
    app = helpers.make_app(sample_repo, server.base_url, approve="never", welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _record(pilot, app, helpers, "fix the word counter")
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
    server = serve(_script(first, second))
    app = helpers.make_app(sample_repo, server.base_url, approve="never", welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _record(pilot, app, helpers, "fix the word counter")
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


P_A = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
P_B = "--- a/b.py\n+++ b/b.py\n@@ -1 +1 @@\n-b = 1\n+b = 2\n"


async def _recorded_two(make_repo: Any, serve: Any, helpers: Any, config: str = "") -> tuple[Path, Any, Any]:
    files = {"a.py": "a = 1\n", "b.py": "b = 1\n"}
    if config:
        files[".genie/config.toml"] = config
    repo = make_repo(files)
    server = serve(_script(P_A, P_B))
    return repo, server, helpers.make_app(repo, server.base_url, approve="never", welcome=False)


async def test_a_recorded_patch_that_no_longer_applies_is_left_out_and_said_so(make_repo: Any, serve: Any,
                                                                              helpers: Any) -> None:
    # it was left out of the diff, but named in the title, told to the model as applied, and marked taken
    repo, server, app = await _recorded_two(make_repo, serve, helpers)
    async with app.run_test(size=(120, 40)) as pilot:
        await _record(pilot, app, helpers, "change both")
        (repo / "b.py").write_text("b = 5\n")  # the user's own edit, where p2 changes it
        await helpers.send(pilot, "/apply")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        assert "recorded patch p2 no longer applies to the files as they are" in app.screen.conversation.transcript()
        assert str(app.screen.patch.title.render()).startswith("Review: recorded patches p1 ")
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: "✓ applied as p3" in helpers.screen_text(app))
        assert (repo / "a.py").read_text() == "a = 2\n" and (repo / "b.py").read_text() == "b = 5\n"
        await helpers.send(pilot, "go on")
        await helpers.wait_until(pilot, lambda: len(server.requests) == 4)
        told = " ".join(m["content"] for m in server.requests[3]["messages"] if m["role"] == "user")
        assert "recorded for review (p1) as one diff and applied all of it as p3" in told, told
        assert "p2 no longer applies to the files as they are now" in told
        reasons = {p["id"]: p["reason"] for p in app.agent.patches}
    assert reasons["p2"].startswith("not applied: recorded for review, it no longer applies to the files")


async def test_rejecting_the_recorded_patches_tells_the_model_why_and_ends_their_review(make_repo: Any, serve: Any,
                                                                                       helpers: Any) -> None:
    # the reason was dropped, the model told nothing, and read_file went on showing the rejected change
    repo, server, app = await _recorded_two(make_repo, serve, helpers)
    async with app.run_test(size=(120, 40)) as pilot:
        await _record(pilot, app, helpers, "change both")
        await helpers.send(pilot, "/apply")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("r", *"keep b as it is", "enter")
        await helpers.wait_until(pilot, lambda: "were rejected" in app.screen.conversation.transcript())
        assert (repo / "a.py").read_text() == "a = 1\n"
        assert "Review the recorded patches" not in [c.title for c in commands(app, app.screen)]
        assert app.agent.ctx.staged is None or app.agent.ctx.staged() == {}  # read_file shows the disk again
        await helpers.send(pilot, "why?")
        await helpers.wait_until(pilot, lambda: len(server.requests) == 4)
        told = " ".join(m["content"] for m in server.requests[3]["messages"] if m["role"] == "user")
    assert "(p1, p2) as one diff and rejected it: nothing of it was applied" in told, told
    assert "keep b as it is" in told


async def test_recorded_patches_that_all_no_longer_apply_are_settled_at_once(make_repo: Any, serve: Any,
                                                                            helpers: Any) -> None:
    # they stayed recorded for good: offered at every turn's end and in Ctrl+P, and /apply said "none"
    repo, _server, app = await _recorded_two(make_repo, serve, helpers)
    async with app.run_test(size=(120, 40)) as pilot:
        await _record(pilot, app, helpers, "change both")
        (repo / "a.py").write_text("a = 7\n")
        (repo / "b.py").write_text("b = 7\n")
        await helpers.send(pilot, "/apply")
        await helpers.wait_until(pilot, lambda: "the agent is told" in app.screen.conversation.transcript())
        assert "recorded patches p1, p2 no longer apply to the files as they are" in app.screen.conversation.transcript()
        assert not app.screen.patch.awaiting
        assert "Review the recorded patches" not in [c.title for c in commands(app, app.screen)]


async def test_recorded_patches_applied_with_commit_each_are_committed(make_repo: Any, serve: Any, helpers: Any,
                                                                       monkeypatch: Any) -> None:
    # the agent's patch, as it is under ask: it stayed uncommitted until a resume carried it
    for who in ("AUTHOR", "COMMITTER"):  # genie commits as the user: a fresh machine has no identity
        monkeypatch.setenv(f"GIT_{who}_NAME", "t")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "t@example.com")
    repo, _server, app = await _recorded_two(make_repo, serve, helpers, config='commit = "each"\n')
    before = git(repo, "rev-list", "--all", "--count")
    async with app.run_test(size=(120, 40)) as pilot:
        await _record(pilot, app, helpers, "change both")
        await helpers.send(pilot, "/apply")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: "committed " in helpers.screen_text(app))
    assert int(git(repo, "rev-list", "--all", "--count")) == int(before) + 1
    assert git(repo, "log", "-1", "--format=%s").strip() == "genie: recorded patches p1, p2 (p3)"
    assert git(repo, "status", "--porcelain").strip() == ""


async def test_leaving_never_while_the_recorded_review_is_open_ends_in_what_the_review_decided(
        make_repo: Any, serve: Any, helpers: Any) -> None:
    # the model was told "never applied, propose again", then "applied as p3", and the session kept them left
    _repo, server, app = await _recorded_two(make_repo, serve, helpers)
    async with app.run_test(size=(120, 40)) as pilot:
        await _record(pilot, app, helpers, "change both")
        await helpers.send(pilot, "/apply")
        await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
        app.set_approval_mode("auto")  # Ctrl+T, with the review open
        app.screen.patch.view.focus()
        await pilot.press("a")
        await helpers.wait_until(pilot, lambda: "✓ applied as p3" in helpers.screen_text(app))
        await helpers.send(pilot, "go on")
        await helpers.wait_until(pilot, lambda: len(server.requests) == 4)
        told = [m["content"] for m in server.requests[3]["messages"] if m["role"] == "user"]
        path = app.agent.session_path
    assert not any("were never applied" in t for t in told) and any("applied all of it as p3" in t for t in told)
    assert {p["id"]: p["reason"] for p in restore(path).patches}["p1"].endswith("applied them as p3")
