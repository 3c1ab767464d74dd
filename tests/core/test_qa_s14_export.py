"""QA of ``genie export`` and ``genie replay``: what they make of the user's verdicts on patches, and what a
fine-tuning file may hold."""

from __future__ import annotations

import json

import pytest

from genie_tui.cli import main
from genie_tui.config.settings import load_settings
from genie_tui.core import events as ev
from genie_tui.core.agent import Agent
from genie_tui.providers.scripted import Reply, ScriptedServer

FIX = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
GUARD = "--- a/a.py\n+++ b/a.py\n@@ -1 +1,2 @@\n x = 1\n+y = 2\n"
FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])


LONG = "x = 1\n" + "".join(f"pass  # {n}\n" for n in range(2, 22)) + "z = 3\n"
TWO_HUNKS = ("--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n-x = 1\n+x = 2\n pass  # 2\n"
             "@@ -21,2 +21,2 @@\n pass  # 21\n-z = 3\n+z = 4\n")


async def _reviewed_session(make_repo, verdicts: list[ev.PatchDecision], approve: str = "ask",
                            first: str = FIX, text: str = "x = 1\n") -> Agent:
    """A session in approval mode ``ask`` whose patches (``first``, then one adding y) get ``verdicts`` in turn,
    as the app's review gives them."""
    repo = make_repo({"a.py": text})
    script = [Reply(content="Changing x.", tool_calls=[("propose_patch", {"diff": first})]),
              Reply(content="Adding y instead.", tool_calls=[("propose_patch", {"diff": GUARD})]), FINISH]
    with ScriptedServer(script) as server:
        agent = Agent(load_settings(repo, {"base_url": server.base_url, "approve": approve}), repo)
        async for event in agent.run("tidy a.py"):
            if isinstance(event, ev.PatchProposed) and event.decision is not None:
                event.decision.set_result(verdicts.pop(0))
        await agent.client.aclose()
    agent.session.close()
    return agent


def _exported(session_id: str, tmp_path) -> list[dict]:
    out = tmp_path / "train.jsonl"
    assert main(["export", session_id, "-o", str(out)]) == 0
    [example] = [json.loads(line) for line in out.read_text().splitlines()]
    return example["messages"]


async def test_a_patch_the_user_rejected_is_not_trained_on_and_the_review_comment_is_kept(make_repo, tmp_path):
    agent = await _reviewed_session(make_repo, [ev.PatchDecision(frozenset(), "keep x; add y instead"),
                                                ev.PatchDecision()])
    messages = _exported(agent.session.id, tmp_path)
    proposals = [m for m in messages if m["role"] == "assistant" and m.get("tool_calls")
                 and m["tool_calls"][0]["function"]["name"] == "propose_patch"]
    assert [m["content"] for m in proposals] == ["Changing x.", "Adding y instead."]
    assert proposals[0].get("weight") == 0  # the user said no: kept for context, not a behaviour to learn
    assert "weight" not in proposals[1]  # the one the user approved is trained on
    rejected = next(m for m in messages if m["role"] == "tool"
                    and m["tool_call_id"] == proposals[0]["tool_calls"][0]["id"])
    assert rejected["content"].startswith("The user rejected this patch") and "keep x; add y instead" in \
        rejected["content"]


@pytest.mark.parametrize("user_config", ["", "model = [\n"])  # a broken user config: the environment still counts
async def test_the_users_api_key_read_from_a_file_in_a_keyless_session_stays_out_of_the_export(
        make_repo, tmp_path, monkeypatch, capsys, genie_home, user_config):
    """A session with a local keyless server whose model read the project's .env: the user's key, configured
    when exporting (fine-tuning data is uploaded to a provider), is not written out."""
    key = "sk-proj-LiveKey0123456789abcdef"
    repo = make_repo({".env": f"OPENAI_API_KEY={key}\n", "a.py": "x = 1\n"})
    script = [Reply(content="Checking the settings.", tool_calls=[("read_file", {"path": ".env"})]), FINISH]
    with ScriptedServer(script) as server:
        agent = Agent(load_settings(repo, {"base_url": server.base_url, "approve": "auto"}), repo)
        async for _ in agent.run("why does the app not start"):
            pass
        await agent.client.aclose()
    agent.session.close()
    assert key in agent.session.path.read_text()  # no key was configured: nothing to scrub while recording
    monkeypatch.setenv("OPENAI_API_KEY", key)
    (genie_home / "config").mkdir(exist_ok=True)
    (genie_home / "config" / "config.toml").write_text(user_config)
    out = tmp_path / "train.jsonl"
    assert main(["export", agent.session.id, "-o", str(out)]) == 0
    text = out.read_text()
    assert key not in text and key.lower() not in text.lower() and "OPENAI_API_KEY=<redacted>" in text
    assert main(["export", agent.session.id]) == 0
    assert key not in capsys.readouterr().out


