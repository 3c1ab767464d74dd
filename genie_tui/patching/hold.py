"""Holds on the undo journal: the entries of a run that commits its patches when it ends (config
``commit = "end"``) must outlive the journal's limit until that commit has taken them.

``commit_applied`` takes each change from its journal entry (the bytes before and after it). The journal keeps
:data:`~genie_tui.patching.undo.KEEP_ENTRIES` entries, so a run of more than that many patches pruned its own
oldest entries before its commit: their changes were left out of it (or, when later patches changed the same
lines, the later ones could not be merged and the whole run's work was left uncommitted).

A run holds the repository with :func:`holding`: a file ``<id>.hold`` beside the entries, ``flock``-ed for as
long as the hold lasts, and every entry an apply in this process records meanwhile names the hold.
``undo.prune`` (in any process: a ``genie apply`` in another terminal prunes too) stops at the oldest entry not
yet committed whose hold is still locked; ``commit_applied`` marks the entries committed, then prunes. A run
killed before its commit released the lock with its process, so its entries are ordinary ones again and the
next apply takes the journal back to its limit; the same when its commit failed. A run of ``commit = "each"``
holds the same way: a patch whose commit failed (a merge in progress) waits, held, for a later commit.

``genie resume`` of a run killed before its end takes its entries over (:func:`adopt`): still uncommitted, they
name the resumed run's hold, so they wait for that run's commit as its own do.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".hold"
_ID = re.compile(r"[0-9]+-[0-9a-f]{16}")

_guard = threading.Lock()
_active: dict[str, list] = {}  # realpath of a repository -> [hold id, descriptor, depth]


def current(repo: Path) -> str | None:
    """The id of this process's hold on ``repo``, for the entries its applies record; None when not held."""
    with _guard:
        mine = _active.get(os.path.realpath(repo))
    return None if mine is None else mine[0]


@contextmanager
def holding(repo: Path) -> Iterator[str | None]:
    """Hold ``repo``'s journal entries recorded meanwhile until a commit marks them (they nest: the outermost
    releases). A hold that cannot be taken (the journal directory cannot be written, so no apply can journal
    there either) holds nothing."""
    key = os.path.realpath(repo)
    with _guard:
        mine = _active.get(key)
        if mine is not None:
            mine[2] += 1
        else:
            taken = _take(repo)
            if taken is not None:
                mine = _active[key] = [*taken, 1]
    try:
        yield None if mine is None else mine[0]
    finally:
        if mine is not None:
            with _guard:
                mine[2] -= 1
                if mine[2] == 0:
                    del _active[key]
                    _release(repo, mine[0], mine[1])


def _take(repo: Path) -> tuple[str, int] | None:
    from genie_tui.patching.undo import journal_dir

    d = journal_dir(repo)
    hold_id = f"{os.getpid()}-{secrets.token_hex(8)}"
    tmp = d / f".{hold_id}.hold-tmp"
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a new file no one else has opened: never waits
        # locked before it is named: a prune sees a hold unlocked only when its run has ended
        os.replace(tmp, d / f"{hold_id}{SUFFIX}")
    except OSError:
        os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return None
    return hold_id, fd


def _release(repo: Path, hold_id: str, fd: int) -> None:
    from genie_tui.patching.undo import journal_dir

    try:
        os.unlink(journal_dir(repo) / f"{hold_id}{SUFFIX}")
    except OSError:
        pass  # the next prune clears it: closing the descriptor below unlocks it
    os.close(fd)


def live(journal: Path) -> set[str]:
    """The ids of the holds on the journal in ``journal`` whose runs are still going on (in any process); the
    files of ended ones are removed. Called by ``prune``, with the repository's patch lock held."""
    found: set[str] = set()
    try:
        paths = list(journal.glob(f"*{SUFFIX}"))
    except OSError:
        return found
    for path in paths:
        hold_id = path.name[:-len(SUFFIX)]
        if not _ID.fullmatch(hold_id):
            continue
        if _locked(path):
            found.add(hold_id)
            continue
        try:
            path.unlink()
        except OSError:
            pass
    return found


def _locked(path: Path) -> bool:
    if fcntl is None:  # pragma: no cover - no way to tell a live hold: kept while its file exists
        return path.exists()
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # another descriptor: this process's own hold blocks it
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


@dataclass(frozen=True, slots=True)
class Adopted:
    """What :func:`adopt` found of a session's entries."""

    #: tag -> the entry's ``committed`` mark (False, True or "left uncommitted"), in the journal's order
    found: dict[str, object] = field(default_factory=dict)
    #: when the journal's oldest entry was recorded (None: the journal is empty); a patch recorded before it and
    #: not in the journal was pruned, not undone (undo takes the newest entry, prune the oldest)
    oldest: float | None = None
    #: the tags of the uncommitted entries that could not be rewritten to name the new hold, and why
    unheld: list[str] = field(default_factory=list)


def adopt(repo: Path, prefix: str, hold_id: str | None) -> Adopted:
    """Take over the journal entries of ``repo`` whose tag starts with ``prefix`` (a session's, ``<id>:``):
    those not yet committed are rewritten to name ``hold_id``, this process's hold, so they outlive the
    journal's limit until its commit (each replaced whole, as a commit marks them). With ``hold_id`` None
    nothing is rewritten.

    Raises:
        lock.Busy, OSError: the repository's patch lock could not be taken.
    """
    from genie_tui.patching import lock, undo
    from genie_tui.patching.fsio import write_file

    found: dict[str, object] = {}
    oldest: float | None = None
    unheld: list[str] = []
    with lock.repo_lock(repo):  # no prune, undo or commit between reading an entry and rewriting it
        for path in undo.entries(repo):
            try:
                entry = json.loads(undo._read(path) or b"")
                tag, when, done = entry.get("tag"), entry.get("time"), entry.get("committed")
            except (OSError, ValueError, AttributeError, RecursionError):
                continue  # damaged: no commit takes it either
            if oldest is None and isinstance(when, (int, float)):
                oldest = float(when)
            if not isinstance(tag, str) or not tag.startswith(prefix):
                continue
            found[tag] = done
            if done or hold_id is None or entry.get("hold") == hold_id:
                continue
            entry["hold"] = hold_id
            try:
                write_file(path, json.dumps(entry).encode("utf-8"), 0o600, temp=undo.TEMP)
            except OSError as exc:
                unheld.append(f"{tag} ({exc.strerror or exc})")
    return Adopted(found, oldest, unheld)
