"""The repository as a plan sees it: the files on disk plus the changes planned so far, and the checks that keep
every path a patch names inside the repository and out of ``.git``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from genie_tui.patching.textfile import BinaryFile, Opaque, TextFile
from genie_tui.printable import shown_path

_MISSING = object()
#: A file larger than this is refused unread: planning a 26 MB file took 15 s and several times its size in
#: memory, and its undo entry holds it twice; no source file comes near (sqlite3.c is 9 MB)
FILE_BYTES = 32 * 1024 * 1024


def _read(data: bytes) -> TextFile:
    try:
        return TextFile.from_bytes(data)
    except BinaryFile:
        return Opaque(lines=[], eols=[], data=data)


class Refusal(Exception):
    """A file-level problem: every approved hunk of that file is refused with this reason."""


class Tree:
    """The repository as the plan sees it: disk plus pending changes."""

    def __init__(self, repo: Path, overlay: Mapping[str, tuple[bytes | None, int | None]] | None = None) -> None:
        """``overlay``: files as patches recorded but not written left them (rel path -> bytes, or None when
        deleted, and mode or None), which the plan sees instead of the disk (``staging.stage_patch``)."""
        self.repo = repo
        self.real = Path(os.path.realpath(repo))
        self.files: dict[str, TextFile | None] = {}
        self.modes: dict[str, int] = {}
        self.seen: dict[str, bytes] = {}
        self.names: dict[str, str] = {}  # the real path of every file the plan read or wrote -> its name
        for rel, (data, mode) in (overlay or {}).items():
            self.files[rel] = None if data is None else _read(data)
            if mode is not None:
                self.modes[rel] = mode

    def claim(self, rel: str) -> None:
        """Refuse a second name for a file the plan already uses: both would be planned from the same bytes and
        the second write would take back the first."""
        real = os.path.realpath(self.repo / rel)
        other = self.names.setdefault(real, rel)
        if other != rel:
            raise Refusal(f"{other} and {rel} are the same file (a directory on the way is a symbolic link); "
                          "name it one way throughout the patch")

    def exists(self, rel: str) -> bool:
        if rel in self.files:
            return self.files[rel] is not None
        return os.path.lexists(self.repo / rel)

    def load(self, rel: str, whole: bool = False) -> TextFile:
        """The file ``rel`` as the plan has it. ``whole``: it is only moved, copied or given another mode, so a
        binary file is taken too (as :class:`Opaque`); with a hunk to apply, a binary file is refused."""
        tf = self.files.get(rel, _MISSING)
        if tf is _MISSING:
            self.claim(rel)
            path = self.repo / rel
            if os.path.isdir(path):
                raise Refusal(f"{rel} is a directory")
            from genie_tui.reading import NotRegularFile, TooLarge, read_regular

            try:  # a named pipe blocked the read forever, /dev/zero never ended: only a regular file is read
                data = read_regular(path, FILE_BYTES)
                self.modes[rel] = os.stat(path).st_mode & 0o7777
                self.seen[rel] = data
            except TooLarge:
                raise Refusal(f"{rel} is larger than {FILE_BYTES // 2 ** 20} MiB; genie only patches files up to "
                              "that size") from None
            except NotRegularFile as exc:
                raise Refusal(f"{rel} is not a regular file ({exc.kind}); genie only patches regular files") from exc
            except OSError as exc:
                raise Refusal(f"cannot read {rel}: {exc.strerror}") from exc
            tf = _read(data)
            self.files[rel] = tf
        if tf is None:
            raise Refusal(f"{rel} was deleted earlier in this patch")
        if isinstance(tf, Opaque) and not whole:
            raise Refusal(f"{rel} is a binary file; genie only patches text files")
        return tf  # type: ignore[return-value]

    def check_path(self, raw: str) -> str:
        """The repo-relative path for ``raw``, refusing anything that could leave the repository."""
        p = raw  # a backslash is a character of the name here (a model's Windows path is read so in names.py)
        if "\0" in p:
            raise Refusal(f"{shown_path(raw)}: a path cannot hold a NUL character")
        if p.endswith("/"):
            raise Refusal(f"{raw} ends in '/', so it names a directory, not a file")
        if p.startswith("/") or (len(p) > 1 and p[1] == ":"):
            raise Refusal(f"{raw}: absolute paths are not allowed; use a path relative to the repository root")
        parts = [x for x in p.split("/") if x not in ("", ".")]
        if not parts:
            raise Refusal(f"{raw!r} is not a file path")
        if ".." in parts:
            raise Refusal(f"{raw}: paths with '..' are not allowed; the patch may only change files in the repository")
        if any(x.lower() == ".git" for x in parts):  # .GIT is .git on case-insensitive file systems
            raise Refusal(f"{raw}: files under .git/ cannot be patched")
        cur = self.repo
        for i, part in enumerate(parts):
            cur = cur / part
            if i < len(parts) - 1 and os.path.lexists(cur) and not os.path.isdir(cur):
                raise Refusal(f"{raw}: {'/'.join(parts[:i + 1])} is a file, not a directory")
            if os.path.islink(cur):
                target = os.path.realpath(cur)
                inside = target == str(self.real) or target.startswith(str(self.real) + os.sep)
                if not inside:
                    raise Refusal(f"{raw}: {'/'.join(parts[:i + 1])} is a symbolic link that leads outside the "
                                  "repository")
                if i == len(parts) - 1:
                    raise Refusal(f"{raw} is a symbolic link; patch the file it points to instead")
                if any(x.lower() == ".git" for x in Path(os.path.relpath(target, self.real)).parts):
                    raise Refusal(f"{raw}: {'/'.join(parts[:i + 1])} is a symbolic link into .git/; files under "
                                  ".git/ cannot be patched")
        try:
            os.lstat(cur)
        except (FileNotFoundError, NotADirectoryError):
            pass
        except OSError as exc:  # a name longer than the file system takes, mostly
            raise Refusal(f"{raw}: {(exc.strerror or str(exc)).lower()}") from None
        return "/".join(parts)

    def resolve(self, raw: str | None, prefix: str, git_style: bool = False) -> str | None:
        """Strip a/ b/ prefixes when that names an existing file (or when nothing exists either way).

        When both the stripped and the literal path exist, only a diff whose sides carry git's ``a/`` and
        ``b/`` prefixes (``git_style``) says which is meant; otherwise the path is ambiguous and refused."""
        if raw is None:
            return None
        options = []
        if raw.startswith(("a/", "b/")):
            options.append(raw[2:])
        options.append(raw)
        checked: list[str] = []
        for option in options:
            try:
                checked.append(self.check_path(option))
            except Refusal:  # "b/f.txt" read with its prefix, where the repository has a file or a link named b
                if option != raw or not checked:
                    raise
        found = [rel for rel in checked if self.exists(rel)]
        if len(found) == 2 and not git_style:
            raise Refusal(f"{raw} could mean {found[0]} (without the {raw[:2]} prefix) or {found[1]}, and both "
                          f"exist; write the headers as '--- a/PATH' and '+++ b/PATH' with the full path")
        return found[0] if found else checked[0]
