"""QA of `genie run`: what a run does when its surroundings fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from genie_tui.providers.scripted import Reply, ScriptedServer

KEY = "sk-test-key-for-the-scripted-server"
FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
LOOK = Reply(content="Looking around.", tool_calls=[("list_dir", {"path": "."})])


def test_a_stderr_that_cannot_be_written_loses_the_progress_not_the_run(make_repo):
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([LOOK, FINISH]) as server, open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "look around", "--repo", str(repo),
                               "--base-url", server.base_url, "--json"], stdout=subprocess.PIPE, stderr=full,
                              text=True, env={**os.environ, "GENIE_API_KEY": KEY}, stdin=subprocess.DEVNULL,
                              timeout=120, check=False)
        assert len(server.requests) == 2
    assert proc.returncode == 0
    result = json.loads(proc.stdout)
    assert result["status"] == "finished" and result["steps"] == 2
    ends = [json.loads(line) for line in Path(result["trajectory"]).read_text().splitlines()
            if json.loads(line)["type"] == "end"]
    assert [e["status"] for e in ends] == ["finished"]


def test_playbooks_named_before_and_after_the_run_command_are_all_turned_on(make_repo):
    repo = make_repo({"a.py": "x = 1\n"})
    with ScriptedServer([FINISH]) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "--playbook", "add-tests", "run", "look around",
                               "--repo", str(repo), "--base-url", server.base_url, "--playbook", "write-docs",
                               "--json"], capture_output=True, text=True, env={**os.environ, "GENIE_API_KEY": KEY},
                              stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    start = json.loads(Path(json.loads(proc.stdout)["trajectory"]).read_text().splitlines()[0])
    assert start["playbooks"] == ["add-tests", "write-docs"]  # add-tests was dropped


def test_resuming_a_session_stopped_before_its_task_reached_the_model_runs_the_task(make_repo):
    from genie_tui.core.session import Session

    repo = make_repo({"a.py": "x = 1\n"})
    s = Session.create("rename x to y")
    s.record("start", task="rename x to y", repo=str(repo), config={}, tools=[])  # killed right after this
    s.close()
    with ScriptedServer([FINISH]) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "resume", s.id, "--base-url", server.base_url,
                               "--json"], capture_output=True, text=True, env={**os.environ, "GENIE_API_KEY": KEY},
                              stdin=subprocess.DEVNULL, timeout=120, check=False)
        users = [m["content"] for m in server.requests[0]["messages"] if m["role"] == "user"]
    assert proc.returncode == 0, proc.stderr
    assert users == ["rename x to y"]  # was only "[genie] The session was interrupted and is now resumed. ..."
    assert f"session {s.id} stopped before its task reached the model; starting the task over" in proc.stderr
    assert json.loads(proc.stdout)["status"] == "finished"


def test_the_api_key_the_model_quotes_from_a_file_stays_out_of_the_ci_log_and_the_json(make_repo):
    """The session never holds the key; stderr, which CI keeps as a public log, held it as the model said it."""
    repo = make_repo({".env": f"OPENAI_API_KEY={KEY}\n", "a.py": "x = 1\n"})
    script = [Reply(content="Reading the settings.", tool_calls=[("read_file", {"path": ".env"})]),
              Reply(content=f"The key is {KEY}; it looks fine.\n", chunk_chars=3,  # the key in pieces
                    tool_calls=[("finish", {"summary": f"key {KEY.upper()} is set"})])]
    with ScriptedServer(script) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "why does auth fail", "--repo", str(repo),
                               "--base-url", server.base_url, "--json"], capture_output=True, text=True,
                              env={**os.environ, "GENIE_API_KEY": KEY}, stdin=subprocess.DEVNULL, timeout=120,
                              check=False)
    assert proc.returncode == 0, proc.stderr
    assert "The key is <redacted>; it looks fine." in proc.stderr
    assert "finish" in proc.stderr and KEY.lower() not in proc.stderr.lower(), proc.stderr
    result = json.loads(proc.stdout)
    assert result["summary"] == "key <redacted> is set"
    assert KEY.lower() not in proc.stdout.lower()


def test_keys_configured_but_not_in_use_are_scrubbed_too(make_repo, tmp_path):
    """GENIE_API_KEY (a local server's) wins over the user's OPENAI_API_KEY, and the environment over the user
    config's key: the keys not in use went into the session, the --json, stderr and the export as read."""
    real, filed = "sk-proj-REALopenaiKEY9876543210abcdef", "sk-from-the-config-file-0123456789"
    repo = make_repo({".env": f"OPENAI_API_KEY={real}\nOLD_KEY={filed}\n", "a.py": "x = 1\n"})
    from genie_tui.config.settings import user_config_file

    user_config_file().parent.mkdir(parents=True, exist_ok=True)
    user_config_file().write_text(f'api_key = "{filed}"\n')
    script = [Reply(tool_calls=[("read_file", {"path": ".env"})]),
              Reply(content=f"Keys {real} and {filed}.", tool_calls=[("finish", {"summary": f"{real} {filed}"})])]
    env = {**os.environ, "GENIE_API_KEY": KEY, "OPENAI_API_KEY": real}
    with ScriptedServer(script) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "check the keys", "--repo", str(repo),
                               "--base-url", server.base_url, "--json"], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=120, check=False)
        assert server.headers[0].get("authorization") == f"Bearer {KEY}"  # the key in use: the others only hidden
    assert proc.returncode == 0, proc.stderr
    trajectory = Path(json.loads(proc.stdout)["trajectory"])
    exported = subprocess.run([sys.executable, "-m", "genie_tui", "export", str(trajectory)], capture_output=True,
                              text=True, env=env, stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert exported.returncode == 0, exported.stderr
    for where, text in (("stdout", proc.stdout), ("stderr", proc.stderr), ("session", trajectory.read_text()),
                        ("export", exported.stdout)):
        assert real not in text and filed not in text, where
    assert "<redacted>" in trajectory.read_text()


def test_a_lone_surrogate_from_the_model_is_a_tool_error_and_no_json_breaker(make_repo):
    """A path "ca\\ud800lc.py" failed read_file with a UnicodeEncodeError, and a summary holding one went into
    --json as "\\ud800", which strict JSON readers (serde_json) refuse (found by a review)."""
    repo = make_repo({"calc.py": "x = 1\n"})
    script = [Reply(tool_calls=[("read_file", '{"path": "ca\\ud800lc.py"}')]),
              Reply(tool_calls=[("finish", '{"summary": "done \\ud800 x"}')])]
    with ScriptedServer(script) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "look", "--repo", str(repo),
                               "--base-url", server.base_url, "--json"], capture_output=True, text=True,
                              env={**os.environ, "GENIE_API_KEY": KEY}, stdin=subprocess.DEVNULL, timeout=120,
                              check=False)
        tool = [m for m in server.requests[1]["messages"] if m["role"] == "tool"][-1]["content"]
    assert proc.returncode == 0, proc.stderr
    assert "path is not a valid file name (it holds a lone surrogate" in tool and "UnicodeEncodeError" not in tool
    assert "\\ud800" not in proc.stdout and json.loads(proc.stdout)["summary"] == "done \ufffd x"
