"""Playbooks steer the agent: system prompt, plan seeding, read_playbook, activation as files are read."""

from __future__ import annotations

import json

from genie_tui.config.settings import load_settings
from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.providers.scripted import Reply, ScriptedServer

MIGRATIONS = """---
name: db-migrations
description: How we write migrations.
keywords: [migration]
---
Migrations go in db/migrations with a timestamp. Never edit an applied one.

## Steps
- [ ] Add a timestamped migration file
- [ ] Run the migration in the tests
"""


async def run_agent(repo, script, task, playbook_budget=3000):
    with ScriptedServer(script) as server:
        settings = load_settings(repo, {"base_url": server.base_url, "approve": "auto"})
        settings.playbook_budget = playbook_budget
        agent = Agent(settings, repo)
        seen = [e async for e in agent.run(task)]
        await agent.client.aclose()
        return agent, seen, server.requests


async def test_keyword_playbook_seeds_plan_and_prompt(make_repo):
    repo = make_repo({".genie/playbooks/db-migrations.md": MIGRATIONS, "app.py": "x = 1\n",
                      "services/api/AGENTS.md": "Use httpx, never requests, in the API service.\n",
                      "services/api/handler.py": "def handle():\n    pass\n"})
    script = [Reply(tool_calls=[("read_playbook", {"name": "fix-bug"}), ("read_playbook", {"name": "nope"})]),
              Reply(tool_calls=[("read_file", {"path": "services/api/handler.py"})]),
              Reply(tool_calls=[("finish", {"summary": "ok"})])]
    agent, seen, requests = await run_agent(repo, script, "add a migration for the users table")
    system = requests[0]["messages"][0]["content"]
    assert "Migrations go in db/migrations with a timestamp" in system
    activated = [e for e in seen if isinstance(e, ev.PlaybooksActivated)]
    assert ("db-migrations", "keyword 'migration'") in activated[0].active
    plans = [e for e in seen if isinstance(e, ev.PlanUpdated)]
    assert [(s.text, s.origin) for s in plans[0].steps][:2] == [
        ("Add a timestamped migration file", "playbook:db-migrations"),
        ("Run the migration in the tests", "playbook:db-migrations")]
    results = [m["content"] for m in requests[1]["messages"] if m["role"] == "tool"]
    assert "failing test" in results[0].lower()  # the bundled fix-bug playbook's text
    assert results[1].startswith("error:") and "nope" in results[1]
    # reading a file under services/api activates the nested AGENTS.md for the next turn
    assert any(n == "services/api/AGENTS.md" for n, _ in activated[-1].active)
    notes = [m["content"] for m in requests[2]["messages"] if m["role"] == "user"]
    assert any("Use httpx, never requests" in n for n in notes)


async def test_playbooks_over_budget_are_listed_by_name(make_repo):
    big = MIGRATIONS.replace("Never edit an applied one.", "Never edit an applied one. " + "More rules. " * 600)
    repo = make_repo({".genie/playbooks/db-migrations.md": big, "app.py": "x = 1\n"})
    script = [Reply(tool_calls=[("finish", {"summary": "ok"})])]
    _, _, requests = await run_agent(repo, script, "write a migration", playbook_budget=300)
    system = requests[0]["messages"][0]["content"]
    assert "db-migrations" in system and "read_playbook" in system and "More rules. " * 50 not in system


async def test_user_toggles_playbooks_mid_session(make_repo):
    repo = make_repo({".genie/playbooks/db-migrations.md": MIGRATIONS, "app.py": "x = 1\n"})
    toggled = []

    def react(agent, event):
        if isinstance(event, ev.ToolFinished) and not toggled:
            toggled.append(agent.set_playbook("db-migrations", False))
            toggled.append(agent.set_playbook("add-tests", True))

    script = [Reply(tool_calls=[("list_dir", {"path": "."})]), Reply(tool_calls=[("finish", {"summary": "ok"})])]
    with ScriptedServer(script) as server:
        settings = load_settings(repo, {"base_url": server.base_url, "approve": "auto"})
        agent = Agent(settings, repo)
        seen = []
        async for event in agent.run("add a migration"):
            seen.append(event)
            react(agent, event)
        await agent.client.aclose()
        requests = server.requests
    assert "db-migrations" not in [n for n, _ in toggled[0]]
    assert ("add-tests", "explicit") in toggled[1]
    notes = [m["content"] for m in requests[1]["messages"] if m["role"] == "user"][-1]
    assert "turned off playbook db-migrations" in notes and "turned on playbook add-tests" in notes
    import pytest

    from genie_tui.errors import UsageError
    with pytest.raises(UsageError, match="no playbook 'db-migration'; did you mean db-migrations"):
        agent.set_playbook("db-migration", True)


