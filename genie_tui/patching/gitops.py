"""Optional git commits of applied patches on a ``genie/<task-slug>`` branch (config ``commit``)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from genie_tui.errors import GenieError
from genie_tui.patching.fsio import write_file
from genie_tui.patching.gitproc import Git, Stop, Stopped, committing


def task_slug(task: str, limit: int = 40) -> str:
    """``Fix the A bug!`` -> ``fix-the-a-bug``: for branch names and session ids."""
    slug = re.sub(r"[^a-z0-9]+", "-", task.lower()).strip("-")
    return slug[:limit].rstrip("-") or "task"


def commit_applied(repo: Path, message: str, task: str, paths: list[str] | None = None, *,
                   notes: list[str] | None = None, tag: str | None = None, stop: Stop | None = None) -> str | None:
    """Commit genie's own changes (every journal entry not yet committed; with ``paths``, only those files; with
    ``tag``, only the entries whose tag starts with it: a session's own, ``"<session id>:"``, not another genie
    process's, nor a patch the user applied with ``genie apply`` and may have thrown away since)
    on branch ``genie/<task-slug>``, creating it at HEAD and switching to it if needed (the work tree is kept).

    The commit holds exactly what genie changed: each entry's change (the bytes before and after it, from
    the undo journal) is merged into HEAD's version of the file, never the file as it is on disk, so the
    user's own edits in the same files stay uncommitted, and what the user had staged stays staged (the
    index gets genie's change too, so it matches the new HEAD). An entry whose change cannot be separated
    from the user's edits (they touch the same or adjacent lines, or the file is not tracked) is left
    applied and uncommitted; one line saying so is appended to ``notes``. Returns the new commit's hexsha,
    or None when there was nothing to commit. Then (without ``paths``) the journal is pruned to its limit:
    the entries a run kept past it for this commit go (``hold.py``).

    It holds the repository's patch lock throughout (apply and undo hold it too), so no entry is pruned, undone
    or added while the entries are committed and marked; a caller holding it already does not wait for itself.

    ``stop`` (set from another thread: the turn was stopped) ends the wait for that lock and git with the hooks
    it runs (``gitproc.py``), raising :class:`~genie_tui.patching.gitproc.Stopped`: nothing was committed, and
    HEAD, the index and the branches are as they were. A commit git had made already (its post-commit hook was
    still running) is kept and finished, the user's index following it.
    """
    from contextlib import ExitStack

    from genie_tui.patching import lock, undo

    if not undo.entries(repo):
        return None
    stop = stop or Stop()
    with ExitStack() as stack:
        stack.enter_context(committing(stop))
        try:
            stack.enter_context(lock.repo_lock(repo, stop=lambda: stop.is_set))
        except lock.Busy as exc:
            raise (Stopped() if stop.is_set else GenieError(str(exc))) from None
        except OSError as exc:
            raise GenieError(f"the undo journal cannot be locked ({exc.strerror or exc})") from None
        return _commit_locked(repo, message, task, paths, notes, tag, stop)
    raise AssertionError("unreachable")  # ExitStack does not swallow exceptions


def _commit_locked(repo: Path, message: str, task: str, paths: list[str] | None,
                   notes: list[str] | None, tag: str | None, stop: Stop) -> str | None:
    import git

    from genie_tui.patching import undo

    r = git.Repo(repo)  # found as before; git itself runs through gitproc (hooks, a cancel), never GitPython
    pending = []
    for p in undo.entries(repo):
        entry = json.loads(p.read_text(encoding="utf-8"))
        if not entry.get("committed") and (tag is None or str(entry.get("tag") or "").startswith(tag)):
            pending.append((p, entry))
    if not pending:
        return None
    g = Git(Path(r.working_tree_dir or repo), stop)
    # before the plan, which reads every waiting entry: in a merge that lasts, each patch's commit failed
    # after planning all the patches that waited since it began (105 failed commits took 50 s)
    _refuse_when_busy(g)
    plan = _Plan(g, g.head() is not None)
    taken, left = [], []
    for p, entry in pending:
        files = [f for f in entry["files"] if paths is None or f["path"] in paths]
        if not files:
            continue
        why = plan.take(files)
        (taken if why is None else left).append((p, entry, why))
    if left and notes is not None:
        notes.append(_left_note(left))
    sha = None
    if plan.changes():
        back = _switch_to_task_branch(g, f"genie/{task_slug(task)}")
        try:
            sha = plan.commit(message)
        except BaseException:  # a failure, a stop: no commit on the branch just made, where the user was
            if back is not None:
                back()
            raise
    if paths is None:  # with paths, an entry's other files are still to be committed
        unmarked = []
        for p, entry, why in taken + left:
            entry["committed"] = True if why is None else "left uncommitted"
            try:
                # replaced whole: no reader ever sees an entry half-written
                write_file(p, json.dumps(entry).encode("utf-8"), 0o600, temp=undo.TEMP)
            except OSError as exc:
                unmarked.append(f"{p.name} ({exc.strerror or exc})")
        if unmarked and notes is not None:
            notes.append(f"the undo journal's entries could not be marked committed: {', '.join(unmarked)}; "
                         "the next commit checks their changes again")
        undo.prune(repo)  # entries a run (commit on) kept past the journal's limit for this commit can go now
    return sha


def _left_note(left: list[tuple[Path, dict, list[tuple[str, str]] | None]]) -> str:
    """One line: which files' changes were not committed and why."""
    said: dict[str, str] = {}
    for _, _, why in left:
        for path, reason in why or []:
            said.setdefault(path, reason)
    parts = [f"to {path} {reason}" for path, reason in said.items()]
    return f"not committed: genie's change {'; '.join(parts)}; it stays applied, uncommitted"


