"""run_tests: detect the project's test command and run it with a timeout, streaming progress."""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from genie_tui.printable import printable
from genie_tui.tools.base import ECHO_CHARS

_REAPER = Path(__file__).with_name("reaper.py")
TAIL_LINES = 60
TAIL_CHARS = 12_000  # the report's output tail: 60 lines of pytest dict diffs must not fill the context
LINE_CHARS = 400
KEEP_LINES = 1000  # of output, each cut at LINE_CHARS: what the report and the "no tests ran" check look at
LONG_LINE = 65536  # bytes of a line kept until it ends (a longer one's rest is only counted)
PROGRESS_EVERY_S = 0.1
#: a run with no new output line for this long says it is still running (`genie run`'s log shows progress at
#: most every 15 s: beats more often than that keep a quiet run from leaving the log silent for minutes)
HEARTBEAT_S = 10.0
EXIT_GRACE_S = 2.0  # after the command exits, how long its output pipe may stay open
DRAIN_S = 3.0
#: runners that exit 0 having run nothing (unittest "Ran 0 tests"; pytest exits 5 by itself) ...
_NO_TESTS = re.compile(r"^Ran 0 tests in |^(?:=+ )?no tests ran\b|^running 0 tests$"
                       r"|^(?:\?|ok)\s+\S+\s+\[no test files\]$|^ok\s+\S+\s+\S+\s+\[no tests to run\]$", re.MULTILINE)
