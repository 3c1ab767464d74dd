"""The interactive tools: plan, questions, patches, tests and finish. They need the user, so the agent runs
them itself instead of the tool registry; each returns the text that goes back to the model. ``run_tool``
dispatches every call, the registry's own tools in a thread."""

from __future__ import annotations

import asyncio
import os
import re
from typing import TYPE_CHECKING, Any

from genie_tui.core.commits import commit
from genie_tui.core.context import REVIEW_COMMENT
from genie_tui.core.events import (
    CommandApprovalRequested,
    PatchApplied,
    PatchDecision,
    PatchProposed,
    PlanStep,
    PlanUpdated,
    QuestionAsked,
    TestsRan,
    ToolProgress,
)
from genie_tui.core.plan_edit import PLAN_EDIT_NOTE
from genie_tui.core.playbook_notes import notice_files
from genie_tui.core.prompt import render_plan
from genie_tui.core.pump import Cancelled
from genie_tui.core.recorded import FOR_REVIEW, for_review
from genie_tui.tokens import estimate_tokens
from genie_tui.tools import registry
from genie_tui.tools.base import ToolError, echoed

if TYPE_CHECKING:
    from genie_tui.core.agent import Agent

NO_ANSWER = ("No answer is available from the user. Proceed on your best assumption, state that assumption "
             "explicitly, and continue.")
#: a plan the model writes: how many steps and how long each (a pasted step of the user's is cut at 2,000 too)
PLAN_STEPS = 100
STEP_CHARS = 2_000
_FENCED_DIFF = re.compile(r"```(?:diff|patch|udiff)[^\n]*\n(.*?)```", re.DOTALL)


#: how long an error result may be: one quoting what the model sent (a tool's name, a value) must not be megabytes
ERROR_CHARS = 4_000


def _error(text: str) -> str:
    more = len(text) - ERROR_CHARS
    return text if more <= 0 else f"{text[:ERROR_CHARS]}… [{more} more chars]"


async def call_result(agent: Agent, call: Any, finish_reason: str | None, phase: str) -> tuple[bool, str]:
    """One tool call of the model's turn checked and run: whether it worked, and the result the model reads. A
    tool's error, or the failure of a broken tool, is a result for the model, never fatal; a stop is raised."""
    try:
        if call.arguments is None and finish_reason == "length":
            raise ToolError(f"{call.name}: your reply was cut off at the output limit in the middle of this "
                            "call's arguments, so it did not run; send a smaller one (split a large patch "
                            "into several propose_patch calls)")
        if call.arguments is None:
            raise ToolError(f"{call.name}: {call.error or 'arguments are not valid JSON'}; send a JSON object")
        args = registry.validate(call.name, dict(call.arguments))
        agent._set_phase(phase)
        agent._running = call.id  # a stop now finds it started: not 'not run'
        result = await run_tool(agent, call.id, call.name, args)
        agent._running = None
        return True, result
    except ToolError as exc:
        return False, _error(f"error: {exc}")
    except (asyncio.CancelledError, Cancelled):
        raise
    except Exception as exc:  # noqa: BLE001 - a broken tool is reported to the model, never fatal
        return False, _error(f"error: {call.name} failed: {type(exc).__name__}: {exc}")


def fenced_diffs(content: str) -> list[str]:
    """Diffs written in fenced ```diff blocks (models that do not call tools)."""
    return [m.group(1) for m in _FENCED_DIFF.finditer(content or "") if "@@" in m.group(1)]


async def run_tool(agent: Agent, call_id: str, name: str, args: dict[str, Any]) -> str:
    """Run one validated tool call of the model's; its result text for the model."""
    if name == "update_plan":
        return await update_plan(agent, args)
    if name == "ask_user":
        return await ask_user(agent, args)
    if name == "propose_patch":
        return await propose_patch(agent, args)
    if name == "run_tests":
        return await run_tests(agent, call_id, args)
    if name == "finish":
        agent.summary = args["summary"].strip() or "(the model gave no summary)"
        return "Finished."
    output = await asyncio.to_thread(registry.run_simple, agent.ctx, name, args)
    if output.looked is not None:
        agent.emit(output.looked)
        notice_files(agent, [hit[0] for hit in output.looked.hits] if name == "read_file" else [])
    return output.text


