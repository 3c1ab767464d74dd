"""`genie resume` of a session that another process finishes between resume's first look and its lock: the
look said "not finished", the lock was taken once the other process ended, and a second paid run was appended
after the session's end (found by a review, timing two real processes). The status is read again under the lock."""

from __future__ import annotations

import json
from pathlib import Path

from genie_tui.cli import main
from genie_tui.providers.scripted import Reply, ScriptedServer

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


def test_a_session_finished_since_resume_first_looked_is_refused_under_the_lock(make_repo, monkeypatch, capsys):
    repo = make_repo({"calc.py": "x = 1\n"})
    monkeypatch.setenv("GENIE_API_KEY", "sk-test")
    with ScriptedServer([FINISH]) as server:
        assert main(["run", "change x", "--repo", str(repo), "--base-url", server.base_url, "--json"]) == 0
        path = Path(json.loads(capsys.readouterr().out)["trajectory"])
    before = path.read_bytes()

    import genie_tui.core.restore as restore_mod

    real = restore_mod.restore
    looks: list[str] = []

    def first_look_before_the_end(p):  # type: ignore[no-untyped-def]
        state = real(p)
        if not looks:  # as it was read while the other process's last request streamed
            state.status = "interrupted"
        looks.append(state.status)
        return state

    monkeypatch.setattr(restore_mod, "restore", first_look_before_the_end)
    with ScriptedServer([FINISH]) as server:
        code = main(["resume", path.stem, "--base-url", server.base_url, "--json"])
        assert server.requests == []  # no second run
    out, err = capsys.readouterr()
    assert code == 2 and looks == ["interrupted"]
    assert err.strip() == f"genie: session {path.stem} already finished; start a new task with `genie run`"
    assert json.loads(out)["status"] == "failed"
    assert path.read_bytes() == before  # nothing appended
