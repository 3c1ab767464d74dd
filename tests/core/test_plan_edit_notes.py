"""The user's plan edits as the model is sent them: each edit's note carries the whole plan, and the current plan
is restated in every request's system prompt, so older edits give way when the context budget needs room."""

from __future__ import annotations

from genie_tui.core import events as ev
from genie_tui.providers.scripted import Reply, ScriptedServer

EDIT_HEADER = "[The user edited the plan. Their version replaces yours"
SHRUNK = "the current plan is in the system prompt"
EDITS = 6
ADDED = "[The user added this to your context]\nthe flaky test is tests/test_io.py::test_retry; skip it"


def plan(version: int) -> list[ev.PlanStep]:
    """A long plan (some 5,000 characters) whose every step names its ``version``."""
    return [ev.PlanStep(f"v{version} step {n}: check the module's handling of the edge case number {n} and write "
                        f"down what changes", "todo", "user") for n in range(40)]


def user_texts(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "user"]


async def test_older_plan_edits_shrink_to_a_line_when_the_budget_needs_room(make_repo, make_agent, collect, finish):
    """Every plan edit was a user message holding the whole plan, and user messages were never elided: a session
    with many edits of a long plan sent every full copy with every request, past any budget."""
    repo = make_repo({"a.py": "x = 1\n"})
    edits = 0

    def react(agent, event):
        nonlocal edits
        if isinstance(event, ev.ToolFinished) and edits < EDITS:
            edits += 1
            agent.user_plan_edit(plan(edits))
            if edits == 3:  # shares the user message of an edit that is superseded later
                agent.add_context("the flaky test is tests/test_io.py::test_retry; skip it")

    script = [Reply(tool_calls=[("list_dir", {"path": "."})]) for _ in range(EDITS)] + [finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, context_budget=8_000)
        await collect(agent, "tidy a.py", react)
        requests = server.requests
    assert edits == EDITS and len(requests) == EDITS + 1
    last = requests[-1]
    texts = user_texts(last)
    whole = [n for n in range(1, EDITS + 1) if any(f"v{n} step 39" in t for t in texts)]
    shrunk = [t for t in texts if SHRUNK in t]
    # every copy whole was some 5,000 characters more with each edit, past the budget: the older ones shrink,
    # oldest first, as far as the budget needs; the newest edit stays whole
    assert whole and whole == list(range(whole[0], EDITS + 1)) and len(whole) <= 2
    assert len(shrunk) == EDITS - len(whole) and all(len(t) < 300 for t in shrunk if ADDED not in t)
    assert "v6 step 39" in last["messages"][0]["content"]  # the current plan is restated in the system prompt
    # the note that shared a message with an older edit is untouched, and the message keeps its order
    shared = next(t for t in texts if ADDED in t)
    assert shared.index(SHRUNK) < shared.index(ADDED) and shared.endswith(ADDED)
    # the second request (two edits) fits the budget whole: nothing shrinks while there is room
    assert sum(EDIT_HEADER in t for t in user_texts(requests[2])) == 2
    # the session's messages keep every edit as the model was sent it first (its request records keep what each
    # request sent, the shrunk copies too: genie export gives that)
    recorded = "\n".join(line for line in agent.session.path.read_text().splitlines()
                          if line.startswith('{"type": "message"'))
    assert all(f"v{version} step 39" in recorded for version in range(1, EDITS + 1))
    assert SHRUNK not in recorded
