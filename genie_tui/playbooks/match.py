"""Why a playbook applies: task keywords and file globs, matched the way people expect.

Globs follow gitignore habits: ``*.py`` (no slash) matches the file name anywhere, ``src/**/*.py`` is
anchored at the repo root, ``**/`` spans zero or more directories, ``docs/`` means everything under docs,
and ``*.{ts,tsx}`` expands braces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import PurePosixPath


def normalize_path(path: str, repo: str | None = None) -> str:
    """A repo-relative POSIX path: backslashes, ``./`` and an absolute prefix inside ``repo`` removed."""
    p = path.replace("\\", "/")
    if repo:
        root = repo.replace("\\", "/").rstrip("/") + "/"
        if p.startswith(root):
            p = p[len(root) :]
    while p.startswith("./"):
        p = p[2:]
    return p.lstrip("/")


def glob_matches(pattern: str, path: str) -> bool:
    """Whether repo-relative ``path`` matches ``pattern`` (see the module docstring for the rules)."""
    return any(rx.match(path) for rx in _compile(pattern))


def first_glob_match(patterns: Iterable[str], paths: Iterable[str]) -> tuple[str, str] | None:
    """The first ``(pattern, path)`` that matches, or ``None``."""
    path_list = list(paths)
    for pattern in patterns:
        for path in path_list:
            if glob_matches(pattern, path):
                return pattern, path
    return None


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for pat in _expand_braces(pattern.strip()):
        pat = pat.replace("\\", "/")
        if pat.endswith("/"):
            pat += "**"
        if "/" not in pat:
            pat = "**/" + pat
        out.append(re.compile(_translate(pat.lstrip("/")) + r"\Z"))
    return tuple(out)


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*,[^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [x for alt in match.group(1).split(",") for x in _expand_braces(head + alt + tail)]


def _translate(pat: str) -> str:
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and (close := pat.find("]", i + 2)) != -1:
            inner = pat[i + 1 : close]
            if inner[0] in "!^":
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def keyword_in(keyword: str, task: str) -> bool:
    """Whether ``keyword`` (a word or phrase) occurs in ``task`` as whole words, allowing plural/verb endings."""
    return _keyword_rx(keyword.lower()).search(task.lower()) is not None


@lru_cache(maxsize=1024)
def _keyword_rx(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<!\w)" + r"[\s_-]+".join(words) + r"(?:s|es|ed|d|ing)?(?!\w)")


def ancestors(path: str) -> list[str]:
    """Directory prefixes of a repo-relative path, nearest first, ending with ``""`` for the root."""
    parents = [str(p) for p in PurePosixPath(path).parents]
    return ["" if p == "." else p for p in parents]
