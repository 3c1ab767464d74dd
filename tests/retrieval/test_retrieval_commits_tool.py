"""tools/bench_retrieval_commits.py: past commits as questions, each searched at its parent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "bench_retrieval_commits.py"
_WHO = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **_WHO}).stdout


def test_commits_are_questions_searched_before_they_happened(make_repo, tmp_path):
    (tmp_path / "acme+parsers").mkdir()  # laid out as a git snapshot is: owner+name/repo
    repo = make_repo({
        "src/parser.py": "def parse(text):\n    return text.split()\n",
        "src/render.py": "def render(rows):\n    return '\\n'.join(rows)\n",
        "tests/test_parser.py": "def test_parse():\n    assert parse('a b')\n",
    }, name="acme+parsers/repo")
    (repo / "src" / "parser.py").write_text("def parse(text):\n    if not text:\n        return []  # zanzibar\n"
                                            "    return text.split()\n")
    (repo / "tests" / "test_parser.py").write_text("def test_empty():\n    assert parse('') == []\n")
    git(repo, "commit", "-qam", "Handle empty input in the parser without crashing")
    (repo / "src" / "render.py").write_text("def render(rows):\n    return '\\r\\n'.join(rows)\n")
    git(repo, "commit", "-qam", "Release 1.2.0")  # a version bump is no question
    (repo / "setup.cfg").write_text("[render]\nnewline = crlf\n")
    (repo / "src" / "render.py").write_text("def render(rows, nl):\n    return nl.join(rows)\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Render rows with the configured newline")  # adds setup.cfg: left out
    (repo / "setup.cfg").write_text("[render]\nnewline = lf\n")
    (repo / "src" / "render.py").write_text("def render(rows, nl='\\n'):\n    return nl.join(rows)\n")
    git(repo, "commit", "-qam", "Default newline for rendered rows is LF again")
    (repo / "NEW.md").write_text("notes\n")
    git(repo, "add", "NEW.md")
    git(repo, "commit", "-qm", "Add the release notes file for the next version")  # no source file changed
    head = git(repo, "rev-parse", "HEAD")
    out = tmp_path / "res.json"
    proc = subprocess.run([sys.executable, str(TOOL), str(repo), "--commits", "5", "--json", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(out.read_text())
    rows = res[0]["rows"]
    # newest first; a config file the commit changed is an answer too, the test file is not
    assert [r["files"] for r in rows] == [["setup.cfg", "src/render.py"], ["src/parser.py"]]
    rows = rows[1:]
    assert rows[0]["ranked"][0] == "src/parser.py"
    assert rows[0]["genie"]["Acc@1"] == 1.0
    assert "| acme/parsers | 2 |" in proc.stdout  # named by the snapshot, not "repo"
    assert git(repo, "rev-parse", "HEAD") == head and "zanzibar" in (repo / "src" / "parser.py").read_text()


def test_the_search_sees_the_parent_not_the_commit(make_repo, tmp_path):
    """Words that only the commit adds are not there to find: the clone is at the parent."""
    repo = make_repo({"a.py": "def one():\n    return 1\n", "b.py": "def two():\n    return 2\n"})
    (repo / "b.py").write_text("def two():\n    return 2  # quetzalcoatl feathered serpent\n")
    git(repo, "commit", "-qam", "quetzalcoatl feathered serpent comment added here")
    out = tmp_path / "res.json"
    proc = subprocess.run([sys.executable, str(TOOL), str(repo), "--json", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(out.read_text())[0]["rows"]
    assert row["files"] == ["b.py"]
    assert row["bm25"]["Acc@1"] == 0.0  # at the commit itself its words would put b.py first
