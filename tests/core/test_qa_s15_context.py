"""What the model is sent: the context budget, the system prompt and the tool results in it, checked on the
requests the scripted server received."""

from __future__ import annotations

import json
import re

from genie_tui.core import events as ev
from genie_tui.providers.scripted import Reply, ScriptedServer

#: Chinese, Japanese and Korean text: tokenizers spend about one token per character on it (GPT-4's cl100k often
#: more), where English takes about four characters per token
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
SENTENCE = "这是一个用于测试上下文预算的中文句子，包含很多汉字。"


def cjk_chars(request: dict) -> int:
    return len(CJK.findall(json.dumps(request["messages"], ensure_ascii=False)))


async def test_a_result_in_chinese_is_cut_to_the_budget_as_english_would_be(make_repo, make_agent, collect, finish):
    """Sizes were counted in characters at four per token, so a file in Chinese counted a quarter of its tokens:
    28,800 characters (some 29,000 tokens) were sent whole under a 20,000-token budget, which a model with a
    20k context window refuses with a 400."""
    doc = "".join(SENTENCE * 12 + "\n" for _ in range(100))
    repo = make_repo({"doc.md": doc, "a.py": "x = 1\n"})
    with ScriptedServer([Reply(tool_calls=[("read_file", {"path": "doc.md"})]), finish()]) as server:
        agent = make_agent(repo, server, context_budget=20_000)
        await collect(agent, "summarise doc.md")
        requests = server.requests
    assert len(requests) == 2
    result = requests[1]["messages"][-1]
    assert result["role"] == "tool" and "cut to fit the context budget" in result["content"]
    assert 5_000 < cjk_chars(requests[1]) <= 20_000 * 0.9
    assert result["content"].startswith("doc.md")  # head and tail kept, as for any long result


async def test_a_long_agents_md_in_chinese_is_listed_by_name_not_put_whole_in_the_prompt(
        make_repo, make_agent, collect, finish):
    """playbook_budget (3,000 tokens) counted four characters per token: an AGENTS.md of 8,000 Chinese characters
    went whole into every request's system prompt."""
    rules = "".join(f"{n}. {SENTENCE * 4}\n" for n in range(80))
    repo = make_repo({"AGENTS.md": rules, "a.py": "x = 1\n"})
    with ScriptedServer([finish()]) as server:
        agent = make_agent(repo, server)
        await collect(agent, "fix the bug")
        system = server.requests[0]["messages"][0]["content"]
    assert SENTENCE not in system
    assert "Call read_playbook with the name" in system and "- AGENTS.md" in system


# --- a session longer than the budget -----------------------------------------------------------------------

def _looks(n: int, start: int = 0) -> list[Reply]:
    """``n`` turns of the model looking for files: each a sentence and a call whose result is one short line,
    too small to elide, so a long session only grows."""
    return [Reply(content=f"Step {i}: checking the layout once more to be sure where things are.",
                  tool_calls=[("find_files", {"pattern": f"*{i}*.py"})]) for i in range(start, start + n)]


def well_formed(messages: list[dict]) -> bool:
    """What OpenAI-compatible servers check (a 400 otherwise): each assistant tool call answered by a tool message
    right after it, and no tool message without the call it answers."""
    i = 0
    while i < len(messages):
        m = messages[i]
        if m["role"] == "tool":
            return False
        i += 1
        if m["role"] == "assistant" and m.get("tool_calls"):
            answered = set()
            while i < len(messages) and messages[i]["role"] == "tool":
                answered.add(messages[i]["tool_call_id"])
                i += 1
            if answered != {c["id"] for c in m["tool_calls"]}:
                return False
    return True


def tokens(request: dict) -> float:
    """The request's size at four characters a token, tool schemas included (what the scripted server counts)."""
    return len(json.dumps(request["messages"]) + json.dumps(request["tools"])) / 4


async def test_a_session_longer_than_the_budget_leaves_out_its_oldest_turns_whole(
        make_repo, make_agent, collect, finish):
    """Nothing was ever left out, so a session of many small steps grew past the budget for good: under a
    6,000-token budget (a small local model) the 80th request was over 8,000 tokens, and every later one larger,
    each refused by a server whose context is the budget."""
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([*_looks(80), finish()]) as server:
        agent = make_agent(repo, server, context_budget=6_000, max_steps=100)
        await collect(agent, "map the layout")
        requests = server.requests
    assert len(requests) == 81
    assert max(tokens(r) for r in requests) <= 6_000
    assert all(well_formed(r["messages"]) for r in requests)
    assert all(r["messages"][1] == {"role": "user", "content": "map the layout"} for r in requests)  # the task
    last = requests[-1]["messages"]
    assert last[-2]["tool_calls"][0]["function"]["arguments"] == json.dumps({"pattern": "*79*.py"})
    assert "*0*.py" not in json.dumps(last)  # the oldest went first
    assert "oldest turns of this session are left out of this request" in last[0]["content"]
    assert len(agent.messages) == 2 + 2 * 81  # the session keeps them all


