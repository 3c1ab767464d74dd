"""The user's playbook choices (turned on, turned off) survive `genie resume`: the resumed turn's request says
what the user chose, a playbook that joins by keyword or glob does not come back, and a playbook that is gone
since is a one-line notice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from genie_tui.config.settings import load_settings
from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.providers.scripted import Reply, ScriptedServer

MIGRATIONS = """---
name: db-migrations
description: How we write migrations.
keywords: [migration]
applies_to: ["db/**"]
---
Migrations go in db/migrations with a timestamp. Never edit an applied one.
"""
RULE = "Migrations go in db/migrations with a timestamp"
LIST = Reply(tool_calls=[("list_dir", {"path": "."})])
FINISH = Reply(tool_calls=[("finish", {"summary": "ok"})])


def genie(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True,
                          env={**os.environ, "GENIE_API_KEY": "test-key"}, stdin=subprocess.DEVNULL, timeout=120)


async def first_session(repo: Path, task: str, toggles: list[tuple[str, bool]], before: bool = False) -> str:
    """One step of ``task`` (then the step budget ends it, so it can be resumed) with the user's toggles made
    after its first tool ran, or with ``before`` before the task was sent."""
    with ScriptedServer([LIST]) as server:
        settings = load_settings(repo, {"base_url": server.base_url, "approve": "auto", "max_steps": 1})
        agent = Agent(settings, repo)
        if before:
            for name, on in toggles:
                agent.set_playbook(name, on)
        async for event in agent.run(task):
            if isinstance(event, ev.ToolFinished) and not before:
                for name, on in toggles:
                    agent.set_playbook(name, on)
        await agent.client.aclose()
    assert agent.session is not None
    return agent.session.id


def resume(session_id: str, *paths: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """``genie resume`` whose model reads a file under db/ (the playbook's glob) and ``paths``, then finishes."""
    script = [Reply(tool_calls=[("read_file", {"path": p})]) for p in ("db/schema.sql", *paths)] + [FINISH]
    with ScriptedServer(script) as server:
        proc = genie("resume", session_id, "--base-url", server.base_url, "--approve", "auto", "--json")
        return proc, server.requests


def repo_with_migrations(make_repo) -> Path:
    return make_repo({".genie/playbooks/db-migrations.md": MIGRATIONS, "db/schema.sql": "create table t (x int);\n",
                      "app.py": "x = 1\n"})


async def test_a_playbook_turned_off_stays_off_when_the_session_is_resumed(make_repo):
    repo = repo_with_migrations(make_repo)
    session_id = await first_session(repo, "add a migration for users", [("db-migrations", False)])
    proc, requests = resume(session_id)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "finished"
    for request in requests:  # the resumed turn, and the one after the model read a file the playbook is for
        system = request["messages"][0]["content"]
        assert RULE not in json.dumps(request["messages"])
        assert "playbook db-migrations was turned off by the user" in system
        assert "now applies" not in json.dumps(request["messages"])


async def test_a_playbook_turned_off_then_on_again_is_on_when_resumed(make_repo):
    repo = repo_with_migrations(make_repo)
    session_id = await first_session(repo, "add a migration for users",
                                     [("db-migrations", False), ("db-migrations", True)])
    proc, requests = resume(session_id)
    assert proc.returncode == 0, proc.stderr
    system = requests[-1]["messages"][0]["content"]
    assert RULE in system and "turned off by the user" not in system


async def test_a_playbook_turned_off_before_the_first_task_stays_off(make_repo):
    repo = repo_with_migrations(make_repo)
    (repo / "docs").mkdir()
    (repo / "docs/guide.md").write_text("# Guide\n")
    session_id = await first_session(repo, "add a migration for users", [("db-migrations", False)], before=True)
    proc, requests = resume(session_id, "docs/guide.md")
    assert proc.returncode == 0, proc.stderr
    joined = [line for line in proc.stderr.splitlines() if line.startswith("playbooks: ")]
    assert joined and "write-docs" in joined[-1] and "db-migrations" not in joined[-1]
    assert RULE not in json.dumps(requests[-1]["messages"])
    assert "Playbook db-migrations now applies" not in json.dumps(requests[-1]["messages"])


async def test_a_playbook_turned_on_stays_on_when_resumed(make_repo):
    repo = repo_with_migrations(make_repo)
    session_id = await first_session(repo, "tidy app.py", [("add-tests", True)])
    proc, requests = resume(session_id)
    assert proc.returncode == 0, proc.stderr
    # the only copy is the note that turned it on; it is not announced again as if it were new
    assert json.dumps(requests[-1]["messages"]).count("turned on playbook add-tests") == 1
    from genie_tui.core.restore import restore
    from genie_tui.core.session import find_session

    assert restore(find_session(session_id)).playbooks_on == ["add-tests"]


async def test_a_chosen_playbook_that_is_gone_at_resume_is_a_one_line_notice(make_repo):
    repo = repo_with_migrations(make_repo)
    (repo / ".genie/playbooks/style.md").write_text("---\nname: style\n---\nUse tabs.\n")
    session_id = await first_session(repo, "add a migration for users",
                                     [("db-migrations", False), ("style", True)])
    for name in ("db-migrations", "style"):
        (repo / f".genie/playbooks/{name}.md").unlink()
    proc, requests = resume(session_id)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    notices = [line for line in proc.stderr.splitlines() if "no longer exists" in line]
    assert len(notices) == 2
    assert any("style" in n and "turned on" in n for n in notices)
    assert any("db-migrations" in n and "turned off" in n for n in notices)
    assert "playbooks not updated" not in proc.stderr  # the glob match on db/schema.sql is no failure
    assert len(requests) == 2
    assert "turned on playbook style" not in json.dumps(requests)  # its unsent note went with it


def test_a_session_recorded_before_playbook_choices_were_kept_still_resumes(make_repo):
    """A start record without ``disabled_playbooks`` and a toggle record without ``toggled`` (older genie)."""
    from genie_tui.core.session import Session

    repo = repo_with_migrations(make_repo)
    s = Session.create("add a migration")
    s.record("start", task="add a migration", repo=str(repo), config={}, playbooks=["db-migrations"], tools=[])
    s.record("message", message={"role": "system", "content": "You are genie."})
    s.record("message", message={"role": "user", "content": "add a migration"})
    s.record("playbooks", active=[["db-migrations", "explicit"]], files=[])
    s.record("end", status="cancelled", summary="stopped")
    s.close()  # as the genie that wrote it would have on exit: the resume is another process
    proc, requests = resume(s.id)
    assert proc.returncode == 0, proc.stderr
    assert "turned off" not in json.dumps(requests[0]["messages"])


def test_replay_shows_the_users_playbook_choices(make_repo, capsys):
    import asyncio

    from genie_tui.cli import main

    repo = repo_with_migrations(make_repo)
    session_id = asyncio.run(first_session(repo, "add a migration", [("db-migrations", False), ("add-tests", True)]))
    assert main(["replay", session_id]) == 0
    out = capsys.readouterr().out
    assert "user turned playbook db-migrations off" in out and "user turned playbook add-tests on" in out
    before = asyncio.run(first_session(repo, "add a migration", [("db-migrations", False)], before=True))
    assert main(["replay", before]) == 0
    assert "\n           playbooks turned off: db-migrations\n" in capsys.readouterr().out


async def test_a_playbook_listed_by_name_for_lack_of_space_leaves_the_list_when_turned_off(make_repo):
    big = MIGRATIONS.replace("Never edit an applied one.", "Never edit an applied one. " + "More rules. " * 600)
    repo = make_repo({".genie/playbooks/db-migrations.md": big, ".genie/config.toml": "playbook_budget = 300\n",
                      "db/schema.sql": "create table t (x int);\n"})
    session_id = await first_session(repo, "add a migration and a test", [("db-migrations", False)])
    from genie_tui.core.restore import restore
    from genie_tui.core.session import find_session

    sent = restore(find_session(session_id)).messages[0]["content"]
    assert "- db-migrations: How we write migrations." in sent  # listed by name when the session began
    proc, requests = resume(session_id)
    assert proc.returncode == 0, proc.stderr
    system = requests[0]["messages"][0]["content"]
    assert "add-tests" in system  # still there, in full or by name
    assert "db-migrations" not in system.partition("## Environment")[0]


async def test_genie_resume_playbook_turns_one_on_and_an_unknown_name_changes_nothing(make_repo):
    repo = repo_with_migrations(make_repo)
    session_id = await first_session(repo, "tidy app.py", [])
    from genie_tui.core.restore import restore
    from genie_tui.core.session import find_session

    path = find_session(session_id)
    before = path.read_bytes()
    proc = genie("resume", session_id, "--playbook", "db-migration", "--base-url", "http://127.0.0.1:9/v1")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "genie: unknown playbook 'db-migration' (did you mean db-migrations?)"
    assert path.read_bytes() == before
    script = [FINISH]
    with ScriptedServer(script) as server:
        proc = genie("resume", session_id, "--playbook", "db-migrations", "--base-url", server.base_url, "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    notes = [m["content"] for m in requests[0]["messages"] if m["role"] == "user"]
    assert any(n.startswith("[The user turned on playbook db-migrations") and RULE in n for n in notes)
    assert restore(path).playbooks_on == ["db-migrations"]