#: ... unless some tests ran elsewhere in the output: `cargo test` says "running 0 tests" for the doc-tests of
#: every crate without doc examples after its unit tests ran, `go test ./...` "[no test files]" for a package
#: among tested ones, and a `make test` may run an empty suite after a full one
_SOME_TESTS = re.compile(r"^Ran [1-9]\d* tests? in |^running [1-9]\d* tests?$|\b[1-9]\d* (?:passed|failed)\b"
                         r"|^ok\s+\S+\s+(?:\d[\d.]*m?s|\(cached\))(?!.*\[no tests to run\])", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class TestRun:
    command: str
    exit_code: int
    passed: bool
    output: str  #: the output's last lines, each cut at ``LINE_CHARS`` with a note of how much more it had
    elapsed_s: float
    timed_out: bool = False

    def report(self) -> str:
        tail = "\n".join(self.output.splitlines()[-TAIL_LINES:])  # each line was cut as it came (see _Tail)
        if len(tail) > TAIL_CHARS:
            tail = "[... earlier output cut]\n" + tail[-TAIL_CHARS:].split("\n", 1)[-1]
        verdict = ("TIMED OUT" if self.timed_out else "PASSED" if self.passed else "FAILED")
        meaning = "" if self.timed_out else exit_meaning(self.command, self.exit_code)
        shown = self.command if len(self.command) <= ECHO_CHARS else \
            f"{self.command[:ECHO_CHARS]}… ({len(self.command):,} chars)"  # the model's own command: no echo of it all
        return (f"$ {shown}\n{verdict} (exit code {self.exit_code}{': ' + meaning if meaning else ''}, "
                f"{self.elapsed_s:.1f}s)\n{tail}")


def exit_meaning(command: str, code: int) -> str:
    """What an exit code other than a test failure's says (the shell's 127 for a command not found, 128 + N for
    signal N), or nothing: read as a failure, a mistyped test command looked like failing tests."""
    if code == 127:
        return "the command was not found"
    if code == 126:
        return "the command could not be run (not executable?)"
    if 128 < code <= 128 + 64 or -64 <= code < 0:  # the shell's 128 + N, or -N for a process with no shell left
        try:
            return f"killed by {signal.Signals(code - 128 if code > 0 else -code).name}"
        except ValueError:
            return ""
    if code == 5 and "pytest" in command:
        return "pytest collected no tests"
    return ""


def exit_text(command: str, code: int) -> str:
    """``exit N``, and what it means when it is no test failure (``exit 127: the command was not found``)."""
    meaning = exit_meaning(command, code)
    return f"exit {code}{': ' + meaning if meaning else ''}"


def detect_test_command(repo: Path) -> str | None:
    """A best guess at how this repository runs its tests."""
    if (repo / "pyproject.toml").exists() or (repo / "pytest.ini").exists() or (repo / "setup.cfg").exists() \
            or (repo / "tox.ini").exists() or any(repo.glob("test*/**/test_*.py")) or any(repo.glob("test_*.py")):
        python = _python(repo)
        if _has_pytest(python):
            return f"{shlex.quote(python)} -m pytest -q -x --no-header -p no:cacheprovider"
        return f"{shlex.quote(python)} -m unittest discover -q"
    if (repo / "package.json").exists():
        return "npm test --silent"
    if (repo / "go.mod").exists():
        return "go test ./..."
    if (repo / "Cargo.toml").exists():
        return "cargo test -q"
    if re.search(rb"^test:", _head(repo / "Makefile"), re.M):
        return "make test"
    if _finds_python_tests(repo):
        return f"{shlex.quote(_python(repo))} -m unittest discover -q"
    return None


#: how much of a Makefile is looked at for a ``test:`` target
MAKEFILE_BYTES = 1_000_000
#: how many directory entries the look for ``test*.py`` files goes through before giving up
WALK_ENTRIES = 20_000


def _head(path: Path) -> bytes:
    """The start of the regular file ``path``, or nothing: a directory, a named pipe (whose ``open`` blocks
    until a writer comes), ``/dev/zero`` or an unreadable file named ``Makefile`` has no test target."""
    from genie_tui.reading import TooLarge, read_regular

    try:
        return read_regular(path, MAKEFILE_BYTES)
    except TooLarge as exc:
        return exc.head
    except OSError:
        return b""


def _finds_python_tests(repo: Path) -> bool:
    """Whether a ``test*.py`` file is in the repository, looked for in at most ``WALK_ENTRIES`` entries and not in
    hidden, vendored or build directories (a build tree of 100,000 files made this walk take seconds, at every
    session start, where a repository with Python tests has them near the top)."""
    # the directories the index leaves out too
    from genie_tui.retrieval.files import SKIP_DIRS

    seen = 0
    queue = deque([repo])  # breadth first: tests sit near the top
    while queue:
        try:
            with os.scandir(queue.popleft()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > WALK_ENTRIES:
                        return False
                    name = entry.name
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if not name.startswith(".") and name not in SKIP_DIRS:
                                queue.append(Path(entry.path))
                        elif name.startswith("test") and name.endswith(".py"):
                            return True
                    except OSError:
                        continue
        except OSError:
            continue
    return False


def _python(repo: Path) -> str:
    """The project's interpreter: its own virtualenv first, then the active one, then genie's."""
    for candidate in (repo / ".venv" / "bin" / "python", repo / "venv" / "bin" / "python"):
        if candidate.exists():
            return str(candidate)
    active = os.environ.get("VIRTUAL_ENV")
    if active and (Path(active) / "bin" / "python").exists():
        return str(Path(active) / "bin" / "python")
    return shutil.which("python3") or sys.executable


def _has_pytest(python: str) -> bool:
    if Path(python).resolve() == Path(sys.executable).resolve():
        import importlib.util

        return importlib.util.find_spec("pytest") is not None
    try:
        return subprocess.run([python, "-c", "import pytest"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


async def run_command(repo: Path, command: str, timeout: float,
                      on_line: Callable[[str], None] | None = None) -> TestRun:
    """Run ``command`` in ``repo`` in its own process group; kill the group on timeout or cancellation.

    The run ends when the command exits, not when its output pipe closes: a test suite that leaves a server
    or watcher running (holding the pipe) still finishes, and what it left behind is killed with the group.
    Progress (``on_line``) is throttled, so a flood of output cannot flood the caller.
    """
    started = time.monotonic()
    options = {"cwd": repo, "stdout": asyncio.subprocess.PIPE, "stderr": asyncio.subprocess.STDOUT,
               "stdin": asyncio.subprocess.DEVNULL, "start_new_session": True, "env": _child_env()}
    if sys.platform.startswith("linux"):  # under the reaper: what the tests start dies with them, group or not
        options["env"] = {**options["env"], "GENIE_REAPER_PARENT": str(os.getpid())}
        proc = await asyncio.create_subprocess_exec(sys.executable, "-I", "-S", str(_REAPER), command, **options)
    else:
        proc = await asyncio.create_subprocess_shell(command, **options)
    tail = _Tail()
    last_progress = 0.0

    async def pump() -> None:
        nonlocal last_progress
        assert proc.stdout is not None
        while block := await proc.stdout.read(65536):
            added = tail.feed(block)
            now = time.monotonic()
            if on_line and added and now - last_progress >= PROGRESS_EVERY_S:
                last_progress = now
                progress(tail.newest(added))
        tail.close()
        if on_line:
            progress(tail.newest(20))  # the last line always shows (often the summary: "3 passed")

    shown = ""
    shown_at = started  # when on_line was last called

    def progress(recent: list[str]) -> None:
        nonlocal shown, shown_at
        line = next((c.rstrip()[:300] for c in recent if c.strip()), "")
        if line and line != shown and on_line is not None:
            shown, shown_at = line, time.monotonic()
            on_line(line)

    def beat(now: float) -> None:
        """No new line for a while (a silent compile, one slow test): say the run goes on, and for how long."""
        nonlocal shown_at
        if on_line is not None and now - shown_at >= HEARTBEAT_S:
            shown_at = now
            so_far = _duration(now - started)
            # the time first: a long last line is cut at the end where it is shown
            # a line still being written (pytest's dots) is output too
            now_shown = shown or tail.pending.rpartition(b"\r")[2][-300:].decode("utf-8", "replace").strip()
            on_line(f"still running after {so_far}: {now_shown}" if now_shown else
                    f"still running after {so_far}, no output yet")

    reader = asyncio.ensure_future(pump())
    timed_out = False
    try:
        deadline = started + timeout
        while proc.returncode is None:  # the command's exit ends the run (not the end of its output)
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                timed_out = True
                break
            beat(now)
            if reader.done():  # it closed its output but runs on (``exec >log``)
                await asyncio.sleep(min(0.05, left))
            else:
                await asyncio.wait({reader}, timeout=min(0.05, left))
        if not timed_out and not reader.done():  # exited; give the pipe a moment, then stop waiting for it
            await asyncio.wait({reader}, timeout=EXIT_GRACE_S)
    finally:
        await _stop(proc)  # the command if it still runs, and anything it left running
        await _finish(proc, reader)
    code = proc.returncode if proc.returncode is not None else -1
    output = tail.text()
    ran_nothing = bool(_NO_TESTS.search(output)) and not _SOME_TESTS.search(output)
    if ran_nothing:
        output += "\n[genie] no tests ran: this does not count as passing; check the test command or the test files\n"
    return TestRun(command, code, code == 0 and not timed_out and not ran_nothing, output,
                   time.monotonic() - started, timed_out)


def _duration(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}m {whole % 60:02d}s" if whole >= 60 else f"{whole}s"


class _Tail:
    """The command's output as the report shows it, kept as it arrives: each line (as a terminal shows it, see
    ``_lines``) cut at ``LINE_CHARS`` characters with a note of how many more it had, and only the last ``KEEP_LINES``
    lines. A line of any length (gigabytes without a newline) is read through: its first ``LONG_LINE`` bytes
    are kept until it ends, the rest only counted."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=KEEP_LINES)
        self.pending = b""  # the head of the line being read
        self.more = 0  # characters of that line past its head (counted, not kept)
        self.decoder: codecs.IncrementalDecoder | None = None  # for them, once the head is full
        self.unended = False

    def feed(self, block: bytes) -> int:
        """Take a block of output; how many lines it completed."""
        first, *complete = block.split(b"\n")
        self._grow(first)
        if not complete:
            return 0
        rest = complete.pop()
        self._end()
        for raw in complete:
            if len(raw) > LONG_LINE:
                self._grow(raw)
                self._end()
            else:
                self._add(_lines(raw.decode("utf-8", errors="replace")), 0)
        self._grow(rest)
        return len(complete) + 1

    def close(self) -> None:
        if self.pending or self.more:  # the output ended without a newline
            self._end()
            self.unended = True

    def newest(self, count: int) -> list[str]:
        """The last ``count`` lines, newest first."""
        return [self.lines[-i] for i in range(1, min(count, len(self.lines)) + 1)]

    def text(self) -> str:
        text = "".join(line + "\n" for line in self.lines)
        return text[:-1] if self.unended else text

    def _grow(self, piece: bytes) -> None:
        if self.decoder is None:
            room = LONG_LINE - len(self.pending)
            self.pending += piece[:room]
            piece = piece[room:]
            if not piece:
                return
            self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.more += len(self.decoder.decode(piece))

    def _end(self) -> None:
        more = self.more + (len(self.decoder.decode(b"", final=True)) if self.decoder else 0)
        self._add(_lines(self.pending.decode("utf-8", errors="replace")), more)
        self.pending, self.more, self.decoder = b"", 0, None

    def _add(self, parts: list[str], more: int) -> None:
        for number, part in enumerate(parts, 1):
            extra = len(part) - LINE_CHARS if len(part) > LINE_CHARS else 0
            extra += more if number == len(parts) else 0
            self.lines.append(f"{part[:LINE_CHARS]} ... [{extra} more characters]" if extra else part)


def _lines(text: str) -> list[str]:
    """One line of output (without its newline) as a terminal leaves it, split as ``str.splitlines`` does: what
    a carriage return redrew (a progress bar: hundreds of states, one line on screen) as its last state, and
    without escape sequences or control characters (coloured output, ``--color=yes``), which the model would
    read as text."""
    if "\r" in text:
        text = next((part for part in reversed(text.split("\r")) if part.strip()), "")
    return (printable(text, keep_tabs=True) + "\n").splitlines()


async def _finish(proc: asyncio.subprocess.Process, reader: asyncio.Future[None]) -> None:
    """After the group was killed: read the pipe to its end (a paused reader would never see it otherwise)
    for a few seconds, then give up on it and close the transport (a process that left the group)."""
    cancelled = False
    try:
        await asyncio.wait_for(asyncio.shield(reader), DRAIN_S)
    except (TimeoutError, asyncio.CancelledError) as exc:
        cancelled = isinstance(exc, asyncio.CancelledError)
        reader.cancel()
        transport = getattr(proc, "_transport", None)
        if transport is not None:
            transport.close()
    except Exception:  # noqa: BLE001 - the output read so far is what the report shows
        pass
    await _returncode(proc)
    if cancelled:
        raise asyncio.CancelledError  # cleaned up; the caller's cancel still stands


async def _returncode(proc: asyncio.subprocess.Process, wait_s: float = 2.0) -> None:
    """Wait (briefly) until the child's exit status is known; it is, right after it exits."""
    end = time.monotonic() + wait_s
    while proc.returncode is None and time.monotonic() < end:
        await asyncio.sleep(0.01)


def _child_env() -> dict[str, str]:
    """The tests' environment: genie's credentials are not theirs to see (or print to the model): its keys, and
    an endpoint whose URL carries a password or a token (``https://me:pw@proxy/v1``)."""
    from genie_tui.config.settings import ENV_VARS, url_secrets

    secret = {*ENV_VARS["api_key"], "GENIE_EMBEDDINGS_API_KEY"}
    secret |= {name for name in ENV_VARS["base_url"] if url_secrets(os.environ.get(name))}
    env = {k: v for k, v in os.environ.items() if k not in secret}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", "CI": os.environ.get("CI", "1")}


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """A command still running (a timeout, a cancel) is asked to stop first: under the reaper, SIGTERM makes
    it kill everything the command started, in any process group. Then the group is killed outright (all
    there is to do where there is no reaper)."""
    if proc.returncode is None:
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        await _returncode(proc, 1.0)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
