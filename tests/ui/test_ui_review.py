"""Pilot tests of the patch review: the rows the user decides are the hunks the patcher applies, a review
comment being written is never lost, and ``/apply`` never competes with the agent's own review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genie_tui.demo.script import COUNTER, patches
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
RENAME = "diff --git a/README.md b/DOCS.md\nsimilarity index 100%\nrename from README.md\nrename to DOCS.md\n"
EMPTY_FILE = "diff --git a/wordstats/py.typed b/wordstats/py.typed\nnew file mode 100644\nindex 0000000..e69de29\n"


async def test_a_rename_without_hunks_is_a_row_of_its_own_and_decided_like_a_hunk(sample_repo: Path, serve: Any,
                                                                                   helpers: Any) -> None:
    first, _ = patches()
    diff = RENAME + "diff --git a/wordstats/counter.py b/wordstats/counter.py\n" + first
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": diff, "summary": "rename and fix"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        rows = screen.patch.view.hunks
        assert [(r.index, r.file) for r in rows] == [(0, "DOCS.md"), (1, COUNTER), (2, COUNTER)]
        await pilot.press("f4")
        await pilot.pause()
        assert "rename README.md → DOCS.md  [ ] pending" in helpers.screen_text(app)
        await pilot.press("n", "y", "n", "enter")  # keep the name, take the import, not the findall
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
        assert [r.outcome.split(":")[0] for r in rows] == ["skipped", "applied", "skipped"]
        assert "you approved hunks [2]" in screen.conversation.transcript()
    assert (sample_repo / "README.md").exists() and not (sample_repo / "DOCS.md").exists()
    text = (sample_repo / COUNTER).read_text()
    assert "import re" in text and "return text.split()" in text
    tool = helpers.last_tool(server.requests[1])
    assert "hunk 1 (" in tool and "hunk 3 (" in tool and "hunk 2 (" not in tool  # the two it did not apply


async def test_an_empty_new_file_in_a_patch_file_is_a_row_of_its_own(sample_repo: Path, helpers: Any) -> None:
    first, _ = patches()
    (sample_repo / "mine.diff").write_text(EMPTY_FILE + f"diff --git a/{COUNTER} b/{COUNTER}\n" + first)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "/apply mine.diff")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        rows = screen.patch.view.hunks
        assert [r.file for r in rows] == ["wordstats/py.typed", COUNTER, COUNTER]
        assert "new empty file wordstats/py.typed  [ ] pending" in helpers.screen_text(app)
        await pilot.press("y", "n", "y", "enter")
        await helpers.wait_until(pilot, lambda: any(r.outcome for r in rows))
        assert [r.outcome.split(":")[0] for r in rows] == ["applied", "skipped", "applied"]
        assert "you approved hunks [1, 3]" in screen.conversation.transcript()
    assert (sample_repo / "wordstats/py.typed").read_text() == ""
    text = (sample_repo / COUNTER).read_text()
    assert "import re" not in text and "WORD.findall" in text


async def test_a_review_comment_being_written_is_kept_when_the_focus_leaves_and_comes_back(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "s"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4", "m", *"do not add re", "f5", "f4")  # a look at the prompt, and back
        assert screen.patch.comment_box.has_focus and screen.patch.comment_box.value == "do not add re"
        screen.patch.view.focus()  # the hunks (a click): nothing that would send the verdict without the draft
        await pilot.press("enter", "a", "r", "m")
        assert screen.patch.awaiting and screen.patch.comment_box.value == "do not add re"
        await pilot.press("f4", "enter", "enter")  # the comment, then the review
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
    text = (sample_repo / COUNTER).read_text()
    assert "import re" not in text and "WORD.findall" in text  # hunk 1 rejected with the comment
    tool = helpers.last_tool(server.requests[1])
    assert "do not add re" in tool and "hunk 1" in tool


async def test_a_comment_left_open_when_the_turn_is_stopped_does_not_reach_the_next_review(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "one"})]),
                    Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "two"})]), FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4", "j", "m", *"old comment")
        assert screen.patch.comment_box.display
        await pilot.press("ctrl+c")  # stops the turn: that review is over, and so is its comment
        await helpers.wait_until(pilot, lambda: not screen.turn_running)
        await helpers.send(pilot, "again")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        assert not screen.patch.comment_box.display
        await pilot.press("f4", "y", "y", "enter")  # the new review's keys work, and send what is shown
        await helpers.wait_until(pilot, lambda: not screen.patch.awaiting)
        assert [(r.verdict, r.comment) for r in screen.patch.view.hunks] == [("approved", "")] * 2
        await helpers.wait_until(pilot, lambda: not screen.turn_running)
    assert all("old comment" not in str(body["messages"]) for body in server.requests)


async def test_apply_during_a_turn_is_refused_and_stays_in_the_prompt(sample_repo: Path, serve: Any,
                                                                      helpers: Any) -> None:
    first, second = patches()
    (sample_repo / "mine.diff").write_text(second)
    server = serve([Reply(content="working " * 30, chunk_delay=0.05,
                          tool_calls=[("propose_patch", {"diff": first, "summary": "agent patch"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.turn_running)
        await helpers.send(pilot, "/apply mine.diff")
        await pilot.pause(0.1)
        assert screen.query_one("#prompt").value == "/apply mine.diff"
        assert any("agent is working" in n.message for n in app._notifications)
        assert not screen.patch.awaiting
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting, timeout=20)
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: not screen.turn_running, timeout=20)
    text = (sample_repo / COUNTER).read_text()
    assert "WORD.findall" in text and "-item[1]" not in text


async def test_a_task_started_during_an_apply_review_ends_that_review_when_the_agent_writes_a_patch(
        sample_repo: Path, serve: Any, helpers: Any) -> None:
    import asyncio

    first, second = patches()
    (sample_repo / "mine.diff").write_text(second)
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "agent patch"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "/apply mine.diff")
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await helpers.send(pilot, "fix words()")  # the review is left open
        await helpers.wait_until(pilot, lambda: "mine.diff was not applied" in screen.conversation.transcript())
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4", "a")
        await helpers.wait_until(pilot, lambda: not screen.turn_running, timeout=20)
        await asyncio.wait_for(app.workers.wait_for_complete(), 5)  # no worker awaits the closed review
    text = (sample_repo / COUNTER).read_text()
    assert "WORD.findall" in text and "-item[1]" not in text


async def test_apply_of_a_file_that_is_no_diff_is_refused_at_once(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await helpers.send(pilot, "/apply README.md")
        await helpers.wait_until(pilot, lambda: "apply: README.md" in screen.conversation.transcript())
        assert not screen.patch.awaiting and screen.patch.empty
        assert "README.md not applied: no file changes found" in screen.conversation.transcript()
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert "you approved" not in screen.conversation.transcript()


async def test_comments_on_hunks_go_with_a_verdict_on_the_whole_patch(sample_repo: Path, serve: Any,
                                                                     helpers: Any) -> None:
    # `m` on a hunk, then `r` (reject the patch, no reason) or `a` (approve all): the comment was dropped
    first, _ = patches()
    for key in ("r", "a"):
        server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "s"})]), FINISH])
        app = helpers.make_app(sample_repo, server.base_url)
        async with app.run_test(size=(120, 40)) as pilot:
            await helpers.send(pilot, "fix words()")
            screen = app.screen
            await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
            await pilot.press("f4", "j", "m", *"keep findall", "enter")
            await pilot.press(*(("r", "enter") if key == "r" else ("a",)))
            await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
        tool = helpers.last_tool(server.requests[1])
        assert "hunk 2 (" in tool and "keep findall" in tool, (key, tool)
        assert ("rejected" in tool) == (key == "r")
        if key == "a":
            assert "WORD.findall" in (sample_repo / COUNTER).read_text()  # approve all is all


async def test_the_palette_offers_no_decision_while_a_review_comment_is_open(sample_repo: Path, serve: Any,
                                                                             helpers: Any) -> None:
    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "s"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)

    def titles() -> list[str]:
        return [c.title for c in app.get_system_commands(app.screen)]

    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        assert "Patch: approve the selected hunk" in titles() and "Patch: submit the review" in " ".join(titles())
        await pilot.press("f4", "m", *"not this")
        offered = [t for t in titles() if t.startswith("Patch:")]  # the keys would do nothing: neither do they
        assert offered == ["Patch: next hunk", "Patch: previous hunk", "Patch: close the review comment"]
        await pilot.press("enter")  # the comment sent: deciding is back
        assert "Patch: approve the selected hunk" in titles()
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
    assert "not this" in helpers.last_tool(server.requests[1])


@pytest.mark.parametrize("edit", [False, True])
async def test_editing_a_patch_keeps_the_verdicts_given_on_its_hunks(sample_repo: Path, serve: Any, helpers: Any,
                                                                     edit: bool) -> None:
    """`e` opened the whole proposal and its decision dropped the verdicts: a hunk the user had rejected was
    applied, and its comment never reached the model."""
    from textual.widgets import TextArea

    from genie_tui.ui.screens.edit import EditDiffScreen

    first, _ = patches()
    server = serve([Reply(tool_calls=[("propose_patch", {"diff": first, "summary": "s"})]), FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.send(pilot, "fix words()")
        screen = app.screen
        await helpers.wait_until(pilot, lambda: screen.patch.awaiting)
        await pilot.press("f4", "m", *"no new import", "enter", "e")  # hunk 1 rejected with a comment
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, EditDiffScreen))
        area = app.screen.query_one(TextArea)
        assert "+import re" not in area.text and "WORD.findall" in area.text  # only the hunk not rejected
        if edit:
            area.text = area.text.replace("WORD.findall(text.lower())", "text.lower().split()")
        await pilot.press("ctrl+s")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not screen.turn_running)
    text = (sample_repo / COUNTER).read_text()
    assert "import re" not in text
    assert ("return text.lower().split()" if edit else "return WORD.findall(text.lower())") in text
    tool = helpers.last_tool(server.requests[1])
    assert "no new import" in tool and "hunk 1" in tool
