"""Headless front end: ``genie run`` and ``genie resume``. Progress goes to stderr; ``--json`` puts one
summary object on stdout, also when the run cannot start (a usage error, a sessions directory that cannot be
created or written, a session another genie process is running): scripts read stdout."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from genie_tui.config.cli import cli_overrides
from genie_tui.config.paths import resolve_repo
from genie_tui.config.settings import Settings, load_settings
from genie_tui.core import events as ev
from genie_tui.core.session import redact
from genie_tui.errors import EXIT_BUDGET, EXIT_FAILED, EXIT_OK, GenieError, UsageError
from genie_tui.headless_printer import Printer, Progress, report_index
from genie_tui.output import write_data
from genie_tui.printable import without_surrogates
from genie_tui.reading import stdin_isatty

EXIT_CODES = {"finished": EXIT_OK, "failed": EXIT_FAILED, "budget_exhausted": EXIT_BUDGET, "cancelled": 130}
NO_MODEL = ("no model configured: set OPENAI_API_KEY (or GENIE_API_KEY), or GENIE_BASE_URL / --base-url for a "
            "local OpenAI-compatible server such as Ollama (http://localhost:11434/v1); `genie demo` needs neither")


#: Answers to the agent's questions are a few lines each; a larger file is refused unread
ANSWERS_BYTES = 1_000_000
SETTLE_S = 120.0  # how long a second Ctrl+C waits for a patch being written (a 1,500-file one takes a second or two)
GIT_SETTLE_S = 10.0  # and for a commit being made to be stopped (milliseconds; 2 s where git ignores SIGTERM)


def _load_answers(path: str | None) -> list[str]:
    if not path:
        return []
    from genie_tui.reading import NotRegularFile, TooLarge, loads_json, read_regular

    try:  # a named pipe with no writer hung the run, and /dev/zero never ends; '[' x 100,000 is a ValueError too
        data = loads_json(read_regular(path, ANSWERS_BYTES).decode("utf-8-sig"))  # a BOM is no error
    except (NotRegularFile, TooLarge) as exc:
        raise UsageError(f"--answers {path}: {exc.strerror}") from None
    except OSError as exc:
        raise UsageError(f"--answers {path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise UsageError(f"--answers {path}: not JSON ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(a, str) for a in data):
        raise UsageError(f"--answers {path}: must be a JSON list of strings")
    return data


def _settings(args: argparse.Namespace, repo: Path | None) -> Settings:
    overrides = cli_overrides(args)
    settings = load_settings(repo, overrides)
    if not settings.model_configured:
        raise UsageError(NO_MODEL)
    if settings.approve == "ask" and not stdin_isatty():
        settings.approve = "never"
        settings.sources["approve"] = "no terminal for `ask`: behaves as never"
    return settings


def run(args: argparse.Namespace) -> int:
    def start() -> tuple[Any, str]:
        from genie_tui.core.agent import Agent

        repo = resolve_repo(args.repo)
        task = _argument_text(args.task)
        if not task.strip():
            raise UsageError("the task is empty")
        settings = _settings(args, repo)
        return Agent(settings, repo, playbooks=args.playbook), task

    return _drive(start, args)


def _argument_text(text: str) -> str:
    """A command-line argument as text: bytes that are not UTF-8 (which Python keeps as lone surrogates, text
    that cannot be written or sent) become U+FFFD, as a browser or an editor shows them."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no undecodable byte makes
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def resume(args: argparse.Namespace) -> int:
    return _drive(lambda: _resumed(args), args)


