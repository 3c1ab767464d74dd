"""Typed events: the only thing front ends (the Textual app, the headless printer) consume.

The agent is an async iterator of these. Events that need an answer (a question, a patch approval, a shell
command approval) carry an ``asyncio.Future`` that the front end resolves; the core awaits it and never
imports a front end.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

Phase = Literal["find", "plan", "code", "test", "done"]
StepStatus = Literal["todo", "doing", "done"]


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One step of the plan; ``origin`` says who wrote it (``agent``, ``user`` or ``playbook:<name>``)."""

    text: str
    status: StepStatus = "todo"
    origin: str = "agent"


# --- model stream -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the assistant's visible text."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """The model began a tool call; arguments follow as deltas."""

    call_id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolCallArgsDelta:
    """A fragment of a tool call's JSON arguments, as streamed (``propose_patch`` diffs render live)."""

    call_id: str
    name: str
    delta: str


@dataclass(frozen=True, slots=True)
class ToolCallCompleted:
    """The model finished writing a tool call; ``arguments`` is parsed (``None`` if it was not JSON)."""

    call_id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str


@dataclass(frozen=True, slots=True)
class UsageReported:
    """Token usage of one model request (``estimated`` when the endpoint reported none)."""

    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class TurnRetrying:
    """A model request failed or was cut off and is being retried from the start of the turn.

    ``attempt`` is the request about to start (2 for the first retry) out of ``max_attempts`` requests;
    show people ``retry``/``max_retries`` (1/N for the first retry, N = the ``max_retries`` setting).
    """

    attempt: int
    max_attempts: int
    delay: float
    reason: str

    @property
    def retry(self) -> int:
        return self.attempt - 1

    @property
    def max_retries(self) -> int:
        return self.max_attempts - 1


@dataclass(frozen=True, slots=True)
class TurnFinished:
    """One model turn completed with a ``finish_reason`` (``stop``, ``tool_calls``, ``length``)."""

    step: int
    finish_reason: str


@dataclass(frozen=True, slots=True)
class Committed:
    """Applied patches were committed (config ``commit``); ``previous`` is the branch the repository was on
    when genie switched to its task branch (None when it stayed on ``branch``)."""

    sha: str
    branch: str
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorOccurred:
    """Something went wrong; ``fatal`` errors end the session (which stays resumable)."""

    message: str
    fatal: bool = False


# --- agent ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionStarted:
    session_id: str
    path: str
    task: str
    model: str
    max_steps: int
    context_budget: int
    demo: bool = False


@dataclass(frozen=True, slots=True)
class StepStarted:
    step: int
    max_steps: int


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    phase: Phase


@dataclass(frozen=True, slots=True)
class ContextLooked:
    """The agent looked at code (search pane): ``kind`` is search/definition/references/read/find/list."""

    kind: str
    query: str
    hits: tuple[tuple[str, int, int, str], ...]  # (path, start_line, end_line, label)


@dataclass(frozen=True, slots=True)
class ToolFinished:
    call_id: str
    name: str
    ok: bool
    result: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class ToolProgress:
    """A long tool (a test run) reports progress: ``text`` is the latest output line."""

    call_id: str
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class PlanUpdated:
    steps: tuple[PlanStep, ...]
    source: Literal["agent", "user", "playbook"]


@dataclass(frozen=True, slots=True)
class PlaybooksActivated:
    """Active playbooks and why: ``(name, reason)`` pairs."""

    active: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class QuestionAsked:
    """``ask_user``: resolve ``answer`` with the user's text, or ``None`` for "proceed on your best assumption"."""

    question: str
    choices: tuple[str, ...]
    answer: asyncio.Future[str | None] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PatchDecision:
    """A user's verdict on a proposed patch.

    ``hunks`` is the set of approved hunk indexes (0-based, in diff order); ``None`` approves all. An empty
    set rejects the patch. ``comment`` is a review comment the model must respond to; ``edited_diff``
    replaces the proposal before applying.
    """

    hunks: frozenset[int] | None = None
    comment: str | None = None
    edited_diff: str | None = None

    @property
    def rejected(self) -> bool:
        return self.hunks is not None and not self.hunks


@dataclass(frozen=True, slots=True)
class PatchProposed:
    """A complete ``propose_patch``; resolve ``decision`` (approval mode ``ask``)."""

    patch_id: str
    diff: str
    summary: str
    decision: asyncio.Future[PatchDecision] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PatchApplied:
    """Outcome of applying (or refusing) a patch; ``result`` is the patch engine's JSON report."""

    patch_id: str
    applied: bool
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CommandApprovalRequested:
    """The model wants to run a shell command that is not the configured test command."""

    command: str
    approved: asyncio.Future[bool] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TestsRan:
    command: str
    passed: bool
    exit_code: int
    output_tail: str
    elapsed_s: float
    timed_out: bool = False  #: stopped at ``test_timeout`` (its exit code is then the stop's, 143)


@dataclass(frozen=True, slots=True)
class SessionFinished:
    status: Literal["finished", "failed", "budget_exhausted", "cancelled"]
    summary: str


Event = (
    TextDelta
    | ToolCallStarted
    | ToolCallArgsDelta
    | ToolCallCompleted
    | UsageReported
    | TurnRetrying
    | TurnFinished
    | Committed
    | ErrorOccurred
    | SessionStarted
    | StepStarted
    | PhaseChanged
    | ContextLooked
    | ToolFinished
    | ToolProgress
    | PlanUpdated
    | PlaybooksActivated
    | QuestionAsked
    | PatchProposed
    | PatchApplied
    | CommandApprovalRequested
    | TestsRan
    | SessionFinished
)
