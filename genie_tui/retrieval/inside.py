"""Whether a file the index lists really lies in the repository once symlinks are followed, and which symlinks
are aliases of files indexed under their own names (see build.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from genie_tui.retrieval import files as F

OUTSIDE = "a symlink to outside the repository"  # the file, or a directory on its path
ALIAS = "a symlink to "  # ... another file of the repository, indexed under its own name (see alias_of)


def alias_reason(target: str) -> str:
    return f"{ALIAS}{target}, which is indexed under its own name"


class Inside:
    """Whether a file really lies in the repository once every symlink on its way is followed. A file that does
    not (a symlink to ``/etc/passwd``, a key under ``~/.ssh``, or any file in a directory that was replaced by a
    symlink to elsewhere) is not the project's code and must not reach search results or a model's context.
    Each directory costs one ``lstat`` (a symlink is resolved in full), so a file in a known directory costs
    nothing."""

    def __init__(self, repo: Path) -> None:
        self.root = os.path.realpath(repo)
        self._dirs: dict[str, bool] = {"": True}
        self.linked: set[str] = set()  # the directories reached through a symlink (see dir_ok)

    def _within(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)

    def dir_ok(self, rel_dir: str) -> bool:
        ok = self._dirs.get(rel_dir)
        if ok is None:
            full = os.path.join(self.root, rel_dir)
            try:
                link = stat.S_ISLNK(os.lstat(full).st_mode)
            except OSError:
                link = True  # gone or unreadable: resolve it in full, which decides safely
            # a directory that is no link lies where its parent does, and the parent was checked
            ok = self.dir_ok(rel_dir.rpartition("/")[0]) and (not link or self._within(os.path.realpath(full)))
            self._dirs[rel_dir] = ok
            self.linked.update([rel_dir] if link or rel_dir.rpartition("/")[0] in self.linked else [])
        return ok

    def file_ok(self, rel: str, is_link: bool) -> bool:
        if not self.dir_ok(rel.rpartition("/")[0]):
            return False
        return not is_link or self._within(os.path.realpath(os.path.join(self.root, rel)))

    def target(self, rel: str) -> str:
        """The repository path a symlink inside it leads to, in the end."""
        return os.path.relpath(os.path.realpath(os.path.join(self.root, rel)), self.root).replace(os.sep, "/")


def alias_of(inside: Inside, path: str, listed: set[str]) -> str:
    """The file that symlink ``path`` leads to when that file is indexed under its own name (``src/link.py ->
    real.py``): the same code twice doubled every definition and search result, the link's listed first. ``""``
    when the target is not indexed by its name (vendored, not listed), so the link stands in for it."""
    target = inside.target(path)
    return target if target != path and target in listed and F.path_exclusion(target) is None else ""