def _resumed(args: argparse.Namespace) -> tuple[Any, str]:
    from genie_tui.core.agent import Agent
    from genie_tui.core.restore import restore
    from genie_tui.core.session import find_session
    from genie_tui.core.start_over import not_started, start_over

    path = find_session(args.session)
    state = restore(path)
    if state.status == "finished":
        raise UsageError(f"session {args.session} already finished; start a new task with `genie run`")
    start = state.start
    repo = Path(start["repo"])
    if not repo.is_dir():
        raise UsageError(f"the session's repository {repo} no longer exists")
    if getattr(args, "repo", None):  # named: the work must not land in another repository than the one named
        from genie_tui.config.paths import resolve_repo

        named = resolve_repo(args.repo)
        if named != repo.resolve():
            raise UsageError(f"session {args.session} belongs to {repo}, not to --repo {named}; resume it there "
                             "(or without --repo)")
    settings = _settings(args, repo)
    wanted = list(dict.fromkeys(getattr(args, "playbook", None) or []))
    if wanted:  # an unknown name is a usage error before anything is written to the session
        from genie_tui.playbooks import PlaybookLibrary

        PlaybookLibrary.load(repo).select("", explicit=wanted)
    if not_started(state):
        agent = start_over(path, state, settings, wanted=wanted)
        _say_where(args.session, repo)
        print(f"genie: session {args.session} stopped before its task reached the model; starting the task over "
              "in a new session", file=sys.stderr)
        return agent, start["task"]
    agent = Agent.resume(args.session, settings, finished=False)  # finished since the check above: refused too
    _say_where(args.session, repo)
    for name in wanted:
        if name not in dict(agent.active_playbooks):  # asked for again: already on, and the model knows
            agent.set_playbook(name, True)
    message = ("[genie] The session was interrupted and is now resumed. Check where you stopped (the plan and the "
               "last tool results) and continue the task.")
    return agent, message


def _say_where(session: str, repo: Path) -> None:
    """One line on stderr when ``repo``, the session's, is not the repository containing the current directory:
    a session resumes in its own repository from anywhere, and its patches land there."""
    from genie_tui.config.paths import find_repo_root

    try:
        here = find_repo_root(Path.cwd())
    except OSError:  # the current directory was removed
        here = None
    if here != repo.resolve():
        where = f"not in {here}, which holds the current directory" if here else "the current directory is in none"
        print(f"genie: resuming session {session} in its repository {repo} ({where})", file=sys.stderr)


