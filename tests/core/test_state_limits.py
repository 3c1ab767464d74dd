"""What stays in every request stays small: a refused patch's reason (its tool result is never elided, and the
system prompt restates the latest patch), the plan (restated too), a test command the model sent (echoed back),
whatever the model sent."""

from __future__ import annotations

import json

from genie_tui.providers.scripted import Reply, ScriptedServer


def _system(request: dict) -> str:
    return request["messages"][0]["content"]


def _results(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m.get("role") == "tool"]


async def test_a_patch_refused_hunk_by_hunk_is_told_in_bounded_words_and_names_its_file(make_repo, make_agent,
                                                                                      collect, finish):
    repo = make_repo({"a.py": "".join(f"v{i} = {i}\n" for i in range(3000))})
    # 2,000 hunks whose lines are nowhere in the file: each refused with a reason of its own
    diff = "--- a/a.py\n+++ b/a.py\n" + "".join(f"@@ -{i},1 +{i},1 @@\n-missing_{i} = 0\n+found_{i} = 1\n"
                                                 for i in range(1, 2001))
    with ScriptedServer([Reply(tool_calls=[("propose_patch", {"diff": diff})]), finish(), finish()]) as server:
        agent = make_agent(repo, server, approve="auto")
        await collect(agent, "rename things")
        later = server.requests[1]
    told = _results(later)[-1]
    assert told.startswith("Patch refused, nothing was changed: Hunk 1 (a.py)") and "Nothing was changed" not in told
    assert len(told) < 4_400 and "more characters: send fewer hunks at a time" in told
    state = _system(later).split("## Latest patch\n", 1)[1].split("\n\n", 1)[0]
    assert state.startswith("p1: not applied (a.py): ") and len(state) < 400, state  # its file, not "no files"
    assert agent.patches[-1]["files"] == ["a.py"]


async def test_a_plan_longer_than_a_tenth_of_the_context_budget_is_refused(make_repo, make_agent, collect, finish):
    repo = make_repo({"a.py": "x = 1\n"})
    steps = [{"text": f"step {n}: " + "look at everything carefully " * 60} for n in range(100)]
    short = [{"text": "read a.py"}, {"text": "fix it"}]
    with ScriptedServer([Reply(tool_calls=[("update_plan", {"steps": steps})]),
                         Reply(tool_calls=[("update_plan", {"steps": short})]), finish()]) as server:
        agent = make_agent(repo, server, context_budget=8_000)
        await collect(agent, "plan it")
        second, third = server.requests[1], server.requests[2]
    refusal = _results(second)[-1]
    assert refusal.startswith("error: update_plan: the plan is about") and "at most 800" in refusal, refusal
    assert len(_system(second)) < 20_000 and "look at everything" not in _system(second)
    assert [s.text for s in agent.plan] == ["read a.py", "fix it"] and "1. [todo] read a.py" in _system(third)


async def test_a_huge_test_command_is_echoed_cut_and_one_past_the_argument_limit_is_refused(make_repo, make_agent,
                                                                                            collect, finish):
    repo = make_repo({"a.py": "x = 1\n"})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text('test_command = "true"\n')
    long = "true " + "# padding " * 10_000  # 100,004 characters, stripped: runs
    longer = "true " + "#" * 200_000  # past Linux's 128 KiB for one argument
    with ScriptedServer([Reply(tool_calls=[("run_tests", {"command": long})]),
                         Reply(tool_calls=[("run_tests", {"command": longer})]), finish()]) as server:
        await collect(make_agent(repo, server, approve="auto"), "test it")
        ran, refused = _results(server.requests[1])[-1], _results(server.requests[2])[-1]
    assert ran.startswith("$ true # padding") and "(100,004 chars)" in ran and "PASSED" in ran and len(ran) < 1_000
    assert refused == ("error: the command is 200,005 characters; a command may have at most 131,071 bytes: put a "
                       "long script in a file and run that")


async def test_under_never_a_long_command_keeps_the_instruction_of_what_to_run(make_repo, make_agent, collect,
                                                                               finish):
    repo = make_repo({"a.py": "x = 1\n"})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text('test_command = "true"\n')
    with ScriptedServer([Reply(tool_calls=[("run_tests", {"command": "pytest " + "-k x " * 20_000})]),
                         finish()]) as server:
        await collect(make_agent(repo, server, approve="never"), "test it")
        told = _results(server.requests[1])[-1]
    assert "use run_tests without a command to run 'true'" in told and len(told) < 1_000, json.dumps(told)[:300]
