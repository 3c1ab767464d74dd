"""Sessions stay whole: one genie process writes a session at a time, unusual input (bytes that are not UTF-8,
a line nested too deeply) never breaks a session or the listing, a session that cannot be written is a clean
failure, and an export never overwrites the session it reads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.core.session import Session, sessions_dir
from genie_tui.providers.scripted import Reply, ScriptedServer

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
LOOK = Reply(tool_calls=[("list_dir", {"path": "."})])
DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON, nested deeper than the parser goes (RecursionError)


def genie(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "GENIE_API_KEY": "sk-test-key-for-the-scripted-server"}
    return subprocess.run([*prefix, sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=120, check=False)


def quick_repo(make_repo) -> Path:
    repo = make_repo({"a.py": "x = 1\n"})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text("max_retries = 0\n")
    return repo


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_session_running_in_one_process_is_not_resumed_by_another_and_a_crash_leaves_no_lock(make_repo):
    repo = quick_repo(make_repo)
    with ScriptedServer([LOOK]) as server:
        proc = genie("run", "look around", "--repo", str(repo), "--base-url", server.base_url, "--max-steps", "1",
                     "--approve", "never", "--json")
    assert proc.returncode == 3, proc.stderr  # step budget: resumable
    path = Path(json.loads(proc.stdout)["trajectory"])
    endpoint_args = ("--approve", "never", "--max-steps", "3")
    # The first resume waits on its model request, holding the session; the second must not join it.
    with ScriptedServer([Reply(fault="hang", hang_seconds=60, tool_calls=[("finish", {"summary": "x"})])]) as server:
        first = subprocess.Popen([sys.executable, "-m", "genie_tui", "resume", path.stem, "--base-url",
                                  server.base_url, *endpoint_args],
                                 env={**os.environ, "GENIE_API_KEY": "sk-test-key-for-the-scripted-server"},
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not server.requests:
                assert first.poll() is None and time.monotonic() < deadline, "the first resume never asked the model"
                time.sleep(0.05)
            before = path.read_bytes()
            second = genie("resume", path.stem, "--base-url", server.base_url, *endpoint_args, "--json")
            after = path.read_bytes()
        finally:
            first.kill()  # a crash: the operating system drops its lock
            first.wait(timeout=30)
    assert second.returncode == 1
    err = second.stderr.strip()
    assert len(err.splitlines()) == 1 and "is in use by another genie process" in err, second.stderr
    summary = json.loads(second.stdout)
    assert summary["status"] == "failed" and "in use by another genie process" in summary["error"]
    assert after == before  # the refused run wrote nothing
    with ScriptedServer([FINISH]) as server:
        third = genie("resume", path.stem, "--base-url", server.base_url, *endpoint_args)
    assert third.returncode == 0, third.stderr
    kinds = [r["type"] for r in records(path)]
    assert kinds.count("resume") == 2 and kinds.count("end") == 2  # the run's and the third's; the crash none


def test_a_task_that_is_not_utf8_is_run_and_recorded_with_the_bytes_replaced(make_repo):
    repo = quick_repo(make_repo)
    with ScriptedServer([FINISH]) as server:
        proc = genie("run", os.fsdecode(b"fix \xff\xfe"), "--repo", str(repo), "--base-url", server.base_url,
                     "--approve", "never", "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    path = Path(json.loads(proc.stdout)["trajectory"])
    assert records(path)[0]["task"] == "fix \ufffd\ufffd"  # the bytes that are not UTF-8 replaced, as editors show
    assert requests[0]["messages"][1]["content"] == "fix \ufffd\ufffd"
    listed = genie("sessions", "list")
    assert listed.returncode == 0 and listed.stderr == "" and path.stem in listed.stdout
    assert sorted(p.name for p in sessions_dir().iterdir()) == [path.name]


def _can_drop_dac_override() -> list[str] | None:
    """A command prefix that runs without the capability to write anywhere (root has it), or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else None