def _drive(start: Callable[[], tuple[Any, str]], args: argparse.Namespace) -> int:
    """Run what ``start`` sets up (the agent and its task). An error before the session ends (bad settings, a
    sessions directory that cannot be created) keeps its one line on stderr and its exit code; with ``--json``
    stdout still gets the object, with ``error`` saying what went wrong."""
    agent = None
    try:
        answers = _load_answers(getattr(args, "answers", None))  # refused before a session is written to
        agent, task = start()
        printer = Printer(Progress(sys.stderr, agent.settings.secrets()), answers=answers,
                          interactive=agent.approval_mode == "ask" and stdin_isatty())
        # noted from here until _consume has its handlers, which then act on them: raised while asyncio.run set
        # up, a signal left an event loop half made ("Exception ignored in BaseEventLoop.__del__") and a coroutine
        # never awaited
        held: list[int] = []
        previous = {s: signal.signal(s, lambda signum, frame: held.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            finished, stopped_by = asyncio.run(_consume(agent, task, printer, json_out=args.json, held=held))
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    except (GenieError, KeyboardInterrupt) as exc:
        if args.json:
            error = str(exc) if isinstance(exc, GenieError) else "interrupted"
            ended = ev.SessionFinished("failed" if isinstance(exc, GenieError) else "cancelled", error)
            print(json.dumps(summary_json(agent, ended, error), indent=2))
        raise
    result = summary_json(agent, finished, printer.fatal)
    if args.json:
        print(json.dumps(result, indent=2))
    elif agent.approval_mode == "never" and result["diff"]:
        write_data(result["diff"])  # the patch, exact for `git apply`; shown without control sequences on a terminal
    if finished.status == "cancelled" and stopped_by == signal.SIGTERM:
        return 128 + signal.SIGTERM  # as a shell reports a program SIGTERM stopped; CI tells a timeout apart
    return EXIT_CODES.get(finished.status, EXIT_FAILED)


async def _consume(agent: Any, task: str, printer: Printer, json_out: bool = False,
                   held: Sequence[int] = ()) -> tuple[ev.SessionFinished, int | None]:
    """Run the agent to its end; also returns the signal that stopped it (SIGINT: Ctrl+C; SIGTERM: a CI job's
    timeout or cancel, a service manager), if one did. The first stops the turn cleanly; a second quits now
    (with ``json_out``, after printing the summary as it stands)."""
    loop = asyncio.get_running_loop()
    stopped_by: int | None = None

    def on_signal(signum: int) -> None:
        nonlocal stopped_by
        if stopped_by is not None:
            # Quit now, even if a worker thread is stuck; the trajectory is complete up to here. A patch being
            # written is finished first (or rolled back): a patch is all or nothing.
            from genie_tui.patching import fsio, gitproc

            if not fsio.settle(0):
                printer.note("genie: finishing the patch being written...")
                fsio.settle(SETTLE_S)
            if gitproc.busy():  # git and its hooks ended, and a branch made for the commit removed: not orphaned
                printer.note("genie: stopping the commit being made...")
                gitproc.settle(GIT_SETTLE_S)
            printer.note("genie: interrupted")
            if agent.session is not None:
                agent.session.record("end", status="cancelled", summary="interrupted", usage=agent.usage_totals)
            if json_out:
                print(json.dumps(summary_json(agent, ev.SessionFinished("cancelled", "interrupted")), indent=2))
            sys.stdout.flush()
            os._exit(130 if signum == signal.SIGINT else 128 + signum)
        stopped_by = signum
        if signum == signal.SIGINT:
            printer.note("stopping (Ctrl+C again to quit at once)...")
            agent.cancel()
        else:
            name = signal.Signals(signum).name
            printer.note(f"stopping on {name} ({name} or Ctrl+C again to quit at once)...")
            agent.cancel(f"stopped by {name}")

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix or non-main thread
            pass
    pending = list(held)  # signals that came while the loop was being set up: acted on once the run is going
    finished: ev.SessionFinished | None = None
    from genie_tui.core import indexing

    service = indexing.shared(agent.repo, agent.settings)  # the agent's tools use this one: built from now on
    service.start()
    reporter = asyncio.ensure_future(report_index(service, printer))
    try:
        async for event in agent.run(task):
            for signum in pending:
                on_signal(signum)
            pending = []
            await printer.handle(event)
            if isinstance(event, ev.SessionFinished):
                finished = event
    finally:
        reporter.cancel()
        for warning in service.news():  # told since the reporter last looked (a run shorter than its 0.5 s)
            printer.note(f"genie: index: {warning}")
        indexing.stop_all()  # a build still running stops at its next file (what it stored stays): no wait
        printer.flush()
        if agent.client is not None:
            await agent.client.aclose()
    assert finished is not None
    return finished, stopped_by


def _for_review(agent: Any) -> str:
    from genie_tui.core.recorded import combined

    return combined(agent.repo, agent.patches)[2]


def summary_json(agent: Any | None, finished: ev.SessionFinished, error: str | None = None) -> dict[str, Any]:
    """The ``--json`` object; ``agent`` is None when the run failed before there was one."""
    secrets = agent.settings.secrets() if agent else ()
    return {
        "status": finished.status,
        # the model's words, which may quote a key it read: redacted, as in the session
        # the model's text: a lone surrogate it sent ("\ud800"), which strict JSON readers refuse, as U+FFFD
        "summary": without_surrogates(redact(finished.summary, secrets)),
        # the error that ended the run (also before it could start), or null
        "error": None if error is None else without_surrogates(redact(error, secrets)),
        # the diff too: under `never` (or `ask` without a terminal) it is the run's result, and --json's stdout
        # holds nothing else
        "patches": [{"id": p["id"], "files": p["files"], "applied": p["applied"], "reason": p["reason"],
                     "diff": p.get("diff") or ""} for p in agent.patches] if agent else [],
        # the patches recorded for review (approval mode never) as one diff from the files on disk: stdout's
        # without --json
        "diff": _for_review(agent) if agent else "",
        "tests": agent.tests if agent else None,
        "trajectory": str(agent.session_path) if agent and agent.session_path and agent.session_path.is_file()
        else None,
        "usage": agent.usage_totals if agent else {"prompt_tokens": 0, "completion_tokens": 0},
        # model answers in the whole session, as `genie sessions list` counts them (a failed request is none)
        "steps": sum(1 for m in agent.messages if m.get("role") == "assistant") if agent else 0,
    }