@pytest.mark.parametrize("verdict, first, text", [
    (ev.PatchDecision(None, None, FIX.replace("x = 2", "x = 3")), FIX, "x = 1\n"),  # edited, then applied
    (ev.PatchDecision(frozenset({1})), TWO_HUNKS, LONG),  # only its second hunk taken
])
async def test_a_patch_the_user_cut_down_or_edited_is_not_trained_on(make_repo, tmp_path, verdict, first, text):
    agent = await _reviewed_session(make_repo, [verdict, ev.PatchDecision()], first=first, text=text)
    messages = _exported(agent.session.id, tmp_path)
    proposals = [m for m in messages if m["role"] == "assistant" and m.get("tool_calls")
                 and m["tool_calls"][0]["function"]["name"] == "propose_patch"]
    assert [m.get("weight") for m in proposals] == [0, None]
    taken = next(m["content"] for m in messages if m["role"] == "tool"
                 and m["tool_call_id"] == proposals[0]["tool_calls"][0]["id"])
    assert taken.startswith("Patch applied to a.py.")  # what the user took is in the result the model saw


async def test_replay_tells_the_users_verdicts_as_decisions(make_repo, capsys):
    agent = await _reviewed_session(make_repo, [ev.PatchDecision(frozenset(), "keep x; add y instead"),
                                                ev.PatchDecision(None, None, GUARD)])
    assert main(["replay", agent.session.id]) == 0
    out = capsys.readouterr().out
    assert "user rejected patch p1, comment: keep x; add y instead" in out  # was "approval p1: hunks []"
    assert "user approved patch p2 after editing it" in out
    assert "hunks" not in out


async def test_replay_does_not_tell_a_patch_left_for_review_as_approved(make_repo, capsys):
    agent = await _reviewed_session(make_repo, [], approve="never")
    assert main(["replay", agent.session.id]) == 0
    out = capsys.readouterr().out
    assert "patch p1 not applied ['a.py']: not applied: approval mode is never" in out
    assert "approved" not in out and "hunks" not in out, out  # was "approval p1: hunks all"


def _session_with(answer: str | None, end: str | None) -> str:
    """A recorded session whose model answered ``answer`` (None: never) and that ended ``end`` (None: cut off)."""
    from genie_tui.core.session import Session

    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    s.record("message", message={"role": "user", "content": "t"})
    if answer is not None:
        s.record("message", message={"role": "assistant", "content": answer})
    if end is not None:
        s.record("end", status=end, summary="")
    s.close()
    return s.id


def test_several_sessions_export_into_one_file_in_the_order_given(tmp_path, capsys):
    finished, cut_off, silent = _session_with("one", "finished"), _session_with("two", None), \
        _session_with(None, "failed")
    out = tmp_path / "train.jsonl"
    assert main(["export", cut_off, silent, finished, cut_off, "-o", str(out)]) == 0
    examples = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["messages"][-1]["content"] for e in examples] == ["two", "one"]  # a session named twice: once
    err = capsys.readouterr().err
    assert f"wrote 2 example(s) to {out}" in err
    assert f"note: {silent}: the session has no model answer; skipped" in err
    assert f"note: session {cut_off} ended interrupted, not finished" in err and f"session {finished}" not in err
    assert main(["export", silent, silent]) == 2
    assert capsys.readouterr().err.strip().endswith("the session has no model answer to export")