async def test_old_turns_go_but_review_comments_and_answers_stay(make_repo, make_agent, collect, finish):
    repo = make_repo({"a.py": "x = 1\n"})
    diff = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    script = [Reply(tool_calls=[("ask_user", {"question": "Tabs or spaces?"})]),
              Reply(tool_calls=[("propose_patch", {"diff": diff})]), *_looks(70), finish()]

    def react(agent, event):
        if isinstance(event, ev.QuestionAsked):
            event.answer.set_result("tabs, always")
        if isinstance(event, ev.PatchProposed):
            event.decision.set_result(ev.PatchDecision(frozenset(), "name it snake_case first"))

    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, context_budget=5_000, max_steps=100)
        await collect(agent, "map the layout", react)
        requests = server.requests
    last = requests[-1]["messages"]
    assert "left out of this request" in last[0]["content"] and "*0*.py" not in json.dumps(last)
    assert max(tokens(r) for r in requests) <= 5_000 and all(well_formed(r["messages"]) for r in requests)
    results = [m["content"] for m in last if m["role"] == "tool"]
    assert "The user answered: tabs, always" in results
    assert any("name it snake_case first" in r for r in results)


async def test_an_empty_reply_is_sent_back_as_a_reply_servers_accept(make_repo, make_agent, collect, finish):
    """A turn with no text and no tool call (small local models send them) went back to the endpoint as
    ``{"role": "assistant", "content": null}``, which the OpenAI spec does not allow (content is required without
    tool_calls) and Mistral's API refuses with a 400, so every later request of the session failed."""
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([Reply(content=""), finish()]) as server:
        agent = make_agent(repo, server)
        seen = await collect(agent, "look")
        requests = server.requests
    assert len(requests) == 2 and isinstance(seen[-1], ev.SessionFinished) and seen[-1].status == "finished"
    replies = [m for m in requests[1]["messages"] if m["role"] == "assistant"]
    assert replies and all(m.get("tool_calls") or (isinstance(m.get("content"), str) and m["content"].strip())
                           for m in replies)
    assert requests[1]["messages"][-1]["content"].startswith("[genie] Continue")  # the nudge follows it
    assert agent.messages[2] == {"role": "assistant", "content": None}  # the session keeps what the model sent


def _two_hunks(lines: int) -> tuple[str, str]:
    """A file of ``lines`` long lines and a patch of two hunks: the first rewrites all but the last 10 lines, the
    second the last line."""
    text = "".join(f"value_{n} = 'a fairly long line of configuration text number {n}'\n" for n in range(lines))
    first = "".join(f"-value_{n} = 'a fairly long line of configuration text number {n}'\n"
                    f"+value_{n} = 'A FAIRLY LONG LINE OF CONFIGURATION TEXT NUMBER {n}'\n" for n in range(lines - 10))
    last = lines - 1
    diff = (f"--- a/conf.py\n+++ b/conf.py\n@@ -1,{lines - 10} +1,{lines - 10} @@\n{first}"
            f"@@ -{last + 1} +{last + 1} @@\n-value_{last} = 'a fairly long line of configuration text number {last}'\n"
            f"+value_{last} = 'changed'\n")
    return text, diff


async def test_a_long_applied_change_is_not_repeated_whole_in_the_patch_result(make_repo, make_agent, collect,
                                                                             finish):
    """With some hunks approved (or the patch edited), the result repeated the applied diff whole; a patch's
    result is never elided, so one large partly approved patch kept every later request over the budget."""
    text, diff = _two_hunks(1_200)
    repo = make_repo({"conf.py": text})

    def react(agent, event):
        if isinstance(event, ev.PatchProposed):
            event.decision.set_result(ev.PatchDecision(frozenset({0}), None))

    script = [Reply(tool_calls=[("propose_patch", {"diff": diff})]), *_looks(3), finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, context_budget=12_000)
        await collect(agent, "shout the configuration", react)
        requests = server.requests
    assert "A FAIRLY LONG LINE OF CONFIGURATION TEXT NUMBER 5'" in (repo / "conf.py").read_text()
    assert (repo / "conf.py").read_text().endswith("number 1199'\n")  # the second hunk was not approved
    result = requests[1]["messages"][-1]["content"]
    assert "Only the hunks the user approved were applied" in result and "hunk 1" in result
    assert "read conf.py" in result and len(result) < 12_000
    assert max(tokens(r) for r in requests[1:]) <= 12_000


