"""``/resume`` (latest session of this repository, or by id) and ``/model`` (takes effect at the next request)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genie_tui.demo.script import prepare_sample_repo
from genie_tui.providers.scripted import Reply

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


async def _start(pilot: Any, text: str) -> None:
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")


async def _one_session(repo: Path, task: str, serve: Any, helpers: Any) -> str:
    server = serve([FINISH])
    app = helpers.make_app(repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, task)
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        return app.agent.session.id


async def test_resume_without_id_continues_latest_session_of_this_repo(sample_repo: Path, tmp_path: Path,
                                                                       serve: Any, helpers: Any) -> None:
    older = await _one_session(sample_repo, "first task here", serve, helpers)
    latest = await _one_session(sample_repo, "count the words better", serve, helpers)
    (tmp_path / "other").mkdir()
    elsewhere = await _one_session(prepare_sample_repo(tmp_path / "other"), "another repo task", serve, helpers)
    assert len({older, latest, elsewhere}) == 3
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "/resume")
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        assert app.agent.session.id == latest
        assert f"resumed {latest}" in helpers.screen_text(app)
        await _start(pilot, "and now the tests")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
    sent = json.dumps(server.requests[0])
    assert "count the words better" in sent and "and now the tests" in sent
    assert "another repo task" not in sent and "first task here" not in sent


async def test_resume_without_id_names_a_damaged_session_file_it_skipped(sample_repo: Path, serve: Any,
                                                                         helpers: Any) -> None:
    from genie_tui.core.session import sessions_dir

    latest = await _one_session(sample_repo, "count the words better", serve, helpers)
    (sessions_dir() / "20990101-000000-broken.jsonl").write_text("not json\n")  # newer, and unreadable
    app = helpers.make_app(sample_repo, serve([FINISH]).base_url)
    async with app.run_test(size=(240, 40)) as pilot:  # wide enough for the note on one screen line
        await _start(pilot, "/resume")
        await helpers.wait_until(pilot, lambda: "damaged" in helpers.screen_text(app))
        shown = helpers.screen_text(app)
    assert app.agent.session.id == latest and f"resumed {latest}" in shown
    assert ("resume: skipped a damaged session file: 20990101-000000-broken.jsonl: not a genie trajectory "
            "(no start record)") in shown


async def test_resume_from_palette_without_sessions_says_so(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Resume the latest session"].callback()
        await pilot.pause()
        assert app.agent is None
        assert "no saved session for this repository" in helpers.screen_text(app)


async def test_model_command_changes_the_next_request(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "task one")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        agent = app.agent
        await _start(pilot, "/model bigger-model")
        assert "bigger-model" in app.screen.query_one("#status").render().plain
        await _start(pilot, "task two")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
        assert app.agent is agent  # same conversation
        assert "bigger-model" in app.screen.query_one("#status").render().plain
    assert server.requests[0]["model"] == "scripted-model"
    assert server.requests[1]["model"] == "bigger-model"
    assert "task one" in json.dumps(server.requests[1])


async def test_model_before_first_task_keeps_added_context(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.add_context("wordstats/counter.py:1-3 the counter module")
        await _start(pilot, "/model small-model")
        await _start(pilot, "explain")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
    assert server.requests[0]["model"] == "small-model"
    assert "the counter module" in json.dumps(server.requests[0])


async def test_model_without_a_configured_endpoint_says_a_name_is_not_enough(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "/model gpt-4o-mini")
        await pilot.pause(0.1)
        text = app.screen.conversation.transcript()
        assert "a model name alone is not enough" in text and "OPENAI_API_KEY or --base-url" in text
        assert "from your next message on" not in text
        assert "no model" in app.screen.query_one("#status").render().plain


async def test_playbook_toggle_reaches_the_model_and_the_palette(sample_repo: Path, serve: Any, helpers: Any) -> None:
    server = serve([FINISH, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "/playbook add-tests")
        await pilot.pause()
        assert "playbook add-tests turned on" in helpers.screen_text(app)
        await _start(pilot, "task one")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "turn off" in commands["Playbook: add-tests"].help
        await commands["Playbook: add-tests"].callback()
        await pilot.pause()
        assert "playbook add-tests turned off" in helpers.screen_text(app)
        await _start(pilot, "task two")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
    first = server.requests[0]["messages"]
    assert '<playbook name="add-tests" why="explicit">' in first[0]["content"]  # once, in the system prompt
    assert not any("turned on playbook add-tests" in m["content"] for m in first)
    second = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "user"]
    assert any("turned off playbook add-tests" in m for m in second)


async def test_resume_of_another_repositorys_session_is_refused(sample_repo: Path, tmp_path: Path, serve: Any,
                                                                helpers: Any) -> None:
    (tmp_path / "other").mkdir()
    elsewhere = await _one_session(prepare_sample_repo(tmp_path / "other"), "another repo task", serve, helpers)
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(140, 40)) as pilot:
        await _start(pilot, f"/resume {elsewhere}")
        await helpers.wait_until(pilot, lambda: "belongs to" in helpers.screen_text(app))
        assert app.agent is None
        await _start(pilot, "a task here")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
    assert "another repo task" not in json.dumps(server.requests[0])
    from genie_tui.core.session import find_session

    assert '"resume"' not in find_session(elsewhere).read_text()  # nothing was written to that session


async def test_resume_without_a_model_sends_nothing(sample_repo: Path, serve: Any, helpers: Any,
                                                    monkeypatch: Any) -> None:
    latest = await _one_session(sample_repo, "count the words better", serve, helpers)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GENIE_BASE_URL", "GENIE_MODEL", "GENIE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await _start(pilot, f"/resume {latest}")
        await helpers.wait_until(pilot, lambda: "no model is configured" in helpers.screen_text(app))
        await _start(pilot, "and now the tests")
        await helpers.wait_until(pilot, lambda: "No model is configured" in helpers.screen_text(app))
        assert not app.screen.turn_running


async def test_a_playbook_turned_off_stays_off_after_resume(sample_repo: Path, serve: Any, helpers: Any) -> None:
    rule = "Good tests describe behaviour a user or caller relies on"  # the bundled add-tests playbook's text
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "add tests for the counter")  # add-tests joins by keyword
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        assert rule in server.requests[0]["messages"][0]["content"]
        await _start(pilot, "/playbook add-tests")
        await pilot.pause()
        assert "playbook add-tests turned off" in helpers.screen_text(app)
        session_id = app.agent.session.id
    read = Reply(tool_calls=[("read_file", {"path": "tests/test_counter.py"})])
    server = serve([read, FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, f"/resume {session_id}")
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "select to turn on" in commands["Playbook: add-tests"].help
        await _start(pilot, "/playbook")
        await pilot.pause()
        assert "○ add-tests" in helpers.screen_text(app)
        await _start(pilot, "and now the edge cases")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 2 and not app.screen.turn_running)
    for request in server.requests:  # the resumed turn, and the one after the model read a test file
        sent = json.dumps(request["messages"])
        assert rule not in sent and "now applies" not in sent
        assert "playbook add-tests was turned off by the user" in request["messages"][0]["content"]


async def test_a_playbook_turned_on_that_is_gone_at_resume_is_one_line(sample_repo: Path, serve: Any,
                                                                       helpers: Any) -> None:
    playbook = sample_repo / ".genie/playbooks/house.md"
    playbook.parent.mkdir(parents=True)
    playbook.write_text("---\nname: house\ndescription: House rules.\n---\nAlways write HOUSE-RULE.\n")
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(pilot, "/playbook house")
        await _start(pilot, "tidy the counter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        session_id = app.agent.session.id
    playbook.unlink()
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await _start(pilot, f"/resume {session_id}")
        await helpers.wait_until(pilot, lambda: "no longer exists" in helpers.screen_text(app))
        assert "playbook house, turned on in this session, no longer exists" in helpers.screen_text(app)
        await _start(pilot, "go on")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 1 and not app.screen.turn_running)
        assert helpers.screen_text(app).count("no longer exists") == 1  # said once, not again by the turn
    assert "go on" in json.dumps(server.requests[0]["messages"])


async def test_sessions_picker_lists_this_repositorys_sessions_and_resumes_the_chosen_one(
        sample_repo: Path, tmp_path: Path, serve: Any, helpers: Any) -> None:
    from genie_tui.core.session import sessions_dir
    from genie_tui.ui.screens.sessions import SessionPicker

    older = await _one_session(sample_repo, "first task here", serve, helpers)
    await _one_session(sample_repo, "count the words [better]", serve, helpers)
    (tmp_path / "other").mkdir()
    await _one_session(prepare_sample_repo(tmp_path / "other"), "another repo task", serve, helpers)
    (sessions_dir() / "20990101-000000-broken.jsonl").write_text("not json\n")
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot, "/sessions")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, SessionPicker))
        shown = helpers.screen_text(app)
        assert "count the words [better]" in shown and "first task here" in shown  # newest first
        assert shown.index("count the words") < shown.index("first task here")
        assert "another repo task" not in shown and "1 of another repository" in shown
        assert "20990101-000000-broken.jsonl" in shown  # the damaged file is named, not silently dropped
        await pilot.press("escape")  # closes, resumes nothing
        await pilot.pause()
        assert not isinstance(app.screen, SessionPicker) and app.agent is None
        await _start(pilot, "/sessions")
        await helpers.wait_until(pilot, lambda: isinstance(app.screen, SessionPicker))
        await pilot.press("down", "enter")
        await helpers.wait_until(pilot, lambda: app.agent is not None)
        assert app.agent.session.id == older
        assert f"resumed {older}" in helpers.screen_text(app)


async def test_sessions_picker_without_sessions_says_so(sample_repo: Path, helpers: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot, "/sessions")
        await pilot.pause(0.3)
        assert app.screen is app.screen_stack[1]  # no picker
        assert "no saved session for this repository" in helpers.screen_text(app)
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert "Resume a session…" in commands