def _refuse_when_busy(g: Git) -> None:
    """A commit made now would be taken for a merge's (or cherry-pick's, revert's) conclusion, or could not
    be followed by the index update that keeps the user's staged work as it was."""
    for name, what in (("MERGE_HEAD", "a merge is in progress"), ("CHERRY_PICK_HEAD", "a cherry-pick is in progress"),
                       ("REVERT_HEAD", "a revert is in progress"),
                       ("index.lock", "another git process is using the index (index.lock exists)")):
        if (g.root / g.text("rev-parse", "--git-path", name).strip()).exists():  # relative, or absolute
            raise GenieError(f"git commit failed: {what}; finish or stop it first")


Entry = tuple[str, str] | None  # (mode, blob sha) of one path in a tree or the index; None: absent


class _Plan:
    """HEAD's tree and the user's index with genie's changes merged in, entry by entry, all or nothing each."""

    def __init__(self, g: Git, born: bool) -> None:
        self.g, self.born = g, born
        self.head: dict[str, Entry] = {}  # HEAD's entries of the paths seen so far
        self.tree: dict[str, Entry] = {}  # what the commit will hold
        self.index: dict[str, Entry] = {}  # what the user's index will hold

    def _load(self, path: str) -> None:
        if path in self.head:
            return
        in_head = self.g.entries("ls-tree", "-z", "HEAD", "--", path).get(path) if self.born else None
        self.head[path] = self.tree[path] = in_head
        self.index[path] = self.g.entries("ls-files", "-s", "-z", "--", path).get(path)

    def take(self, files: list[dict]) -> list[tuple[str, str]] | None:
        """Merge one journal entry's change in; None, or (file, why) for each file it could not be separated
        in (then nothing of the entry is taken)."""
        for f in files:
            self._load(f["path"])
        tree, index, bad = dict(self.tree), dict(self.index), []
        for f in files:
            path = f["path"]
            new = self._apply(path, tree[path], f)
            if isinstance(new, str):
                bad.append((path, new))
                continue
            staged = self._carry(index[path], tree[path], new)
            if isinstance(staged, str):
                bad.append((path, staged))
                continue
            tree[path], index[path] = new, staged
        if bad:
            return bad
        self.tree, self.index = tree, index
        return None

    def _apply(self, path: str, cur: Entry, f: dict) -> Entry | str:
        """``cur`` with the change from ``before`` to ``after`` (the file's bytes on disk) merged in, or why
        not: the user's edits (what differs between ``cur`` and ``before``) touch the same lines."""
        from genie_tui.patching.undo import _unb64

        before, after = _unb64(f.get("before")), _unb64(f.get("after"))
        if cur is not None and cur[0] not in ("100644", "100755"):
            return "is to a path git holds as a link or submodule"
        if before is None:  # genie created the file
            if cur is not None:
                return "recreates a file you deleted"
            return None if after is None else (_mode(f.get("after_mode")), self.g.store(after, path))
        if cur is None:
            return "is in a file git does not track"  # its content is the user's
        old = self.g.store(before, path)
        if after is None:  # genie deleted the file
            return None if old == cur[1] else "deletes a file you changed"
        mode = cur[0]
        if f.get("before_mode") is not None and f.get("after_mode") is not None and \
                (f["before_mode"] ^ f["after_mode"]) & 0o100:
            mode = _mode(f["after_mode"])
        merged = self._merge(old, cur[1], self.g.store(after, path))
        return "touches lines you changed there yourself" if merged is None else (mode, merged)

    def _carry(self, staged: Entry, cur: Entry, new: Entry) -> Entry | str:
        """The user's index entry with the change from ``cur`` to ``new`` in it as well, or why not."""
        if cur == new:
            return staged
        if staged == cur:
            return new
        if staged is None and cur is not None:
            return None  # the user staged the file's removal: it stays staged
        if staged is not None and staged[0] == "conflict":
            return "is in a file with merge conflicts"
        merged = None
        if staged is not None and cur is not None and new is not None:
            merged = self._merge(cur[1], staged[1], new[1])
        if merged is None:
            return "touches lines you staged there yourself"
        return (new[0] if new[0] != cur[0] else staged[0], merged)

    def _merge(self, base: str, ours: str, theirs: str) -> str | None:
        """Blob of ``ours`` with the change from ``base`` to ``theirs``; None when the two changes touch."""
        if ours == base or ours == theirs:
            return theirs
        if theirs == base:
            return ours
        with tempfile.TemporaryDirectory(prefix="genie-merge-") as d:
            names = []
            for name, sha in (("ours", ours), ("base", base), ("theirs", theirs)):
                (Path(d) / name).write_bytes(self.g.blob(sha))
                names.append(str(Path(d) / name))
            proc = self.g.run("merge-file", "-p", "--quiet", *names, check=False)
        return self.g.store(proc.stdout) if proc.returncode == 0 else None

    def changes(self) -> list[str]:
        return [p for p in self.tree if self.tree[p] != self.head[p]]

    def commit(self, message: str) -> str:
        """Commit HEAD plus genie's changes through a temporary index, then give the user's index the
        same changes; the new commit's hexsha."""
        fd, tmp = tempfile.mkstemp(prefix="genie-index-")
        os.close(fd)
        os.unlink(tmp)  # git makes it (an empty file is not a valid index)
        env = {"GIT_INDEX_FILE": tmp}
        try:
            self.g.run("read-tree", *(["HEAD"] if self.born else ["--empty"]), env=env)
            self._update(self.changes(), self.tree, env)
            before = self.g.head()
            try:
                self.g.run("commit", "-q", "--no-edit", "-m", message, env=env)
            except Stopped:
                if self.g.head(stoppable=False) == before:
                    raise
                # made before the stop reached git (in its post-commit hook): kept, and finished below
            self.g.stop = None  # the index's update belongs to the commit made: a few plain git commands
        finally:
            for leftover in (tmp, tmp + ".lock"):
                try:
                    os.unlink(leftover)
                except OSError:
                    pass
        self._update([p for p in self.index if self.index[p] != self._index_now(p)], self.index, None)
        return self.g.text("rev-parse", "HEAD").strip()

    def _index_now(self, path: str) -> Entry:
        return self.g.entries("ls-files", "-s", "-z", "--", path).get(path)

    def _update(self, paths: list[str], entries: dict[str, Entry], env: dict[str, str] | None) -> None:
        for path in paths:
            e = entries[path]
            if e is None:
                self.g.run("update-index", "--force-remove", "--", path, env=env)
            else:
                self.g.run("update-index", "--add", "--cacheinfo", f"{e[0]},{e[1]},{path}", env=env)


