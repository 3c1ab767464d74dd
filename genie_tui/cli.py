"""Command-line entry point.

Every sub-command names its handler as ``"module:function"`` and the module is imported only when that
command runs, so ``genie --help``, ``genie apply`` and ``genie search`` start fast (no Textual, no SDK).
A handler takes the parsed ``argparse.Namespace`` and returns the exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

from genie_tui import __version__
from genie_tui.errors import EXIT_BROKEN_PIPE, EXIT_USAGE, GenieError

_APPROVE = ("ask", "auto", "never")


# Sub-commands repeat the global flags with SUPPRESS defaults, so `genie --model m run ...` and
# `genie run ... --model m` both work and a flag given before the sub-command is not reset to None.
_SUB = argparse.SUPPRESS


def _model_flags(p: argparse.ArgumentParser, default: object = None) -> None:
    p.add_argument("--model", default=default, help="model name (overrides GENIE_MODEL and config files)")
    p.add_argument("--base-url", dest="base_url", default=default,
                   help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")


_REPO_HELP = "repository root (default: the git repository containing the current directory)"


def _repo_flag(p: argparse.ArgumentParser, default: object = None, help_: str = _REPO_HELP) -> None:
    p.add_argument("--repo", default=default, help=help_)


def _agent_flags(p: argparse.ArgumentParser, default: object = None, repo_help: str = _REPO_HELP) -> None:
    _repo_flag(p, default, repo_help)
    _model_flags(p, default)
    p.add_argument("--approve", choices=_APPROVE, default=default, help="patch approval: ask (default), auto, never")
    p.add_argument("--max-steps", dest="max_steps", type=int, default=default, help="step budget (default 40)")
    # a sub-command's own list: argparse sets a sub-command's values over the main parser's, so one list would
    # drop `genie --playbook a run ... --playbook b`'s a; main() joins the two
    p.add_argument("--playbook", action="append", default=[] if default is None else default, metavar="NAME",
                   dest="playbook" if default is None else "sub_playbook", help="activate a playbook (repeatable)")


class UsageExit(SystemExit):
    """argparse's exit on a usage error (status 2), carrying the message it printed."""

    def __init__(self, message: str) -> None:
        super().__init__(EXIT_USAGE)
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors keep their message, so ``run --json`` can put it on stdout too."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise UsageExit(message)


