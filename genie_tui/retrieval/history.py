"""The repository's own history as evidence: commits whose messages resemble the query vote for the files
they changed (how people here solved similar problems before is a strong hint of where to look). This module
keeps the stored history at HEAD; histterms.py scores queries against it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import Protocol

from genie_tui.retrieval.histstore import activity  # noqa: F401 (history.activity)
from genie_tui.retrieval.histstore import add as _add
from genie_tui.retrieval.histstore import drop as _drop
from genie_tui.retrieval.histstore import place as _place
from genie_tui.retrieval.histstore import targets as _targets
from genie_tui.retrieval.histstore import work as _work
from genie_tui.retrieval.store import Stopped, TooMany
from genie_tui.retrieval.textutil import tokenize

MAX_COMMITS = 20000
MAX_FILES_PER_COMMIT = 40
RECENT = 500  # commits that count as recent activity
HEAD_KEY = "history_head"  # the index's meta key for the commit the stored history was read at
LOG_KEY = "history_log"  # ... and how: that commit, the commits logged, the positions and ids of those left out
GEN_KEY = "history_gen"  # ... and how many times it was written (a reader's cache of it is for one writing)
FULL_COST, NEW_COST = 1.0, 1.5  # a commit read in full, a new one stored, against one taken out (see _afford)
INLINE = 2000  # commits a lookup reads or takes out itself (``update``'s ``limit``; 2,300 of sphinx's: 0.5-0.65 s)


class Halt(Protocol):  # what stops an update (a ``threading.Event``, follow._PatchOrStop)
    def is_set(self) -> bool: ...


def head(repo: Path) -> str | None:
    """HEAD's commit: "" when there is none (an unborn branch, no repository), ``None`` when git could not be
    asked (not found, timed out): not a history of no commits, so the stored one stays."""
    try:
        r = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, check=False, capture_output=True,
                           text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else ""


def basis(repo: Path) -> str | None:
    """What decides the history git logs besides HEAD, none of which moves it: a shallow clone's boundary (its
    commits are logged as if they had no parent, every file changed; ``git fetch --unshallow`` changes it), grafts
    and replace refs (``git replace``). "" when there is none of them (most repositories), else a digest;
    ``None`` when git failed. A history stored under another is read again in full."""
    paths = _git(repo, "rev-parse", "--git-path", "shallow", "--git-path", "info/grafts")  # the common directory's
    refs = _git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/replace/")
    if paths is None or refs is None:
        return None
    parts = []
    for p in paths:
        try:
            parts.append((repo / p).read_bytes())
        except OSError:
            parts.append(b"")
    return hashlib.sha1(b"\0".join([*parts, "\n".join(refs).encode()])).hexdigest() if any(parts) or refs else ""


def basis_changed(c: sqlite3.Connection, repo: Path) -> bool:
    """Whether :func:`basis` may have changed since the stored history was read (asked when HEAD did not move, see
    githead.py: the history is read again in full then; :func:`update` tries git again where it failed)."""
    was, known = _log_meta(c), basis(repo)
    return was is None or known is None or was.get("basis", "") != known


class Log:
    """``git log`` of the commits that :func:`update` reads, started at once on its own thread: git runs as a
    process of its own, on the other core while this one builds the file index (on sphinx, 14,000 commits, about
    0.7 s that the cold build no longer waits for). With ``since`` (the commit the stored history was read at, see
    :func:`extendable`), only the commits after it, merges included, with their parents: :func:`update` adds them
    when they lie in a line on top of it, at most one more than ``limit`` (see :func:`update`). With ``shas``,
    those commits alone, in that order. Unless ``shas``, :attr:`basis` is asked meanwhile too."""

    def __init__(self, repo: Path, head: str, since: str | None = None, shas: list[str] | None = None,
                 limit: int | None = None) -> None:
        self.since, self.limit = since, limit
        self.basis: str | None = None
        self._out: bytes | None = None  # git's output (None: it failed)
        self._parsed: list[Logged] | None = None  # ... as result() gives it
        self._thread = threading.Thread(target=self._run, args=(repo, head, shas), name="genie-git-log", daemon=True)
        self._thread.start()

    def _run(self, repo: Path, head: str, shas: list[str] | None) -> None:
        # after the stored commit, merges too (a merge makes git list the commits by date, not newest first)
        most = MAX_COMMITS if self.limit is None else min(self.limit, MAX_COMMITS)
        which = ["--no-walk=unsorted", "--stdin"] if shas is not None else \
            [f"-n{most + 1}", f"{self.since}..{head}"] if self.since else ["--no-merges", f"-n{MAX_COMMITS}", head]
        if shas is None:
            self.basis = basis(repo)
        try:
            # core.quotepath=off: otherwise git prints a non-ASCII name as "b\303\251ta.py", which matches no file
            r = subprocess.run(["git", "-c", "core.quotepath=off", "log", "--format=%x00%H%x01%P%x01%s%n%b%x02",
                                "--name-only", "--no-renames", *which], cwd=repo, check=False, capture_output=True,
                               timeout=120, input="".join(f"{s}\n" for s in shas or ()).encode())
        except (OSError, subprocess.TimeoutExpired):
            return
        if r.returncode == 0:
            self._out = r.stdout

    def wait(self, stop: Halt) -> None:
        """Wait for git, or raise :class:`Stopped` once ``stop`` is set (git goes on; what it logs is not used)."""
        while self._thread.is_alive():
            self._thread.join(0.05)
            if stop.is_set():
                raise Stopped

    def result(self) -> list[tuple[str, str, list[str], list[str]]] | None:
        """Each commit logged, newest first: its id, its parents' (space-separated), the files it changed and the
        words of its message; ``None`` when git failed or timed out. Read once (an update tried again reads it)."""
        self._thread.join()
        if self._out is None or self._parsed is not None:
            return self._parsed
        out = self._parsed = []
        for chunk in self._out.decode("utf-8", "replace").split("\0"):
            sha, sep, rest = chunk.partition("\x01")
            if not sep:
                continue
            parents, _, rest = rest.partition("\x01")
            msg, _, names = rest.partition("\x02")
            out.append((sha.strip(), parents, [f for f in names.split("\n") if f.strip()], tokenize(msg)))
        return out


def extendable(c: sqlite3.Connection) -> str | None:
    """The commit the stored history was read at, when :func:`update` may add the commits after it (it knows which
    commits the log left out: those of no file or too many files); else ``None``."""
    head, was = stored_head(c), _log_meta(c)
    return head if was is not None and head and was.get("head") == head else None


class _Cheaper(Exception):
    """Reading the whole log again costs less than taking the change in (its argument: the commits it logs)."""


def update(c: sqlite3.Connection, repo: Path, current_head: str, log: Log | None = None,
           limit: int | None = None, stop: Halt | None = None) -> int | None:
    """Bring the stored history to ``current_head`` (from ``log`` when it was started already); returns the number
    of commits stored, ``None`` when git failed (nothing is written: the history stays as it was). Only the
    commits not stored yet are read, and those no longer logged go: the tables are as a full read makes them, the
    commits' ids apart (lower ones for the newer, in the same order). New commits in a line on top of the stored
    head (a commit, a fast-forward) and a line of them in place of the last ones (an amend, a rebase of them, a
    reset back) are read with their parents, and their places follow from them (:func:`_extend`); otherwise (a
    merge, a checkout of another line) git lists the commits to store first (:func:`_rewrite`). Re-reading all of
    sphinx's 16,600 commits after an amend took 1.5 s; but all are read again where that costs less (see
    :func:`_afford`), or a shallow clone's boundary or the replace refs changed (:func:`basis`). ``limit``:
    :class:`TooMany` is raised, nothing written, when more commits than that are to be read, taken out or stored
    again. ``stop`` (the index closing, a patch to read): :class:`Stopped` at its next step or within a
    statement, what was written rolled back."""
    stop = stop or threading.Event()
    c.set_progress_handler(stop.is_set, 20000)  # a statement running when it is set stops (about every ms)
    try:
        return _update(c, repo, current_head, log, limit, stop)
    except (Stopped, sqlite3.OperationalError):
        if not stop.is_set():
            raise
        c.rollback()
        raise Stopped from None
    finally:
        c.set_progress_handler(None, 0)


def _update(c: sqlite3.Connection, repo: Path, head: str, log: Log | None, limit: int | None, stop: Halt) -> int | None:
    if not head:  # an unborn branch: no commits
        return _store_all(c, "", [], "")
    if log is not None and log.since:  # HEAD moved far back: not waiting for git's log of the range (see _place)
        top = _git(repo, "rev-list", "--no-merges", "-n1", head)
        above, below = (_place(c, top[0]) if top else None) or (0, 0)
        if limit is not None and min(above, below) > limit:
            raise TooMany
        log = None if below * FULL_COST < above else log  # all read again costs less (see _afford)
    if log is not None:
        log.wait(stop)
    known = log.basis if log is not None else basis(repo)
    if known is None:
        return None
    was = _log_meta(c)
    n: int | None = None  # the commits a full read logs, when known
    if log is not None and log.since and was is not None and was.get("basis", "") == known:
        logged = log.result()
        if logged is None:
            return None
        if limit is not None and len(logged) > limit:
            raise TooMany
        try:
            done = _extend(c, log.since, head, logged, limit=limit) if logged else None
            if done is None:
                # the commits no longer logged, if a line: more than half those logged make a full read cheaper
                most = min(MAX_COMMITS, (was["read"] + len(logged)) // 2, MAX_COMMITS if limit is None else limit)
                gone = _range(repo, head, log.since, most)
                if gone is None:
                    return None
                done = _extend(c, log.since, head, logged, gone, limit) if 0 < len(gone) <= most else None
                done = _rewrite(c, repo, head, logged, limit, known, stop) if done is None else done
            return done  # (None: git failed)
        except _Cheaper as cheaper:
            n = cheaper.args[0]
    elif log is not None and not log.since:  # a full log, started before
        logged = log.result()
        if logged is not None and limit is not None and len(logged) > limit:
            raise TooMany
        return None if logged is None else _store_all(c, head, logged, known)
    if limit is not None and n is None:  # all read again: how many (a repository's first commits are read at once)
        listed = _git(repo, "rev-list", "--no-merges", f"-n{limit + 1}", head)
        if listed is None:
            return None
        n = len(listed)
    if limit is not None and n is not None and n > limit:
        raise TooMany
    log = Log(repo, head)
    log.wait(stop)
    logged = log.result()
    return None if logged is None else _store_all(c, head, logged, known)


def _store_all(c: sqlite3.Connection, head: str, logged: list[Logged], known: str) -> int:
    """Store the history ``logged`` (all of it, as logged at ``head``) in place of the one stored."""
    for table in ("commits", "histterm", "histpost", "histlen"):
        c.execute(f"DELETE FROM {table}")
    rows, skipped = _kept(logged)
    _add(c, [(i, *r) for i, r in enumerate(rows, 1)], Counter(), RECENT)
    _set_log(c, head, len(logged), skipped, known)
    return len(rows)


def _afford(out: int, new: int, full: int, limit: int | None) -> None:
    """Go on taking ``out`` stored commits out (gone, or moved: stored again) and storing ``new`` ones, unless a
    full read of the ``full`` commits logged costs less (:class:`_Cheaper`). On sphinx a full read took 100-110 us
    a commit, taking one out about as long, storing a new one 1.5 times as long (:data:`NEW_COST`): taking out the
    13,300 commits a ``reset --soft HEAD~6000`` left took 1.45 s, reading the 3,300 left 0.26 s. :class:`TooMany`
    when the way chosen has more than ``limit`` commits to take out or store."""
    if full * FULL_COST < out + new * NEW_COST:
        if limit is not None and full > limit:
            raise TooMany
        raise _Cheaper(full)
    if limit is not None and out + new > limit:
        raise TooMany


Row = tuple[str, str, list[str]]  # a commit's id, the files it changed (joined by newlines), its message's words
Logged = tuple[str, str, list[str], list[str]]  # a commit as :meth:`Log.result` gives it


def _kept(logged: list[Logged]) -> tuple[list[Row], list[tuple[int, str]]]:
    """The commits stored, and the log positions (from 1) and ids of those left out: no files, or too many."""
    rows, skipped = [], []
    for i, (sha, _, files, words) in enumerate(logged, 1):
        if not files or len(files) > MAX_FILES_PER_COMMIT:
            skipped.append((i, sha))
        else:
            rows.append((sha, "\n".join(files), words))
    return rows, skipped


def _set_log(c: sqlite3.Connection, head: str, read: int, skipped: list[tuple[int, str]], known: str) -> None:
    """Note how the stored history was read: at ``head``, ``read`` commits logged, ``skipped`` those of them left
    out (positions and ids; "" where an index of an earlier genie did not note the id), under ``known`` (see
    :func:`basis`); and that it changed (:data:`GEN_KEY`)."""
    gen = generation(c) or ""  # (not a count: counted again from 1)
    c.executemany("INSERT OR REPLACE INTO meta VALUES(?, ?)", [(LOG_KEY, json.dumps(
        {"head": head, "read": read, "skipped": [p for p, _ in skipped], "left_out": [s for _, s in skipped],
         "basis": known})), (GEN_KEY, str(int(gen) + 1 if gen.isdigit() else 1))])


def _log_meta(c: sqlite3.Connection) -> dict | None:
    row = c.execute("SELECT value FROM meta WHERE key=?", (LOG_KEY,)).fetchone()
    if row is None:
        return None
    was = json.loads(row[0])
    was["skipped"] = list(zip(was["skipped"], was.get("left_out") or [""] * len(was["skipped"])))
    return was


def _extend(c: sqlite3.Connection, since: str, head: str, logged: list[Logged],
            gone: list[tuple[str, str]] | None = None, limit: int | None = None) -> int | None:
    """Add the commits ``logged`` after ``since`` (up to ``head``) in place of ``gone``, the commits up to
    ``since`` that ``head`` does not reach, as ``(id, parents)``, when each of both has one parent, the next one
    of its list, and the last ones the same (``since`` when none are gone): ``git log`` lists the commits of a
    line one after the other, so a full log lists the new ones first and then what it listed before, without
    those gone. ``None`` when they do not, or older commits than those stored would come back into the log."""
    gone = gone or []
    base = gone[-1][1] if gone else since
    if max(len(logged), len(gone)) > MAX_COMMITS or " " in base or not _line(logged, head, base) or \
            not _line(gone, since, base):
        return None
    m, k = len(logged), len(gone)
    was = _log_meta(c) or {}
    if was.get("head") != since or (m < k and was["read"] >= MAX_COMMITS):  # older ones are to be read
        return None
    full = min(MAX_COMMITS, was["read"] - k + m)  # the commits a full read logs: if all are new, these
    if full <= m:
        return _store_all(c, head, logged[:full], was.get("basis", ""))
    lo, hi, count = c.execute("SELECT MIN(id), MAX(id), COUNT(*) FROM commits").fetchone()
    lo, hi = (lo, hi) if count else (1, 0)
    ids = dict(c.execute(f"SELECT sha, id FROM commits WHERE sha IN ({','.join('?' * k)})", [s for s, _ in gone]))
    r = len(ids)  # those gone were logged first: the stored ones under the lowest ids, the others left out
    if [ids[s] for s, _ in gone if s in ids] != list(range(lo, lo + r)) or \
            [p for p, _ in was["skipped"] if p <= k] != [p for p, (s, _) in enumerate(gone, 1) if s not in ids]:
        return None
    cut = MAX_COMMITS - m + k  # the log positions beyond it fall out, shifted by the new commits
    drop = max(0, was["read"] - cut) - sum(p > cut for p, _ in was["skipped"])
    if hi - lo + 1 != count or r + drop > count:
        return None
    _afford(r + drop, m, full, limit)
    delta, _ = _drop(c, [*range(lo, lo + r), *range(hi - drop + 1, hi + 1)])
    rows, skipped = _kept(logged)
    _add(c, [(i, *row) for i, row in enumerate(rows, lo + r - len(rows))], delta, RECENT)
    _set_log(c, head, full,
             skipped + [(p - k + m, s) for p, s in was["skipped"] if k < p <= cut], was.get("basis", ""))
    return count - r - drop + len(rows)


def _line(commits: list[Logged] | list[tuple[str, str]], top: str, base: str) -> bool:
    """Whether ``commits`` (newest first, as ``(id, parents, ...)``) are a line from ``top`` down to ``base``:
    each one's only parent the next one, the last one's ``base`` (``top`` is ``base`` when there are none)."""
    ids = [e[0] for e in commits]
    return (ids[0] if ids else base) == top and all(e[1] == nxt for e, nxt in zip(commits, [*ids[1:], base]))


def _range(repo: Path, head: str, since: str, most: int) -> list[tuple[str, str]] | None:
    """The commits ``since`` reaches and ``head`` does not, newest first, as ``(id, parents)``: those of an amend,
    a rebase or a reset that are no longer logged (up to one more than ``most``); ``None`` when git failed."""
    out = _git(repo, "rev-list", "--parents", f"-n{most + 1}", since, f"^{head}")
    return None if out is None else [(sha, parents) for sha, _, parents in (ln.partition(" ") for ln in out)]


def _rewrite(c: sqlite3.Connection, repo: Path, head: str, logged: list[Logged], limit: int | None, known: str,
             stop: Halt) -> int | None:
    """Bring the stored history to ``head`` when it is no line on top of the stored head (``logged``: the commits
    after that, merges included, read already): git lists the commits a full read would log, their ids alone
    (``git rev-list``: 0.1 s for sphinx's 16,600, whose log with their files took 0.6 s and storing them 0.9 s);
    stored ones no longer among them go, those not stored are read, and commits whose place in the log changed
    (one logged before them is gone: a merge undone) are stored again from what was stored, so that the commits'
    ids are in log order as a full read has them; or, where that costs less, all are stored anew, those not logged
    yet read (a ``reset --soft HEAD~6000``, a pull of more than the log holds). ``None`` when git failed."""
    was = _log_meta(c)
    order = _git(repo, "rev-list", "--no-merges", f"-n{MAX_COMMITS}", head)
    if order is None or was is None:
        return None
    ids = dict(c.execute("SELECT sha, id FROM commits"))
    left_out = {s for _, s in was["skipped"] if s}  # an earlier genie's index noted no ids: read those again
    have = {e[0]: e for e in logged}

    def kept(s: str) -> bool:  # stored at ``head`` (a commit not read yet is counted as one)
        return s in ids or (_stored(have[s]) if s in have else s not in left_out)

    try:
        _afford(*_work(ids, [s for s in order if kept(s)]), len(order), limit)
        unknown = [s for s in order if s not in ids and s not in left_out and s not in have]
    except _Cheaper:
        unknown = [s for s in order if s not in have]
    if unknown:
        more = Log(repo, head, shas=unknown)
        more.wait(stop)
        have.update((e[0], e) for e in more.result() or ())
        if any(s not in have for s in unknown):
            return None
    if all(s in have for s in order):
        return _store_all(c, head, [have[s] for s in order], known)
    keep = [s for s in order if kept(s)]
    target = _targets(keep, ids)
    delta, held = _drop(c, [i for s, i in ids.items() if target.get(s) != i])
    moved = {s: held[i] for s, i in ids.items() if i in held and s in target}
    _add(c, [(target[s], s, *(moved[s] if s in moved else ("\n".join(have[s][2]), have[s][3])))
             for s in keep if s in moved or s not in ids], delta, RECENT)
    _set_log(c, head, len(order), [(p, s) for p, s in enumerate(order, 1) if not kept(s)], known)
    return len(keep)


def _stored(e: Logged) -> bool:
    """Whether a commit logged so is stored: it changed files, not too many."""
    return bool(e[2]) and len(e[2]) <= MAX_FILES_PER_COMMIT


def _git(repo: Path, *args: str) -> list[str] | None:
    """The lines git printed (``None``: it failed)."""
    try:
        r = subprocess.run(["git", *args], cwd=repo, check=False, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.splitlines() if r.returncode == 0 else None


def stored_head(c: sqlite3.Connection, key: str = HEAD_KEY) -> str | None:
    """The commit the stored history was read at (``None``: none was read)."""
    row = c.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def generation(c: sqlite3.Connection) -> str | None:
    """How many times the stored history was written (see :data:`GEN_KEY`)."""
    return stored_head(c, GEN_KEY)