async def update_plan(agent: Agent, args: dict[str, Any]) -> str:
    steps = args["steps"]
    if any(n.startswith(PLAN_EDIT_NOTE) for n in agent.pending_notes()):
        # the user edited the plan after this request went out: the model wrote its update without seeing it
        return ("Plan not updated: the user edited the plan while you were writing this update, and their "
                "version stands:\n" + render_plan(agent.plan) + "\nFollow it; reconcile it in your next update_plan.")
    old = {s.text: s.origin for s in agent.plan}
    new: list[PlanStep] = []
    if len(steps) > PLAN_STEPS:  # the plan is restated in every request: it must stay a plan, not a document
        raise ToolError(f"update_plan: {len(steps)} steps; a plan has at most {PLAN_STEPS}: merge small steps")
    for n, step in enumerate(steps, 1):
        text = step.get("text") if isinstance(step, dict) else None
        if not isinstance(text, str) or not (text := text.strip()):
            raise ToolError(f"update_plan: step {n} needs a non-empty 'text'")
        if len(text) > STEP_CHARS:
            raise ToolError(f"update_plan: step {n} is {len(text)} characters; a step is one line of at most "
                            f"{STEP_CHARS}: put details in your reply, not in the plan")
        if (status := step.get("status", "todo")) not in ("todo", "doing", "done"):
            raise ToolError(f"update_plan: step {n} status must be todo, doing or done, not {status!r}")
        new.append(PlanStep(text, status, old.get(text, "agent")))
    # restated in every request and never elided: at most a tenth of the context budget (a small local model's)
    size, share = estimate_tokens(render_plan(new)), max(agent.settings.context_budget // 10, 250)
    if size > share:
        raise ToolError(f"update_plan: the plan is about {size:,} tokens; under this context budget a plan has at "
                        f"most {share:,}: fewer, shorter steps (details go in your reply)")
    agent.plan = new
    agent.session.record("plan", source="agent", steps=[_step_json(s) for s in new])
    agent.emit(PlanUpdated(tuple(new), "agent"))
    return f"Plan updated: {len(new)} steps, {sum(s.status == 'done' for s in new)} done."


def _step_json(step: PlanStep) -> dict[str, str]:
    return {"text": step.text, "status": step.status, "origin": step.origin}


async def ask_user(agent: Agent, args: dict[str, Any]) -> str:
    question = args["question"].strip()
    choices = tuple(str(c) for c in args.get("choices") or ())
    if not question:
        raise ToolError("ask_user: question must not be empty")
    future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    agent.session.record("question", question=question, choices=list(choices))
    agent.emit(QuestionAsked(question, choices, future))
    agent._stopped_note = "not answered: the user stopped the turn before answering"  # see _close_dangling_calls
    answer = await future
    agent._stopped_note = None
    agent.session.record("answer", answer=answer)
    if answer is None or not str(answer).strip():
        return NO_ANSWER
    return f"The user answered: {answer}"


#: why a patch awaiting review when the user stopped the turn was not applied
STOPPED_REVIEW = "the user stopped the turn before reviewing it"


async def propose_patch(agent: Agent, args: dict[str, Any]) -> str:
    from genie_tui.patching import apply_patch

    diff, summary = args["diff"], (args.get("summary") or "").strip()
    if not isinstance(diff, str) or not diff.strip():
        raise ToolError("propose_patch: diff must be a non-empty unified diff")
    agent.patch_count += 1
    patch_id = f"p{agent.patch_count}"
    if agent.approval_mode == "never":  # against the files as the patches recorded before it leave them
        from genie_tui.patching.staging import stage_all, stage_patch

        earlier = for_review(agent.patches)
        check = await asyncio.to_thread(lambda: stage_patch(agent.repo, diff, stage_all(agent.repo, earlier)))
    else:
        check = await asyncio.to_thread(apply_patch, agent.repo, diff, dry_run=True, record_undo=False)
    if not check.applied:
        return _refused(agent, patch_id, diff, check)
    mode = agent.approval_mode
    decision = PatchDecision()
    if mode == "ask":
        future: asyncio.Future[PatchDecision] = asyncio.get_running_loop().create_future()
        agent.emit(PatchProposed(patch_id, diff, summary, future))
        agent._stopped_note = "not applied: the user stopped the turn before reviewing the patch; nothing was written"
        try:
            decision = await future
        except asyncio.CancelledError:  # on record as the others are: the state the next request restates, ids
            agent.record_patch(patch_id, check.files, False, STOPPED_REVIEW, diff)
            raise
        agent._stopped_note = None
    else:
        agent.emit(PatchProposed(patch_id, diff, summary, None))
    agent.session.record("approval", patch_id=patch_id, mode=mode, hunks=sorted(decision.hunks)
                         if decision.hunks is not None else "all", comment=decision.comment,
                         edited=decision.edited_diff is not None)
    comment = (f"\n{REVIEW_COMMENT} (respond to it and address it): {decision.comment}"
               if decision.comment else "")
    if mode == "never":
        agent.record_patch(patch_id, check.files, False, FOR_REVIEW, diff)
        return ("The patch applies cleanly but was recorded, not applied (approval mode 'never'); the user "
                "will review the recorded patches later, as one diff. Your next patches are checked against the files "
                "as the recorded ones leave them, and read_file shows the files so (searches see the files on disk). "
                "Do not run tests for it. Continue with the next step or finish.")
    if decision.rejected:
        agent.record_patch(patch_id, check.files, False, "rejected by the user", diff)
        agent.emit(PatchApplied(patch_id, False, {"applied": False, "files": check.files, "hunks": [],
                                                  "reason": "rejected by the user"}))
        return "The user rejected this patch; nothing was applied." + (comment or " Ask why if it is unclear.")
    final_diff = decision.edited_diff or diff
    hunks = None if decision.edited_diff else decision.hunks
    applying = asyncio.ensure_future(asyncio.to_thread(apply_patch, agent.repo, final_diff, hunks=hunks,
                                                       label=summary or patch_id,
                                                       tag=f"{agent.session.id}:{patch_id}"))
    try:
        result = await asyncio.shield(applying)
    except asyncio.CancelledError:
        # Files are being written: finish and record it; the pump ends the turn right after this tool.
        result = await applying
    if not result.applied:
        return _refused(agent, patch_id, final_diff, result) + comment
    agent.record_patch(patch_id, result.files, True, None, result.applied_diff or final_diff)
    if agent.tests:  # the last test run was of the code before this patch
        agent.tests["stale"] = True
    agent.emit(PatchApplied(patch_id, True, result.to_json()))
    agent.after_patch(result.files, summary or f"genie: patch {patch_id}")
    if agent.settings.commit == "each":  # after the index refresh and playbooks, as before
        for outcome in await commit(agent, summary or f"genie: patch {patch_id}"):
            agent.emit(outcome)
    lines = [f"Patch applied to {', '.join(result.files)}."]
    lines += [f"  hunk {h.index + 1} ({h.file}): {h.status}" + (f" ({h.method} at line {h.line})" if h.method else "")
              + (f": {h.reason}" if h.reason else "") for h in result.hunks if h.status != "applied" or
              h.method not in (None, "exact")]
    if hunks is not None:
        approved = ", ".join(str(n + 1) for n in sorted(hunks))
        lines.append(f"Only the hunks the user approved were applied (hunk {approved}); "
                     + _shown_change("the file now contains exactly this change", result.applied_diff, result.files))
    if decision.edited_diff:
        lines.append("The user edited the patch before applying it; "
                     + _shown_change("the applied diff was", final_diff, result.files))
    return "\n".join(lines) + comment


#: how long an applied change a patch's result repeats: the result is never elided, so a longer one is not
#: sent again with every request (the model reads the files instead)
SHOWN_DIFF_CHARS = 8_000


def _shown_change(what: str, diff: str, files: list[str]) -> str:
    if len(diff) <= SHOWN_DIFF_CHARS:
        return f"{what}:\n{diff}"
    changed = sum(1 for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return (f"{what} is {changed} changed lines, too long to repeat here: read {', '.join(files)} to see what "
            "they hold now before you patch them again.")


#: Linux's limit on one argument (the test command is one, of the reaper's)
ARG_MAX_STRLEN = 131_072


def _refused(agent: Agent, patch_id: str, diff: str, report: Any) -> str:
    reason = report.reason or "the patch did not apply"
    files = list(report.files) or list(dict.fromkeys(h.file for h in report.hunks if h.file))  # its hunks' (none planned)
    agent.record_patch(patch_id, files, False, reason, diff)
    agent.emit(PatchApplied(patch_id, False, report.to_json()))
    told = reason.removeprefix("Nothing was changed. ")
    if len(told) > ERROR_CHARS:  # the result is never elided: 2,000 hunks refused made every request 145,000 tokens
        told = f"{told[:ERROR_CHARS]}… [{len(told) - ERROR_CHARS:,} more characters: send fewer hunks at a time]"
    return (f"Patch refused, nothing was changed: {told}\nWhere a hunk's lines did not match, re-read them with "
            "read_file and send a corrected diff whose context lines match the file exactly.")


async def run_tests(agent: Agent, call_id: str, args: dict[str, Any]) -> str:
    from genie_tui.tools.testrun import detect_test_command, run_command

    # a blank test_command is none (`sh -c "   "` passed every time)
    configured = (agent.settings.test_command or "").strip() or await asyncio.to_thread(detect_test_command, agent.repo)
    command = (args.get("command") or "").strip() or configured
    if not command:
        how = {"auto": "pass the command that runs them", "never": "say in your reply how they would be run (under "
               "approval mode never no other command may run)"}.get(agent.approval_mode, "pass a command (the user "
                                                                                    "approves it first)")
        raise ToolError(f"no test command is configured or detected; {how}, or ask the user how the tests are run")
    if len(os.fsencode(command)) >= ARG_MAX_STRLEN:  # one argument of the reaper: the system refuses it whole
        raise ToolError(f"the command is {len(command):,} characters; a command may have at most "
                        f"{ARG_MAX_STRLEN - 1:,} bytes: put a long script in a file and run that")
    if command != configured:
        if agent.approval_mode == "auto":
            pass
        elif agent.approval_mode == "never" and configured:
            raise ToolError(f"running {echoed(command)} needs approval and the approval mode is 'never'; "
                            f"use run_tests without a command to run {configured!r}")
        elif agent.approval_mode == "never":
            raise ToolError(f"running {echoed(command)} needs approval and the approval mode is 'never', and no test "
                            "command is configured or detected: there is none you may run. Do not retry; say in "
                            "your reply that the tests did not run and how they would be run. The user can set "
                            "test_command (in .genie/config.toml) to a command genie runs without approval, or "
                            "switch the approval mode to ask or auto.")
        else:
            future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            agent.emit(CommandApprovalRequested(command, future))
            approved = await future
            agent.session.record("command_approval", command=command, approved=bool(approved))
            if not approved:
                raise ToolError(f"the user did not allow running {echoed(command)}")

    def progress(line: str) -> None:
        agent.emit(ToolProgress(call_id, "run_tests", line[:300]))

    run = await run_command(agent.repo, command, agent.settings.test_timeout, progress)
    project = command == configured  # only the project's own test command says whether "the tests" pass
    if project:
        agent.tests = {"command": command, "passed": run.passed, "exit_code": run.exit_code,
                       "timed_out": run.timed_out, "stale": False}
    agent.session.record("tests", command=command, passed=run.passed, exit_code=run.exit_code,
                         elapsed_s=round(run.elapsed_s, 2), timed_out=run.timed_out, project=project)
    tail = "\n".join(run.output.splitlines()[-40:])
    agent.emit(TestsRan(command, run.passed, run.exit_code, tail, run.elapsed_s, run.timed_out))
    return run.report()


#: The model is told its step budget only near its end, in a note after the conversation: restated in the system
#: prompt, a count that changes every request would defeat the endpoint's prompt cache for the whole conversation.
STEPS_LEFT_NOTE = ("[genie] Step budget: this is step {step} of {max_steps}, with 2 more after this one. Wrap up: "
                   "verify with run_tests and call finish, or make sure your last reply can say what is left.")
LAST_STEP_NOTE = ("[genie] Step budget: this is your last step ({step} of {max_steps}). The run stops after this "
                  "reply, and you will not see the results of tool calls made in it. If the task is done and "
                  "verified, call finish with a summary; if not, do not call finish: reply without tools, saying "
                  "what is done and what is left.")


def note_step_budget(agent: Agent) -> None:
    """Near the end of the step budget, tell the model: two steps before it, and at its last step."""
    step, most = agent.step, agent.settings.max_steps
    if step == most and most > 1:
        agent.add_note(LAST_STEP_NOTE.format(step=step, max_steps=most), key="step-budget")
    elif step == most - 2 and most >= 6:
        agent.add_note(STEPS_LEFT_NOTE.format(step=step, max_steps=most), key="step-budget")


#: files named in the notice of what changed while a session was stopped
CHANGED_SHOWN = 10


def note_changed_files(agent: Agent, changed: list[str]) -> None:
    """Tell the user and the model which files changed outside a resumed session while it was stopped: the
    model's reads and patch states of them are out of date, and it must not patch from memory."""
    if not changed:
        return
    if agent.tests:  # the last test run was of the code before those changes (`genie undo` of its patch, say)
        agent.tests["stale"] = True
    shown = ", ".join(changed[:CHANGED_SHOWN]) + (
        f" and {len(changed) - CHANGED_SHOWN} more" if len(changed) > CHANGED_SHOWN else "")
    agent.resume_notices.append(f"changed since the session stopped: {shown}; the model is told to read them again")
    agent.add_note(f"[genie] Since this session stopped, these files were changed or deleted outside it (by the "
                   f"user, a checkout or another tool): {shown}. What you read of them before, and what the patch "
                   "states say about them, may be out of date: read them again before you patch them or rely on "
                   "them.", key="changed-since")
