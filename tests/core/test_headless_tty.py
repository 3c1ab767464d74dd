"""`--approve ask` on a real terminal (a pty): the patch is shown, y applies it; a question is answered inline."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

from genie_tui.providers.scripted import Reply, ScriptedServer

CODE = "def f():\n    return 1\n"
DIFF = "--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2\n"


def drive_pty(argv: list[str], replies: dict[str, str], timeout: float = 60) -> tuple[int, str, str]:
    """Run argv with stdin/stderr on a pty, typing a reply whenever a prompt appears; return (code, pty text, stdout)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=os.environ.copy())
    os.close(slave)
    transcript, pending = "", dict(replies)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                transcript += os.read(master, 4096).decode(errors="replace")
            except OSError:
                break
        for prompt in list(pending):
            if prompt in transcript:
                reply = pending.pop(prompt)
                if reply == "<SIGINT>":
                    os.kill(proc.pid, signal.SIGINT)
                else:
                    os.write(master, (reply + "\n").encode())
        if proc.poll() is not None and not ready:
            break
    if proc.poll() is None:
        proc.kill()
    out = proc.stdout.read().decode()
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, transcript, out


def test_ask_mode_on_a_terminal(make_repo):
    repo = make_repo({"m.py": CODE})
    script = [Reply(tool_calls=[("ask_user", {"question": "Which value?", "choices": ["2", "3"]})]),
              Reply(tool_calls=[("propose_patch", {"diff": DIFF, "summary": "return 2"})]),
              Reply(tool_calls=[("finish", {"summary": "changed"})])]
    with ScriptedServer(script) as server:
        code, transcript, out = drive_pty(
            [sys.executable, "-m", "genie_tui", "run", "change f", "--repo", str(repo), "--base-url",
             server.base_url, "--json"],
            {"answer (empty": "2", "apply this patch?": "y"})
        requests = server.requests
    assert code == 0, transcript
    assert "? Which value? [2 / 3]" in transcript and "+    return 2" in transcript
    assert "The user answered: 2" in requests[1]["messages"][-1]["content"]
    assert (repo / "m.py").read_text() == "def f():\n    return 2\n"
    summary = json.loads(out)
    assert summary["patches"][0]["applied"] is True


def test_budget_exhausted_exit_code(make_repo):
    repo = make_repo({"m.py": CODE})
    with ScriptedServer([Reply(tool_calls=[("list_dir", {"path": "."})])] * 2) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "loop", "--repo", str(repo), "--base-url",
                               server.base_url, "--max-steps", "2", "--json"], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
    assert proc.returncode == 3, proc.stderr
    assert json.loads(proc.stdout)["status"] == "budget_exhausted"


def test_ctrl_c_at_a_prompt_stops_cleanly(make_repo):
    repo = make_repo({"m.py": CODE})
    script = [Reply(tool_calls=[("propose_patch", {"diff": DIFF})]), Reply(tool_calls=[("finish", {"summary": "x"})])]
    with ScriptedServer(script) as server:
        code, transcript, out = drive_pty(
            [sys.executable, "-m", "genie_tui", "run", "change f", "--repo", str(repo), "--base-url",
             server.base_url, "--json"], {"apply this patch?": "<SIGINT>"}, timeout=30)
    assert code == 130, transcript
    assert "Traceback" not in transcript and "InvalidStateError" not in transcript
    summary = json.loads(out)
    assert summary["status"] == "cancelled"
    assert (repo / "m.py").read_text() == CODE
    records = [json.loads(line) for line in open(summary["trajectory"])]
    assert records[-1]["type"] == "end" and records[-1]["status"] == "cancelled"


def test_a_yes_typed_ahead_answers_only_the_prompt_on_screen(make_repo, tmp_path):
    """`y⏎y⏎` for the patch: the second yes waited in Python's buffer and ran the command the model asked for
    next, which the user never saw (found by a review). Lines typed before a yes/no prompt are dropped."""
    repo = make_repo({"m.py": CODE})
    marker = tmp_path / "ran"
    script = [Reply(tool_calls=[("propose_patch", {"diff": DIFF, "summary": "return 2"})]),
              Reply(tool_calls=[("run_tests", {"command": f"touch {marker}"})]),
              Reply(tool_calls=[("finish", {"summary": "changed"})])]
    with ScriptedServer(script) as server:
        code, transcript, out = drive_pty(
            [sys.executable, "-m", "genie_tui", "run", "change f", "--repo", str(repo), "--base-url",
             server.base_url, "--json"], {"apply this patch?": "y\ny", "run `touch": "n"})
    assert code == 0, transcript
    assert (repo / "m.py").read_text() == "def f():\n    return 2\n"
    assert not marker.exists(), transcript
    assert json.loads(out)["status"] == "finished"
