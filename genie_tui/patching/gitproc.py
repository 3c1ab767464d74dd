"""git as genie's commits run it: its output in temporary files, in a session of its own, stoppable.

A commit runs the repository's hooks, and what they do is theirs: a post-commit hook that starts a background
job (``sleep 30 &``, a tag refresher, a notifier) leaves it holding whatever git's output went to. Read through
pipes, that held genie up until the job ended (31 s for ``sleep 30 &``; a daemon, for ever) though git had
exited at once; so git writes to temporary files, and genie waits for git alone. A pre-commit hook that takes
long (a linter, ``sleep 45``) is what a cancel must end: git and everything it starts run in a session (and
process group) of their own, which :meth:`Stop.set` ends, the hooks with git. Killing git alone had left the
hook running and git's commit landing 45 s after genie was gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from genie_tui.errors import GenieError

GRACE_S = 2.0  # how long git and its hooks have to end on SIGTERM (git removes its lock files) before SIGKILL

_lock = threading.Condition()  # guards the sets below and every start and reaping of a git process
_live: set[subprocess.Popen[bytes]] = set()  # every git process of a commit, running or not yet reaped
_stops: set[Stop] = set()  # the commits in progress in this process, by their stops (see settle)


class Stopped(GenieError):
    """The commit was stopped (the turn was): git and its hooks were ended before it was made."""

    def __init__(self) -> None:
        super().__init__("commit stopped with the turn: git and its hooks were ended before the commit was made; "
                         "the change stays applied, uncommitted")


class Stop:
    """A commit's cancel, from any thread: ``set()`` ends the git commands running under it, hooks and what
    they started with them (SIGTERM to their process group, SIGKILL after :data:`GRACE_S`), and refuses new
    ones (:class:`Stopped`). Commands run as ``stoppable=False`` (putting HEAD back after a commit that was not
    made) are neither ended nor refused."""

    def __init__(self) -> None:
        self.is_set = False
        self._procs: set[subprocess.Popen[bytes]] = set()

    def set(self) -> None:
        with _lock:
            if self.is_set:
                return
            self.is_set = True
            running = list(self._procs)
            for proc in running:
                _signal(proc, signal.SIGTERM)
        if running:
            timer = threading.Timer(GRACE_S, self._kill)
            timer.daemon = True
            timer.start()

    def _kill(self) -> None:
        with _lock:
            for proc in self._procs:  # not reaped yet: its process group is still its own
                _signal(proc, signal.SIGKILL)


@contextlib.contextmanager
def committing(stop: Stop) -> Iterator[None]:
    """A commit in progress under ``stop``: :func:`settle` stops it and waits for it to end."""
    with _lock:
        _stops.add(stop)
    try:
        yield
    finally:
        with _lock:
            _stops.discard(stop)
            _lock.notify_all()


def busy() -> bool:
    """Whether a commit is in progress in this process."""
    with _lock:
        return bool(_stops)


def settle(timeout: float) -> bool:
    """Stop every commit in progress and wait, at most ``timeout`` seconds, until each has ended (a branch made
    for a commit that was not is removed again); then end whatever git process is left. A process that quits at
    once (``os._exit`` on a second SIGTERM or Ctrl+C) asks first: quitting outright had left git and its hook
    running, and their commit landing on a branch left checked out. Whether every commit ended."""
    with _lock:
        stops = list(_stops)
    for stop in stops:
        stop.set()
    with _lock:
        done = _lock.wait_for(lambda: not _stops, timeout)
        for proc in _live:
            _signal(proc, signal.SIGKILL)
    return done


def run(root: Path, args: tuple[str, ...], data: bytes | None = None, env: dict[str, str] | None = None,
        stop: Stop | None = None) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``root`` (``data`` on its stdin, else nothing) to its end, git's only: a hook's
    background job may outlive it. Under ``stop``, refused or ended by it (:class:`Stopped`)."""
    full = {**os.environ, "LC_ALL": "C", **(env or {})}
    # the output in files, not pipes: a hook's job may hold them, and write to them after git's end, harmlessly;
    # the input (a blob to store: no command that runs hooks) through a pipe, not a file: none is written for it
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with _lock:
            if stop is not None and stop.is_set:
                raise Stopped()
            try:
                # a session of its own: a cancel ends the group (git's hooks too, and their children), and a
                # hook that reads the terminal gets none rather than being stopped by it (SIGTTIN); stdin is
                # never genie's terminal (the app's screen)
                proc = subprocess.Popen(["git", *args], cwd=root, stdout=out, stderr=err, env=full,
                                        stdin=subprocess.DEVNULL if data is None else subprocess.PIPE,
                                        start_new_session=True)
            except FileNotFoundError:
                raise GenieError("git is not installed (or not on PATH)") from None
            _live.add(proc)
            if stop is not None:
                stop._procs.add(proc)
        ended = False
        try:
            if data is not None:
                _feed(proc, data)
            _wait_exited(proc)
            ended = True
        finally:
            with _lock:
                _live.discard(proc)
                if stop is not None:
                    stop._procs.discard(proc)
                if not ended or (stop is not None and stop.is_set):
                    _signal(proc, signal.SIGKILL)  # a hook that outlived git: still of the group until reaped
                proc.wait()
        if stop is not None and stop.is_set:
            raise Stopped()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    """``data`` on git's stdin, then its end; git's output going to files, git never waits for genie meanwhile."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
    except BrokenPipeError:
        pass  # git ended (it failed, or was stopped): its exit status says what happened
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()


def _wait_exited(proc: subprocess.Popen[bytes]) -> None:
    """Until ``proc`` exits, without reaping it: while it is a zombie its process id, and its group's, are not
    given to another process, so the group can still be signalled safely."""
    if not hasattr(os, "waitid"):  # pragma: no cover - not on Linux
        proc.wait()
        return
    with contextlib.suppress(ChildProcessError):
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)


def _signal(proc: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone
    except AttributeError:  # pragma: no cover - no process groups (Windows)
        with contextlib.suppress(OSError):
            proc.send_signal(signum)


class Git:
    """Plain git commands in the work tree, under a commit's :class:`Stop`; a failure is a one-line GenieError."""

    def __init__(self, root: Path, stop: Stop | None = None) -> None:
        self.root, self.stop = root, stop

    def run(self, *args: str, data: bytes | None = None, env: dict[str, str] | None = None,
            check: bool = True, stoppable: bool = True) -> subprocess.CompletedProcess[bytes]:
        proc = run(self.root, args, data, env, self.stop if stoppable else None)
        if check and proc.returncode != 0:
            lines = proc.stderr.decode("utf-8", "replace").splitlines()
            detail = next((ln.strip() for ln in lines if ln.strip()), f"exit code {proc.returncode}")
            raise GenieError(f"git {next(a for a in args if not a.startswith('-'))} failed: {detail}")
        return proc

    def text(self, *args: str, env: dict[str, str] | None = None, check: bool = True,
             stoppable: bool = True) -> str:
        return self.run(*args, env=env, check=check, stoppable=stoppable).stdout.decode("utf-8", "surrogateescape")

    def head(self, stoppable: bool = True) -> str | None:
        """HEAD's commit, None when HEAD is unborn."""
        return self.text("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False, stoppable=stoppable).strip() \
            or None

    def blob(self, sha: str) -> bytes:
        return self.run("cat-file", "blob", sha).stdout

    def store(self, data: bytes, path: str | None = None) -> str:
        """The blob of ``data`` (with ``path``: as ``git add`` would clean the file's bytes), written."""
        args = ["--path", path] if path is not None else ["--no-filters"]
        return self.run("hash-object", "-w", "--stdin", *args, data=data).stdout.decode().strip()

    def entries(self, *args: str) -> dict[str, tuple[str, str]]:
        """``ls-tree -z`` / ``ls-files -s -z`` output as path -> (mode, sha); unmerged paths as mode "conflict"."""
        out: dict[str, tuple[str, str]] = {}
        for rec in self.run("--literal-pathspecs", *args).stdout.decode("utf-8", "surrogateescape").split("\0"):
            if not rec:
                continue
            meta, _, path = rec.partition("\t")
            fields = meta.split()
            if args[0] == "ls-tree":
                out[path] = (fields[0], fields[2])
            else:
                out[path] = ("conflict", "") if fields[2] != "0" else (fields[0], fields[1])
        return out
