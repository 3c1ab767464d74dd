"""The agent: a turn loop over the model client and the tools, exposed as an async iterator of events.

Front ends iterate ``Agent.run(task)``; work (the model stream, tools) runs in a task that pushes events into
a queue, so the front end sees progress as it happens and ``cancel()`` can stop the current turn at once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from genie_tui.config.settings import Settings
from genie_tui.core import actions, carry, playbook_notes, recorded, request_log
from genie_tui.core.context import TokenMeter, compact
from genie_tui.core.events import (
    ErrorOccurred,
    Event,
    PhaseChanged,
    PlanStep,
    PlanUpdated,
    PlaybooksActivated,
    SessionFinished,
    SessionStarted,
    StepStarted,
    ToolCallStarted,
    ToolFinished,
    UsageReported,
)
from genie_tui.core.intent import UserIntent
from genie_tui.core.prompt import (
    build_system_prompt,
    prompt_shares,
    repo_overview,
    with_current_state,
)
from genie_tui.core.pump import Cancelled, EventPump
from genie_tui.core.restore import (
    changed_since,
    missing_tool_results,
    resolved,
    restore,
)
from genie_tui.core.sendable import sendable
from genie_tui.core.session import Session, find_session
from genie_tui.errors import GenieError, UsageError
from genie_tui.patching.hold import holding
from genie_tui.playbooks.library import turned_off
from genie_tui.providers.assembler import call_ids
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext

PHASES = {"update_plan": "plan", "ask_user": "plan", "propose_patch": "code", "run_tests": "test", "finish": "done"}
NUDGE = ("[genie] Continue with the tools. When the task is complete and verified, call finish with a summary. "
         "If you need the user, call ask_user.")


class Agent(UserIntent):
    """One coding session in one repository."""

    def __init__(self, settings: Settings, repo: Path, *, playbooks: Sequence[str] = (), demo: bool = False,
                 client: Any = None, index_factory: Any = None) -> None:
        self.settings, self.repo = settings, repo.resolve()
        self.demo, self.explicit_playbooks = demo, list(playbooks)
        self.disabled_playbooks: set[str] = set()
        self.approval_mode = settings.approve
        self.client = client
        self.ctx = ToolContext(self.repo, settings, index_factory, staged=recorded.staged_view(self))
        self.messages: list[dict[str, Any]] = []
        self.plan: list[PlanStep] = []
        self.step = self.patch_count = 0
        self.patches: list[dict[str, Any]] = []
        self.tests: dict[str, Any] | None = None
        self.usage_totals = {"prompt_tokens": 0, "completion_tokens": 0}
        self.session: Session | None = None
        self._meter = TokenMeter()
        self._notes: list[dict[str, Any]] = []  # see add_note
        self._pump = EventPump()
        self.stop_reason = "stopped by the user"
        self._running: str | None = None  # the id of the tool call running now
        self.files_seen: set[str] = set()
        self.active_playbooks: tuple[tuple[str, str], ...] = ()
        self._applied_diffs: list[str] = []
        self._carry: dict[str, float] | None = None  # a resumed session's patches waiting for a commit (carry.py)
        self.task = self.summary = self._phase = ""
        self.library: Any = None
        self.resume_notices: list[str] = []  # what resuming found worth a line to the user; the first run says it

    @property
    def session_path(self) -> Path | None:
        return self.session.path if self.session else None

    # --- resuming -----------------------------------------------------------------------------------------

    @classmethod
    def resume(cls, ref: str, settings: Settings, *, repo: Path | None = None, finished: bool = True,
               **kwargs: Any) -> Agent:
        """The session ``ref`` (id, unique prefix or file), ready to continue. With ``repo``, a session of
        another repository is refused (GenieError) before anything is written to it; without ``finished``, so is
        a finished one (UsageError), as read under the lock (another process may have just finished it)."""
        path = find_session(ref)
        # Locked before it is read: another genie process running it is refused (SessionBusy), and no record
        # can be added between reading the state and continuing from it.
        session = Session.claim(path, scrub=settings.secrets())
        try:
            state = restore(path)
            start = state.start
            if not finished and state.status == "finished":
                raise UsageError(f"session {ref} already finished; start a new task with `genie run`")
            if repo is not None and resolved(start["repo"]) != resolved(str(repo)):  # a loop of links is another
                raise GenieError(f"that session belongs to {start['repo']}; run genie there to resume it "
                                 f"(this app works on {repo})")
            agent = cls(settings, Path(start["repo"]), playbooks=state.playbooks_on, **kwargs)
            session.cut_torn_tail()
        except BaseException:
            session.close()
            raise
        agent.disabled_playbooks = set(state.playbooks_off)
        agent.session = session
        agent.messages = state.messages
        agent.plan = [PlanStep(s["text"], s["status"], s.get("origin", "agent")) for s in state.plan]
        agent.task = start.get("task", "")
        agent.patches, agent.tests = state.patches, state.tests
        agent.patch_count = max(len(state.patches), state.last_patch)  # ids are never handed out twice
        agent.active_playbooks, agent.files_seen = tuple(state.playbooks), set(state.files_seen)
        agent._notes, agent._carry = state.notes, carry.waiting(state.records)
        agent.resume_notices = playbook_notes.restore_playbooks(agent)
        agent.session.record("resume", status_before=state.status, steps_before=state.steps)
        agent.resumed_in(state.approve)
        actions.note_changed_files(agent, changed_since(agent.repo, state.known_files(), state.last_ts))
        return agent

    # --- the loop -----------------------------------------------------------------------------------------

    async def run(self, task: str) -> AsyncIterator[Event]:
        """Work on ``task`` (or a follow-up in the same conversation) until finish, budget or failure. With
        ``commit`` on, the journal entries of its patches outlive the journal's limit until a commit has taken
        them or the run ends (``patching/hold.py``): the app's turns and ``genie run`` alike. The first run of a
        resumed session takes over what the run it continues applied and did not commit (``core/carry.py``)."""
        with holding(self.repo) if self.settings.commit != "off" else nullcontext() as hold_id:
            if self._carry is not None and self.settings.commit == "end" and self.session is not None:
                taken, said = await asyncio.to_thread(carry.take_over, self.repo, self.session.id, self._carry, hold_id)
                self._applied_diffs += taken
                self.resume_notices += said
            self._carry = None
            async for event in self._run(task):
                yield event

    async def _run(self, task: str) -> AsyncIterator[Event]:
        self._pump.cancelled = False
        self.stop_reason = "stopped by the user"
        if self.session is None or not self.messages:
            async for event in self._start(task):
                yield event
        else:
            await self._ensure_library()
            yield SessionStarted(self.session.id, str(self.session.path), task, self.settings.model,
                                 self.settings.max_steps, self.settings.context_budget, self.demo)
            for notice in self.resume_notices:
                yield ErrorOccurred(notice)
            self.resume_notices = []
            self._append({"role": "user", "content": task})
        if self.plan:
            yield PlanUpdated(tuple(self.plan), "agent")
        status, summary = "budget_exhausted", f"stopped after {self.settings.max_steps} step{'s' if self.settings.max_steps != 1 else ''} without finishing"
        self.step = 0
        self._phase = ""  # each turn tells its first phase, even the one the last turn ended in
        nudged = False
        try:
            while self.step < self.settings.max_steps:
                self.step += 1
                yield StepStarted(self.step, self.settings.max_steps)
                actions.note_step_budget(self)
                turn = None
                async for item in self._pump.drive(self._model_turn()):
                    if isinstance(item, Event):  # type: ignore[arg-type]
                        yield item
                    else:
                        turn = item
                assert turn is not None
                self._append(turn.to_message())
                outcome = None
                async for item in self._pump.drive(self._act(turn)):
                    if isinstance(item, Event):  # type: ignore[arg-type]
                        yield item
                    else:
                        outcome = item
                if outcome == "finished":
                    status, summary = "finished", self.summary
                    break
                if outcome == "idle" and self.step == self.settings.max_steps:
                    break  # out of steps: its reply says where the work stands, as it was asked to
                if outcome == "idle":
                    if nudged:  # asked once to go on or call finish, it stopped again: that is not a finish
                        said = " ".join(turn.content.split())
                        status = "failed"
                        summary = "the model stopped without calling finish" + (
                            f"; its last reply: {said[:300]}" if said else "")
                        break
                    nudged = True
                    self.add_note(NUDGE)
                else:
                    nudged = False
            said = " ".join(turn.content.split()) if status == "budget_exhausted" and turn is not None else ""
            if said:  # where the work stood, in the model's words: a run out of steps says more than that it stopped
                summary += f"; the model's last reply: {said[:600]}" + ("…" if len(said) > 600 else "")
        except Cancelled:
            self._close_dangling_calls()
            status, summary = "cancelled", f"{self.stop_reason}; `genie resume` continues the session"
        except Exception as exc:  # noqa: BLE001 - any failure ends the turn loop but keeps the session resumable
            message = str(exc) if isinstance(exc, GenieError) else f"{type(exc).__name__}: {exc}"
            self._close_dangling_calls()
            self.session.record("error", message=message)
            yield ErrorOccurred(message, fatal=True)
            status, summary = "failed", message
        if self.settings.commit == "end" and self._applied_diffs:
            for outcome in await actions.commit(self, self.summary or "genie: " + task[:60]):
                yield outcome
            if self.commit_stopped:  # by a cancel: the run's end (SIGTERM's exit code) says so
                status, summary = "cancelled", f"{self.stop_reason}; `genie resume` continues the session"
        self.session.record("end", status=status, summary=summary, usage=self.usage_totals,
                            patches=self.patches, tests=self.tests)
        yield SessionFinished(status, summary)

    async def _ensure_library(self) -> None:
        if getattr(self, "library", None) is None:
            from genie_tui.playbooks import PlaybookLibrary

            self.library = await asyncio.to_thread(PlaybookLibrary.load, self.repo)
            self.ctx.playbooks = self.library

    async def _start(self, task: str) -> AsyncIterator[Event]:
        self.session = Session.create(task, scrub=self.settings.secrets())
        self.task = task
        await self._ensure_library()
        active = self.library.select(task, explicit=self.explicit_playbooks, disabled=self.disabled_playbooks)
        playbook_tokens, map_tokens = prompt_shares(self.settings.context_budget, self.settings.playbook_budget)
        section = self.library.prompt_section(active, playbook_tokens)
        self.active_playbooks = tuple((a.playbook.name, a.reason) for a in active)
        overview = await asyncio.to_thread(repo_overview, self.repo, lambda: self.ctx.index, task, map_tokens, lambda: self._pump.cancelled)
        from genie_tui.tools.testrun import detect_test_command

        # in a thread: it may walk the tree and ask the project's interpreter whether it has pytest (seconds)
        test_command = self.settings.test_command or await asyncio.to_thread(detect_test_command, self.repo)
        system = build_system_prompt(repo=self.repo, overview=overview, playbooks=section.text,
                                     test_command=test_command)
        self.session.record("start", task=task, repo=str(self.repo), config=self.settings.public_dict(),
                            playbooks=self.explicit_playbooks, disabled_playbooks=sorted(self.disabled_playbooks),
                            tools=registry.SCHEMAS, demo=self.demo)
        self._notes = playbook_notes.notes_not_in_prompt(self._notes, section.text, self.disabled_playbooks)
        if self._notes:  # the user's plan edit or other notes before the first task
            self.record_notes()
        yield SessionStarted(self.session.id, str(self.session.path), task, self.settings.model,
                             self.settings.max_steps, self.settings.context_budget, self.demo)
        for warning in self.library.warnings:
            yield ErrorOccurred(warning)
        yield PlaybooksActivated(self.active_playbooks)
        # a plan is restated in every request: the playbooks seed no more of it than update_plan takes
        cut = actions.STEP_CHARS - 1
        seeded = [PlanStep(text if len(text) <= cut + 1 else text[:cut] + "…", "todo", f"playbook:{a.playbook.name}")
                  for a in active for text in a.playbook.steps]
        if self.plan:  # the user wrote a plan before the first task: it leads, the playbooks' steps follow
            have = {st.text for st in self.plan}
            room = max(0, actions.PLAN_STEPS - len(self.plan))
            self.plan = self.plan + [st for st in seeded if st.text not in have][:room]
            source = "user"
        else:
            self.plan, source = seeded[:actions.PLAN_STEPS], "playbook"
        if self.plan:
            self.session.record("plan", source=source, steps=[{"text": s.text, "status": s.status,
                                                               "origin": s.origin} for s in self.plan])
        self._append({"role": "system", "content": system})
        self._append({"role": "user", "content": task})

    # --- one model turn -----------------------------------------------------------------------------------

    async def _model_turn(self) -> Any:
        if self._notes:
            message = {"role": "user", "content": "\n\n".join(n["text"] for n in self._notes)}
            self._notes = []
            self._append(message, delivers_notes=True)  # one record: a resume can never send them twice
        client = self._client()
        messages = self._request_messages()
        tools_chars = len(json.dumps(registry.SCHEMAS))
        tools_tokens = int(tools_chars / self._meter.chars_per_token)
        messages, elided = compact(messages, self.settings.context_budget, self._meter, tools_tokens)
        if elided:
            self.session.record("compaction", elided=elided)
        request_log.record(self.session, self.step, messages, registry.SCHEMAS)  # what export gives
        turn = None
        # ids of the whole history: compaction leaves old calls out of the request, not out of the session
        async for item in client.stream_turn(messages, registry.SCHEMAS, step=self.step, taken=call_ids(self.messages)):
            if isinstance(item, UsageReported):
                self.usage_totals["prompt_tokens"] += item.prompt_tokens
                self.usage_totals["completion_tokens"] += item.completion_tokens
                if not item.estimated:
                    self._meter.calibrate(messages, item.prompt_tokens, extra_chars=tools_chars)
                self.session.record("usage", prompt_tokens=item.prompt_tokens,
                                    completion_tokens=item.completion_tokens, estimated=item.estimated)
            if isinstance(item, ToolCallStarted):
                self._set_phase(PHASES.get(item.name, "find"))
            if isinstance(item, Event):  # type: ignore[arg-type]
                self.emit(item)
            else:
                turn = item
        return turn

    def _request_messages(self) -> list[dict[str, Any]]:
        """The conversation with the current state (plan, patch, approval mode) restated in the system prompt,
        tool-call arguments made sendable, and without the playbooks the user turned off (the session record
        keeps the conversation as it was)."""
        off = self.disabled_playbooks
        messages = [{**m, "content": turned_off(m["content"], off)}
                    if off and m["role"] in ("system", "user") and isinstance(m.get("content"), str) else m
                    for m in sendable(self.messages)]
        system = with_current_state(messages[0]["content"], self.plan, self.patches, self.approval_mode)
        messages[0] = {**messages[0], "content": system}
        return messages

    def _client(self) -> Any:
        if self.client is None:
            from genie_tui.providers.client import ModelClient

            s = self.settings
            self.client = ModelClient(model=s.model, base_url=s.base_url, api_key=s.api_key, timeout=s.timeout,
                                      max_retries=s.max_retries, backoff_base=s.backoff_base)
        return self.client

    # --- acting on a turn ---------------------------------------------------------------------------------

    async def _act(self, turn: Any) -> str:
        if not turn.tool_calls:
            diffs = actions.fenced_diffs(turn.content)
            if diffs:
                results = [await actions.propose_patch(self, {"diff": d}) for d in diffs]
                self.add_note("[genie] Your fenced diff was taken as a patch proposal:\n" + "\n".join(results))
                return "acted"
            if turn.finish_reason == "length":
                self.add_note("[genie] Your reply was cut off at the output limit; continue, more briefly.")
                return "acted"
            return "idle"
        outcome = "acted"
        for call in turn.tool_calls:
            if self._pump.cancelled:
                self._append({"role": "tool", "tool_call_id": call.id, "content": "not run: cancelled by the user"})
                continue
            if outcome == "finished":  # the task was declared done: later calls (a patch!) must not run after it
                result = "not run: finish was called before this call; the session ended there"
                self._append({"role": "tool", "tool_call_id": call.id, "content": result})
                self.emit(ToolFinished(call.id, call.name, False, result, 0.0))
                continue
            started = time.monotonic()
            ok, result = await actions.call_result(self, call, turn.finish_reason, PHASES.get(call.name, "find"))
            if ok and call.name == "finish":
                outcome = "finished"
            self._append({"role": "tool", "tool_call_id": call.id, "content": result})
            self.emit(ToolFinished(call.id, call.name, ok, result, (time.monotonic() - started) * 1000))
        return outcome

    # --- helpers used by actions --------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        self._pump.emit(event)

    def record_patch(self, patch_id: str, files: list[str], applied: bool, reason: str | None, diff: str) -> None:
        self.patches.append({"id": patch_id, "files": files, "applied": applied, "reason": reason, "diff": diff})
        self.session.record("patch", id=patch_id, files=files, applied=applied, reason=reason, diff=diff)

    def after_patch(self, files: list[str], message: str) -> None:
        self._applied_diffs.append(message)
        playbook_notes.notice_files(self, files)
        if self.ctx._index is not None:  # noted only: this runs on the app's event loop (the next lookup reads them)
            try:
                self.ctx.index.refresh(files, wait=False)
            except Exception as exc:  # noqa: BLE001 - a stale index only weakens search
                self.emit(ErrorOccurred(f"index refresh failed: {exc}"))

    def _close_dangling_calls(self) -> None:
        """After a cancel or failure, every tool call the model made gets a result, so the history stays valid."""
        for message in missing_tool_results(self.messages, "not run: the turn was stopped"):
            if message["tool_call_id"] == self._running:  # a test run cut off halfway did run; a review did not
                message["content"] = getattr(self, "_stopped_note", None) or \
                    "stopped while it ran: the turn was stopped before this call finished"
            self._append(message)
        self._running = self._stopped_note = None

    def _set_phase(self, phase: str) -> None:
        if phase != self._phase:
            self._phase = phase
            self.emit(PhaseChanged(phase))  # type: ignore[arg-type]

    def _append(self, message: dict[str, Any], **extra: Any) -> None:
        self.messages.append(message)
        self.session.record("message", message=message, **extra)