def _call(call_id: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": "list_dir", "arguments": '{"path": "."}'}}


async def test_tool_results_whose_turn_was_never_recorded_are_left_out_of_export_and_resume(make_repo, tmp_path):
    """A turn whose record failed (a full disk) while its results, written after room came back, did not: the
    chat API and fine-tuning refuse a result that answers no call before it."""
    from genie_tui.core.session import Session

    repo = make_repo({"a.py": "x = 1\n"})
    s = Session.create("t")
    s.record("start", task="t", repo=str(repo), config={}, tools=[])
    s.record("message", message={"role": "system", "content": "sys"})
    s.record("message", message={"role": "user", "content": "t"})
    s.record("message", message={"role": "assistant", "content": None, "tool_calls": [_call("call_1_0")]})
    s.record("message", message={"role": "tool", "tool_call_id": "call_1_0", "content": "a.py"})
    # the next turn's assistant record failed: its result, and the stop's "not run" for its other call, remain
    s.record("message", message={"role": "tool", "tool_call_id": "call_2_0", "content": "a.py again"})
    s.record("message", message={"role": "tool", "tool_call_id": "call_2_1", "content": "not run: stopped"})
    s.record("end", status="failed", summary="cannot write the session file")
    s.close()
    messages = _exported(s.id, tmp_path)
    assert [m.get("tool_call_id") for m in messages if m["role"] == "tool"] == ["call_1_0"]
    with ScriptedServer([FINISH]) as server:
        agent = Agent.resume(s.id, load_settings(repo, {"base_url": server.base_url}))
        async for _ in agent.run("[genie] The session was interrupted and is now resumed."):
            pass
        await agent.client.aclose()
        sent = server.requests[0]["messages"]
    assert [m["tool_call_id"] for m in sent if m["role"] == "tool"] == ["call_1_0"]


def test_replay_tells_the_users_other_decisions_and_the_commits(capsys):
    from genie_tui.core.session import Session

    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    s.record("command_approval", command="make lint", approved=True)
    s.record("command_approval", command="rm -rf build", approved=False)
    s.record("approval_mode", mode="auto")
    s.record("model", model="qwen2.5-coder:14b")
    s.record("commit", sha="0123456789abcdef", branch="genie/t", previous=None)
    s.close()
    assert main(["replay", s.id]) == 0
    told = [line.split("] ", 1)[1] for line in capsys.readouterr().out.splitlines()[2:]]
    assert told == ["user allowed running make lint", "user refused running rm -rf build",
                    "user switched patch approval to auto", "user switched the model to qwen2.5-coder:14b",
                    "committed 0123456789 on branch genie/t"]


def test_an_export_into_the_sessions_directory_is_refused_as_it_would_be_listed_as_a_damaged_session(
        tmp_path, monkeypatch, capsys):
    from genie_tui.core.session import sessions_dir

    done = _session_with("one", "finished")
    monkeypatch.chdir(sessions_dir())  # looking at the sessions, the user exports one next to them
    assert main(["export", done, "-o", "train.jsonl"]) == 2
    assert capsys.readouterr().err == ("genie: train.jsonl is in genie's sessions directory, where every .jsonl "
                                       "file is taken for a session; write the export elsewhere\n")
    assert not (sessions_dir() / "train.jsonl").exists()
    assert main(["sessions", "list"]) == 0 and "skipping" not in capsys.readouterr().err
    assert main(["export", done, "-o", str(tmp_path / "train.jsonl")]) == 0


@pytest.mark.parametrize("name", ["link.jsonl", "link.txt"])
def test_an_export_through_a_symlink_into_the_sessions_directory_is_refused_too(name, tmp_path, capsys):
    from genie_tui.core.session import sessions_dir

    done = _session_with("one", "finished")
    link, real = tmp_path / name, sessions_dir().resolve() / "zz-export.jsonl"
    link.symlink_to(sessions_dir() / "zz-export.jsonl")  # the file it names does not exist yet: export makes it
    assert main(["export", done, "-o", str(link)]) == 2
    assert capsys.readouterr().err == (f"genie: {link} (a link to {real}) is in genie's sessions directory, where "
                                       "every .jsonl file is taken for a session; write the export elsewhere\n")
    assert not real.exists()
    assert main(["sessions", "list"]) == 0 and "skipping" not in capsys.readouterr().err
    (tmp_path / "dir").symlink_to(sessions_dir(), target_is_directory=True)  # a link on the way: refused as before
    assert main(["export", done, "-o", str(tmp_path / "dir" / "train.jsonl")]) == 2
    assert "is in genie's sessions directory" in capsys.readouterr().err


def test_replay_tells_a_question_nobody_answered_as_genie_run_does(capsys):
    from genie_tui.core.session import Session

    s = Session.create("t")
    s.record("start", task="t", repo="/r", config={}, tools=[])
    s.record("question", question="Return 0 or raise?", choices=["return 0", "raise ValueError"])
    s.record("answer", answer=None)  # no terminal and no --answers left
    s.close()
    assert main(["replay", s.id]) == 0
    told = [line.split("] ", 1)[1] for line in capsys.readouterr().out.splitlines()[2:]]
    assert told == ["question: Return 0 or raise? [return 0 / raise ValueError]",
                    "answer: (none: the model proceeds on an assumption)"]  # was "answer: None"
