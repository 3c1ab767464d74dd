"""`genie apply` and `genie undo` with inputs and places that are not what they seem: a patch file that is a
device or a named pipe, endless stdin, a named pipe where a patched file should be, a bare repository, a
damaged undo journal and a --repo that is a file. Each is one line with the usual exit code, never a hang, a
traceback or all the memory (the commands run in a child process with a memory cap and a timeout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from genie_tui.cli import main
from genie_tui.patching import apply_patch
from genie_tui.patching.undo import journal_dir
from genie_tui.providers.scripted import Reply, ScriptedServer

MEMORY_KB = 2_000_000
DIFF = "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n"
PIPE_DIFF = "--- a/pipe.c\n+++ b/pipe.c\n@@ -1 +1 @@\n-x\n+y\n"
HOOK_DIFF = "--- /dev/null\n+++ b/hooks/post-checkout\n@@ -0,0 +1 @@\n+echo pwned\n"


def genie(*args: str, stdin: str = "</dev/null", cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``genie ARGS`` under ``ulimit -v``, with standard input redirected as ``stdin`` says (shell syntax)."""
    script = f'ulimit -v {MEMORY_KB}; exec "$@" {stdin}'
    return subprocess.run(["sh", "-c", script, "sh", sys.executable, "-m", "genie_tui", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60, check=False)


def one_line(proc: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert text in proc.stderr, proc.stderr


def test_a_patch_file_that_is_a_device_or_a_pipe_is_refused_unread(make_repo, tmp_path):
    repo = make_repo({"f.txt": "a\nb\n"})
    fifo = tmp_path / "p.diff"
    os.mkfifo(fifo)  # nobody writes to it: open() blocked forever
    for path, kind in (("/dev/zero", "a device"), (str(fifo), "a named pipe")):
        one_line(genie("apply", path, "--repo", str(repo)), 2,
                 f"genie: cannot read patch {path}: not a regular file ({kind})")
    assert (repo / "f.txt").read_text() == "a\nb\n"


def test_endless_stdin_is_read_up_to_a_limit(make_repo):
    repo = make_repo({"f.txt": "a\nb\n"})
    one_line(genie("apply", "-", "--repo", str(repo), stdin="</dev/zero"), 2,
             "genie: cannot read the patch on standard input: larger than 67,108,864 bytes")


def test_a_patch_to_a_named_pipe_in_the_worktree_is_refused(make_repo, tmp_path):
    repo = make_repo({"f.txt": "a\nb\n"})
    os.mkfifo(repo / "pipe.c")
    patch = tmp_path / "pipe.diff"
    patch.write_text(PIPE_DIFF)
    proc = genie("apply", str(patch), "--repo", str(repo))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "pipe.c is not a regular file (a named pipe); genie only patches regular files" in proc.stderr


def test_the_agents_patch_to_a_named_pipe_is_refused_and_the_run_goes_on(make_repo):
    repo = make_repo({"f.txt": "a\nb\n"})
    os.mkfifo(repo / "pipe.c")
    script = [Reply(tool_calls=[("propose_patch", {"diff": PIPE_DIFF})]),
              Reply(tool_calls=[("finish", {"summary": "gave up"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "change pipe.c", "--repo", str(repo), "--base-url", server.base_url, "--approve", "auto",
                     "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    patch = json.loads(proc.stdout)["patches"][0]
    assert patch["applied"] is False and "not a regular file (a named pipe)" in patch["reason"]
    assert "not a regular file (a named pipe)" in requests[1]["messages"][-1]["content"]


def test_undo_refuses_a_named_pipe_put_where_the_patched_file_was(make_repo):
    repo = make_repo({"f.txt": "a\nb\n"})
    assert apply_patch(repo, DIFF).applied
    (repo / "f.txt").unlink()
    os.mkfifo(repo / "f.txt")
    one_line(genie("undo", "--repo", str(repo)), 1, "undo refused, nothing was changed: f.txt is a named pipe now")
    assert len(list(journal_dir(repo).glob("*.json"))) == 1


def test_apply_and_undo_refuse_a_bare_repository(make_repo, tmp_path):
    repo = make_repo({"f.txt": "a\nb\n"})
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    patch = tmp_path / "hook.diff"
    patch.write_text(HOOK_DIFF)
    for where in (bare, bare / "hooks"):
        one_line(genie("apply", str(patch), "--repo", str(where)), 2,
                 f"genie: {where} is a bare git repository (or inside a git directory): it has no working tree to "
                 "apply a patch to (pass --repo a checkout of it)")
    assert not (bare / "hooks/post-checkout").exists()
    one_line(genie("undo", "--repo", str(bare)), 2, f"genie: {bare} is a bare git repository")
    proc = genie("apply", str(patch), "--repo", str(repo))  # a checkout is fine, and so is a plain directory
    assert proc.returncode == 0, proc.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    proc = genie("apply", str(patch), "--repo", str(plain))
    assert proc.returncode == 0, proc.stderr
    assert (plain / "hooks/post-checkout").read_text() == "echo pwned\n"


def _damage(repo: Path, change) -> Path:
    assert apply_patch(repo, DIFF).applied
    entry = next(journal_dir(repo).glob("*.json"))
    data = json.loads(entry.read_text())
    entry.write_text(change(data))
    return entry


def test_a_journal_entry_with_an_impossible_mode_or_deep_nesting_is_damaged(make_repo, capsys):
    repo = make_repo({"f.txt": "a\nb\n"})

    def huge_mode(data):
        data["files"][0]["before_mode"] = 99999999999
        return json.dumps(data)

    def negative_mode(data):
        data["files"][0]["before_mode"] = -1
        return json.dumps(data)

    def nested(data):
        return "[" * 100_000 + "]" * 100_000

    for change in (huge_mode, negative_mode, nested):
        entry = _damage(repo, change)
        assert main(["undo", "--repo", str(repo)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"genie: the undo journal entry {entry} is damaged ("), err
        assert err.endswith("nothing was changed. Delete that file to undo the patches before it\n"), err
        assert (repo / "f.txt").read_text() == "A\nb\n"
        entry.unlink()
        (repo / "f.txt").write_text("a\nb\n")


def test_a_repo_that_is_a_file_is_not_a_directory(make_repo, tmp_path, capsys):
    repo = make_repo({"f.txt": "a\nb\n"})
    for argv in (["apply", "-"], ["undo"], ["search", "x"]):
        assert main([*argv, "--repo", str(repo / "f.txt")]) == 2
        assert capsys.readouterr().err == f"genie: --repo {repo / 'f.txt'}: not a directory\n"
    assert main(["undo", "--repo", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"genie: --repo {tmp_path / 'nope'}: no such directory\n"