async def test_instruction_file_linked_outside_the_repo_never_reaches_the_model(make_repo, tmp_path):
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = AKIA-not-for-the-model\n")
    repo = make_repo({"app.py": "x = 1\n"})
    (repo / "CLAUDE.md").symlink_to(secret)
    script = [Reply(tool_calls=[("finish", {"summary": "ok"})])]
    _, seen, requests = await run_agent(repo, script, "tidy app.py")
    assert "AKIA" not in str(requests[0]["messages"])
    assert "CLAUDE.md: a symlink to outside the repository; skipped" in [
        e.message for e in seen if isinstance(e, ev.ErrorOccurred)]


PATCH = "--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
GLOB_SCRIPT = [Reply(tool_calls=[("read_file", {"path": "app.py"})]),
               Reply(tool_calls=[("propose_patch", {"diff": PATCH, "summary": "x is 2"})]),
               Reply(tool_calls=[("finish", {"summary": "ok"})])]


def tool_results(requests):
    return [m["content"] for m in requests[-1]["messages"] if m["role"] == "tool"]


async def test_a_bad_glob_is_a_load_warning_and_tools_still_work(make_repo):
    repo = make_repo({"app.py": "x = 1\n", ".genie/playbooks/py.md":
                      '---\nname: py\napplies_to: ["[z-a]*.py"]\n---\nPython rules.\n'})
    _, seen, requests = await run_agent(repo, GLOB_SCRIPT, "set x to 2")
    warnings = [e.message for e in seen if isinstance(e, ev.ErrorOccurred)]
    assert warnings == [(".genie/playbooks/py.md:3: bad glob '[z-a]*.py' in 'applies_to': "
                         "bad character range z-a in [z-a]; skipped")]
    read, patched = tool_results(requests)
    assert read.startswith("app.py lines 1-1 of 1") and patched.startswith("Patch applied to app.py")
    assert (repo / "app.py").read_text() == "x = 2\n"


async def test_a_failing_playbook_update_never_fails_the_tool(make_repo):
    # a library built in code skips the loader's checks: the bad glob reaches matching after the tool ran
    from pathlib import Path

    from genie_tui.playbooks import Playbook, PlaybookLibrary

    repo = make_repo({"app.py": "x = 1\n"})
    bad = Playbook(name="py", description="", source="repo", path=Path("py.md"), applies_to=("[z-a]*.py",),
                   body="Python rules.")
    with ScriptedServer(GLOB_SCRIPT) as server:
        agent = Agent(load_settings(repo, {"base_url": server.base_url, "approve": "auto"}), repo)
        agent.library = agent.ctx.playbooks = PlaybookLibrary([bad], repo=repo)
        seen = [e async for e in agent.run("set x to 2")]
        await agent.client.aclose()
    read, patched = tool_results(server.requests)
    assert read.startswith("app.py lines 1-1 of 1") and patched.startswith("Patch applied to app.py")
    assert (repo / "app.py").read_text() == "x = 2\n"
    assert all(e.ok for e in seen if isinstance(e, ev.ToolFinished))
    warnings = [e.message for e in seen if isinstance(e, ev.ErrorOccurred)]
    assert len(warnings) == 1 and warnings[0].startswith("playbooks not updated after touching app.py: ")


async def test_read_playbook_is_capped_like_read_file(make_repo):
    rules = "\n".join(f"Rule {n}: " + "keep it tidy " * 3 for n in range(1, 5001))  # ~240 KB
    one_line = "word " * 20_000
    repo = make_repo({".genie/playbooks/huge.md": f"---\nname: huge\n---\n{rules}\n",
                      ".genie/playbooks/wide.md": f"---\nname: wide\n---\n{one_line}\n"})
    script = [Reply(tool_calls=[("read_playbook", {"name": "huge"}), ("read_playbook", {"name": "wide"})]),
              Reply(tool_calls=[("read_playbook", {"name": "huge", "start_line": 4900})]),
              Reply(tool_calls=[("finish", {"summary": "ok"})])]
    _, _, requests = await run_agent(repo, script, "tidy up")
    huge, wide = [m["content"] for m in requests[1]["messages"] if m["role"] == "tool"]
    assert len(huge) <= 40_100 and len(wide) <= 40_100
    head, *body, footer = huge.split("\n")
    end = int(head.split()[3].split("-")[1])
    assert head == f"playbook huge lines 1-{end} of 5000" and body[0].startswith("Rule 1: ")
    assert body[-1].startswith(f"Rule {end}: ")
    assert footer == f"[{5000 - end} more lines; call read_playbook with start_line={end + 1}]"
    assert wide.startswith("playbook wide lines 1-1 of 1\nword word ") and wide.endswith(" more chars]")
    last = [m["content"] for m in requests[2]["messages"] if m["role"] == "tool"][-1]
    assert last.startswith("playbook huge lines 4900-5000 of 5000\nRule 4900: ")
    assert last.endswith("\nRule 5000: keep it tidy keep it tidy keep it tidy")  # the end: no footer


