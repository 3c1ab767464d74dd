"""`genie run` builds the code index before its first request and says so on stderr; what the index has to tell
(waiting for another genie, a damaged cache rebuilt) is said there too; a SIGTERM does not wait for the build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from genie_tui.providers.scripted import Reply, ScriptedServer
from genie_tui.retrieval.store import db_path
from tests.core.test_index_service import another_genie_building, many_files


def run(repo: Path, server: ScriptedServer) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "genie_tui", "run", "look around", "--repo", str(repo),
                             "--base-url", server.base_url, "--model", "scripted-model"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "GENIE_API_KEY": "test"})


def test_a_run_waiting_for_the_index_says_so_and_a_sigterm_stops_it_at_once(make_repo):
    repo = many_files(make_repo, 20)
    with another_genie_building(repo), ScriptedServer([Reply(tool_calls=[("finish", {"summary": "x"})])]) as server:
        proc = run(repo, server)
        time.sleep(3.0)  # past start-up, waiting for the index to build its map
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - t0
        assert not server.requests  # stopped before its first request
    assert proc.returncode == 143, err
    assert took < 5.0, err
    assert "genie: index: another genie process is updating this repository's index; waiting for it" in err
    assert "genie: indexing the repository..." in err
    assert "Traceback" not in err


def test_a_damaged_cache_rebuilt_is_said_on_stderr(make_repo):
    repo = many_files(make_repo, 20)
    subprocess.run([sys.executable, "-m", "genie_tui", "index", "--repo", str(repo)], check=True,
                   capture_output=True)
    db_path(repo).write_bytes(os.urandom(8192))
    with ScriptedServer([Reply(tool_calls=[("search_code", {"query": "func_7"})]),
                         Reply(tool_calls=[("finish", {"summary": "found"})])]) as server:
        proc = run(repo, server)
        _, err = proc.communicate(timeout=60)
        searched = server.requests[-1]["messages"][-1]["content"]
    assert proc.returncode == 0, err
    assert "genie: index: index cache was unusable (file is not a database); rebuilding it" in err
    assert searched.startswith("pkg0/mod7.py")
