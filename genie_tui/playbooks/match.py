"""Why a playbook applies: task keywords and file globs, matched the way people expect.

Globs borrow gitignore's habits, matched against file paths only: ``*.py`` (no slash) matches the file name
anywhere, ``src/**/*.py`` is anchored at the repo root, ``**/`` spans zero or more directories, ``docs/``
means everything under docs (``docs`` does not, and ``docs/*`` is only the files directly in docs: unlike a
gitignore line, a glob that matches a folder does not take in its files), and ``*.{ts,tsx}`` expands braces.

A pattern that cannot be compiled (``[z-a]``, an empty ``[!]``) is a problem of the playbook that holds it:
the parser calls :func:`glob_problem` so such a playbook is skipped at load time, and matching never meets it.
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


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable glob (e.g. ``bad character range z-a in [z-a]``), or ``None``."""
    try:
        _compile(pattern)
    except ValueError as exc:
        return str(exc)
    return None


def first_glob_match(patterns: Iterable[str], paths: Iterable[str]) -> tuple[str, str] | None:
    """The first ``(pattern, path)`` that matches, or ``None``."""
    path_list = list(paths)
    for pattern in patterns:
        for path in path_list:
            if glob_matches(pattern, path):
                return pattern, path
    return None


#: ``{a,b}{c,d}...`` multiplies: past this many expansions a pattern is refused instead of compiled.
MAX_EXPANSIONS = 256
MAX_BRACE_GROUPS = 8  # 2**8 = MAX_EXPANSIONS already; thousands of groups overflowed the recursion


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> tuple[re.Pattern[str], ...]:
    """The regexes of ``pattern``; ``ValueError`` saying what is wrong with it in glob terms."""
    if len(re.findall(r"\{[^{}]*,[^{}]*\}", pattern)) > MAX_BRACE_GROUPS:  # each group is a level of recursion
        raise ValueError(f"it has more than {MAX_BRACE_GROUPS} {{a,b}} groups")
    expanded = _expand_braces(pattern.strip())
    if len(expanded) > MAX_EXPANSIONS:
        raise ValueError(f"its braces expand to more than {MAX_EXPANSIONS} patterns")
    out = []
    for pat in expanded:
        pat = pat.replace("\\", "/")
        if pat.endswith("/"):
            pat += "**"
        if "/" not in pat:
            pat = "**/" + pat
        try:
            out.append(re.compile(_translate(pat.lstrip("/")) + r"\Z"))
        except re.error as exc:  # not a ValueError; _translate checks the known cases, this is the backstop
            raise ValueError(exc.msg) from None
    return tuple(out)


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*,[^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    out: list[str] = []
    for alt in match.group(1).split(","):
        out += _expand_braces(head + alt + tail)
        if len(out) > MAX_EXPANSIONS:  # stop early: the full expansion can be astronomically large
            return out
    return out


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
            out.append(_char_class(pat[i : close + 1]))
            i = close + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _char_class(glob: str) -> str:
    """The regex for a glob character class such as ``[a-z]`` or ``[!0-9]``; ``ValueError`` if it is bad."""
    inner = glob[1:-1]
    negated = inner[0] in "!^"
    if negated:
        inner = inner[1:]
    if not inner:
        raise ValueError(f"{glob} is an empty character class")
    rx = "[" + ("^" if negated else "") + inner.replace("\\", "\\\\") + "]"
    try:
        re.compile(rx)
    except re.error as exc:
        raise ValueError(f"{exc.msg} in {glob}") from None
    return "(?!/)" + rx  # within one directory, as ``?`` is: ``a[!q]b`` matched ``a/b``


def keyword_in(keyword: str, task: str) -> bool:
    """Whether ``keyword`` (a word or phrase) occurs in ``task`` as whole words, allowing plural/verb endings."""
    return _keyword_rx(keyword.lower()).search(task.lower()) is not None


@lru_cache(maxsize=1024)
def _keyword_rx(keyword: str) -> re.Pattern[str]:
    words = [_forms(w) for w in keyword.split()]  # "set up" is also "setting up", "pull request" "pull requests"
    return re.compile(r"(?<!\w)" + r"[\s_-]+".join(words) + r"(?!\w)")


_VOWELS = "aeiou"


def _forms(word: str) -> str:
    """A pattern for ``word`` with its English endings: ``crash`` crashes crashed crashing, ``rename`` renamed
    renaming, ``simplify`` simplifies simplified, ``stop`` stopped stopping (and a bug's ``bugs``)."""
    w = re.escape(word)
    forms = [w + "(?:s|es|ed|d|ing)?"]
    if len(word) > 2 and word.endswith("e") and word[-2] not in _VOWELS:  # rename -> renaming
        forms.append(re.escape(word[:-1]) + "ing")
    if len(word) > 2 and word.endswith("y") and word[-2] not in _VOWELS:  # simplify -> simplified
        forms.append(re.escape(word[:-1]) + "(?:ies|ied)")
    if (len(word) > 2 and word[-1] not in _VOWELS + "wxy" and word[-2] in _VOWELS
            and word[-3] not in _VOWELS):  # stop -> stopped, debug -> debugging
        forms.append(w + re.escape(word[-1]) + "(?:ed|ing)")
    return "(?:" + "|".join(forms) + ")"


def ancestors(path: str) -> list[str]:
    """Directory prefixes of a repo-relative path, nearest first, ending with ``""`` for the root."""
    parents = [str(p) for p in PurePosixPath(path).parents]
    return ["" if p == "." else p for p in parents]
