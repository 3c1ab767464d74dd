"""``genie demo``: the bundled sample repository and the scripted model session that drives it.

The script is served by ``ScriptedServer`` over the real OpenAI streaming protocol, so the demo exercises
the real client, agent, tools and patch engine; only the model is scripted. Later replies are functions of
the request, so the story follows what the user does (a rejected patch is acknowledged, not ignored).
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply, ScriptedServer

SAMPLE = Path(__file__).resolve().parent / "sample_repo"
TASK = "top_words returns the least common words first, and 'Hello,' and 'hello' count as different words"
COUNTER = "wordstats/counter.py"


def prepare_sample_repo(parent: Path) -> Path:
    """Copy the sample repo under ``parent`` and commit it, so undo and diffs have a clean base."""
    repo = parent / "wordstats"
    shutil.copytree(SAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {**os.environ, "GIT_AUTHOR_NAME": "genie demo", "GIT_AUTHOR_EMAIL": "demo@genie.invalid",
           "GIT_COMMITTER_NAME": "genie demo", "GIT_COMMITTER_EMAIL": "demo@genie.invalid"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "wordstats sample"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)
    return repo


def _diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{COUNTER}", f"b/{COUNTER}", n=1)
    return "".join(lines)


def patches() -> tuple[str, str]:
    """Patch 1 (two hunks) normalises words; patch 2 (one hunk) fixes the ranking order."""
    original = (SAMPLE / COUNTER).read_text()
    fixed_words = original.replace(
        "from collections import Counter\n",
        "import re\nfrom collections import Counter\n\nWORD = re.compile(r\"[\\w']+\")\n").replace(
        "    return text.split()\n", "    return WORD.findall(text.lower())\n")
    fixed_rank = fixed_words.replace("key=lambda item: item[1])", "key=lambda item: (-item[1], item[0]))")
    return _diff(original, fixed_words), _diff(fixed_words, fixed_rank)


def _last_tool(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "tool":
            content = message.get("content")
            return content if isinstance(content, str) else str(content)
    return ""


OVER = ("This is genie's scripted demo model, and its script is over: it cannot take on anything new. Quit "
        "(Ctrl+Q) and start genie with a real model to go on (see \"Configuring a model\" in the README).")


def demo_over(fast: bool = False) -> Reply:
    """The demo model's answer to anything once its script has ended (the server's fallback)."""
    return Reply(content=OVER, tool_calls=[("finish", {"summary": "The scripted demo is over."})], chunk_chars=6,
                 chunk_delay=0.0 if fast else 0.012)


def demo_server(fast: bool = False) -> ScriptedServer:
    """The demo's model: its script, then :func:`demo_over` for anything more (not started)."""
    return ScriptedServer(demo_script(fast), models=("genie-demo",), fallback=demo_over(fast))


def demo_script(fast: bool = False) -> list[Any]:
    """The scripted model turns; ``fast`` drops the typing delays (tests, benchmarks). A rejected patch ends the
    script: whatever the user says next gets :func:`demo_over`, not the script's next patch."""
    delay = 0.0 if fast else 0.012
    first, second = patches()
    stopped = [False]

    def say(text: str, *calls: tuple[str, dict[str, Any]], chunk: int = 6) -> Reply:
        return Reply(content=text, tool_calls=list(calls), chunk_chars=chunk, chunk_delay=delay)

    def unless_stopped(entry: Any) -> Any:
        def reply(body: dict[str, Any]) -> Reply:
            if stopped[0]:
                return demo_over(fast)
            return entry if isinstance(entry, Reply) else entry(body)
        return reply

    def after_answer(body: dict[str, Any]) -> Reply:
        answer = _last_tool(body)
        keep_case = "keep case" in answer.lower()
        text = ("You want case kept — noted, but the failing test expects `hello` == `Hello`, so I'll follow "
                "the test and lowercase. " if keep_case else "Thanks. ")
        text += "First patch: split on word characters and lowercase, so punctuation and case stop splitting words."
        return say(text, ("propose_patch", {"diff": first, "summary": "words(): ignore punctuation and case"}),
                   chunk=24)

    def after_patch(next_reply: Reply) -> Any:
        def reply(body: dict[str, Any]) -> Reply:
            result = _last_tool(body)
            if result.startswith("Patch applied"):
                _, _, comment = result.partition("Review comment from the user (respond to it and address it): ")
                if comment.strip():  # a scripted model cannot revise; it says so rather than ignore the review
                    return Reply(content=f"You commented: “{comment.strip()}”. A real model would answer that "
                                 "and revise the patch; this scripted demo can only go on with its script. "
                                 + next_reply.content, tool_calls=next_reply.tool_calls,
                                 chunk_chars=next_reply.chunk_chars, chunk_delay=next_reply.chunk_delay)
                return next_reply
            stopped[0] = True  # a scripted model cannot write another patch; a real one would
            return say("The patch was not applied, so I'll stop here and leave the code unchanged. "
                       "(A real model would now take what you say next and write a new patch; this scripted "
                       "demo ends here.)",
                       ("finish", {"summary": "Stopped: the user did not apply the patch. " + result[:200]}))
        return reply

    def after_second_tests(body: dict[str, Any]) -> Reply:
        if "PASSED" in _last_tool(body):
            return say("All green. Marking the plan done.", ("update_plan", {"steps": [
                {"text": "Find where words are split and ranked", "status": "done"},
                {"text": "Confirm the failing tests", "status": "done"},
                {"text": "Fix words(): punctuation and case", "status": "done"},
                {"text": "Fix top_words() order", "status": "done"},
                {"text": "Run the tests", "status": "done"}]}))
        return say("Tests still fail; stopping so you can look.", ("finish", {"summary": "Tests still fail."}))

    script = [
        say("I'll find where words are split and ranked.", ("search_code", {"query": "top_words count words split", "k": 5})),
        say("", ("read_file", {"path": COUNTER})),
        say("`words()` splits on whitespace only and `top_words()` sorts ascending. Let me confirm with the tests.",
            ("run_tests", {})),
        say("Two failures, as expected. Here is the plan.", ("update_plan", {"steps": [
            {"text": "Find where words are split and ranked", "status": "done"},
            {"text": "Confirm the failing tests", "status": "done"},
            {"text": "Fix words(): punctuation and case", "status": "doing"},
            {"text": "Fix top_words() order", "status": "todo"},
            {"text": "Run the tests", "status": "todo"}]})),
        say("", ("ask_user", {"question": "Should word counts ignore case, so that 'Hello' and 'hello' are the same word?",
                              "choices": ["Yes, ignore case", "No, keep case"]})),
        after_answer,
        after_patch(say("Applied. Running the tests again.", ("run_tests", {}))),
        say("One failure left: the ranking is ascending. Second patch: sort by count descending, then by word.",
            ("propose_patch", {"diff": second, "summary": "top_words(): most common first"}), chunk=24),
        after_patch(say("Applied. Running the tests.", ("run_tests", {}))),
        after_second_tests,
        say("Done.", ("finish", {"summary": "words() now ignores punctuation and case; top_words() ranks the most "
                                            "common words first (ties alphabetical). All 4 tests pass."})),
    ]
    first_review = 6  # what comes after the first patch's review, which may end the demo
    return script[:first_review] + [unless_stopped(entry) for entry in script[first_review:]]
