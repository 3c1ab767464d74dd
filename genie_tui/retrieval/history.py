"""The repository's own history as evidence: commits whose messages resemble the query vote for the files
they changed (how people here solved similar problems before is a strong hint of where to look)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from genie_tui.retrieval.textutil import tokenize

MAX_COMMITS = 20000
MAX_FILES_PER_COMMIT = 40


def head(repo: Path) -> str:
    try:
        r = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, capture_output=True,
                           text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def update(c: sqlite3.Connection, repo: Path, current_head: str) -> int:
    """Re-read commit messages when HEAD moved; returns the number of commits stored."""
    c.execute("DELETE FROM commits")
    c.execute("DELETE FROM hist")
    if not current_head:
        return 0
    try:
        r = subprocess.run(["git", "log", "--no-merges", f"-n{MAX_COMMITS}", "--format=%x00%H%x01%s%n%b%x02",
                            "--name-only", "--no-renames", current_head], cwd=repo, capture_output=True,
                           timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    if r.returncode != 0:
        return 0
    rows = []
    for chunk in r.stdout.decode("utf-8", "replace").split("\0"):
        sha, sep, rest = chunk.partition("\x01")
        if not sep:
            continue
        msg, _, names = rest.partition("\x02")
        files = [f for f in names.split("\n") if f.strip()]
        if not files or len(files) > MAX_FILES_PER_COMMIT:
            continue
        rows.append((sha.strip(), "\n".join(files), " ".join(tokenize(msg))))
    for i, (sha, files, toks) in enumerate(rows, 1):
        c.execute("INSERT INTO commits(id, sha, files) VALUES(?,?,?)", (i, sha, files))
        c.execute("INSERT INTO hist(rowid, msg) VALUES(?,?)", (i, toks))
    return len(rows)


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
