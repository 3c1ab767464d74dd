"""Optional git commits of applied patches on a ``genie/<task-slug>`` branch (config ``commit``)."""

from __future__ import annotations

import json
import re
from pathlib import Path


def task_slug(task: str, limit: int = 40) -> str:
    """``Fix the A bug!`` -> ``fix-the-a-bug``: for branch names and session ids."""
    slug = re.sub(r"[^a-z0-9]+", "-", task.lower()).strip("-")
    return slug[:limit].rstrip("-") or "task"


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
    try:
        _switch_to_task_branch(r, f"genie/{task_slug(task)}")
        r.git.add("-A", "--", *paths)
        if not r.git.diff("--cached", "--name-only", "--", *paths).strip():
            return None
        r.git.commit("-m", message, "--", *paths)
    except git.GitCommandError as exc:
        from genie_tui.errors import GenieError

        detail = next((ln.strip() for ln in str(exc.stderr or "").splitlines() if ln.strip().strip("'")), "")
        raise GenieError(f"git {exc.command[1] if len(exc.command) > 1 else ''} failed: "
                         f"{detail.strip(chr(39)) or f'exit code {exc.status}'}") from None
    for p, entry in pending:
        entry["committed"] = True
        p.write_text(json.dumps(entry), encoding="utf-8")
    return r.head.commit.hexsha


def _switch_to_task_branch(r: object, branch: str) -> None:
    """Stay on the task's branch, or start one at HEAD keeping the work tree. A branch of that name left by
    an earlier run is not checked out over the new changes: this run gets ``<branch>-2``, ``-3``, ..."""
    head = r.head  # type: ignore[attr-defined]
    current = None if not head.is_valid() or head.is_detached else r.active_branch.name  # type: ignore[attr-defined]
    if current is not None and (current == branch or re.fullmatch(re.escape(branch) + r"-\d+", current)):
        return
    name, n = branch, 1
    while name in r.heads:  # type: ignore[attr-defined]
        n += 1
        name = f"{branch}-{n}"
    r.git.checkout("-b", name)  # type: ignore[attr-defined]


def current_branch(repo: Path) -> str | None:
    """The checked-out branch's name (None when detached or unreadable); worktrees and submodules too."""
    try:
        import git

        r = git.Repo(repo)
        return None if r.head.is_detached else r.active_branch.name
    except Exception:  # noqa: BLE001 - only an announcement depends on it
        return None
