"""Records that are valid JSON but damaged in what genie reads from them: a time too large for a float, a
malformed list of stale patches, a patch id of thousands of digits. Every command names the problem in one line
or reads past it; none ends in a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.core.restore import restore
from genie_tui.core.session import Session, sessions_dir

START = '{"type": "start", "task": "t", "repo": "/r", "ts": 1}'
USER = '{"type": "message", "ts": 2, "message": {"role": "user", "content": "hello"}}'
ANSWER = '{"type": "message", "ts": 3, "message": {"role": "assistant", "content": "hi there"}}'
HUGE = "1" + "0" * 400  # valid JSON, an int no float holds: float() raises OverflowError


def _write_session(name: str, *lines: str) -> Path:
    path = sessions_dir() / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _good() -> str:
    s = Session.create("good")
    s.record("start", task="good", repo="/r", config={}, tools=[])
    s.record("message", message={"role": "user", "content": "good"})
    s.close()
    return s.id


@pytest.mark.parametrize("record", [
    f'{{"type": "usage", "ts": {HUGE}}}',
    f'{{"type": "message", "ts": {HUGE}, "message": {{"role": "user", "content": "again"}}}}',
    '{"type": "patch", "ts": 1e400, "id": "p1", "files": ["a.py"], "applied": true, "diff": ""}',
], ids=["usage-400-digits", "message-400-digits", "patch-1e400"])
def test_a_record_time_no_float_holds_is_a_damaged_record_not_a_traceback(record, capsys):
    good = _good()
    bad = _write_session("20240101-000000-huge-ts-0001", START, USER, record, ANSWER)
    line = f"{bad}:3: damaged {json.loads(record)['type']!r} record (the time is not a date)"
    assert main(["sessions", "list"]) == 0  # one such file used to end the whole list (exit 1, nothing listed)
    out, err = capsys.readouterr()
    assert [row.split()[0] for row in out.splitlines()] == [good]
    assert err == f"genie: skipping {line}\n"
    for command in ("export", "resume"):
        assert main([command, str(bad)]) == 1
        assert capsys.readouterr().err == f"genie: {line}\n"
    assert main(["replay", str(bad)]) == 0  # replay shows what it can: the time is left out, not the record
    out, err = capsys.readouterr()
    assert "user: hello" in out and "assistant: hi there" in out and err == ""


@pytest.mark.parametrize("stale", [[["p1", "x", "y"]], ["ab"], "p1", [[1, "why"]]],
                         ids=["triple", "string-in-list", "string", "id-not-text"])
def test_a_recorded_review_whose_stale_patches_are_no_pairs_is_named(stale, capsys):
    review = json.dumps({"type": "recorded_review", "ids": ["p1"], "stale": stale})
    bad = _write_session("20240101-000000-stale-0001", START, USER, review, ANSWER)
    line = (f"{bad}:3: damaged 'recorded_review' record (stale is not a list of patch ids with the reason each no "
            "longer applies)")
    for command in ("export", "resume"):
        assert main([command, str(bad)]) == 1
        assert capsys.readouterr().err == f"genie: {line}\n"
    assert main(["sessions", "list"]) == 0
    assert capsys.readouterr().err == f"genie: skipping {line}\n"


def test_replay_names_a_recorded_review_it_cannot_unpack_and_goes_on(capsys):
    review = json.dumps({"type": "recorded_review", "ids": ["p1"], "stale": [["p1", "x", "y"]]})
    path = _write_session("20240101-000000-stale-0002", START, USER, review, ANSWER)
    assert main(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(a 'recorded_review' record this version cannot read)" in out and "assistant: hi there" in out


def test_a_patch_id_of_thousands_of_digits_does_not_count_for_the_next_id(tmp_path, capsys):
    # int() refuses a string of more than 4,300 digits (ValueError); no session reaches such an id
    patches = [json.dumps({"type": "patch", "id": pid, "files": ["a.py"], "applied": False, "reason": "r",
                           "diff": ""}) for pid in ("p3", "p" + "7" * 5000, "p" + "9" * 19)]
    approval = json.dumps({"type": "approval", "patch_id": "p" + "8" * 5000, "mode": "ask", "hunks": []})
    path = _write_session("20240101-000000-ids-0001", START, USER, *patches, approval, ANSWER)
    assert restore(path).last_patch == 3
    out = tmp_path / "train.jsonl"
    assert main(["export", str(path), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["messages"][-1]["content"] == "hi there"
    assert main(["replay", str(path)]) == 0
    assert "user rejected patch p888" in capsys.readouterr().out
