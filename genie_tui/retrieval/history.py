"""The repository's own history as evidence: commits whose messages resemble the query vote for the files
they changed (how people here solved similar problems before is a strong hint of where to look)."""

from __future__ import annotations

import math
import sqlite3
import subprocess
import threading
from collections import Counter
from pathlib import Path

from genie_tui.retrieval.textutil import tokenize

MAX_COMMITS = 20000
MAX_FILES_PER_COMMIT = 40
RECENT = 500  # commits that count as recent activity


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
    0.7 s that the cold build no longer waits for)."""

    def __init__(self, repo: Path, head: str) -> None:
        self._out: bytes | None = None
        self._thread = threading.Thread(target=self._run, args=(repo, head), name="genie-git-log", daemon=True)
        self._thread.start()

    def _run(self, repo: Path, head: str) -> None:
        try:
            # core.quotepath=off: otherwise git prints a non-ASCII name as "b\303\251ta.py", which matches no file
            r = subprocess.run(["git", "-c", "core.quotepath=off", "log", "--no-merges", f"-n{MAX_COMMITS}",
                                "--format=%x00%H%x01%s%n%b%x02", "--name-only", "--no-renames", head],
                               cwd=repo, check=False, capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            return
        if r.returncode == 0:
            self._out = r.stdout

    def result(self) -> bytes | None:
        """The log's output, or ``None`` when git failed or timed out."""
        self._thread.join()
        return self._out


def update(c: sqlite3.Connection, repo: Path, current_head: str, log: Log | None = None) -> int:
    """Re-read commit messages when HEAD moved (from ``log`` when it was started already); returns the number
    of commits stored."""
    for table in ("commits", "hist", "histpost", "histlen"):
        c.execute(f"DELETE FROM {table}")
    if not current_head:
        return 0
    out = (log or Log(repo, current_head)).result()
    if out is None:
        return 0
    rows = []
    for chunk in out.decode("utf-8", "replace").split("\0"):
        sha, sep, rest = chunk.partition("\x01")
        if not sep:
            continue
        msg, _, names = rest.partition("\x02")
        files = [f for f in names.split("\n") if f.strip()]
        if not files or len(files) > MAX_FILES_PER_COMMIT:
            continue
        rows.append((sha.strip(), "\n".join(files), " ".join(tokenize(msg))))
    per_file: dict[str, Counter[str]] = {}
    commits: Counter[str] = Counter()
    recent: Counter[str] = Counter()
    for i, (_, changed, toks) in enumerate(rows, 1):
        for f in changed.split("\n"):
            commits[f] += 1
            if i <= RECENT:
                recent[f] += 1
        words = Counter(toks.split())
        for f in changed.split("\n"):
            per_file.setdefault(f, Counter()).update(words)
    c.executemany("INSERT INTO commits(id, sha, files) VALUES(?,?,?)",
                  ((i, sha, changed) for i, (sha, changed, _) in enumerate(rows, 1)))
    c.executemany("INSERT INTO hist(rowid, msg) VALUES(?,?)", ((i, toks) for i, (_, _, toks) in enumerate(rows, 1)))
    c.executemany("INSERT INTO histpost VALUES(?,?,?)",
                  ((t, f, n) for f, cnt in per_file.items() for t, n in cnt.items()))
    c.executemany("INSERT INTO histlen VALUES(?,?,?,?)",
                  ((f, sum(cnt.values()), commits[f], recent[f]) for f, cnt in per_file.items()))
    return len(rows)


def file_scores(c: sqlite3.Connection, qterms: dict[str, float], k1: float = 1.2, b: float = 0.75) -> dict[str, float]:
    """BM25 of the query against each file's history document (all messages of commits that touched it)."""
    if not qterms:
        return {}
    terms = list(qterms)
    marks = ",".join("?" * len(terms))
    rows = c.execute(f"SELECT term, path, tf FROM histpost WHERE term IN ({marks})", terms).fetchall()
    if not rows:
        return {}
    n, total = c.execute("SELECT COUNT(*), SUM(len) FROM histlen").fetchone()
    avg = (total or 1) / max(n, 1)
    df: Counter[str] = Counter(t for t, _, _ in rows)
    plist = list(dict.fromkeys(p for _, p, _ in rows))
    lens: dict[str, int] = {}
    for i in range(0, len(plist), 500):
        part = plist[i:i + 500]
        lens.update(c.execute(f"SELECT path, len FROM histlen WHERE path IN ({','.join('?' * len(part))})", part))
    # per term and per file once rather than per posting (the same float operations, so the same scores)
    idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) * qterms[t] for t, d in df.items()}
    norm = {p: k1 * (1 - b + b * lens.get(p, avg) / avg) for p in plist}
    k1p = k1 + 1
    out: dict[str, float] = {}
    for t, p, tf in rows:
        out[p] = out.get(p, 0.0) + idf[t] * tf * k1p / (tf + norm[p])
    return out


def votes(c: sqlite3.Connection, match: str, top: int = 30) -> dict[str, float]:
    """File -> vote from the ``top`` commits whose messages best match ``match`` (an FTS5 expression)."""
    out: dict[str, float] = {}
    if not match:
        return out
    try:
        hits = c.execute("SELECT commits.files, -bm25(hist) FROM hist JOIN commits ON commits.id = hist.rowid "
                         "WHERE hist MATCH ? ORDER BY bm25(hist) LIMIT ?", (match, top)).fetchall()
    except sqlite3.OperationalError:
        return out
    for files, score in hits:
        names = files.split("\n")
        share = score / len(names) ** 0.5
        for f in names:
            out[f] = out.get(f, 0.0) + share
    return out


def activity(c: sqlite3.Connection) -> dict[str, tuple[float, float]]:
    """Path -> (how often it changed, how often recently), each as log count scaled to [0, 1]; files that
    change often are where bugs get fixed."""
    rows = c.execute("SELECT path, ncommits, nrecent FROM histlen").fetchall()
    top_all = math.log1p(max((r[1] for r in rows), default=0)) or 1.0
    top_recent = math.log1p(max((r[2] for r in rows), default=0)) or 1.0
    return {p: (math.log1p(n) / top_all, math.log1p(m) / top_recent) for p, n, m in rows}