async def test_a_playbooks_long_checklist_seeds_no_larger_plan_than_the_model_may_write(
        make_repo, make_agent, collect, finish):
    """The plan is restated in every request and never elided, so update_plan takes at most 100 steps of at most
    2,000 characters; a playbook's ``## Steps`` seeded it whole: an AGENTS.md with a 300-item checklist put 300
    steps in every request (its text left out for the playbook budget all the same), a plan the model could not
    even restate."""
    items = "".join(f"- [ ] Check release item {n} against the release notes and the changelog\n" for n in range(300))
    long_item = "- [ ] Read the contributing guide " + "and its appendix " * 200 + "\n"
    repo = make_repo({"AGENTS.md": f"# Release\n\n## Steps\n{long_item}{items}", "a.py": "x = 1\n"})
    with ScriptedServer([finish()]) as server:
        agent = make_agent(repo, server)
        await collect(agent, "cut a release")
        system = server.requests[0]["messages"][0]["content"]
    plan = system.split("## Current plan\n", 1)[1].split("\n\n## ", 1)[0].splitlines()
    assert len(plan) == 100 and plan[1].startswith("2. [todo] Check release item 0 ")
    assert plan[0].startswith("1. [todo] Read the contributing guide and its appendix") and len(plan[0]) < 2_100
    assert len(agent.plan) == 100


async def test_a_small_context_budget_keeps_the_system_prompt_within_it(make_repo, make_agent, collect, finish):
    """The system prompt, which is never elided, took its playbooks up to playbook_budget (3,000 tokens) and its
    repo map up to 1,200 tokens whatever the context budget: with context_budget = 4000 (a local model's 4k
    context) an AGENTS.md of 2,500 tokens made the first request larger than the budget before any work."""
    rules = "".join(f"- Rule {n}: keep functions short, name things plainly, and test every branch you add.\n"
                    for n in range(120))
    code = {f"pkg/mod{n}.py": "".join(f"def helper_{n}_{k}(value):\n    return value + {k}\n\n\n" for k in range(30))
            for n in range(20)}
    repo = make_repo({"AGENTS.md": rules, **code})
    with ScriptedServer([finish()]) as server:
        agent = make_agent(repo, server, context_budget=4_000)
        await collect(agent, "fix helper_3_4 in pkg/mod3.py")
        request = server.requests[0]
    assert tokens(request) <= 4_000
    system = request["messages"][0]["content"]
    assert "Rule 0:" not in system and "- AGENTS.md" in system  # listed for read_playbook
    assert "helper_3_4" in system  # the repo map is smaller, not gone


async def test_a_long_playbook_read_under_a_small_budget_is_cut_then_left_out(make_repo, make_agent, collect, finish):
    """A read_playbook result was never cut nor left out (playbooks are instructions): under a small budget a
    long AGENTS.md, listed by name for want of room, was read whole (40,000 characters) into every later request."""
    rules = "".join(f"- Rule {n}: keep functions short, name things plainly, and test every branch you add.\n"
                    for n in range(700))
    repo = make_repo({"AGENTS.md": rules, "a.py": "x = 1\n"})
    script = [Reply(tool_calls=[("read_playbook", {"name": "AGENTS.md"})]), *_looks(12), finish()]
    with ScriptedServer(script) as server:
        agent = make_agent(repo, server, context_budget=4_000, max_steps=30)
        await collect(agent, "tidy a.py")
        requests = server.requests
    assert len(requests) == 14
    assert max(tokens(r) for r in requests) <= 4_000 and all(well_formed(r["messages"]) for r in requests)
    first = requests[1]["messages"][-1]["content"]
    assert "- Rule 0:" in first and "cut to fit the context budget; call read_playbook again" in first
    assert "Rule 0:" not in json.dumps(requests[-1]["messages"])  # left out once the budget needs its room


async def test_an_empty_repository_is_said_to_be_empty_in_the_system_prompt(make_repo, make_agent, collect, finish):
    """A repository with no files yet gave the system prompt a bare "Top level: " with nothing after it."""
    repo = make_repo({}, commit=False)
    (repo / ".gitignore").write_text("*.pyc\n")  # git's own files are not listed
    with ScriptedServer([finish()]) as server:
        agent = make_agent(repo, server)
        await collect(agent, "start a small CLI")
        system = server.requests[0]["messages"][0]["content"]
    top = next(line for line in system.splitlines() if line.startswith("Top level:"))
    assert top == "Top level: nothing yet (an empty repository)"