#: the commands whose --json promises one object on stdout whatever happens
_JSON_RUNS = ("run", "resume")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="genie",
        description="A terminal AI software engineer: find, plan, patch, test. Run `genie` in a git repository.",
    )
    parser.add_argument("--version", action="version", version=f"genie {__version__}")
    _agent_flags(parser)
    parser.add_argument("--theme", help="UI theme (genie-dark, genie-light, genie-contrast, or your own)")
    parser.set_defaults(handler="genie_tui.ui.launch:run")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def cmd(name: str, handler: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    p = cmd("run", "genie_tui.headless:run", "run a task headless (for scripts and CI)")
    p.add_argument("task", help="what to do, e.g. \"fix the crash when the config file is empty\"")
    _agent_flags(p, _SUB)
    p.add_argument("--answers", help="JSON list of answers to the agent's questions, used in order")
    p.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")

    p = cmd("resume", "genie_tui.headless:resume", "continue a saved session headless")
    p.add_argument("session", help="session id (see `genie sessions list`) or trajectory file")
    _agent_flags(p, _SUB, "must be the session's repository, or resuming is refused (default: the session's own "
                 "repository, wherever you run genie)")
    p.add_argument("--answers", help="JSON list of answers to the agent's questions, used in order")
    p.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")

    p = cmd("demo", "genie_tui.ui.launch:demo", "open the app on a sample repo with a scripted model (no key needed)")
    p.add_argument("--theme", default=_SUB, help="UI theme")

    p = cmd("config", "genie_tui.config.cli:run", "show the effective configuration")
    p.add_argument("action", choices=["show"], nargs="?", default="show",
                   help="show (the default): effective values and where each came from")
    _repo_flag(p, _SUB)
    _model_flags(p, _SUB)

    p = cmd("models", "genie_tui.providers.cli:models", "list the models the endpoint offers")
    _repo_flag(p, _SUB)
    _model_flags(p, _SUB)

    p = cmd("sessions", "genie_tui.core.session_cli:sessions", "list recorded sessions")
    p.add_argument("action", choices=["list"], nargs="?", default="list")
    p.add_argument("--repo", default=_SUB, metavar="DIR",
                   help="only the sessions of the repository containing DIR (default: every repository's)")

    p = cmd("replay", "genie_tui.core.session_cli:replay", "print a recorded session as it happened")
    p.add_argument("file", help="trajectory file or session id")

    p = cmd("export", "genie_tui.core.session_cli:export", "export sessions as fine-tuning data")
    p.add_argument("file", nargs="+", metavar="SESSION",
                   help="trajectory file or session id (several: one file of examples, in that order)")
    p.add_argument("--format", choices=["openai"], default="openai")
    p.add_argument("-o", "--output", help="output file (default: stdout)")

    p = cmd("apply", "genie_tui.patching.cli:apply_cmd", "apply a unified diff robustly, or refuse with a reason")
    p.add_argument("patch", help="patch file, or - for stdin")
    _repo_flag(p, _SUB)
    p.add_argument("--dry-run", dest="dry_run", action="store_true", help="check only, change nothing")
    p.add_argument("--json", action="store_true", help="print the per-hunk report as JSON")

    p = cmd("undo", "genie_tui.patching.cli:undo_cmd", "undo the last patch genie applied")
    _repo_flag(p, _SUB)
    p.add_argument("--json", action="store_true")

    p = cmd("index", "genie_tui.retrieval.cli:index_cmd", "build or update the code index")
    _repo_flag(p, _SUB)
    p.add_argument("--explain", metavar="PATH", help="say whether PATH is indexed, and why not")

    p = cmd("search", "genie_tui.retrieval.cli:search_cmd", "search the code (QUERY may be @FILE)")
    p.add_argument("query", help="words, an error message or stack trace, or @FILE holding an issue text")
    _repo_flag(p, _SUB)
    p.add_argument("-k", type=int, default=10, help="number of files (default 10)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--hyde", action=argparse.BooleanOptionalAction, default=None,
                   help="with semantic search on: embed the code a chat model expects to find along with the "
                        "query (default: the embeddings_hypothetical setting)")

    p = cmd("playbooks", "genie_tui.playbooks.cli:run", "list, show, create and check playbooks")
    p.add_argument("action", choices=["list", "show", "new", "check"], nargs="?", default="list",
                   help="list (the default), show NAME, new NAME or check")
    p.add_argument("name", nargs="?", help="playbook name (show, new)")
    _repo_flag(p, _SUB)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except UsageExit as exc:
        commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        command = next((a for a in argv if a in commands), None)  # the first word that names one
        options = argv[:argv.index("--")] if "--" in argv else argv
        # argparse takes any unambiguous prefix (--jso) for --json
        if command in _JSON_RUNS and any(len(a) > 2 and "--json".startswith(a) for a in options):
            from genie_tui.core.events import SessionFinished
            from genie_tui.headless import summary_json

            text = json.dumps(summary_json(None, SessionFinished("failed", exc.message), exc.message), indent=2)
            failed = _reported(lambda: _show(text))  # a full disk or a closed pipe, as for any output
            if failed:
                return failed
        raise
    args.playbook = [*getattr(args, "playbook", []), *vars(args).pop("sub_playbook", [])]
    return _reported(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    from genie_tui.output import display_output

    module_name, _, func_name = args.handler.partition(":")
    if module_name.startswith("genie_tui.ui."):  # the app: Textual draws it, cleaned where text enters
        return int(getattr(importlib.import_module(module_name), func_name)(args) or 0)
    # SIGTERM (a CI job's timeout, a service manager) stops a command as Ctrl-C does, so it keeps what it did: an
    # interrupted index build is finished by the next one instead of started over. `genie run` sets its own. Set
    # before the command's modules load (a fifth of a second), when a SIGTERM killed genie with no word.
    # While they load, a signal is only noted, and acted on once they have: raised in the middle of an import
    # (asyncio's), it left half a module behind, and the clean-up's own imports failed with a traceback.
    signals: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: signals.append(signum))
    interrupt = signal.signal(signal.SIGINT, lambda signum, frame: signals.append(signum))
    try:
        try:
            handler = getattr(importlib.import_module(module_name), func_name)
        finally:
            signal.signal(signal.SIGINT, _stopping if interrupt is signal.default_int_handler else interrupt)
            signal.signal(signal.SIGTERM, _stopping)
        if signals:  # stopped while loading: `run --json` and `resume --json` still give their object
            if getattr(args, "json", False) and args.command in _JSON_RUNS:
                from genie_tui.core.events import SessionFinished
                from genie_tui.headless import summary_json

                print(json.dumps(summary_json(None, SessionFinished("cancelled", "interrupted"), "interrupted"),
                                 indent=2))
            raise Terminated if signals[0] == signal.SIGTERM else KeyboardInterrupt
        with display_output():  # what the command prints shows no terminal control sequences
            return int(handler(args) or 0)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if signal.getsignal(signal.SIGINT) is _stopping:
            signal.signal(signal.SIGINT, interrupt)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be, so the same clean-ups run."""


def _stopping(signum: int, frame: FrameType | None) -> None:
    """SIGTERM, or Ctrl-C, as an exception where the program is, but never inside an import (the command imports
    modules as it needs them): raised there, it left half a module and a traceback (``Error calling __set_name__``),
    so the signal is sent again a moment later, when the import is over."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()
            return
        frame = frame.f_back
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def _show(text: str) -> int:
    from genie_tui.output import display_output

    with display_output():
        print(text)
    return 0


def _reported(body: Callable[[], int]) -> int:
    """``body()``'s exit code, or that of the error it ended with, told in one line on stderr."""
    from genie_tui.output import OutputError
    from genie_tui.printable import printable

    try:
        return body()
    except OutputError as exc:
        _silence_closed_output(stderr=False)  # what could not be written must not fail again at exit
        with contextlib.suppress(OSError):
            print(f"genie: {exc}", file=sys.stderr)
        return exc.exit_code
    except GenieError as exc:  # the message may name a file or quote a config value: no control sequences
        _tell(f"genie: {printable(str(exc), keep_tabs=True)}")
        return exc.exit_code
    except Terminated:
        _tell("genie: stopped by SIGTERM")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        _tell("genie: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`genie ... | head`): stop quietly, but not with 0, which would claim a run
        # that was cut off (or that failed) succeeded.
        _silence_closed_output()
        return EXIT_BROKEN_PIPE


def _tell(line: str) -> None:
    """The one line that says why genie stopped, on stderr; when stderr cannot be written (a full disk under a
    CI log) the exit code still tells it, instead of a traceback nobody sees and exit 1."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        _silence_closed_output()


def _silence_closed_output(stderr: bool = True) -> None:
    """Point stdout (and stderr) at /dev/null so the flush at exit does not fail again on the closed pipe
    (or the full disk)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        for stream in (sys.stdout, sys.stderr) if stderr else (sys.stdout,):
            with contextlib.suppress(OSError, ValueError, AttributeError):  # no file descriptor (None, a capture)
                os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
