"""``genie run``'s printer: events as compact progress lines on stderr (API keys redacted), and the questions
and approvals answered from ``--answers`` or the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from genie_tui.core import events as ev
from genie_tui.core.session import MIN_SECRET_LEN, redact
from genie_tui.tools.testrun import exit_text

#: how often a long test run's latest output line is shown on stderr, at most
PROGRESS_EVERY_S = 15.0


class Progress:
    """stderr for the progress lines, which a CI job keeps as its log: the API keys and URL credentials of
    ``secrets`` are redacted from it (the model may quote a key it read in a file, as the session's records never
    do), also when the model's text brings one in pieces; a write that fails (a full disk under the log) loses the
    progress, not the run, which goes on to its end record and its ``--json`` object. A closed pipe
    (``2>&1 | head``) still stops genie, as it stops other programs (exit 141)."""

    def __init__(self, stream: TextIO, secrets: tuple[str, ...] = ()) -> None:
        self.stream = stream
        self.lost = False
        self._secrets = tuple(x.lower() for x in secrets if len(x) >= MIN_SECRET_LEN)
        self._pending = ""  # the end of what was written that may be the start of a secret: held until it is not

    def write(self, text: str) -> int:
        shown = text
        if self._secrets:
            shown = redact(self._pending + text, self._secrets)
            held = next((n for n in range(min(len(shown), max(map(len, self._secrets)) - 1), 0, -1)
                         if any(x.startswith(shown[-n:].lower()) for x in self._secrets)), 0)
            shown, self._pending = shown[:len(shown) - held], shown[len(shown) - held:]
        self._try(lambda: self.stream.write(shown))
        return len(text)

    def flush(self) -> None:
        self._try(self.stream.flush)

    def _try(self, action: Callable[[], object]) -> None:
        if self.lost:
            return
        try:
            action()
        except BrokenPipeError:
            raise
        except OSError:
            self.lost = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class Printer:
    """Renders events as compact progress lines on stderr and answers questions and approvals."""

    def __init__(self, out: TextIO, answers: list[str], interactive: bool = False) -> None:
        self.out = out
        self.answers = list(answers)
        self.interactive = interactive
        self._in_text = False
        self._pending_line: asyncio.Future[str] | None = None
        self.fatal: str | None = None  # the error that ended the run, if one did
        self._held: str | None = None  # that error, until the run's end says it (or another event comes)
        self._progress_at = 0.0  # when a tool's progress was last shown (or the tool was called)

    def note(self, text: str) -> None:
        self._end_text()
        print(text, file=self.out, flush=True)

    def _end_text(self) -> None:
        if self._in_text:
            print(file=self.out)
            self._in_text = False

    async def handle(self, event: Any) -> None:  # one branch per event kind is the clearest form
        if self._held is not None and not isinstance(event, ev.SessionFinished):
            self.flush()
        match event:
            case ev.SessionStarted():
                self.note(f"genie: session {event.session_id} (model {event.model}, up to {event.max_steps} steps)")
            case ev.StepStarted():
                self.note(f"-- step {event.step}/{event.max_steps}")
            case ev.TextDelta():
                self.out.write(event.text)
                self.out.flush()
                self._in_text = True
            case ev.ToolCallCompleted():
                self.note(f"> {event.name} {_short(event.raw_arguments)}")
                self._progress_at = time.monotonic()
            case ev.ToolProgress():
                # a long test run says how it goes now and then (CI jobs without output for minutes get killed,
                # and a person watching wants to know it is not stuck); not every line: the tail is the result's
                now = time.monotonic()
                if now - self._progress_at >= PROGRESS_EVERY_S:
                    self._progress_at = now
                    self.note(f"  ... {' '.join(event.text.split())[:150]}")
            case ev.ToolFinished():
                first = event.result.splitlines()[0] if event.result else ""
                status = "ok" if event.ok else "error"
                self.note(f"  {status} ({len(event.result)} chars, {event.elapsed_ms:.0f} ms): {first[:150]}")
            case ev.TurnRetrying():
                cut = " (the partial answer above is discarded)" if self._in_text else ""
                self.note(f"  model request failed ({event.reason}); retry {event.retry}/{event.max_retries} "
                          f"in {event.delay:.1f}s{cut}")
            case ev.PlanUpdated():
                self.note("plan:\n" + "\n".join(f"  [{'x' if s.status == 'done' else '>' if s.status == 'doing' else ' '}]"
                                                f" {s.text}" for s in event.steps))
            case ev.PlaybooksActivated() if event.active:
                self.note("playbooks: " + ", ".join(f"{n} ({why})" for n, why in event.active))
            case ev.QuestionAsked():
                await self._answer(event)
            case ev.PatchProposed():
                await self._approve(event)
            case ev.PatchApplied():
                verdict = "applied" if event.applied else "refused"
                # a refused patch changed no file: name those its hunks were for
                named = event.result.get("files") or [h.get("file") for h in event.result.get("hunks", [])]
                files = ", ".join(dict.fromkeys(f for f in named if f))
                reason = "" if event.applied else f": {event.result.get('reason') or ''}"
                self.note(f"patch {event.patch_id} {verdict} ({files}){reason}")
            case ev.CommandApprovalRequested():
                allowed = await self._confirm(f"run `{event.command}`?", event.approved)
                if not event.approved.done():
                    event.approved.set_result(bool(allowed))
            case ev.TestsRan():
                if event.timed_out:  # stopped by genie: no test failed, and its 143 is genie's
                    self.note(f"tests TIMED OUT after {event.elapsed_s:.1f}s (test_timeout): {event.command}")
                else:
                    self.note(f"tests {'passed' if event.passed else 'FAILED'} "
                              f"({exit_text(event.command, event.exit_code)}, {event.elapsed_s:.1f}s): {event.command}")
                # how they ended, in the runner's words ("2 failed, 40 passed", "FAILED (errors=1)")
                last = next((line for line in reversed(event.output_tail.splitlines()) if line.strip()), "")
                if last:
                    self.note(f"  {' '.join(last.split())[:150]}")
            case ev.Committed():
                moved = f" (switched from {event.previous})" if event.previous else ""
                self.note(f"committed {event.sha[:10]} on branch {event.branch}{moved}")
            case ev.ErrorOccurred() if event.fatal:
                # the run ends with it: held, so that "genie: failed: ..." tells it once rather than twice
                self.fatal = self._held = event.message
            case ev.ErrorOccurred():
                self.note(f"warning: {event.message}")
            case ev.SessionFinished():
                if not (event.status == "failed" and event.summary == self._held):
                    self.flush()
                self._held = None
                self.note(f"genie: {event.status}: {event.summary}")

    def flush(self) -> None:
        """Print the fatal error held back for the end of the run, if the run did not end by telling it."""
        held, self._held = self._held, None
        if held is not None:
            self.note(f"error: {held}")

    async def _answer(self, event: ev.QuestionAsked) -> None:
        choices = f" [{' / '.join(event.choices)}]" if event.choices else ""
        question = event.question if len(event.question) <= QUESTION_CHARS else \
            f"{event.question[:QUESTION_CHARS]} ... ({len(event.question) - QUESTION_CHARS} more characters)"
        self.note(f"? {question}{choices}")
        if self.answers:
            answer: str | None = self.answers.pop(0)
        elif self.interactive:
            line = await self._input("answer (empty: proceed on your best assumption)> ", event.answer)
            answer = (line or "").strip() or None
        else:
            answer = None
        self.note(f"  answer: {answer if answer is not None else '(none: the model proceeds on an assumption)'}")
        if not event.answer.done():
            event.answer.set_result(answer)

    async def _approve(self, event: ev.PatchProposed) -> None:
        self.note(f"patch {event.patch_id} proposed" + (f": {event.summary}" if event.summary else ""))
        if event.decision is None:
            return
        print(event.diff, file=self.out, flush=True)
        ok = await self._confirm("apply this patch?", event.decision)
        comment = None
        if ok is False:
            comment = ((await self._input("why (optional, sent to the model)> ", event.decision)) or "").strip() or None
        if not event.decision.done():
            event.decision.set_result(ev.PatchDecision(None if ok else frozenset(), comment))

    async def _confirm(self, prompt: str, watch: asyncio.Future[Any]) -> bool | None:
        if not self.interactive:
            return False
        # a yes typed before this prompt was shown is no answer to it: `y⏎y⏎` for a patch ran the command the
        # model asked for next, which the user never saw. A line already read, and what waits in the terminal, go
        if self._pending_line is not None and self._pending_line.done():
            self._pending_line = None
        with contextlib.suppress(ImportError, OSError, ValueError, AttributeError):
            import termios

            termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
        reply = await self._input(f"{prompt} [y/N] ", watch)
        return None if reply is None else reply.strip().lower() in ("y", "yes")

    async def _input(self, prompt: str, watch: asyncio.Future[Any]) -> str | None:
        """Prompt on stderr (stdout is reserved for --json and diffs) and read a line from the terminal.

        Returns None when ``watch`` (the event's future) is cancelled first, e.g. by Ctrl+C. The read happens
        in a daemon thread so a pending read never keeps the process alive; an unfinished read is reused by
        the next prompt rather than stealing its line.
        """
        self._end_text()
        self.out.write(prompt)
        self.out.flush()
        if self._pending_line is None or self._pending_line.done():
            self._pending_line = _read_line()
        line = self._pending_line
        await asyncio.wait({line, watch}, return_when=asyncio.FIRST_COMPLETED)
        if not line.done():
            self.note("")
            return None
        self._pending_line = None
        return line.result()


def _read_line() -> asyncio.Future[str]:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def work() -> None:
        try:  # the terminal's line as it gives it, not through Python's buffer, which would read lines typed
            # ahead out of the terminal (where a yes/no prompt drops them) into the process
            line = os.read(sys.stdin.fileno(), 65536).decode(errors="replace")
        except (OSError, ValueError, AttributeError):  # AttributeError: stdin closed (``<&-``) is None
            line = ""
        loop.call_soon_threadsafe(lambda: future.done() or future.set_result(line))

    threading.Thread(target=work, name="genie-stdin", daemon=True).start()
    return future


#: of a question, at most this much is shown (a model's 2 MB question went whole into a CI log)
QUESTION_CHARS = 4000


def _short(raw: str, limit: int = 120) -> str:
    text = " ".join(raw.split())
    return text if len(text) <= limit else text[:limit] + "..."


INDEX_NOTE_S = 5.0  # how often a long build of the code index says how far it is


async def report_index(service: Any, printer: Printer) -> None:
    """The code index's build on stderr while it runs, a line every few seconds once it has taken a second (a
    warm start says nothing), and what it has to tell (a damaged cache rebuilt, a watcher limit, an unwritable
    cache), each once."""
    began, said, told = time.monotonic(), 0.0, False
    while True:
        await asyncio.sleep(0.5)
        for warning in service.news():
            printer.note(f"genie: index: {warning}")
        busy, done, total = service.status()
        now = time.monotonic()
        if busy and now - began >= 1.0 and now - said >= INDEX_NOTE_S:
            printer.note(f"genie: indexing the repository: {done:,} of {total:,} files" if total else
                         "genie: indexing the repository...")
            said, told = now, True
        elif not busy and told:
            printer.note("genie: the index is ready")
            told = False
