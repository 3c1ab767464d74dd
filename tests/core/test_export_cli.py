"""`genie export` as a user runs it, on sessions `genie run` recorded against the scripted model server: where
`-o` writes, text the model sent that UTF-8 cannot carry, and which calls are marked not to be trained on."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from genie_tui.providers.scripted import Reply, ScriptedServer


def genie(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, env={
        **os.environ, "GENIE_API_KEY": "sk-test"}, stdin=subprocess.DEVNULL, timeout=120, check=False)


def recorded_run(make_repo, script: list[Reply]) -> str:
    """The trajectory file of a `genie run` whose model answers with ``script``."""
    repo = make_repo({"calc.py": "def average(values):\n    return sum(values) / len(values)\n"})
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--approve", "never",
                     "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["trajectory"]


def simple_session(make_repo) -> str:
    return recorded_run(make_repo, [Reply(tool_calls=[("read_file", {"path": "calc.py"})]),
                                    Reply(tool_calls=[("finish", {"summary": "read it"})])])


def exported_messages(data: bytes) -> list[dict]:
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])["messages"]


def test_export_into_a_named_pipe_writes_into_it(make_repo, tmp_path):
    trajectory = simple_session(make_repo)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)  # daemon: a reader nobody writes to must not hang pytest
    reader.start()
    proc = genie("export", trajectory, "-o", str(fifo))
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the pipe, not a regular file renamed over it
    assert got and exported_messages(got[0])[0]["role"] == "system"


def test_export_through_a_symlink_writes_the_file_it_points_to(make_repo, tmp_path):
    trajectory = simple_session(make_repo)
    (tmp_path / "data").mkdir()
    target = tmp_path / "data/train.jsonl"
    target.write_text("old\n")
    link = tmp_path / "train.jsonl"
    link.symlink_to("data/train.jsonl")
    proc = genie("export", trajectory, "-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == "data/train.jsonl"
    assert exported_messages(target.read_bytes())[0]["role"] == "system"


@pytest.mark.parametrize("mode", [0o444, 0o640])
def test_export_over_a_regular_file_keeps_its_mode(make_repo, tmp_path, mode):
    trajectory = simple_session(make_repo)
    out = tmp_path / "train.jsonl"
    out.write_text("old\n")
    out.chmod(mode)
    proc = genie("export", trajectory, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert exported_messages(out.read_bytes())[0]["role"] == "system"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "repo") == ["train.jsonl"]  # no temp file left


def test_a_lone_surrogate_the_model_sent_is_exported_as_a_replacement_character(make_repo, tmp_path):
    trajectory = recorded_run(make_repo, [Reply(content="bad \ud800 x", tool_calls=[("finish", {"summary": "ok"})])])
    out = tmp_path / "train.jsonl"
    to_file = genie("export", trajectory, "-o", str(out))
    to_stdout = genie("export", trajectory)
    for proc in (to_file, to_stdout):
        assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    for data in (out.read_bytes(), to_stdout.stdout):
        said = [m["content"] for m in exported_messages(data) if m["role"] == "assistant"]
        assert said == ["bad \ufffd x"]


def test_calls_genie_refused_for_their_argument_types_are_exported_with_weight_0(make_repo, tmp_path):
    """Exactly the calls `genie run` refused get weight 0: a wrong type as well as a missing or unknown argument;
    a number sent as digits, which genie accepts, stays trainable."""
    calls = [("read_file", {"path": 5}), ("update_plan", {"steps": "notalist"}), ("propose_patch", {"diff": 12}),
             ("run_tests", {"command": ["ls"]}), ("read_file", {"path": "calc.py", "start_line": "abc"}),
             ("read_file", {"path": "calc.py", "start_line": "1"}), ("read_file", {"path": "calc.py", "nope": 1})]
    trajectory = recorded_run(make_repo, [*(Reply(tool_calls=[call]) for call in calls),
                                          Reply(tool_calls=[("finish", {"summary": "done"})])])
    out = tmp_path / "train.jsonl"
    proc = genie("export", trajectory, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    messages = exported_messages(out.read_bytes())
    turns = [(m.get("weight"), messages[i + 1]["content"]) for i, m in enumerate(messages) if m["role"] == "assistant"]
    assert [weight for weight, _ in turns] == [0, 0, 0, 0, 0, None, 0, None]
    for weight, result in turns:  # what genie told the model at run time
        assert (weight == 0) == result.startswith("error: "), (weight, result)
    assert turns[0][1] == "error: read_file: argument path must be a string, got int"


def test_export_to_dev_stdout_appends_where_the_shell_appends(make_repo, tmp_path):
    trajectory = simple_session(make_repo)
    out = tmp_path / "all.jsonl"
    out.write_bytes(b'{"earlier": "export"}\n')
    with open(out, "ab") as stdout:  # `genie export ID -o /dev/stdout >> all.jsonl`
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "export", trajectory, "-o", "/dev/stdout"],
                              stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120,
                              check=False)
    assert proc.returncode == 0, proc.stderr
    lines = out.read_bytes().splitlines()
    assert lines[0] == b'{"earlier": "export"}' and len(lines) == 2  # kept, not replaced by the new file
    assert json.loads(lines[1])["messages"][0]["role"] == "system"


@pytest.mark.parametrize("tools", [5, "read_file", [5], [{"function": {"name": "read_file", "parameters": []}}],
                                   [{"function": {"name": "read_file",
                                                  "parameters": {"properties": {"path": "a string"}}}}]])
def test_a_session_whose_recorded_tools_are_damaged_is_refused_in_one_line(make_repo, tmp_path, tools):
    trajectory = Path(simple_session(make_repo))
    lines = trajectory.read_text().splitlines()
    start = json.loads(lines[0])
    start["tools"] = tools
    damaged = tmp_path / trajectory.name
    damaged.write_text("\n".join([json.dumps(start), *lines[1:]]) + "\n")
    proc = genie("export", str(damaged))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert err.strip() == f"genie: {damaged}:1: damaged 'start' record (the tools are not a list of function schemas)"
