"""What the model is sent: the context budget, the system prompt and the tool results in it, checked on the
requests the scripted server received."""

from __future__ import annotations

import json
import re

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
