"""``/apply`` alone: the patches the agent recorded for review under approval mode never, reviewed as one diff
(the one ``genie run`` prints) hunk by hunk in the patch pane. What the user approves is applied as the agent's
next patch (undone, committed and told to the model as its own); a rejection, with its reason, goes to the model
too. A recorded patch that no longer applies to the files as they are is left out and said so."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from genie_tui.ui.bridge import AgentEvent

if TYPE_CHECKING:
    from genie_tui.ui.screens.main import MainScreen


def _stale_text(stale: list[tuple[str, str]]) -> str:
    return "; ".join(f"{i}: {why}" for i, why in stale)


async def review_recorded(screen: MainScreen) -> None:
    from genie_tui.core.recorded import combined

    agent = screen.genie.agent
    ids, stale, diff = await asyncio.to_thread(combined, agent.repo, agent.patches) if agent is not None \
        else ([], [], "")
    note = screen.conversation.add_note
    if stale:
        which = ", ".join(i for i, _ in stale)
        await note(f"apply: recorded patch{'es' * (len(stale) > 1)} {which} no longer appl{'y' if len(stale) > 1 else 'ies'} "
                   f"to the files as they are ({_stale_text(stale)})" + (": left out of the review" if ids else
                                                                         "; the agent is told"), "error")
        if not ids:
            await agent.user_reviewed_recorded([], stale)
            return
    if not diff:
        await note("usage: /apply FILE, or /apply alone to review the patches recorded under approval mode never "
                   "(there are none now)", "error")
        return
    label = f"recorded patches {', '.join(ids)}"
    screen.show_patch_pane(True)
    future = screen.patch.await_local(diff, label)
    screen.refresh_bindings()
    screen.run_worker(_when_decided(screen, agent, ids, stale, diff, label, future))


async def _when_decided(screen: MainScreen, agent: Any, ids: list[str], stale: list[tuple[str, str]], diff: str,
                        label: str, future: asyncio.Future) -> None:
    note = screen.conversation.add_note
    await asyncio.wait([future])
    if future.cancelled():  # the agent's patch took the pane (a task was started during the review)
        await note(f"apply: the {label} were not applied: the agent's patch replaced their review (/apply again to "
                   "review them)", "error")
        return
    decision = future.result()
    if decision.rejected:
        await agent.user_reviewed_recorded(ids, stale, comment=decision.comment)
        await note(f"✗ the {label} were rejected: nothing was applied, and the agent is told")
        return
    from genie_tui.patching import apply_patch

    hunks = None if decision.hunks is None or decision.edited_diff else set(decision.hunks)
    patch_id = agent.new_patch_id()  # the agent's change: undone and committed as its own
    try:
        report = await asyncio.to_thread(apply_patch, agent.repo, decision.edited_diff or diff, hunks=hunks,
                                         label=f"/apply {label}",
                                         tag=f"{agent.session.id}:{patch_id}" if agent.session else "")
    except Exception as exc:  # noqa: BLE001 - a GenieError from the patch engine is a one-line note, not a crash
        await note(f"apply: {exc}", "error")
        return
    result = report.to_json() if hasattr(report, "to_json") else {}
    screen.patch.applied(bool(report.applied), result if isinstance(result, dict) else {})
    if not report.applied:  # still recorded: /apply reviews them again
        await note(f"✗ not applied: {report.reason}", "error")
        return
    await note(f"✓ applied as {patch_id}", "good")
    how = ("an edited version of it" if decision.edited_diff else "all of it" if hunks is None
           else f"hunk{'s' * (len(hunks) > 1)} {', '.join(str(h + 1) for h in sorted(hunks))} of it")
    for event in await agent.user_reviewed_recorded(ids, stale, patch_id, list(report.files),
                                                    report.applied_diff or diff, how, decision.comment):
        screen.post_message(AgentEvent(event))  # a commit (config ``commit``), or why there was none
