"""The repository's own history as evidence: commits whose messages resemble the query vote for the files
they changed (how people here solved similar problems before is a strong hint of where to look). This module
keeps the stored history at HEAD; histterms.py scores queries against it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
from collections import Counter
from pathlib import Path

from genie_tui.retrieval.histstore import activity  # noqa: F401 (history.activity)
from genie_tui.retrieval.histstore import add as _add
from genie_tui.retrieval.histstore import drop as _drop
from genie_tui.retrieval.store import TooMany
from genie_tui.retrieval.textutil import tokenize

MAX_COMMITS = 20000
MAX_FILES_PER_COMMIT = 40
RECENT = 500  # commits that count as recent activity
HEAD_KEY = "history_head"  # the index's meta key for the commit the stored history was read at
LOG_KEY = "history_log"  # ... and how: that commit, the commits logged, the positions and ids of those left out
GEN_KEY = "history_gen"  # ... and how many times it was written (a reader's cache of it is for one writing)
INLINE = 2000  # commits a lookup reads or takes out itself (``update``'s ``limit``; 2,300 of sphinx's: 0.5-0.65 s)


def head(repo: Path) -> str:
    try:
        r = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, check=False, capture_output=True,
                           text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


class Log:
    """``git log`` of the commits that :func:`update` reads, started at once on its own thread: git runs as a
    process of its own, on the other core while this one builds the file index (on sphinx, 14,000 commits, about
    0.7 s that the cold build no longer waits for). With ``since`` (the commit the stored history was read at, see
    :func:`extendable`), only the commits after it, merges included, with their parents: :func:`update` adds them
    when they lie in a line on top of it, at most one more than ``limit`` (see :func:`update`). With ``shas``,
    those commits alone, in that order."""

    def __init__(self, repo: Path, head: str, since: str | None = None, shas: list[str] | None = None,
                 limit: int | None = None) -> None:
        self.since, self.limit = since, limit
        self._out: bytes | None = None
        self._thread = threading.Thread(target=self._run, args=(repo, head, shas), name="genie-git-log", daemon=True)
        self._thread.start()

    def _run(self, repo: Path, head: str, shas: list[str] | None) -> None:
        # after the stored commit, merges too (a merge makes git list the commits by date, not newest first)
        most = MAX_COMMITS if self.limit is None else min(self.limit, MAX_COMMITS)
        which = ["--no-walk=unsorted", "--stdin"] if shas is not None else \
            [f"-n{most + 1}", f"{self.since}..{head}"] if self.since else ["--no-merges", f"-n{MAX_COMMITS}", head]
        try:
            # core.quotepath=off: otherwise git prints a non-ASCII name as "b\303\251ta.py", which matches no file
            r = subprocess.run(["git", "-c", "core.quotepath=off", "log", "--format=%x00%H%x01%P%x01%s%n%b%x02",
                                "--name-only", "--no-renames", *which], cwd=repo, check=False, capture_output=True,
                               timeout=120, input="".join(f"{s}\n" for s in shas or ()).encode())
        except (OSError, subprocess.TimeoutExpired):
            return
        if r.returncode == 0:
            self._out = r.stdout

    def result(self) -> list[tuple[str, str, list[str], list[str]]] | None:
        """Each commit logged, newest first: its id, its parents' (space-separated), the files it changed and the
        words of its message; ``None`` when git failed or timed out."""
        self._thread.join()
        if self._out is None:
            return None
        out = []
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
    row = c.execute("SELECT value FROM meta WHERE key=?", (LOG_KEY,)).fetchone()
    head = stored_head(c)
    return head if row is not None and head and json.loads(row[0]).get("head") == head else None


def update(c: sqlite3.Connection, repo: Path, current_head: str, log: Log | None = None,
           limit: int | None = None) -> int:
    """Bring the stored history to ``current_head`` (from ``log`` when it was started already); returns the number
    of commits stored. Only the commits not stored yet are read, and those no longer logged go: the tables are as
    a full read makes them, the commits' ids apart (lower ones for the newer, in the same order). New commits in
    a line on top of the stored head (a commit, a pull that fast-forwards) and a line of them in place of the
    last ones (an amend, a rebase of them, a reset to an older commit) are read with their parents, and their
    places follow from them (:func:`_extend`); otherwise (a merge, a checkout of another line) git lists the
    commits to store first (:func:`_rewrite`). Re-reading all of sphinx's 16,600 commits after an amend took
    1.5 s. ``limit``: :class:`TooMany` is raised, nothing written, when more commits than that are to be read
    or taken out, or all are to be read again."""
    if current_head and log is not None and log.since:
        logged = log.result()
        if logged is not None and limit is not None and len(logged) > limit:
            raise TooMany
        n = _extend(c, log.since, current_head, logged) if logged else None
        if n is None and logged is not None:
            gone = _range(repo, current_head, log.since)  # the commits no longer logged, if a line
            if gone is not None and limit is not None and len(gone) > limit:
                raise TooMany
            n = _extend(c, log.since, current_head, logged, gone) if gone else None
            n = _rewrite(c, repo, current_head, logged, limit) if n is None else n
        if n is not None:
            return n
        log = None
    if current_head and limit is not None:  # all read again (git failed, or no stored history to go from)
        raise TooMany
    log = log or (Log(repo, current_head) if current_head else None)
    for table in ("commits", "histterm", "histpost", "histlen"):
        c.execute(f"DELETE FROM {table}")
    logged = log.result() if log is not None else None
    if logged is None:
        c.execute("DELETE FROM meta WHERE key=?", (LOG_KEY,))
        return 0
    rows, skipped = _kept(logged)
    _add(c, [(i, *r) for i, r in enumerate(rows, 1)], Counter(), RECENT)
    _set_log(c, current_head, len(logged), skipped)
    return len(rows)


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


def _set_log(c: sqlite3.Connection, head: str, read: int, skipped: list[tuple[int, str]]) -> None:
    """Note how the stored history was read: at ``head``, ``read`` commits logged, ``skipped`` those of them left
    out (positions and ids; "" where an index of an earlier genie did not note the id); and that it changed
    (:data:`GEN_KEY`)."""
    c.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (LOG_KEY, json.dumps(
        {"head": head, "read": read, "skipped": [p for p, _ in skipped], "left_out": [s for _, s in skipped]})))
    gen = generation(c) or ""  # (not a count: counted again from 1)
    c.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (GEN_KEY, str(int(gen) + 1 if gen.isdigit() else 1)))


def _log_meta(c: sqlite3.Connection) -> dict | None:
    row = c.execute("SELECT value FROM meta WHERE key=?", (LOG_KEY,)).fetchone()
    if row is None:
        return None
    was = json.loads(row[0])
    was["skipped"] = list(zip(was["skipped"], was.get("left_out") or [""] * len(was["skipped"])))
    return was


def _extend(c: sqlite3.Connection, since: str, head: str, logged: list[Logged],
            gone: list[tuple[str, str]] | None = None) -> int | None:
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
    delta, _ = _drop(c, [*range(lo, lo + r), *range(hi - drop + 1, hi + 1)])
    rows, skipped = _kept(logged)
    _add(c, [(i, *row) for i, row in enumerate(rows, lo + r - len(rows))], delta, RECENT)
    _set_log(c, head, min(MAX_COMMITS, was["read"] - k + m),
             skipped + [(p - k + m, s) for p, s in was["skipped"] if k < p <= cut])
    return count - r - drop + len(rows)


def _line(commits: list[Logged] | list[tuple[str, str]], top: str, base: str) -> bool:
    """Whether ``commits`` (newest first, as ``(id, parents, ...)``) are a line from ``top`` down to ``base``:
    each one's only parent the next one, the last one's ``base`` (``top`` is ``base`` when there are none)."""
    ids = [e[0] for e in commits]
    return (ids[0] if ids else base) == top and all(e[1] == nxt for e, nxt in zip(commits, [*ids[1:], base]))


def _range(repo: Path, head: str, since: str) -> list[tuple[str, str]] | None:
    """The commits ``since`` reaches and ``head`` does not, newest first, as ``(id, parents)``: those of an amend,
    a rebase or a reset that are no longer logged (up to one more than :data:`MAX_COMMITS`); ``None`` when git
    failed."""
    out = _git(repo, "rev-list", "--parents", f"-n{MAX_COMMITS + 1}", since, f"^{head}")
    return None if out is None else [(sha, parents) for sha, _, parents in (ln.partition(" ") for ln in out)]


def _rewrite(c: sqlite3.Connection, repo: Path, head: str, logged: list[Logged], limit: int | None) -> int | None:
    """Bring the stored history to ``head`` when it is no line on top of the stored head (``logged``: the commits
    after that, merges included, read already): git lists the commits a full read would log, their ids alone
    (``git rev-list``: 0.1 s for sphinx's 16,600, whose log with their files took 0.6 s and storing them 0.9 s);
    stored ones no longer among them go, those not stored are read, and commits whose place in the log changed
    (one logged before them is gone: a merge undone) are stored again from what was stored, so that the commits'
    ids are in log order as a full read has them. ``None`` when git failed or the stored log is unknown."""
    was = _log_meta(c)
    order = _git(repo, "rev-list", "--no-merges", f"-n{MAX_COMMITS}", head) if was is not None else None
    if order is None or was is None:
        return None
    ids = dict(c.execute("SELECT sha, id FROM commits"))
    left_out = {s for _, s in was["skipped"] if s}  # an earlier genie's index noted no ids: read those again
    have = {e[0]: e for e in logged}
    unknown = [s for s in order if s not in ids and s not in left_out and s not in have]
    if limit is not None and len(unknown) + len(ids.keys() - set(order)) > limit:  # to read, to take out
        raise TooMany
    if unknown:
        more = Log(repo, head, shas=unknown).result()
        have.update((e[0], e) for e in more or ())
        if any(s not in have for s in unknown):
            return None
    keep, skipped = [], []
    for p, s in enumerate(order, 1):
        e = have.get(s)
        if s in ids or (e is not None and e[2] and len(e[2]) <= MAX_FILES_PER_COMMIT):
            keep.append(s)
        else:
            skipped.append((p, s))
    # the ids from ``first`` on, in log order; most stored commits keep theirs (a PR's commits that went from among
    # the newest moved all older ones: 13,000 of pytest's, 2 s)
    first = next(iter(Counter(ids[s] - i for i, s in enumerate(keep) if s in ids).most_common(1)), (1, 0))[0]
    target = {s: i for i, s in enumerate(keep, first)}
    delta, held = _drop(c, [i for s, i in ids.items() if target.get(s) != i])
    moved = {s: held[i] for s, i in ids.items() if i in held and s in target}
    _add(c, [(target[s], s, *(moved[s] if s in moved else ("\n".join(have[s][2]), have[s][3])))
             for s in keep if s in moved or s not in ids], delta, RECENT)
    _set_log(c, head, len(order), skipped)
    return len(keep)


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
