"""Files genie reads that are not what they seem: a config file or an answers file that is a named pipe, a
device, a symlink a repository committed, or far too large; and a closed standard input. Each is one line and
exit 2 (or, for a closed stdin under `genie run`, no terminal), never a hang, a traceback or all the memory.

The commands run in a child process with a memory cap and a timeout, so that a regression fails the test
instead of hanging the suite or eating the machine's memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from genie_tui.providers.scripted import Reply, ScriptedServer

MEMORY_KB = 2_000_000


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


def genie(*args: str, close_stdin: bool = False, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``genie ARGS`` under ``ulimit -v``; ``close_stdin`` starts it with standard input closed (``<&-``)."""
    script = f'ulimit -v {MEMORY_KB}; exec "$@"' + (" <&-" if close_stdin else " </dev/null")
    return subprocess.run(["sh", "-c", script, "sh", sys.executable, "-m", "genie_tui", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60, check=False)


def one_line(proc: subprocess.CompletedProcess, code: int, *parts: str) -> str:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for part in parts:
        assert part in proc.stderr, proc.stderr
    return proc.stderr


def test_a_cloned_repository_with_its_config_symlinked_to_dev_zero_is_refused(make_repo, tmp_path):
    src = make_repo({"a.c": "int f;\n"}, name="src")
    (src / ".genie").mkdir()
    (src / ".genie/config.toml").symlink_to("/dev/zero")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "config")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(src), str(clone))
    assert (clone / ".genie/config.toml").is_symlink()
    cfg = clone / ".genie/config.toml"
    for argv in (["search", "f"], ["config", "show"], ["index"]):
        one_line(genie(*argv, "--repo", str(clone)), 2,
                 f"genie: config file {cfg}: a symlink to outside the repository; genie does not read it")


def test_a_config_file_that_is_a_pipe_or_a_device_is_refused_unread(make_repo, genie_home):
    repo = make_repo({"a.c": "int f;\n"})
    (repo / ".genie").mkdir()
    cfg = repo / ".genie/config.toml"
    os.mkfifo(cfg)  # nobody writes to it: opening it for reading blocked forever
    for argv in (["search", "f"], ["config", "show"]):
        one_line(genie(*argv, "--repo", str(repo)), 2,
                 f"genie: config file {cfg}: not a regular file (a named pipe); genie does not read it")
    cfg.unlink()
    user = genie_home / "config/config.toml"
    user.parent.mkdir(parents=True)
    os.mkfifo(user)
    one_line(genie("config", "show", "--repo", str(repo)), 2,
             f"config file {user}: not a regular file (a named pipe)")
    user.unlink()
    user.symlink_to("/dev/zero")  # the user's own file is not bound to a repository, but still not a device
    one_line(genie("search", "f", "--repo", str(repo)), 2, f"config file {user}: not a regular file (a device)")
    user.unlink()
    user.write_text("# a comment\n" * 200_000)  # 2.4 MB: no config is that large
    one_line(genie("config", "show", "--repo", str(repo)), 2,
             f"config file {user}: larger than 1,000,000 bytes; genie does not read it")


def test_a_repository_config_symlinked_inside_the_repository_is_read(make_repo):
    repo = make_repo({"shared/genie.toml": 'model = "from-link"\n'})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").symlink_to("../shared/genie.toml")
    proc = genie("config", "show", "--repo", str(repo))
    assert proc.returncode == 0, proc.stderr
    assert "from-link" in proc.stdout


def test_answers_that_are_a_pipe_or_a_device_are_refused(make_repo, tmp_path):
    repo = make_repo({"a.c": "int f;\n"})
    fifo = tmp_path / "answers.json"
    os.mkfifo(fifo)
    big = tmp_path / "big.json"
    big.write_text(json.dumps(["x" * 2_000_000]))
    for path, why in ((fifo, "not a regular file (a named pipe)"), (Path("/dev/zero"), "not a regular file (a device)"),
                      (big, "larger than 1,000,000 bytes")):
        one_line(genie("run", "x", "--repo", str(repo), "--base-url", "http://127.0.0.1:9/v1", "--answers", str(path)),
                 2, f"genie: --answers {path}: {why}")


def test_a_closed_stdin_is_one_line_for_search_and_apply(make_repo):
    repo = make_repo({"a.c": "int f;\n"})
    one_line(genie("search", "@-", "--repo", str(repo), close_stdin=True), 2,
             "genie: cannot read standard input: it is closed")
    one_line(genie("apply", "-", "--repo", str(repo), close_stdin=True), 2,
             "genie: cannot read the patch on standard input: it is closed")


def test_run_with_a_closed_stdin_runs_without_a_terminal(make_repo):
    repo = make_repo({"a.c": "int f;\n"})
    script = [Reply(tool_calls=[("finish", {"summary": "nothing to do"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "x", "--repo", str(repo), "--base-url", server.base_url, "--json", close_stdin=True)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["summary"] == "nothing to do"


def test_answers_that_cannot_be_read_are_refused_before_a_session_is_written(make_repo, tmp_path):
    """`genie resume ID --answers /nonexistent` exited 2 after writing `resume` and `approval_mode` records: replay
    then told of a resume that never ran (found by a review). `genie run` made a session for nothing."""
    from genie_tui.core.session import Session, sessions_dir

    repo = make_repo({"a.c": "int f;\n"})
    missing = tmp_path / "nowhere.json"
    one_line(genie("run", "x", "--repo", str(repo), "--base-url", "http://127.0.0.1:9/v1", "--answers", str(missing)),
             2, f"genie: --answers {missing}: cannot read (No such file or directory)")
    assert not sessions_dir().exists() or list(sessions_dir().iterdir()) == []
    s = Session.create("stopped")
    s.record("start", task="stopped", repo=str(repo), config={}, tools=[])
    s.record("message", message={"role": "user", "content": "stopped"})
    s.close()
    before = s.path.read_bytes()
    one_line(genie("resume", s.id, "--base-url", "http://127.0.0.1:9/v1", "--answers", str(missing)),
             2, f"genie: --answers {missing}: cannot read (No such file or directory)")
    assert s.path.read_bytes() == before
