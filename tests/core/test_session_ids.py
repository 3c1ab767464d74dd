"""A new session never writes into another session's file: ids end in 4 random hex digits, and two sessions of
the same task started in the same second share the rest, so one in 65,536 such pairs drew the same id and the
second appended its records to the first's file. The collision is made certain here by taking the random source
(``secrets.token_hex``, which ``Session.create`` draws from) and by a file of another session at each id the
next session could take in the next two minutes, whatever second it starts in."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest

from genie_tui.core import events as ev
from genie_tui.core.session import Session, read_records, sessions_dir
from genie_tui.providers.scripted import ScriptedServer

TASK = "fix the bug"


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The 2-byte tokens the next session ids draw, in order; other draws stay random."""
    queue: list[str] = []
    real = secrets.token_hex

    def token_hex(nbytes: int | None = None) -> str:
        return queue.pop(0) if nbytes == 2 and queue else real(nbytes)

    monkeypatch.setattr(secrets, "token_hex", token_hex)
    return queue


def _taken(token: str) -> dict[Path, bytes]:
    """A file of another session at every id ``TASK`` with ``token`` may get from one second ago to two minutes on."""
    directory = sessions_dir()
    directory.mkdir(parents=True, exist_ok=True)
    now = time.time()
    files = {}
    for second in range(-1, 120):
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now + second))
        path = directory / f"{stamp}-fix-the-bug-{token}.jsonl"
        data = (json.dumps({"type": "start", "ts": now, "task": "another session", "repo": "/elsewhere"}) + "\n").encode()
        path.write_bytes(data)
        files[path] = data
    return files


async def test_a_new_session_takes_another_id_when_its_file_exists(make_repo, make_agent, collect, finish, tokens):
    repo = make_repo({"a.py": "x = 1\n"})
    taken = _taken("abcd")
    tokens.extend(["abcd", "beef"])
    with ScriptedServer([finish()]) as server:
        agent = make_agent(repo, server)
        seen = await collect(agent, TASK)
    assert {p: p.read_bytes() for p in taken} == taken  # the other sessions' files are untouched
    started = next(e for e in seen if isinstance(e, ev.SessionStarted))
    assert started.session_id.endswith("-fix-the-bug-beef") and agent.session.id == started.session_id
    path = Path(started.path)
    assert path == sessions_dir() / f"{started.session_id}.jsonl" and path not in taken
    records = read_records(path)
    assert records[0]["type"] == "start" and records[0]["task"] == TASK
    assert records[-1]["type"] == "end" and sum(r["type"] == "start" for r in records) == 1


def test_an_id_taken_between_choosing_it_and_the_first_record_is_not_shared(tokens):
    """Another process may create the file after the id was chosen: the first record creates it exclusively."""
    tokens.extend(["abcd", "beef"])
    session = Session.create(TASK)
    assert session.id.endswith("-abcd") and not session.path.exists()
    theirs = b'{"type": "start", "ts": 1, "task": "theirs"}\n'
    session.path.write_bytes(theirs)  # the other process was first
    first = session.path
    session.record("start", task=TASK, repo="/r")
    session.close()
    assert first.read_bytes() == theirs
    assert session.id.endswith("-beef") and session.path == sessions_dir() / f"{session.id}.jsonl"
    assert [r["task"] for r in read_records(session.path)] == [TASK]
