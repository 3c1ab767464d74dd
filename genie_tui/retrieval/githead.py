"""Where git's HEAD is, looked at before each lookup of an open index (see follow.py) at the cost of a few ``stat``
calls: a commit, an amend or a ``reset --soft`` writes no file of the work tree, and the history the ranking reads
follows HEAD."""

from __future__ import annotations

import os
from pathlib import Path

from genie_tui.retrieval import history
from genie_tui.retrieval import watch as watch_mod

BASIS = 4  # the signature's last items that stamp what decides git's log besides HEAD


class GitHead:
    """The commit HEAD names, asked of git again only when HEAD, the ref it points at, ``packed-refs``, the
    reftable, ``shallow``, ``info/grafts`` or ``refs/replace`` changed on disk: a few ``stat`` calls and two small reads (40-50 us; ``git rev-parse`` takes
    1.5 ms), so that every lookup can notice a commit, an amend or a ``reset --soft``, which write no file of the
    work tree. In a linked worktree ``.git`` is a file naming its git directory, and the branches are in the
    repository's common one."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.seen: tuple = ("unread",)  # the signature when the stored history was last brought to HEAD
        self._read: tuple[tuple, str] = (("unread",), "")
        self._asked: tuple[str, str] | None = None  # git's answer where no .git is found (GIT_DIR set)
        self._tried = False

    def signature(self) -> tuple:
        dirs = _git_dirs(str(self.repo)) or self._ask_git()
        if dirs is None:
            return ()
        git_dir, common = dirs
        head = _content(os.path.join(git_dir, "HEAD"))
        ref = os.fsdecode(head[5:].strip()) if head.startswith(b"ref: ") else ""
        target = (_content(os.path.join(git_dir, ref)) or _content(os.path.join(common, ref))) if ref else b""
        # then what decides git's log besides HEAD (history.basis): a shallow clone's boundary (``git fetch
        # --unshallow``, ``--deepen``), grafts, replace refs (``git replace``; packed ones are in packed-refs):
        # ``_history_begin`` compares its tail (BASIS) with the one the history was last brought to HEAD at
        return (git_dir, head, target, _stamp(os.path.join(common, "packed-refs")),
                _stamp(os.path.join(common, "reftable", "tables.list")), _stamp(os.path.join(common, "shallow")),
                _stamp(os.path.join(common, "info", "grafts")), _stamp(os.path.join(common, "refs", "replace")))

    def _ask_git(self) -> tuple[str, str] | None:
        """The git directories as git finds them (``GIT_DIR`` and ``GIT_WORK_TREE`` set, no ``.git`` above the
        work tree), asked once."""
        if not self._tried:
            self._tried = True
            self._asked = watch_mod.git_dirs(str(self.repo))
        return self._asked

    def moved(self) -> bool:
        """Whether HEAD may name another commit than when the history was last brought to it."""
        return self.signature() != self.seen

    def read(self) -> tuple[str | None, tuple]:
        """HEAD's commit ("" when none, ``None`` when git failed: asked again next time) and the signature it was
        read at (for :attr:`seen` once it is taken in)."""
        sig = self.signature()
        if sig != self._read[0]:
            head = history.head(self.repo)  # the signature first: a move meanwhile is seen next time
            if head is None:
                return None, sig
            self._read = (sig, head)
        return self._read[1], sig


def _content(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(4096)
    except OSError:
        return b""


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _git_dirs(root: str) -> tuple[str, str] | None:
    """The git directory of the work tree at or above ``root`` and its common directory (the same but in a
    linked worktree), as git finds them; None outside a repository."""
    d = root
    while True:
        dot = os.path.join(d, ".git")
        if os.path.isdir(dot):
            git_dir = dot
            break
        if os.path.isfile(dot):
            text = _content(dot).decode("utf-8", "replace").strip()
            if not text.startswith("gitdir:"):
                return None
            git_dir = os.path.normpath(os.path.join(d, text[7:].strip()))
            break
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up
    common = _content(os.path.join(git_dir, "commondir")).decode("utf-8", "replace").strip()
    return git_dir, os.path.normpath(os.path.join(git_dir, common)) if common else git_dir