def test_a_sessions_directory_that_cannot_be_written_still_gets_the_object_and_one_line(make_repo):
    prefix = _can_drop_dac_override()
    if prefix is None:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE: every directory is writable")
    repo = quick_repo(make_repo)
    folder = sessions_dir()
    folder.mkdir(parents=True)
    folder.chmod(0o555)
    try:
        with ScriptedServer([FINISH]) as server:
            proc = genie("run", "a task", "--repo", str(repo), "--base-url", server.base_url, "--json",
                         prefix=tuple(prefix))
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"genie: cannot write the session file {folder}/"), proc.stderr
    assert err[0].endswith("(Permission denied)")
    summary = json.loads(proc.stdout)
    assert summary["status"] == "failed" and summary["error"] == err[0].removeprefix("genie: ")
    assert summary["trajectory"] is None and list(folder.iterdir()) == []


def test_a_session_whose_first_record_cannot_be_written_whole_leaves_no_file(make_repo):
    """A disk that fills up in the middle of the first record (here: a file size limit, so the write stops
    part way): the run fails with its one line and object, and no half-written session stays to be listed as
    damaged on every later `sessions list`."""
    import resource
    import signal

    def small_files() -> None:  # in the child: writes past 4 KiB fail (EFBIG) instead of killing it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    repo = quick_repo(make_repo)
    with ScriptedServer([FINISH]) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "a task", "--repo", str(repo), "--base-url",
                               server.base_url, "--json"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "GENIE_API_KEY": "sk-test-key-for-the-scripted-server"},
                              stdin=subprocess.DEVNULL, preexec_fn=small_files, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().endswith("(File too large)") and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["error"].startswith("cannot write the session file")
    assert list(sessions_dir().iterdir()) == []
    assert genie("sessions", "list").stderr == ""


def _session(task: str = "fix it", arguments: str = '{"path": "."}') -> Session:
    s = Session.create(task)
    s.record("start", task=task, repo="/tmp/r", config={"model": "m"}, tools=[], playbooks=[])
    s.record("message", message={"role": "system", "content": "sys"})
    s.record("message", message={"role": "user", "content": task})
    s.record("message", message={"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "list_dir", "arguments": arguments}}]})
    s.record("message", message={"role": "tool", "tool_call_id": "c1", "content": "a.py"})
    return s


def test_a_line_nested_too_deeply_is_named_and_skipped_like_any_invalid_json(capsys):
    good = _session()
    bad = sessions_dir() / "zz.jsonl"
    lines = good.path.read_text().splitlines()
    bad.write_text("\n".join([lines[0], DEEP, *lines[1:]]) + "\n")
    problem = f"{bad}:2: not a genie trajectory (invalid JSON)"
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert good.id in out and err == f"genie: skipping {problem}\n"
    assert main(["replay", str(bad)]) == 1  # what it can read, then the line it skipped
    out, err = capsys.readouterr()
    assert "user: fix it" in out and err == f"genie: {problem}; skipped\n"
    for command in (["export", str(bad)], ["resume", str(bad), "--base-url", "http://127.0.0.1:9/v1"]):
        assert main(command) == 2
        assert capsys.readouterr().err == f"genie: {problem}\n"


def test_tool_call_arguments_nested_too_deeply_export_and_replay(capsys):
    s = _session(arguments=DEEP)
    s.record("message", message={"role": "assistant", "content": "listed"})  # something to train on
    assert main(["export", s.id]) == 0
    assistant = json.loads(capsys.readouterr().out)["messages"][2]
    assert assistant["weight"] == 0  # not an object genie could use: not trained on
    assert "unparsed_arguments" in json.loads(assistant["tool_calls"][0]["function"]["arguments"])
    assert main(["replay", s.id]) == 0


@pytest.mark.parametrize("how", ["the same path", "a symlink", "a hard link", "a relative path"])
def test_export_refuses_to_write_over_the_session_it_exports(tmp_path, capsys, monkeypatch, how):
    s = _session()
    before = s.path.read_bytes()
    target = {"the same path": s.path, "a symlink": tmp_path / "link.jsonl", "a hard link": tmp_path / "hard.jsonl",
              "a relative path": Path(s.path.name)}[how]
    if how == "a symlink":
        target.symlink_to(s.path)
    elif how == "a hard link":
        os.link(s.path, target)
    elif how == "a relative path":
        monkeypatch.chdir(s.path.parent)
    assert main(["export", s.id, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err == f"genie: {target} is the session being exported ({s.path}); write the export to another file\n"
    assert s.path.read_bytes() == before
    out = tmp_path / "train.jsonl"
    assert main(["export", s.id, "-o", str(out)]) == 0 and json.loads(out.read_text())["messages"]
