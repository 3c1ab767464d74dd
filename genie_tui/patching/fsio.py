"""The one place the patch engine writes files: temp file + rename, with rollback if any write fails."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _write_atomic(path: Path, data: bytes, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".genie-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _prune_dirs(repo: Path, path: Path) -> None:
    """Remove directories a deletion left empty, as git does (never the repository root)."""
    parent = path.parent
    root = repo.resolve()
    while parent.resolve() != root and root in parent.resolve().parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


def write_all(repo: Path, writes: dict[str, tuple[bytes | None, int | None]],
              before: dict[str, tuple[bytes | None, int | None]]) -> None:
    """Apply ``writes`` (rel path -> (bytes or None to delete, mode)); on any error restore ``before``."""
    done: list[str] = []
    try:
        # Deletions last, so a rename's new file exists before its old one goes.
        for rel in sorted(writes, key=lambda r: writes[r][0] is None):
            data, mode = writes[rel]
            path = repo / rel
            if data is None:
                if os.path.lexists(path):
                    os.unlink(path)
                    _prune_dirs(repo, path)
            else:
                _write_atomic(path, data, mode)
            done.append(rel)
    except BaseException:
        for rel in done:
            old, mode = before.get(rel, (None, None))
            path = repo / rel
            try:
                if old is None:
                    if os.path.lexists(path):
                        os.unlink(path)
                else:
                    _write_atomic(path, old, mode)
            except OSError:
                pass
        raise
