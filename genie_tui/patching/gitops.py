"""Optional git commits of applied patches on a ``genie/<task-slug>`` branch (config ``commit``)."""

from __future__ import annotations

import json
import re
from pathlib import Path


def task_slug(task: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", task.lower()).strip("-")
    return (slug[:40].rstrip("-") or "task")


def commit_applied(repo: Path, message: str, task: str, paths: list[str] | None = None) -> str | None:
    """Commit the files genie changed (``paths``, default: every journal entry not yet committed) on branch
    ``genie/<task-slug>``, creating it at HEAD and switching to it if needed (the work tree is kept).

    Only those files are staged, so the user's other uncommitted work stays uncommitted. Returns the new
    commit's hexsha, or None when there was nothing to commit.
    """
    import git

    from genie_tui.patching import undo

    r = git.Repo(repo)
    pending = []
    if paths is None:
        paths = []
        for p in undo.entries(repo):
            entry = json.loads(p.read_text(encoding="utf-8"))
            if not entry.get("committed"):
                pending.append((p, entry))
                paths += [f["path"] for f in entry["files"] if f["path"] not in paths]
    if not paths:
        return None
    branch = f"genie/{task_slug(task)}"
    if r.head.is_valid():
        current = None if r.head.is_detached else r.active_branch.name
        if current != branch:
            if branch in r.heads:
                r.git.checkout(branch)
            else:
                r.git.checkout("-b", branch)
    else:
        r.git.checkout("-b", branch)
    r.git.add("-A", "--", *paths)
    if not r.git.diff("--cached", "--name-only", "--", *paths).strip():
        return None
    r.git.commit("-m", message, "--", *paths)
    for p, entry in pending:
        entry["committed"] = True
        p.write_text(json.dumps(entry), encoding="utf-8")
    return r.head.commit.hexsha
