"""run_tests: detect the project's test command and run it with a timeout, streaming progress."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TAIL_LINES = 60
#: runners that exit 0 having run nothing (unittest "Ran 0 tests"; pytest exits 5 by itself)
_NO_TESTS = re.compile(r"^Ran 0 tests in |^no tests ran\b|^running 0 tests$|^ok\s+\S+\s+\[no test files\]$", re.M)


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
    if (repo / "Makefile").exists() and re.search(r"^test:", (repo / "Makefile").read_text(errors="replace"), re.M):
        return "make test"
    if any(repo.glob("**/test*.py")):
        return f"{shlex.quote(_python(repo))} -m unittest discover -q"
    return None


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
    """Run ``command`` in ``repo`` in its own process group; kill the group on timeout or cancellation."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_shell(
        command, cwd=repo, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL, start_new_session=True,
        env=_child_env(),
    )
    chunks: list[str] = []

    async def pump() -> None:
        assert proc.stdout is not None
        pending = b""
        while block := await proc.stdout.read(65536):
            *complete, pending = (pending + block).split(b"\n")
            if len(pending) > 65536:  # a huge line without a newline: keep its head only
                complete.append(pending[:4096] + b" ...")
                pending = b""
            for raw in complete:
                line = raw.decode("utf-8", errors="replace")
                chunks.append(line + "\n")
                if on_line and line.strip():
                    on_line(line.rstrip())
            if len(chunks) > 5000:
                del chunks[:1000]
        if pending:
            chunks.append(pending.decode("utf-8", errors="replace"))

    timed_out = False
    try:
        async with asyncio.timeout(timeout):
            await pump()
            await proc.wait()
    except TimeoutError:
        timed_out = True
    finally:
        if proc.returncode is None:
            _kill(proc)
            await asyncio.shield(proc.wait())
    code = proc.returncode if proc.returncode is not None else -1
    output = "".join(chunks)
    ran_nothing = bool(_NO_TESTS.search(output))
    if ran_nothing:
        output += "\n[genie] no tests ran: this does not count as passing; check the test command or the test files\n"
    return TestRun(command, code, code == 0 and not timed_out and not ran_nothing, output,
                   time.monotonic() - started, timed_out)


def _child_env() -> dict[str, str]:
    """The tests' environment: genie's credentials are not theirs to see (or print to the model)."""
    secret = {"GENIE_API_KEY", "OPENAI_API_KEY", "GENIE_EMBEDDINGS_API_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in secret}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", "CI": os.environ.get("CI", "1")}


def _kill(proc: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
