"""End to end: `genie run` drives the scripted model server through find, plan, ask, patch, test, finish."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from genie_tui.providers.scripted import Reply, ScriptedServer

BUGGY = '''def average(values):
    """Mean of values."""
    total = sum(values)
    return total / len(values)


def spread(values):
    return max(values) - min(values)
'''
TEST = '''import unittest

from calc import average


class AverageTest(unittest.TestCase):
    def test_empty(self):
        self.assertEqual(average([]), 0)

    def test_values(self):
        self.assertEqual(average([1, 2, 3]), 2)
'''
FIX = '''--- a/calc.py
+++ b/calc.py
@@ -1,4 +1,6 @@
 def average(values):
     """Mean of values."""
+    if not values:
+        return 0
     total = sum(values)
     return total / len(values)
'''
SECRET = "sk-test-secret-key-1234567890"


def bug_repo(make_repo) -> Path:
    repo = make_repo({"calc.py": BUGGY, "test_calc.py": TEST, "README.md": "calc\n"})
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text(f'test_command = "{sys.executable} -m unittest -q"\n')
    return repo


def genie(*args: str, env_extra: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GENIE_API_KEY": SECRET, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "genie_tui", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=120)


def answered_patch(body: dict) -> Reply:
    # The request after ask_user must carry the user's answer; only then does the model write the patch.
    last = body["messages"][-1]
    assert last["role"] == "tool" and "return 0" in last["content"], last
    return Reply(tool_calls=[("propose_patch", {"diff": FIX, "summary": "return 0 for an empty list"})])


def full_script() -> list:
    return [
        Reply(content="Let me find the code.", tool_calls=[("search_code", {"query": "average ZeroDivisionError"})]),
        Reply(tool_calls=[("read_file", {"path": "calc.py"}), ("go_to_definition", {"symbol": "average"})]),
        Reply(tool_calls=[("update_plan", {"steps": [{"text": "Guard the empty list", "status": "doing"},
                                                     {"text": "Run the tests", "status": "todo"}]})]),
        Reply(tool_calls=[("ask_user", {"question": "Should average([]) return 0 or raise ValueError?",
                                        "choices": ["return 0", "raise ValueError"]})]),
        answered_patch,
        Reply(tool_calls=[("run_tests", {})]),
        Reply(tool_calls=[("finish", {"summary": "average([]) now returns 0; tests pass"})]),
    ]


def test_run_fixes_bug_end_to_end(make_repo, tmp_path):
    repo = bug_repo(make_repo)
    answers = tmp_path / "answers.json"
    answers.write_bytes(b"\xef\xbb\xbf" + json.dumps(["return 0"]).encode())  # with a BOM, as Notepad saves it
    with ScriptedServer(full_script()) as server:
        proc = genie("run", "fix the crash when the list is empty", "--repo", str(repo), "--base-url",
                     server.base_url, "--answers", str(answers), "--approve", "auto", "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "finished"
    assert result["summary"] == "average([]) now returns 0; tests pass"
    assert result["patches"] == [{"id": "p1", "files": ["calc.py"], "applied": True, "reason": None, "diff": FIX}]
    assert result["tests"]["passed"] is True and result["tests"]["exit_code"] == 0
    assert result["usage"]["prompt_tokens"] > 0
    assert "if not values:\n        return 0" in (repo / "calc.py").read_text()
    assert subprocess.run([sys.executable, "-m", "unittest", "-q"], cwd=repo).returncode == 0
    # what the model was sent: tools contract, system prompt, tool results
    assert len(requests) == 7
    names = {t["function"]["name"] for t in requests[0]["tools"]}
    assert {"list_dir", "find_files", "search_code", "read_file", "go_to_definition", "find_references",
            "update_plan", "ask_user", "propose_patch", "run_tests", "browse_url", "web_search", "finish"} <= names
    assert requests[0]["stream"] is True and requests[0]["stream_options"] == {"include_usage": True}
    tool_results = [m for m in requests[2]["messages"] if m["role"] == "tool"]
    assert any("calc.py lines 1-8 of 8" in m["content"] for m in tool_results)
    assert any("calc.py:1:" in m["content"] for m in tool_results), tool_results
    assert "Guard the empty list" in requests[3]["messages"][0]["content"]  # plan restated in the system prompt
    assert "PASSED" in requests[6]["messages"][-1]["content"]
    # progress went to stderr
    assert "step 1/40" in proc.stderr and "tests passed" in proc.stderr
    # trajectory: complete, no secret, exportable
    trajectory = Path(result["trajectory"])
    text = trajectory.read_text()
    assert SECRET not in text
    kinds = [json.loads(line)["type"] for line in text.splitlines()]
    for kind in ("start", "message", "question", "answer", "plan", "patch", "tests", "end"):
        assert kind in kinds, kind
    export = genie("export", str(trajectory), "--format", "openai")
    assert export.returncode == 0, export.stderr
    validate_openai_export(export.stdout)
    replay = genie("replay", str(trajectory))
    assert replay.returncode == 0
    assert "question: Should average([]) return 0" in replay.stdout and "answer: return 0" in replay.stdout
    assert "session finished" in replay.stdout
    listing = genie("sessions", "list")
    assert trajectory.stem in listing.stdout and "finished" in listing.stdout


def validate_openai_export(text: str) -> None:
    lines = text.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {"messages", "tools"}
    assert all(t["type"] == "function" and "parameters" in t["function"] for t in record["tools"])
    pending: set[str] = set()
    assert record["messages"][0]["role"] == "system" and record["messages"][1]["role"] == "user"
    for msg in record["messages"]:
        assert msg["role"] in {"system", "user", "assistant", "tool"}
        if msg["role"] == "assistant":
            assert not pending, "a tool call was left without a result"
            for call in msg.get("tool_calls", []):
                json.loads(call["function"]["arguments"])
                pending.add(call["id"])
        elif msg["role"] == "tool":
            pending.remove(msg["tool_call_id"])
        else:
            assert isinstance(msg["content"], str)
    assert not pending


def test_never_mode_prints_combined_diff_and_changes_nothing(make_repo):
    repo = bug_repo(make_repo)
    script = [Reply(tool_calls=[("propose_patch", {"diff": FIX})]),
              Reply(tool_calls=[("finish", {"summary": "proposed"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--approve", "never")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n")
    assert "+    if not values:" in proc.stdout
    assert (repo / "calc.py").read_text() == BUGGY
    assert "recorded, not applied" in requests[1]["messages"][-1]["content"]


def test_never_mode_checks_each_patch_against_the_ones_recorded_before_and_prints_one_diff(make_repo, tmp_path):
    # a model revising its own patch or building on it writes against the files as its patches left them:
    # checked against the disk, the revision was refused and a file an earlier patch made did not exist, and
    # the diffs printed one after the other did not apply
    repo = bug_repo(make_repo)
    revise = ("--- a/calc.py\n+++ b/calc.py\n@@ -3,2 +3,2 @@\n     if not values:\n-        return 0\n"
              "+        return 0.0\n")
    make = "--- /dev/null\n+++ b/util.py\n@@ -0,0 +1,2 @@\n+def helper():\n+    return 1\n"
    build_on = "--- a/util.py\n+++ b/util.py\n@@ -1,2 +1,2 @@\n def helper():\n-    return 1\n+    return 2\n"
    script = [Reply(tool_calls=[("propose_patch", {"diff": FIX})]),
              Reply(tool_calls=[("propose_patch", {"diff": FIX})]),  # the same again: refused, as recorded already
              Reply(tool_calls=[("propose_patch", {"diff": revise}), ("propose_patch", {"diff": make})]),
              Reply(tool_calls=[("propose_patch", {"diff": build_on}), ("read_file", {"path": "util.py"})]),
              Reply(tool_calls=[("finish", {"summary": "proposed"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--approve", "never",
                     "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    results = [m["content"] for m in requests[-1]["messages"] if m["role"] == "tool"]
    assert "may have been applied already" in results[1]  # against the recorded patch, not the disk
    assert all("recorded, not applied" in r for r in (results[0], results[2], results[3], results[4]))
    assert results[5].startswith("util.py (as the patches recorded for review leave it) lines 1-2 of 2")
    assert "return 2" in results[5]
    summary = json.loads(proc.stdout)
    assert [p["applied"] for p in summary["patches"]] == [False] * 5
    assert (repo / "calc.py").read_text() == BUGGY and not (repo / "util.py").exists()
    (tmp_path / "run.diff").write_text(summary["diff"])
    subprocess.run(["git", "apply", str(tmp_path / "run.diff")], cwd=repo, check=True)  # whole, as git reads it
    assert (repo / "calc.py").read_text() == BUGGY.replace('"""Mean of values."""\n',
                                                           '"""Mean of values."""\n    if not values:\n'
                                                           '        return 0.0\n')
    assert (repo / "util.py").read_text() == "def helper():\n    return 2\n"


def test_never_mode_with_json_keeps_the_diff_in_the_summary(make_repo):
    repo = bug_repo(make_repo)
    script = [Reply(tool_calls=[("propose_patch", {"diff": FIX})]),
              Reply(tool_calls=[("finish", {"summary": "proposed"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--approve", "never",
                     "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    patch = summary["patches"][0]
    assert patch["applied"] is False and "+    if not values:" in patch["diff"]
    assert summary["diff"].startswith("diff --git a/calc.py b/calc.py\n") and "+    if not values:" in summary["diff"]
    assert (repo / "calc.py").read_text() == BUGGY


def test_unanswered_question_tells_model_to_assume(make_repo):
    repo = bug_repo(make_repo)
    script = [Reply(tool_calls=[("ask_user", {"question": "Which behaviour?"})]),
              Reply(tool_calls=[("finish", {"summary": "assumed 0"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    assert "No answer is available" in requests[1]["messages"][-1]["content"]


def test_dropped_stream_is_retried_and_tool_runs_once(make_repo):
    repo = bug_repo(make_repo)
    patch_call = [("propose_patch", {"diff": FIX, "summary": "guard"})]
    script = [Reply(tool_calls=patch_call, fault="drop"),
              Reply(tool_calls=patch_call, fault="429", retry_after=0.2),
              Reply(tool_calls=patch_call),
              Reply(tool_calls=[("finish", {"summary": "done"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--approve", "auto",
                     "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert [p["applied"] for p in result["patches"]] == [True]
    assert (repo / "calc.py").read_text().count("if not values:") == 1
    assert proc.stderr.count("retry ") == 2


def test_retries_are_numbered_from_one_out_of_max_retries(make_repo):
    repo = bug_repo(make_repo)
    cfg = repo / ".genie/config.toml"
    cfg.write_text(cfg.read_text() + "max_retries = 2\nbackoff_base = 0.05\n")
    script = [Reply(fault="500"), Reply(fault="500"), Reply(tool_calls=[("finish", {"summary": "done"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url)
    assert proc.returncode == 0, proc.stderr
    retries = [line.split("; ")[1].split(" in ")[0] for line in proc.stderr.splitlines() if "; retry " in line]
    assert retries == ["retry 1/2", "retry 2/2"], proc.stderr
    assert "discarded" not in proc.stderr  # nothing was streamed before those failures
    script = [Reply(content="Looking at the average function now, it", fault="drop"),
              Reply(content="The fix is simple.", tool_calls=[("finish", {"summary": "done"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"retry 1/2 in \d+\.\ds \(the partial answer above is discarded\)", proc.stderr), proc.stderr


def test_a_closed_stdout_is_not_reported_as_success(make_repo):
    repo = bug_repo(make_repo)
    cfg = repo / ".genie/config.toml"
    cfg.write_text(cfg.read_text() + "max_retries = 0\n")
    with ScriptedServer([Reply(fault="500")]) as server:
        proc = subprocess.Popen([sys.executable, "-m", "genie_tui", "run", "fix average", "--repo", str(repo),
                                 "--base-url", server.base_url, "--json"],
                                env={**os.environ, "GENIE_API_KEY": SECRET}, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stdout.close()  # like `| head -0`: the summary cannot be written
        err = proc.stderr.read()
        proc.wait(timeout=60)
    assert "genie: failed" in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports a program a closed pipe stopped; never 0


def test_retries_exhausted_fails_then_resume_finishes(make_repo, tmp_path):
    repo = bug_repo(make_repo)
    cfg = repo / ".genie/config.toml"
    cfg.write_text(cfg.read_text() + "max_retries = 1\nbackoff_base = 0.05\n")
    script = [Reply(tool_calls=[("read_file", {"path": "calc.py"})]), Reply(fault="500"), Reply(fault="500")]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--json")
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["status"] == "failed" and "500" in result["summary"] and result["error"] == result["summary"]
    assert len(proc.stderr.strip().splitlines()[-1]) < 300  # a clear one-line error, no traceback
    assert "Traceback" not in proc.stderr
    session_id = Path(result["trajectory"]).stem
    script = [Reply(tool_calls=[("propose_patch", {"diff": FIX})]), Reply(tool_calls=[("finish", {"summary": "ok"})])]
    with ScriptedServer(script) as server:
        proc = genie("resume", session_id, "--base-url", server.base_url, "--approve", "auto", "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    resumed = json.loads(proc.stdout)
    assert resumed["trajectory"] == result["trajectory"] and resumed["error"] is None
    assert [p["id"] for p in resumed["patches"]] == ["p1"]
    sent = requests[0]["messages"]
    assert sent[1] == {"role": "user", "content": "fix average"}
    assert any(m["role"] == "tool" and "calc.py lines 1-8" in m["content"] for m in sent)
    assert "if not values:" in (repo / "calc.py").read_text()


def test_replay_tells_the_error_that_ended_a_run_once(make_repo):
    repo = bug_repo(make_repo)
    cfg = repo / ".genie/config.toml"
    cfg.write_text(cfg.read_text() + "max_retries = 0\n")
    with ScriptedServer([Reply(tool_calls=[("read_file", {"path": "calc.py"})]), Reply(fault="500")]) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["status"] == "failed", proc.stderr
    session_id = Path(json.loads(proc.stdout)["trajectory"]).stem
    with ScriptedServer([Reply(fault="503")]) as server:  # a resumed run that fails again is told apart
        assert genie("resume", session_id, "--base-url", server.base_url, "--json").returncode == 1
    replay = genie("replay", session_id)
    assert replay.returncode == 0, replay.stderr
    told = [line for line in replay.stdout.splitlines() if "scripted 50" in line]
    assert len(told) == 2, replay.stdout
    assert "session failed: model endpoint" in told[0] and "500 Internal Server Error" in told[0]
    assert "session failed: model endpoint" in told[1] and "503" in told[1]


def test_tool_errors_go_back_to_the_model(make_repo):
    repo = bug_repo(make_repo)
    script = [Reply(tool_calls=[("read_file", {"path": "../outside.txt"}), ("read_file", {"path": "nope.py"}),
                                ("read_file", '{"path": "calc.py"'), ("no_such_tool", {}),
                                ("propose_patch", {"diff": FIX.replace("total = sum", "total = summ")}),
                                ("read_file", {"path": "a\u0000b"}), ("browse_url", {"url": "http://[::1"})]),
              Reply(tool_calls=[("finish", {"summary": "gave up"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "fix average", "--repo", str(repo), "--base-url", server.base_url, "--approve", "auto",
                     "--json")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    results = [m["content"] for m in requests[1]["messages"] if m["role"] == "tool"]
    assert "outside the repository" in results[0]
    assert "no such file" in results[1]
    assert "not valid JSON" in results[2]
    assert "unknown tool 'no_such_tool'" in results[3]
    assert results[4].startswith("Patch refused, nothing was changed")
    assert results[5] == "error: path is not a valid file name"
    assert "patch p1 refused (calc.py): " in proc.stderr  # it changed no file, but its hunks were for calc.py
    assert results[6].startswith("error: url must be an http(s) URL")
    assert (repo / "calc.py").read_text() == BUGGY


@pytest.mark.parametrize("args, message", [
    (["run", "task"], "no model configured"),
    (["run", "task", "--base-url", "http://127.0.0.1:9/v1", "--answers", "/nonexistent.json"], "--answers"),
])
def test_usage_errors_are_one_line(make_repo, args, message):
    repo = bug_repo(make_repo)
    proc = subprocess.run([sys.executable, "-m", "genie_tui", *args, "--repo", str(repo)], capture_output=True,
                          text=True, env={k: v for k, v in os.environ.items() if "API_KEY" not in k})
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_unreachable_endpoint_is_a_clear_failure(make_repo):
    repo = bug_repo(make_repo)
    (repo / ".genie/config.toml").write_text("max_retries = 0\n")
    proc = genie("run", "fix", "--repo", str(repo), "--base-url", "http://127.0.0.1:9/v1")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    told = [line for line in proc.stderr.splitlines() if "http://127.0.0.1:9/v1" in line]
    assert len(told) == 1 and told[0].startswith("genie: failed: model endpoint http://127.0.0.1:9/v1"), proc.stderr


def test_resuming_a_finished_session_is_refused(make_repo):
    repo = bug_repo(make_repo)
    with ScriptedServer([Reply(tool_calls=[("finish", {"summary": "done"})])]) as server:
        proc = genie("run", "x", "--repo", str(repo), "--base-url", server.base_url, "--json")
    session_id = Path(json.loads(proc.stdout)["trajectory"]).stem
    proc = genie("resume", session_id, "--base-url", "http://127.0.0.1:9/v1")
    assert proc.returncode == 2 and "already finished" in proc.stderr


GIT_IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def commit_each_repo(make_repo) -> Path:
    """The bug repository with ``commit = "each"`` in its committed config."""
    repo = bug_repo(make_repo)
    with (repo / ".genie/config.toml").open("a") as f:
        f.write('commit = "each"\n')
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "config"],
                   cwd=repo, check=True)
    return repo


def run_patch_and_finish(repo: Path, diff: str) -> subprocess.CompletedProcess:
    """``genie run`` whose model proposes ``diff`` and finishes, approved automatically."""
    script = [Reply(tool_calls=[("propose_patch", {"diff": diff, "summary": "empty list"})]),
              Reply(tool_calls=[("finish", {"summary": "fixed"})])]
    with ScriptedServer(script) as server:
        return genie("run", "fix the empty average", "--repo", str(repo), "--base-url", server.base_url,
                     "--model", "m", "--approve", "auto", env_extra=GIT_IDENTITY)


@pytest.mark.parametrize("where", ["repo", "worktree"])
def test_commits_are_announced_with_their_branch(make_repo, tmp_path, where):
    repo = commit_each_repo(make_repo)
    if where == "worktree":  # .git is a file there
        subprocess.run(["git", "worktree", "add", "-q", "-b", "side", str(tmp_path / "wt")], cwd=repo, check=True)
        repo = tmp_path / "wt"
    start = "side" if where == "worktree" else "main"
    r = run_patch_and_finish(repo, FIX)
    assert r.returncode == 0, r.stderr
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert f"committed {head[:10]} on branch genie/fix-the-empty-average (switched from {start})" in r.stderr


@pytest.mark.parametrize("mine", ["apart", "touching"])
def test_commit_each_holds_genies_change_only(make_repo, mine):
    """The user's uncommitted edit in the file genie patches is never committed: apart from genie's lines it
    stays an uncommitted edit; touching them, genie's change is not committed either, and says so."""
    repo = commit_each_repo(make_repo)
    line, edit = {"apart": ("    return max(values) - min(values)\n", "    return max(values) - min(values)  # mine\n"),
                  "touching": ("    total = sum(values)\n", "    total = sum(values)  # mine\n")}[mine]
    (repo / "calc.py").write_text(BUGGY.replace(line, edit))
    # the model's diff has the user's line as context, as read_file showed it
    r = run_patch_and_finish(repo, FIX.replace(line, edit))
    assert r.returncode == 0, r.stderr

    def out(*args):
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout

    def changes(*args):
        return [ln for ln in out(*args).splitlines() if ln[:1] in "-+" and ln[:3] not in ("---", "+++")]

    fixed = BUGGY.replace(line, edit).replace('    """Mean of values."""\n',
                                              '    """Mean of values."""\n    if not values:\n        return 0\n')
    assert (repo / "calc.py").read_text() == fixed  # the work tree holds both, whatever was committed
    assert changes("diff", "--cached") == []
    if mine == "apart":
        assert "committed " in r.stderr
        assert changes("show", "--format=", "HEAD") == ["+    if not values:", "+        return 0"]
        assert changes("diff") == ["-" + line.rstrip("\n"), "+" + edit.rstrip("\n")]
    else:
        assert out("log", "-1", "--format=%s").strip() == "config"
        assert out("branch", "--show-current").strip() == "main"
        assert "committed " not in r.stderr
        said = [ln for ln in r.stderr.splitlines() if "not committed" in ln]
        assert said == [("warning: not committed: genie's change to calc.py touches lines you changed there "
                         "yourself; it stays applied, uncommitted")]


