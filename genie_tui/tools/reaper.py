"""Run one shell command and, when it ends, everything it started: ``python -I -S reaper.py COMMAND``.

Killing the test command's process group misses what left the group: a test that starts a server with
``setsid`` or ``start_new_session=True`` leaves it running, holding the output pipe open and the port taken.
This wrapper makes itself a child subreaper (Linux ``prctl``), so every orphan of the command is re-parented
to it instead of to init; when the command exits, or the wrapper gets SIGTERM (genie's timeout or Esc), it
kills every descendant, wherever its group or session, reaps them, and exits with the command's status.
It does the same when genie itself dies (SIGKILL, a crash): the kernel's parent-death signal (``prctl``) turns
that into the same SIGTERM, and a poll of ``getppid()`` catches what that misses (genie gone before it was
set); then, genie not being there to do it, it also kills its own process group.

It runs as a plain script with only the standard library (``-I -S``: no site packages, no genie imports), so
it starts in a few milliseconds. Elsewhere than Linux it only runs the command.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PARENT_ENV = "GENIE_REAPER_PARENT"  # genie's PID, set by genie: it may be gone before the reaper looks
PARENT_POLL_S = 0.2


def _become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """SIGTERM to this process once ``parent`` (genie) is gone: from the kernel at once where it can
    (``PR_SET_PDEATHSIG``), and from a thread that polls ``getppid()`` (everywhere, and for a parent that died
    before the signal was asked for)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def poll() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=poll, name="parent-watch", daemon=True).start()


def _own_proc() -> bool:
    """Whether /proc describes this process's PID namespace (not so after ``unshare --pid`` without a new
    /proc mount: its PIDs would name other processes)."""
    try:
        return os.readlink("/proc/self") == str(os.getpid())
    except OSError:
        return False


def descendants(root: int) -> list[int]:
    """Every process below ``root`` in the process tree, read from /proc."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue  # gone meanwhile
        fields = data[data.rfind(b")") + 2:].split()  # after the command name, which may hold spaces
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    stack = [root]
    while stack:
        for pid in children.get(stack.pop(), ()):
            found.append(pid)
            stack.append(pid)
    return found


def _reap_children() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(deadline_s: float = 5.0) -> None:
    """SIGKILL everything below this process until nothing is left (a process may fork while it is being
    killed; its orphans come back to us as the subreaper) or ``deadline_s`` passes."""
    end = time.monotonic() + deadline_s
    me = os.getpid()
    while time.monotonic() < end:
        pids = descendants(me)
        _reap_children()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)
        _reap_children()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: reaper.py COMMAND", file=sys.stderr)
        return 2
    parent = os.getppid()
    given = os.environ.pop(PARENT_ENV, "")  # not the command's to inherit
    if given.isdigit() and int(given) != parent:
        parent = -1  # genie died before the reaper started: clean up at once
    reaping = _own_proc() and _become_subreaper()
    done: list[int] = []  # the command's status, once known

    def stop(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second SIGTERM must not cut the cleanup short
        if reaping:
            kill_descendants()
        if os.getppid() != parent and os.getpgrp() == os.getpid():  # genie is gone: do its part too
            try:
                os.killpg(os.getpid(), signal.SIGKILL)  # the command's group, this process with it
            except OSError:
                pass
        os._exit(done[0] if done else 128 + signum)

    signal.signal(signal.SIGTERM, stop)
    _watch_parent(parent)
    child = subprocess.Popen(["/bin/sh", "-c", argv[0]])
    if not reaping:
        code = child.wait()
    else:
        # As the subreaper, every orphan of the command becomes our child: reap them all while the command
        # runs, or a daemon the tests stop stays a zombie and looks alive to their "is it gone yet" checks.
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                code = child.wait()
                break
            if pid == child.pid:
                code = os.waitstatus_to_exitcode(status)
                child.returncode = code
                break
    status_code = code if code >= 0 else 128 - code
    done.append(status_code)
    if reaping:
        kill_descendants()
    return status_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
