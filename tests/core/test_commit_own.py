"""A run's commit holds the run's own patches only: it took every journal entry not yet committed, so a patch the
user applied with `genie apply` and threw away with `git checkout` went into the agent's commit, as did another
genie process's patch (found by a review)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from genie_tui.patching import apply_patch
from genie_tui.providers.scripted import Reply, ScriptedServer

IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
OURS = "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n def alpha():\n-    return 1\n+    return 10\n"
THEIRS = "--- a/b.py\n+++ b/b.py\n@@ -1,3 +1,3 @@\n X = 1\n-Y = 2\n+Y = 200\n Z = 3\n"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                          env={**os.environ, **IDENTITY}).stdout


def test_a_runs_commit_leaves_out_a_patch_the_user_applied_and_threw_away(make_repo):
    repo = make_repo({"a.py": "def alpha():\n    return 1\n", "b.py": "X = 1\nY = 2\nZ = 3\n",
                      ".genie/config.toml": 'commit = "each"\n'})
    assert apply_patch(repo, THEIRS, label="user's experiment").applied  # `genie apply`, as the user
    _git(repo, "checkout", "--", "b.py")  # ... and dropped
    script = [Reply(tool_calls=[("propose_patch", {"diff": OURS, "summary": "alpha returns 10"})]),
              Reply(tool_calls=[("finish", {"summary": "done"})])]
    with ScriptedServer(script) as server:
        proc = subprocess.run([sys.executable, "-m", "genie_tui", "run", "make alpha return ten", "--repo", str(repo),
                               "--base-url", server.base_url, "--approve", "auto"], capture_output=True, text=True,
                              env={**os.environ, **IDENTITY, "GENIE_API_KEY": "k"}, stdin=subprocess.DEVNULL,
                              timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "committed" in proc.stderr
    assert _git(repo, "show", "--name-only", "--format=%s", "HEAD").split() == ["alpha", "returns", "10", "a.py"]
    assert _git(repo, "status", "--short") == ""  # b.py as the user left it, and committed so
    assert (repo / "b.py").read_text() == "X = 1\nY = 2\nZ = 3\n"
