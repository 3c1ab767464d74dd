"""run_tests: detect the project's test command and run it with a timeout, streaming progress."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TAIL_LINES = 60


@dataclass(frozen=True, slots=True)
class TestRun:
    command: str
    exit_code: int
    passed: bool
    output: str
    elapsed_s: float
    timed_out: bool = False

    def report(self) -> str:
        tail = "\n".join(self.output.splitlines()[-TAIL_LINES:])
        verdict = ("TIMED OUT" if self.timed_out else "PASSED" if self.passed else "FAILED")
        return f"$ {self.command}\n{verdict} (exit code {self.exit_code}, {self.elapsed_s:.1f}s)\n{tail}"


def detect_test_command(repo: Path) -> str | None:
    """A best guess at how this repository runs its tests."""
    if (repo / "pyproject.toml").exists() or (repo / "pytest.ini").exists() or (repo / "setup.cfg").exists() \
            or (repo / "tox.ini").exists() or any(repo.glob("test*/**/test_*.py")) or any(repo.glob("test_*.py")):
        if _has_pytest():
            return f"{_python()} -m pytest -q -x --no-header -p no:cacheprovider"
        return f"{_python()} -m unittest discover -q"
    if (repo / "package.json").exists():
        return "npm test --silent"
    if (repo / "go.mod").exists():
        return "go test ./..."
    if (repo / "Cargo.toml").exists():
        return "cargo test -q"
    if (repo / "Makefile").exists() and re.search(r"^test:", (repo / "Makefile").read_text(errors="replace"), re.M):
        return "make test"
    if any(repo.glob("**/test*.py")):
        return f"{_python()} -m unittest discover -q"
    return None


def _python() -> str:
    return os.environ.get("GENIE_TEST_PYTHON") or sys.executable


def _has_pytest() -> bool:
    import importlib.util

    return importlib.util.find_spec("pytest") is not None


async def run_command(repo: Path, command: str, timeout: float,
                      on_line: Callable[[str], None] | None = None) -> TestRun:
    """Run ``command`` in ``repo`` in its own process group; kill the group on timeout or cancellation."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_shell(
        command, cwd=repo, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "CI": os.environ.get("CI", "1")},
    )
    chunks: list[str] = []

    async def pump() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace")
            chunks.append(line)
            if len(chunks) > 5000:
                del chunks[:1000]
            if on_line and line.strip():
                on_line(line.rstrip())

    timed_out = False
    try:
        await asyncio.wait_for(asyncio.gather(pump(), proc.wait()), timeout)
    except TimeoutError:
        timed_out = True
        _kill(proc)
        await proc.wait()
    except asyncio.CancelledError:
        _kill(proc)
        await proc.wait()
        raise
    code = proc.returncode if proc.returncode is not None else -1
    return TestRun(command, code, code == 0 and not timed_out, "".join(chunks),
                   time.monotonic() - started, timed_out)


def _kill(proc: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
