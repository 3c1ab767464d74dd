"""The system prompt: role, working method, repo overview, active playbooks, tool guidance; and the state that
every request restates after it (plan, latest patch, approval mode), which can change between requests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genie_tui.core.events import PlanStep
from genie_tui.core.indexing import MAP_WAIT_S
from genie_tui.retrieval.textutil import repo_path

ROLE = """You are genie, a careful senior software engineer working inside the user's git repository \
through tools. You change code only by proposing unified diffs that the user reviews."""

METHOD = """## How you work (four phases)
1. Find: locate the relevant code before changing anything. Use search_code with the names, error \
messages and stack-trace lines from the task; go_to_definition / find_references to follow the code; \
read_file to read the exact lines (line numbers are 1-based).
2. Plan: call update_plan with a short step list and keep it current (one step 'doing' at a time). If the \
task is ambiguous in a way that changes what you would write, call ask_user with a precise question (and \
choices when there are a few options) instead of guessing. If the user edits the plan, follow their version.
3. Code: call propose_patch with a minimal unified diff against the current file contents: paths relative to \
the repository root, 3 lines of unchanged context around each change, copied exactly from read_file output \
(without the line-number prefix). One logical change per patch. If a patch is refused, read the reason, \
re-read the file and send a corrected diff. Answer every review comment the user attaches.
4. Test: call run_tests (no command runs the project's tests). On failure, read the output, fix, re-run.
When the work is done and verified, call finish with a summary of what changed and how you verified it.
Be economical: you have a step budget; batch independent lookups into one turn."""


def render_plan(plan: list[PlanStep]) -> str:
    if not plan:
        return "(no plan yet)"
    return "\n".join(f"{n}. [{s.status}] {s.text}" + (f"  (from {s.origin})" if s.origin != "agent" else "")
                     for n, s in enumerate(plan, 1))


def build_system_prompt(*, repo: Path, overview: str, playbooks: str, test_command: str | None) -> str:
    parts = [ROLE, METHOD, f"## Repository\nRoot: {repo.name}\n{overview}".rstrip()]
    if playbooks:
        parts.append(f"## Playbooks (how this team works; follow them)\n{playbooks}")
    tests = test_command or "none detected: ask the user or find how the project runs its tests"
    parts.append(f"## Environment\nTest command: {tests}")
    return "\n\n".join(parts)


APPROVAL = {
    "ask": "the user reviews each patch (they may apply only some hunks, edit it, or reject it with a comment)",
    "auto": "every patch that applies cleanly is applied without review",
    "never": "patches are recorded for the user to review later, not applied",
}
#: the line a system prompt recorded before the mode was restated per request carries (it may be stale)
_RECORDED_MODE = re.compile(r"\nPatch approval mode: \w+")


def with_current_state(system: str, plan: list[PlanStep], patches: list[dict[str, Any]], approve: str) -> str:
    """``system`` followed by what can change between requests: the plan, the latest patch and the approval
    mode (the user switches it in the app, or resumes with another ``--approve``)."""
    state = f"\n\n## Current plan\n{render_plan(plan)}"
    if patches:
        last = patches[-1]
        done = "undone by the user" if last.get("undone") else "applied" if last["applied"] else "not applied"
        reason = last["reason"] or ""
        if len(reason) > STATE_REASON_CHARS:  # restated in every request, never elided: the result has it whole
            reason = reason[:STATE_REASON_CHARS] + "… (the propose_patch result says the rest)"
        files = ", ".join(last["files"][:STATE_FILES])
        files += f" and {len(last['files']) - STATE_FILES} more" if len(last["files"]) > STATE_FILES else ""
        state += f"\n\n## Latest patch\n{last['id']}: {done} ({files or 'no files'})" + (f": {reason}" if reason else "")
    state += f"\n\n## Patch approval mode\n{approve}: {APPROVAL.get(approve, '')}"
    return _RECORDED_MODE.sub("", system, count=1) + state


def top_level_listing(repo: Path, limit: int = 60) -> str:
    names = []
    for child in sorted(repo.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        if child.name.startswith(".git") or child.name in {".venv", "node_modules", "__pycache__"}:
            continue
        names.append(child.name + ("/" if child.is_dir() else ""))
    if not names:  # a new project: say so, rather than end the line with nothing
        return "Top level: nothing yet (an empty repository)"
    more = f" ... (+{len(names) - limit})" if len(names) > limit else ""
    return "Top level: " + "  ".join(names[:limit]) + more


#: characters of the latest patch's reason and files restated in the system prompt (every request sends them)
STATE_REASON_CHARS, STATE_FILES = 300, 10

#: tokens of the repo map in the system prompt, at most
MAP_TOKENS = 1200


def prompt_shares(context_budget: int, playbook_budget: int) -> tuple[int, int]:
    """Tokens the system prompt gives its playbooks and its repo map: ``playbook_budget`` and :data:`MAP_TOKENS`,
    but at most a fifth and a tenth of the context budget. The system prompt is never elided: with a small
    context (a local model's 4k) the defaults alone filled it."""
    return min(playbook_budget, context_budget // 5), min(MAP_TOKENS, context_budget // 10)


def repo_overview(repo: Path, index: Callable[[], Any], task: str, map_tokens: int = MAP_TOKENS,
                  cancelled: Callable[[], bool] = lambda: False) -> str:
    """Top-level listing plus the repo map most relevant to the task (the map is a convenience: on failure, the
    listing alone). The files in play, first in the map, are the files the task names: the system prompt is built
    once, at the start of a session, before the agent has read or patched anything."""
    listing = top_level_listing(repo)
    try:
        ix = index()
        # built in the background since genie started: a first task waits a little for a map of the whole
        # repository, unless the turn is stopped (Esc, SIGTERM) or genie quits (which stops the build)
        end = time.monotonic() + MAP_WAIT_S
        while getattr(ix, "building", False) and time.monotonic() < end and not cancelled():
            ix.wait(0.1)
        repo_map = ix.repo_map(task, files=named_files(repo, task), budget_tokens=map_tokens)
    except Exception as exc:  # noqa: BLE001 - the tools still work without a map
        return f"{listing}\n(repo map unavailable: {exc})"
    return f"{listing}\n\nMost relevant definitions:\n{repo_map}" if repo_map else listing


_WORD = re.compile(r"[\w./-]+")  # a path is one of these: ``./tests/test_x.py:42`` is ``./tests/test_x.py``


def named_files(repo: Path, task: str, limit: int = 20) -> list[str]:
    """The files of ``repo`` that ``task`` names by their path (``src/app.py``, ``./setup.py``; a word without
    ``/`` or ``.`` is a name, not a path). The first ``limit`` such words are looked at: each is a stat."""
    words = (w.rstrip(".") for w in _WORD.findall(task))  # the full stop of a sentence is not the path's
    found: list[str] = []
    for word in list(dict.fromkeys(w for w in words if ("/" in w or "." in w) and len(w) < 1024))[:limit]:
        try:
            path = repo_path(repo, word)
            if path and (repo / path).is_file():
                found.append(path)
        except (ValueError, OSError):
            continue
    return found