def _mode(st_mode: int | None) -> str:
    return "100755" if st_mode is not None and st_mode & 0o100 else "100644"


def _switch_to_task_branch(g: Git, branch: str) -> Callable[[], None] | None:
    """Stay on the task's branch, or start one at HEAD keeping the work tree. A branch of that name left by
    an earlier run is not checked out over the new changes: this run gets ``<branch>-2``, ``-3``, ... When a
    branch was started, returns what undoes that (HEAD back where it was, the new branch deleted: the work tree
    and the index are as they were, the branch pointing at HEAD's commit), for a commit that then fails; a
    checkout that fails or is stopped (its post-checkout hook) is undone so at once."""
    at = g.head()
    symbolic = g.text("symbolic-ref", "-q", "HEAD", check=False).strip()  # empty: detached
    current = symbolic.removeprefix("refs/heads/") if at is not None and symbolic else None
    if current is not None and (current == branch or re.fullmatch(re.escape(branch) + r"-\d+", current)):
        return None
    taken = set(g.text("for-each-ref", "--format=%(refname)", "refs/heads/").splitlines())
    name, n = branch, 1
    while f"refs/heads/{name}" in taken:
        n += 1
        name = f"{branch}-{n}"
    was = symbolic or at or ""  # a branch (maybe unborn), or a detached commit

    def back() -> None:
        # not stoppable: this is what a stop leaves to be done
        with contextlib.suppress(GenieError, OSError):  # the commit's own error is what the user is told
            if g.head(stoppable=False) != at:
                return  # something was committed after all: keep it where it is
            if was.startswith("refs/"):
                g.run("symbolic-ref", "HEAD", was, stoppable=False)
            else:
                g.run("update-ref", "--no-deref", "HEAD", was, stoppable=False)
            if at is not None:
                g.run("update-ref", "-d", f"refs/heads/{name}", at, stoppable=False)

    try:
        g.run("checkout", "-q", "-b", name)
    except BaseException:
        back()
        raise
    return back


def current_branch(repo: Path) -> str | None:
    """The checked-out branch's name (None when detached or unreadable); worktrees and submodules too."""
    try:
        import git

        r = git.Repo(repo)
        return None if r.head.is_detached else r.active_branch.name
    except Exception:  # noqa: BLE001 - only an announcement depends on it
        return None
