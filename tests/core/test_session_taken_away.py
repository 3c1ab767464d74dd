"""A session file that another program takes away while genie still records it: deleted, replaced by a renamed
copy (an editor's save) or cut short. No record is lost that genie still holds, and the file stays readable."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from genie_tui.core.session import Session, numbered_records, sessions_dir


def kinds(path: Path) -> list[str]:
    return [json.loads(line)["type"] for line in path.read_text(encoding="utf-8").splitlines()]


def started() -> Session:
    session = Session.create("fix the crash")
    session.record("start", task="fix the crash")
    session.record("message", message={"role": "user", "content": "fix the crash"})
    return session


def test_a_deleted_session_file_is_written_again_whole_at_the_next_record():
    session = started()
    path = session.path
    path.unlink()
    session.record("plan", source="agent", steps=[])
    session.record("end", status="finished", summary="done")
    assert kinds(path) == ["start", "message", "plan", "end"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    session.close()


def test_the_sessions_folder_removed_whole_is_made_again():
    session = started()
    shutil.rmtree(sessions_dir())
    session.record("end", status="finished", summary="done")
    assert kinds(session.path) == ["start", "message", "end"]
    session.close()


def test_a_file_replaced_by_a_renamed_copy_keeps_its_edits_and_gets_the_next_records():
    session = started()
    path = session.path
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    copy = path.with_name("edited.tmp")
    copy.write_text(lines[0] + json.dumps({"type": "note", "text": "mine"}) + "\n", encoding="utf-8")
    os.replace(copy, path)  # what an editor that saves by renaming does
    session.record("end", status="finished", summary="done")
    assert kinds(path) == ["start", "note", "end"]
    session.close()


def test_a_file_cut_mid_line_gets_the_next_record_on_a_line_of_its_own():
    session = started()
    path = session.path
    data = path.read_bytes()
    os.truncate(path, data.index(b"\n") + 10)  # the first record whole, then part of the second
    session.record("end", status="finished", summary="done")
    assert kinds(path) == ["start", "end"]
    problems: list[str] = []
    assert [r["type"] for _, r in numbered_records(path, problems)] == ["start", "end"] and not problems
    session.close()


def test_a_file_emptied_gets_the_next_record_alone():
    session = started()
    os.truncate(session.path, 0)
    session.record("end", status="finished", summary="done")
    assert kinds(session.path) == ["end"]
    session.close()