def test_the_api_key_in_a_task_stays_out_of_the_branch_and_the_session_id(make_repo):
    repo = commit_each_repo(make_repo)
    key = "sk-live-SECRET123456"
    script = [Reply(tool_calls=[("propose_patch", {"diff": FIX, "summary": "empty list"})]),
              Reply(tool_calls=[("finish", {"summary": "fixed"})])]
    with ScriptedServer(script) as server:
        r = genie("run", f"{key} is my key; fix the empty average", "--repo", str(repo), "--json",
                  "--base-url", server.base_url, "--model", "m", "--approve", "auto",
                  env_extra={"GENIE_API_KEY": key, **GIT_IDENTITY})
    assert r.returncode == 0, r.stderr
    branches = subprocess.run(["git", "branch", "--list"], cwd=repo, capture_output=True, text=True).stdout
    trajectory = Path(json.loads(r.stdout)["trajectory"])
    for text in (branches, r.stdout, r.stderr, trajectory.name, trajectory.read_text()):
        assert "secret123456" not in text.lower()
    assert "genie/redacted-is-my-key" in branches


def test_calls_after_finish_do_not_run_and_talk_alone_is_not_a_finish(make_repo):
    repo = bug_repo(make_repo)
    early = [Reply(tool_calls=[("finish", {"summary": "done early"}), ("propose_patch", {"diff": FIX})])]
    with ScriptedServer(early) as server:
        r = genie("run", "fix it", "--repo", str(repo), "--base-url", server.base_url, "--model", "m",
                  "--approve", "auto", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["summary"] == "done early"
    assert (repo / "calc.py").read_text() == BUGGY  # the patch after finish was not applied
    talk = [Reply(content="I think the bug is in calc.py."), Reply(content="Still thinking.")]
    with ScriptedServer(talk) as server:
        r = genie("run", "fix it", "--repo", str(repo), "--base-url", server.base_url, "--model", "m", "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 1 and data["status"] == "failed"
    assert data["summary"] == "the model stopped without calling finish; its last reply: Still thinking."
    assert data["steps"] == 2  # model answers, as sessions list counts them
    with ScriptedServer([Reply(fault="401")]) as server:
        r = genie("run", "fix it", "--repo", str(repo), "--base-url", server.base_url, "--model", "m", "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["steps"] == 0  # a refused request is no step


def test_the_tests_in_the_summary_are_the_projects_not_a_command_the_model_chose(make_repo):
    repo = bug_repo(make_repo)
    script = [Reply(tool_calls=[("run_tests", {})]), Reply(tool_calls=[("run_tests", {"command": "true"})]),
              Reply(tool_calls=[("finish", {"summary": "green?"})])]
    with ScriptedServer(script) as server:
        r = genie("run", "fix it", "--repo", str(repo), "--base-url", server.base_url, "--model", "m",
                  "--approve", "auto", "--json")
    tests = json.loads(r.stdout)["tests"]
    assert tests["passed"] is False and "unittest" in tests["command"]  # the real suite still fails


@pytest.mark.parametrize("case", ["no model", "answers", "deep answers", "sessions dir", "empty task", "bad flag",
                                  "no session", "bad playbook"])
def test_json_runs_print_one_object_even_when_they_cannot_start(make_repo, tmp_path, case):
    """`genie run --json` and `genie resume --json`: stdout holds one object whatever happens, with `error` set
    and the exit code (and the stderr line) of the error."""
    repo = bug_repo(make_repo)
    env = {k: v for k, v in os.environ.items() if "API_KEY" not in k}
    endpoint = ["--base-url", "http://127.0.0.1:9/v1"]
    args, code, message = {
        "no model": (["run", "task"], 2, "no model configured"),
        "answers": (["run", "task", *endpoint, "--answers", "/nonexistent.json"], 2, "--answers"),
        # nested deeper than the parser goes: a RecursionError's traceback, without the object (review)
        "deep answers": (["run", "task", *endpoint, "--answers", str(tmp_path / "deep.json")], 2,
                         "not JSON (invalid JSON: nested too deeply)"),
        "sessions dir": (["run", "task", *endpoint], 1, "cannot create the sessions directory"),
        "empty task": (["run", " ", *endpoint], 2, "the task is empty"),
        "bad flag": (["run", "task", "--max-steps", "many"], 2, "invalid int value"),
        "no session": (["resume", "nosuchsession", *endpoint], 2, "no session 'nosuchsession'"),
        "bad playbook": (["run", "task", *endpoint, "--playbook", "nosuch"], 2, "unknown playbook"),
    }[case]
    (tmp_path / "deep.json").write_text("[" * 100_000)
    if case == "sessions dir":
        (tmp_path / "home").mkdir()
        (tmp_path / "home/data").write_text("")  # the sessions directory would have to be inside a file
        env["GENIE_HOME"] = str(tmp_path / "home")
    proc = subprocess.run([sys.executable, "-m", "genie_tui", *args, "--repo", str(repo), "--json"],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)  # one object, nothing else
    assert summary["status"] == "failed" and message in summary["error"]
    assert summary["patches"] == [] and summary["steps"] == 0 and summary["trajectory"] is None


@pytest.mark.parametrize("flag", ["--jso", "--js"])
def test_an_abbreviated_json_flag_also_gets_its_object_on_a_usage_error(flag, capsys):
    """argparse takes --jso for --json, so the run would have printed its object: a usage error does too."""
    from genie_tui.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["run", "task", flag, "--max-steps", "many"])
    assert exit_info.value.code == 2
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "failed" and "invalid int value" in summary["error"]


def test_a_file_name_and_text_that_are_not_utf8_do_not_break_the_requests(make_repo):
    """A byte that is not UTF-8 in a file name (in the system prompt's file list) or in a file's text (a tool
    result) reaches the model as U+FFFD; the name the model writes back that way opens the file."""
    repo = bug_repo(make_repo)
    (repo / os.fsdecode(b"caf\xe9.py")).write_bytes(b"TOTAL = 41 + 1\n")
    (repo / "notes.txt").write_bytes("déjà vu, plain words\n".encode() * 20 + b"then \xff here\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "odd"], cwd=repo, check=True)
    script = [Reply(tool_calls=[("read_file", {"path": "caf\ufffd.py"}), ("read_file", {"path": "notes.txt"})]),
              Reply(tool_calls=[("finish", {"summary": "read both"})])]
    with ScriptedServer(script) as server:
        proc = genie("run", "read them", "--repo", str(repo), "--base-url", server.base_url, "--approve", "never")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    results = [m["content"] for m in requests[1]["messages"] if m["role"] == "tool"]
    assert "TOTAL = 41 + 1" in results[0]
    assert "then \ufffd here" in results[1]
