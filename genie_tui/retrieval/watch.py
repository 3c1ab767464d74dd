"""Which files changed since the index last looked, from Linux's inotify, so that re-indexing one saved file
reads that file instead of the size and mtime of every file in the repository (on a 1M-line repository those
10,000 ``lstat`` calls, their directories' and ``git ls-files`` were most of the 100 ms a re-index took).

The watcher vouches only for what it saw. Whenever it cannot (the kernel's event queue overflowed, a directory
was created, deleted or moved, a ``.gitignore``, ``.git/info/exclude`` or the global excludes file (git's
``core.excludesFile``, else ``~/.config/git/ignore``) changed, a ``.git`` appeared or went, a
watch could not be added, or a directory was first watched after the scan began), :meth:`Watcher.changes` answers
``None`` and the index scans everything, as it does without a watcher. It watches the directories that hold indexed
files, those beside them that git does not ignore (empty ones too) and the ones created while it runs; what it
cannot see is listed in the README (a symlink's target changing, a global excludes file made in a directory that did
not exist, a file that the ignore rules leave out leaving git's index: ``git rm --cached``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import struct
import subprocess
import sys
import weakref
from collections.abc import Iterable, Mapping

from genie_tui.retrieval.files import VENDOR_DIRS, build_dir, is_utf8

_MODIFY, _ATTRIB, _CLOSE_WRITE = 0x2, 0x4, 0x8
_MOVED_FROM, _MOVED_TO, _CREATE, _DELETE = 0x40, 0x80, 0x100, 0x200
_DELETE_SELF, _MOVE_SELF, _UNMOUNT, _Q_OVERFLOW, _IGNORED = 0x400, 0x800, 0x2000, 0x4000, 0x8000
_ONLYDIR, _DONT_FOLLOW, _ISDIR = 0x01000000, 0x02000000, 0x40000000
_MASK = (_MODIFY | _ATTRIB | _CLOSE_WRITE | _MOVED_FROM | _MOVED_TO | _CREATE | _DELETE | _DELETE_SELF
         | _MOVE_SELF | _ONLYDIR | _DONT_FOLLOW)
_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of NUL-padded name
#: more changed files than this at once (a checkout, a formatter run): scanning everything is as quick
MAX_CHANGES = 500


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    except (OSError, AttributeError):
        return None
    return libc


class Watcher:
    """The changes under ``root`` (an absolute, resolved path) since the last :meth:`begin_scan` or
    :meth:`changes`. Not thread-safe: the index calls it under its write lock."""

    def __init__(self, root: str, libc: ctypes.CDLL) -> None:
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        self.root = root
        self._libc = libc
        self._fd = fd
        self._close = weakref.finalize(self, os.close, fd)
        self._dirs: dict[int, str] = {}  # watch descriptor -> directory, repository-relative ("" is the root)
        self._watched: set[str] = set()
        self._changed: set[str] = set()
        self._ignored: set[str] = set()  # new files that git ignores, as git said (see changed_files)
        self._skipped: set[str] = set()  # directories git ignored when seen: checked again at each scan
        self._swept = False  # the directories beside the watched ones were looked for (at the first scan)
        self._nested: dict[str, bool] = {}  # directory -> whether it is in a repository of its own (a clone)
        #: watch descriptor -> "" for git's own directory, "info" for its info/, "/NAME" for the directory of the global
        #: excludes file NAME
        self._git: dict[int, str] = {}
        self._whole = True  # only a scan that begins after every watch is in place can clear it
        self.failure = ""  # why watching stopped for good (then every refresh scans)

    def close(self) -> None:
        self._close()

    def watch_git(self, git_dir: str, common_dir: str | None = None, excludes: str = "") -> None:
        """Watch git's own directory (``git_dir``, absolute) for its index file being replaced (``git add -f`` of a
        file the ignore rules leave out) and ``info/exclude`` for edits (other rules of what is ignored), which a
        linked worktree reads from the repository's common directory (``common_dir``); and the directory of the
        global ``excludes`` file (absolute), where an editor may write it anew and rename it over the old."""
        head, name = os.path.split(excludes)
        for d, sub in ((git_dir, ""), (common_dir or git_dir, "info"), *((head, "/" + name),) * bool(name)):
            wd = self._libc.inotify_add_watch(self._fd, os.fsencode(d if sub.startswith("/") else os.path.join(d, sub)),
                                              _MOVED_TO | _CLOSE_WRITE | _ONLYDIR)
            if wd >= 0:
                self._git[wd] = sub

    def watch(self, dirs: Iterable[str]) -> int:
        """Watch ``dirs`` (repository-relative) not watched yet; how many were added. A directory watched now
        may have changed since the scan that found it: the next :meth:`changes` answers ``None``."""
        added = 0
        for d in dirs:
            if d not in self._watched and not self.failure:
                added += self._add(d)
        if added:
            self._whole = True
        return added

    def _add(self, rel: str) -> int:
        if vendored(rel):  # nothing in it is indexed: an ``npm install`` git does not ignore made 6,000 watches
            return 0
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(os.path.join(self.root, rel)), _MASK)
        if wd < 0:
            err = ctypes.get_errno()
            if err in (errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.ELOOP):
                return 0  # gone, a symlink or unreadable: the scan decides what it holds
            self.failure = (f"cannot watch {rel or '.'} for changes ({os.strerror(err)}"
                            + ("; see fs.inotify.max_user_watches" if err == errno.ENOSPC else "") + ")")
            return 0
        self._watched.discard(self._dirs.get(wd, rel))  # the same directory under an old name (it was moved)
        self._dirs[wd] = rel
        self._watched.add(rel)
        return 1

    def _watch_tree(self, rel: str) -> None:
        """``rel`` and the directories below it (it was just created or moved in): watched first, then listed,
        so a subdirectory made meanwhile is either listed or reported by the watch."""
        if not self._add(rel):
            return
        with contextlib.suppress(OSError), os.scandir(os.path.join(self.root, rel)) as it:
            for entry in it:  # not a nested repository's own directory, nor one the index cannot name
                if entry.name != ".git" and is_utf8(entry.name) and entry.is_dir(follow_symlinks=False):
                    self._watch_tree(f"{rel}/{entry.name}" if rel else entry.name)

    def arm(self, paths: Iterable[str], begin: bool) -> None:
        """Watch the directories of ``paths`` (the files stored), before a scan of everything begins (``begin``:
        what happened before it is covered) or after it."""
        self.watch(dirs_of(paths))
        if begin:
            todo = self._skipped if self._swept else self._skipped | self._unwatched()
            self._swept = True
            live = sorted(d for d in todo if os.path.isdir(os.path.join(self.root, d)))
            still = ignored_dirs(self.root, live) if live else set()  # a .gitignore change may have let them in
            for d in live:
                if d not in still:
                    self._watch_tree(d)
            self._skipped = still
            self._drain()
            self._changed.clear()
            self._ignored.clear()
            self._nested.clear()
            self._whole = bool(self.failure)

    def _unwatched(self) -> set[str]:
        """The directories in watched ones that hold no indexed file: empty (made before genie started), or with
        only files git ignores or the index leaves out; a file created in one later is seen once it is watched.
        A repository of its own inside (a clone) is passed over, as git passes over it. On a 1M-line repository
        of 2,500 directories, 28 ms, once per watcher."""
        out = set()
        for rel in list(self._watched):
            with contextlib.suppress(OSError), os.scandir(os.path.join(self.root, rel)) as it:
                for entry in it:
                    sub = f"{rel}/{entry.name}" if rel else entry.name
                    if (entry.name != ".git" and sub not in self._watched and is_utf8(entry.name)
                            and entry.is_dir(follow_symlinks=False)
                            and not os.path.lexists(os.path.join(entry.path, ".git"))):
                        out.add(sub)
        return out

    def invalidate(self) -> None:
        """What was seen was not taken in (the update failed): scan everything next time."""
        self._whole = True

    def changed_files(self, stored: Mapping[str, object]) -> list[str] | None:
        """The files to re-read, or ``None`` to scan everything. ``stored``: the paths indexed (with or without a
        reason). A path that is not stored and exists is a new file: re-read if git does not ignore it."""
        paths = self.changes()
        if paths is None:
            return None
        paths -= self._ignored
        new = [p for p in paths if p not in stored and os.path.lexists(os.path.join(self.root, p))
               and not self._nested_repo(p.rpartition("/")[0])]
        if new:  # an editor's swap file, a new module
            ignored = check_ignore(self.root, sorted(new))
            if ignored is None:
                return None
            self._ignored |= ignored  # until ignore rules may have changed (a scan of everything)
            paths -= ignored
            if any(build_dir(p) for p in new if p not in ignored):
                return None  # in build/ or the like, only what git tracks is indexed: git's listing says which
        return sorted(p for p in paths if p in stored or p in new)

    def _nested_repo(self, rel_dir: str) -> bool:
        """Whether ``rel_dir`` is in a repository of its own below the root (a clone, a submodule): git lists none
        of its files."""
        if not rel_dir:
            return False
        got = self._nested.get(rel_dir)
        if got is None:
            got = (os.path.lexists(os.path.join(self.root, rel_dir, ".git"))
                   or self._nested_repo(rel_dir.rpartition("/")[0]))
            self._nested[rel_dir] = got
        return got

    def changes(self) -> set[str] | None:
        """Repository-relative paths of the files that changed (written, created, deleted, renamed) since the
        last call, or ``None`` when everything must be scanned."""
        self._drain()
        if self._whole or self.failure or len(self._changed) > MAX_CHANGES:
            return None
        out, self._changed = self._changed, set()
        return out

    def pending(self) -> bool:
        """Whether anything changed that an update may need to read (a cheap check before a search): an editor
        rewriting its ignored swap file every few seconds is not."""
        self._drain()
        self._changed -= self._ignored
        return bool(self._changed) or self._whole

    def _drain(self) -> None:
        while not self.failure:
            try:
                buf = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            except OSError as exc:
                self.failure = f"cannot read file-system events ({exc.strerror or exc})"
                return
            pos = 0
            while pos < len(buf):
                wd, mask, _cookie, size = _HEADER.unpack_from(buf, pos)
                name = buf[pos + _HEADER.size:pos + _HEADER.size + size].rstrip(b"\0")
                pos += _HEADER.size + size
                try:
                    self._event(wd, mask, name)
                except Exception:  # noqa: BLE001 - an event not understood: no event is lost unseen
                    self._whole = True

    def _event(self, wd: int, mask: int, raw: bytes) -> None:
        if wd in self._git:
            self._git_event(wd, mask, raw)
            return
        if mask & (_Q_OVERFLOW | _UNMOUNT | _DELETE_SELF | _MOVE_SELF | _IGNORED):
            self._whole = True
            if mask & _IGNORED:  # the watch is gone (its directory was deleted or unmounted)
                self._watched.discard(self._dirs.pop(wd, ""))
            return
        parent = self._dirs.get(wd)
        if parent is None:
            return  # a watch removed since
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            return  # the index leaves out names that are not UTF-8
        rel = f"{parent}/{name}" if parent else name
        if name in (".gitignore", ".git"):
            self._whole = True  # which files git lists may have changed (new rules, a repository of its own)
            return
        if mask & _ISDIR:  # one deleted or moved away reports itself (its watch's DELETE_SELF or MOVE_SELF)
            if vendored(rel):  # not watched, and its files are stored as left out: a scan lists them once
                self._whole = True
            elif mask & (_CREATE | _MOVED_TO):
                if ignored_dirs(self.root, [rel]):
                    self._skipped.add(rel)
                else:
                    self._watch_tree(rel)
                    self._whole = True
            return
        self._changed.add(rel)

    def _git_event(self, wd: int, mask: int, raw: bytes) -> None:
        if mask & _IGNORED:
            del self._git[wd]
        elif (self._git[wd] == "info" and raw == b"exclude") or self._git[wd] == "/" + os.fsdecode(raw):
            self._whole = True
        elif raw == b"index" and self._ignored:  # a file git ignored may be tracked now (git add -f): ask again
            self._changed |= self._ignored
            self._ignored.clear()


def ignored_dirs(root: str, rels: list[str]) -> set[str]:
    """Those of ``rels`` that git ignores (a new ``build/`` or ``__pycache__/`` needs no watching). When git
    cannot tell (not a repository, no git), none are."""
    got = check_ignore(root, rels)
    return got if got is not None else set()


def check_ignore(root: str, rels: list[str]) -> set[str] | None:
    """Those of ``rels`` that git's ignore rules leave out; ``None`` when git cannot tell."""
    try:
        proc = subprocess.run(["git", "check-ignore", "-z", "--stdin"], cwd=root, capture_output=True, timeout=10,
                              input=b"\0".join(map(os.fsencode, rels)) + b"\0", check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode not in (0, 1):  # 1: none is ignored; 128: not a repository, or git failed
        return None
    return {os.fsdecode(p) for p in proc.stdout.split(b"\0") if p}


def start(root: str) -> Watcher | None:
    """A watcher of ``root``, or ``None`` where inotify is not available (not Linux, no instance left)."""
    libc = _libc()
    if libc is None:
        return None
    try:
        w = Watcher(root, libc)
    except OSError:
        return None
    dirs = git_dirs(root)
    if dirs is not None:
        w.watch_git(*dirs, _excludes_file(root))
    return w


def git_dirs(root: str) -> tuple[str, str] | None:
    """The git directory of the work tree ``root`` and its common one (the same but in a linked worktree), as
    git finds them (also with ``GIT_DIR`` set); None where git says none."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--absolute-git-dir", "--git-common-dir"], cwd=root,
                              capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    dirs = [os.fsdecode(d) for d in proc.stdout.split(b"\n") if d]
    if proc.returncode != 0 or len(dirs) != 2:
        return None
    return dirs[0], os.path.normpath(os.path.join(root, dirs[1]))  # the common directory may be relative


def _excludes_file(root: str) -> str:
    """Where git reads the user's global ignore rules for ``root``: ``core.excludesFile``, else
    ``$XDG_CONFIG_HOME/git/ignore`` (``~/.config/git/ignore``)."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc = subprocess.run(["git", "config", "--path", "--get", "core.excludesFile"], cwd=root,
                              capture_output=True, timeout=10, check=False)
        if proc.returncode == 0 and proc.stdout.strip():
            return os.path.join(root, os.fsdecode(proc.stdout.strip()))  # a relative one is the work tree's
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "git", "ignore")


def vendored(rel_dir: str) -> bool:
    """Whether the files under ``rel_dir`` are left out as vendored by their path (``node_modules/``: see
    :func:`files.path_exclusion`), so that the directory needs no watch."""
    return any(part in VENDOR_DIRS for part in rel_dir.split("/"))


def dirs_of(paths: Iterable[str]) -> set[str]:
    """The directories holding ``paths`` and every directory above them, the root as ``""``."""
    out = {""}
    for p in paths:
        d = p.rpartition("/")[0]
        while d not in out:
            out.add(d)
            d = d.rpartition("/")[0]
    return out
