"""Bad input to ``genie index`` / ``genie search`` and a hostile environment (symlinks, odd cache files, an
unwritable cache dir): one clear line and an exit code, never a traceback, never a poisoned cache."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.store import SCHEMA_VERSION, db_path

PY = {"pkg/core.py": "def parse_config(path):\n    return open(path).read()\n", "README.md": "# demo\n"}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _genie(*argv: str) -> subprocess.CompletedProcess[str]:
    """A real process: pytest installs logging handlers that would hide a doubled warning in-process."""
    return subprocess.run([sys.executable, "-m", "genie_tui.cli", *argv], capture_output=True, text=True,
                          timeout=60)


def test_a_rebuilt_cache_is_one_warning_line_not_two(make_repo):
    repo = make_repo(PY)
    RepoIndex.open(repo).close()
    c = sqlite3.connect(db_path(repo))
    c.execute("UPDATE meta SET value='1' WHERE key='schema'")
    c.commit()
    c.close()
    r = _genie("search", "parse_config", "--repo", str(repo))
    assert r.returncode == 0 and "pkg/core.py" in r.stdout
    assert r.stderr.strip().splitlines() == [
        f"genie: warning: index cache was unusable (index schema 1 != {SCHEMA_VERSION}); rebuilding it"]
