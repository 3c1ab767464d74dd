"""The file and test tools on inputs far larger than what they show: a read of a huge file's window, a test
command that prints gigabytes, genie killed outright while the tests run. Each runs in a child process under
a memory cap and a timeout, so that a regression fails the test instead of eating the machine's memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genie_tui.providers.scripted import Reply, ScriptedServer

MEMORY_KB = 1_000_000

_CALL = """
import json, sys
from pathlib import Path
from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError
repo = Path(sys.argv[1])
ctx = ToolContext(repo, load_settings(repo, {}))
for name, args in json.loads(sys.argv[2]):
    try:
        print(json.dumps(registry.run_simple(ctx, name, registry.validate(name, args)).text))
    except ToolError as exc:
        print(json.dumps("ERROR " + str(exc)))
"""


def call_tools(repo: Path, *calls: tuple[str, dict]) -> list[str]:
    """The tools' texts, from a child process under ``ulimit -v``."""
    proc = subprocess.run(["sh", "-c", f'ulimit -v {MEMORY_KB}; exec "$@"', "sh", sys.executable, "-c", _CALL,
                           str(repo), json.dumps(calls)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


def sparse(path: Path, head: bytes, size: int) -> None:
    path.write_bytes(head)
    os.truncate(path, size)  # the rest reads as zeros, on no disk


def test_a_window_of_a_huge_file_is_read_in_bounded_memory(make_repo):
    """Every line up to the window was kept, and a line was read whole: a 1 GB file whose first 9 KB had no
    newline took 2 GB; 50 million short lines and start_line near the end took 3.5 GB."""
    repo = make_repo({"a.py": "x = 1\n"})
    sparse(repo / "oneline.txt", b"x" * 9000, 1 << 30)
    sparse(repo / "short.txt", b"".join(b"%d\n" % n for n in range(1, 101)) + b"y" * 9000, 3 << 30)
    texts = call_tools(repo, ("read_file", {"path": "oneline.txt"}),
                       ("read_file", {"path": "short.txt", "start_line": 99, "end_line": 5_000_000}),
                       ("read_file", {"path": "short.txt", "start_line": 5_000_000}),
                       ("read_file", {"path": "oneline.txt", "start_line": 3}))
    lines = texts[0].splitlines()
    assert lines[0] == f"oneline.txt lines 1-1 (a large file: {1 << 30} bytes, read in windows)"
    assert lines[1].startswith("1| " + "x" * 500 + " ... [") and len(lines[1]) < 600
    lines = texts[1].splitlines()
    assert lines[1:3] == [" 99| 99", "100| 100"] and lines[3].startswith("101| yyy") and len(lines) == 5
    assert texts[2] == ("ERROR short.txt: start_line 5000000 is beyond the first 1073741824 bytes genie reads of "
                        "this file (101 lines)")
    assert texts[3].startswith("ERROR oneline.txt: start_line 3 is beyond the first 1073741824 bytes")


_RUN = """
import asyncio, sys, tempfile
from pathlib import Path
from genie_tui.tools.testrun import run_command
run = asyncio.run(run_command(Path(tempfile.mkdtemp()), sys.argv[1], 60))
print(run.report())
"""


def run_report(command: str) -> str:
    """``run_command(command).report()``, from a child process under ``ulimit -v``."""
    proc = subprocess.run(["sh", "-c", f'ulimit -v {MEMORY_KB}; exec "$@"', "sh", sys.executable, "-c", _RUN,
                           command], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_test_output_of_wide_lines_is_cut_as_it_comes():
    """6000 lines of 131,000 characters were kept whole (up to 5000 of them) and joined: 1.4 GB for a report
    that shows 60 lines of 400 characters."""
    report = run_report(f"{sys.executable} -c \"import sys; [sys.stdout.write('y' * 131000 + chr(10)) "
                        f"for i in range(6000)]; print('6000 passed')\"")
    lines = report.splitlines()
    assert lines[1].startswith("PASSED") and lines[-1] == "6000 passed"
    assert lines[-2] == "y" * 400 + " ... [130600 more characters]" and len(report) < 13_000


def test_a_gigabyte_line_of_test_output_is_read_through_and_counted():
    """A line with no newline was cut into 4 KB pieces every 64 KB, each shown as a line of its own."""
    report = run_report("head -c 1000000000 /dev/zero | tr '\\0' a; echo; echo done")
    assert report.splitlines()[2:] == ["a" * 400 + " ... [999999600 more characters]", "done"]


def _running(token: str) -> list[int]:
    """PIDs of processes whose command line holds ``token``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if token.encode() in fh.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper and /proc are Linux's")
def test_tests_running_when_genie_is_killed_outright_are_stopped(make_repo):
    """SIGKILL to genie (an OOM kill, ``timeout -s KILL``) left the reaper, the shell and the command running,
    re-parented to init; SIGTERM was handled, SIGKILL cannot be."""
    repo = make_repo({"m.py": "x = 1\n"})
    token = f"{4000 + os.getpid() % 1000}.{time.time_ns() % 10**6:06d}"
    command = f"sleep {token}"
    script = [Reply(tool_calls=[("run_tests", {"command": command})]),
              Reply(tool_calls=[("finish", {"summary": "done"})])]
    with ScriptedServer(script) as server:
        genie = subprocess.Popen([sys.executable, "-m", "genie_tui", "run", "run the tests", "--repo", str(repo),
                                  "--base-url", server.base_url, "--approve", "auto", "--json"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not any(_is_sleep(pid) for pid in _running(token)) and time.monotonic() < deadline:
                assert genie.poll() is None, "genie ended before the tests started"
                time.sleep(0.05)
            assert _running(token), "the test command never started"
            genie.kill()
            genie.wait(timeout=10)
            deadline = time.monotonic() + 10
            while _running(token) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = _running(token)
            assert not left, f"left running after genie was killed: {[_cmdline(pid) for pid in left]}"
        finally:
            if genie.poll() is None:
                genie.kill()
                genie.wait(timeout=10)
            for pid in _running(token):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "(gone)"


def _is_sleep(pid: int) -> bool:
    return _cmdline(pid).startswith("sleep ")
