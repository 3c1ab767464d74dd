"""Explain why a path is (not) indexed: ``genie index --explain`` and ``RepoIndex.explain``."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from pathlib import Path

from genie_tui.printable import shown_path
from genie_tui.retrieval import files as F
from genie_tui.retrieval import langs
from genie_tui.retrieval.build import UNPARSABLE, analyse


def explain(c: sqlite3.Connection, repo: Path, path: str) -> str:
    p = Path(path)
    cwd = Path.cwd().resolve()
    inside = cwd == repo or repo in cwd.parents
    # a relative path is taken from the current directory when it is inside the repository, else from the root
    full = p if p.is_absolute() else (cwd / p if inside else repo / p)
    try:
        # the directory is resolved (``..``, a symlinked checkout) but not the name: a symlink is explained as
        # itself, not as its target (which may be another indexed file, or outside the repository)
        full = full.resolve() if full.name in ("", ".", "..") else full.parent.resolve() / full.name
        rel = full.relative_to(repo).as_posix()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a symlink loop in the directories
        return f"{shown_path(path)}: not indexed: outside the repository {repo}"
    try:
        return _explain(c, repo, full, rel)
    except OSError as exc:  # a name too long, a symlink loop: the path cannot even be looked at
        return f"{shown_path(rel)}: not indexed: {exc.strerror or exc}"


def _nested_repository(repo: Path, full: Path, itself: bool = False) -> str:
    """Why nothing under ``full`` is indexed when it is (``itself``) or lies in another git repository: git
    lists a submodule or a nested checkout as one entry, not its files. Else ``""``."""
    for parent in ([full] if itself else []) + list(full.parents):
        if parent == repo:
            break
        if (parent / ".git").exists():
            what = "another git repository" if parent == full else "inside another git repository"
            return f"{what} ({parent.relative_to(repo).as_posix()}/, a submodule or nested checkout)"
    return ""


def parse_problem(path: str, lang: str, data: bytes) -> str:
    """Why a file of a known language was indexed as text (the parse given up or failed, as the build met it
    in :func:`build._analyse_job`), or ``""`` when it parses."""
    try:
        analyse(path, lang, data)
    except langs.TooSlow:
        return f"tree-sitter gave up on it after {langs.parse_seconds(data):g} s of processor time"
    except UNPARSABLE as exc:
        return f"its parse failed ({type(exc).__name__}: code nested too deep, or a grammar error)"
    return ""


def _explain(c: sqlite3.Connection, repo: Path, full: Path, rel: str) -> str:
    if not F.is_utf8(rel):
        return f"{os.fsencode(rel).decode('utf-8', 'backslashreplace')}: not indexed: its name is not valid UTF-8"
    name = shown_path(rel)
    row = c.execute("SELECT id, lang, excluded, nlines FROM files WHERE path=?", (rel,)).fetchone()
    if row is not None:
        fid, lang, excluded, nlines = row
        if excluded:
            return f"{name}: not indexed: {excluded}"
        ndefs = c.execute("SELECT COUNT(*) FROM defs WHERE file_id=?", (fid,)).fetchone()[0]
        how = f"parsed as {lang}, {ndefs} definition{'' if ndefs == 1 else 's'}" if lang else \
            "indexed as plain text (keywords only)"
        if lang and not ndefs:  # no definitions: none written, or a parse the build gave up (parsed again)
            problem = parse_problem(rel, lang, full.read_bytes())
            if problem:
                how = f"indexed as plain text (keywords only): {problem}"
        return f"{name}: indexed ({nlines} line{'' if nlines == 1 else 's'}; {how})"
    if not full.exists():
        if full.is_symlink():
            return f"{name}: not indexed: a broken symlink or a symlink loop"
        return f"{name}: not indexed: no such file"
    if full.is_dir():
        if full.is_symlink():  # git records the link, not what it points to: nothing under it is indexed
            inside = full.resolve().is_relative_to(repo.resolve())
            where = f"in the repository; --explain {full.resolve().relative_to(repo.resolve())} for its files" \
                if inside else "outside the repository"
            return f"{name}: not indexed: a symlink to a directory {where}"
        nested = _nested_repository(repo, full, itself=True)
        if nested:
            return f"{name}: not indexed: {nested}"
        return f"{name}: a directory (files under it are indexed one by one)"
    mode = full.stat().st_mode
    if not stat.S_ISREG(mode):  # git lists only regular files and symlinks; the index reads only files
        kind = "a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return f"{name}: not indexed: not a regular file ({kind})"
    try:
        r = subprocess.run(["git", "check-ignore", "-v", "--", rel], cwd=repo, check=False, capture_output=True, text=True,
                           timeout=10)
        if r.returncode == 0 and r.stdout.strip():
            source = r.stdout.split("\t")[0]
            return f"{name}: not indexed: ignored by git ({source})"
    except (OSError, subprocess.TimeoutExpired):
        pass
    reason = F.path_exclusion(rel)
    if reason:
        return f"{name}: not indexed: {reason}"
    nested = _nested_repository(repo, full)
    if nested:
        return f"{name}: not indexed: {nested}"
    if not os.access(full, os.R_OK):
        return f"{name}: not indexed: unreadable"
    return f"{name}: {_unlisted(repo, rel) or 'not indexed yet (run `genie index` to update)'}"


def _unlisted(repo: Path, rel: str) -> str:
    """Why ``rel`` is not among the files the index lists (see ``files.list_files``), or ``""`` when it is."""
    try:
        if rel in F.list_files(repo):
            return ""
    except Exception:  # noqa: BLE001 - git failing is said by `genie index` itself
        return ""
    walked = not (repo / ".git").exists()
    if (why := F.unlisted_reason(rel, walked)) or walked:
        return f"not indexed: {why}" if why else ""
    return ("not indexed: git does not list it (`git status` shows how git sees it: with core.ignorecase, a file "
            "renamed only in case keeps its old name)")
