"""``genie resume`` works in the session's own repository wherever it runs, says so when that is not the
repository containing the current directory, and its ``--help`` tells what ``--repo`` is for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.config.paths import find_repo_root
from genie_tui.providers.scripted import Reply, ScriptedServer

FIX = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"


def _interrupted(repo: Path, capsys) -> str:
    """A session of ``repo`` that its step budget ended after one read."""
    with ScriptedServer([Reply(tool_calls=[("read_file", {"path": "a.py"})])]) as server:
        assert main(["run", "tidy a.py", "--repo", str(repo), "--base-url", server.base_url, "--max-steps", "1",
                     "--json"]) == 3
    return Path(json.loads(capsys.readouterr().out)["trajectory"]).stem


def _resume(session_id: str) -> None:
    script = [Reply(tool_calls=[("propose_patch", {"summary": "x = 2", "diff": FIX})]),
              Reply(tool_calls=[("finish", {"summary": "done"})])]
    with ScriptedServer(script) as server:
        assert main(["resume", session_id, "--base-url", server.base_url, "--approve", "auto"]) == 0


def test_resume_from_another_repository_works_in_the_sessions_own_and_names_it(make_repo, capsys, monkeypatch):
    mine, other = make_repo({"a.py": "x = 1\n"}), make_repo({"a.py": "x = 1\n"}, name="other")
    session_id = _interrupted(mine, capsys)
    monkeypatch.chdir(other)
    _resume(session_id)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"genie: resuming session {session_id} in its repository {mine} (not in {other}, which holds "
                      "the current directory)")
    assert (mine / "a.py").read_text() == "x = 2\n" and (other / "a.py").read_text() == "x = 1\n"


@pytest.mark.parametrize("where", ["the repository", "a directory in it", "no repository"])
def test_resume_names_the_repository_only_when_it_is_not_the_one_here(where, make_repo, tmp_path, capsys,
                                                                       monkeypatch):
    repo = make_repo({"a.py": "x = 1\n", "pkg/b.py": ""})
    session_id = _interrupted(repo, capsys)
    cwd = {"the repository": repo, "a directory in it": repo / "pkg", "no repository": tmp_path / "plain"}[where]
    cwd.mkdir(exist_ok=True)
    monkeypatch.chdir(cwd)
    _resume(session_id)
    said = [line for line in capsys.readouterr().err.splitlines() if "in its repository" in line]
    if where == "no repository":
        assert find_repo_root(cwd) is None
        line = f"genie: resuming session {session_id} in its repository {repo} (the current directory is in none)"
        assert said == [line]
    else:
        assert said == []
    assert (repo / "a.py").read_text() == "x = 2\n"


def test_resume_help_says_repo_defaults_to_the_sessions_own_repository(capsys):
    with pytest.raises(SystemExit) as info:
        main(["resume", "--help"])
    assert info.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # as argparse wraps it to the terminal's width
    assert ("--repo REPO must be the session's repository, or resuming is refused (default: the session's own "
            "repository, wherever you run genie)") in shown
    assert "containing the current directory" not in shown
