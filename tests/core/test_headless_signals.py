"""`genie run` stopped by a signal, as CI stops it (a job timeout or cancel sends SIGTERM): the turn stops
cleanly, the session ends resumable, `--json` still prints its object and the exit code says why."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from genie_tui.providers.scripted import Reply, ScriptedServer

CODE = "def f():\n    return 1\n"


def start_run(repo: Path, server: ScriptedServer) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "genie_tui", "run", "change f", "--repo", str(repo),
                             "--base-url", server.base_url, "--json"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def wait_for_stream(server: ScriptedServer, requests: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(server.requests) < requests and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # well into the slow stream


def test_sigterm_stops_the_run_cleanly_and_it_resumes(make_repo):
    repo = make_repo({"m.py": CODE})
    slow = Reply(content="thinking " * 300, chunk_chars=2, chunk_delay=0.02)
    with ScriptedServer([Reply(tool_calls=[("list_dir", {"path": "."})]), slow]) as server:
        proc = start_run(repo, server)
        wait_for_stream(server, 2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err  # 128 + SIGTERM, as a shell reports it
    assert "Traceback" not in err
    summary = json.loads(out)
    assert summary["status"] == "cancelled" and "SIGTERM" in summary["summary"]
    records = [json.loads(line) for line in open(summary["trajectory"])]
    assert records[-1]["type"] == "end" and records[-1]["status"] == "cancelled"
    messages = [r["message"] for r in records if r["type"] == "message"]
    calls = [c["id"] for m in messages if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    results = [m["tool_call_id"] for m in messages if m["role"] == "tool"]
    assert calls == results
    with ScriptedServer([Reply(tool_calls=[("finish", {"summary": "resumed"})])]) as server:
        resumed = subprocess.run([sys.executable, "-m", "genie_tui", "resume", Path(summary["trajectory"]).stem,
                                  "--base-url", server.base_url, "--json"], capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL, timeout=60)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["summary"] == "resumed"


def test_a_second_signal_quits_at_once_and_json_still_prints_its_object(make_repo):
    import socket

    repo = make_repo({"m.py": CODE})
    silent = socket.socket()  # a page that never answers: the fetch runs on after the first signal
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    from genie_tui.config.settings import user_config_file

    user_config_file().parent.mkdir(parents=True, exist_ok=True)  # the user's choice: a repository may not make it
    user_config_file().write_text(f'web_allow_hosts = "127.0.0.1:{silent.getsockname()[1]}"\n')
    with silent, ScriptedServer([Reply(tool_calls=[("list_dir", {"path": "."})]),
                                 Reply(tool_calls=[("browse_url", {"url": url})])]) as server:
        proc = start_run(repo, server)
        wait_for_stream(server, 2)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "genie: interrupted" in err  # the quit-at-once path
    summary = json.loads(out)
    assert summary["status"] == "cancelled" and summary["steps"] == 2
    records = [json.loads(line) for line in Path(summary["trajectory"]).read_text().splitlines()]
    assert records[-1]["type"] == "end" and records[-1]["status"] == "cancelled"