async def test_root_agents_md_stays_active_and_nested_ones_join_once(make_repo):
    repo = make_repo({"AGENTS.md": "Root rule: run make check.\n", "calc.py": "x = 1\n",
                      "services/api/AGENTS.md": "API rule: use httpx.\n", "services/api/h.py": "y = 2\n"})
    script = [Reply(tool_calls=[("read_file", {"path": "services/api/h.py"})]),
              Reply(tool_calls=[("read_file", {"path": "calc.py"})]),
              Reply(tool_calls=[("read_file", {"path": "services/api/h.py", "start_line": 1})]),
              Reply(tool_calls=[("finish", {"summary": "ok"})])]
    _, seen, requests = await run_agent(repo, script, "tidy up")
    activated = [dict(e.active) for e in seen if isinstance(e, ev.PlaybooksActivated)]
    assert all(a.get("AGENTS.md") == "always" for a in activated)
    assert activated[-1]["services/api/AGENTS.md"] == "nearest AGENTS.md to services/api/h.py"
    conversation = str(requests[-1]["messages"])
    assert conversation.count("Root rule: run make check.") == 1  # the system prompt's copy, never re-injected
    assert conversation.count("API rule: use httpx.") == 1
    notes = [m["content"] for m in requests[-1]["messages"] if m["role"] == "user"][1:]
    assert len(notes) == 1 and notes[0].startswith(
        "[genie] Playbook services/api/AGENTS.md now applies (nearest AGENTS.md to services/api/h.py; "
        "for files under services/api/ it wins over the AGENTS.md files above it):")


async def test_a_resumed_session_is_not_told_again_about_playbooks_it_has(make_repo):
    repo = make_repo({"AGENTS.md": "Root rule: run make check.\n", "calc.py": "x = 1\n",
                      "services/api/AGENTS.md": "API rule: use httpx.\n", "services/api/h.py": "y = 2\n"})
    first = [Reply(tool_calls=[("read_file", {"path": "services/api/h.py"})]),
             Reply(tool_calls=[("finish", {"summary": "ok"})])]
    second = [Reply(tool_calls=[("read_file", {"path": "calc.py"}), ("read_file", {"path": "services/api/h.py"})]),
              Reply(tool_calls=[("finish", {"summary": "ok"})])]
    counts = []
    for script in (first, first[1:]):
        # with and without a 'playbooks' record (one is written only when the active list changes)
        with ScriptedServer(script + second) as server:
            settings = load_settings(repo, {"base_url": server.base_url, "approve": "auto"})
            agent = Agent(settings, repo)
            _ = [e async for e in agent.run("tidy up")]
            await agent.client.aclose()
            resumed = Agent.resume(agent.session.id, settings)
            _ = [e async for e in resumed.run("and the rest")]
            await resumed.client.aclose()
            conversation = str(server.requests[-1]["messages"])
            counts.append((conversation.count("Root rule: run make check."),
                           conversation.count("API rule: use httpx."), "now applies" in conversation))
    assert counts == [(1, 1, True), (1, 1, True)]


async def test_a_playbook_toggled_before_the_first_task_reaches_the_first_request_once(make_repo):
    repo = make_repo({".genie/playbooks/db-migrations.md": MIGRATIONS, "app.py": "x = 1\n"})
    script = [Reply(tool_calls=[("finish", {"summary": "ok"})])]
    with ScriptedServer(script) as server:
        agent = Agent(load_settings(repo, {"base_url": server.base_url, "approve": "auto"}), repo)
        agent.set_playbook("db-migrations", True)
        agent.set_playbook("add-tests", True)
        agent.set_playbook("add-tests", False)
        agent.add_context("app.py is generated")
        _ = [e async for e in agent.run("tidy app.py")]
        await agent.client.aclose()
    sent = json.dumps(server.requests[0]["messages"])
    assert sent.count("Migrations go in db/migrations with a timestamp") == 1  # the system prompt's copy
    assert "turned on playbook" not in sent and "turned off playbook" not in sent
    assert '<playbook name="db-migrations" why="explicit">' in server.requests[0]["messages"][0]["content"]
    notes = [m["content"] for m in server.requests[0]["messages"][2:]]
    assert notes == ["[The user added this to your context]\napp.py is generated"]  # other notes still go
