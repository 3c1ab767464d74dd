"""The user's search: the same engine as the agent's ``search_code``/``find_files``, called from a thread.

A glob (``*.py``, ``src/**/x*``) lists files; anything else is a code search, and so is a query shaped like a glob
that lists no file (``Optional[str]``, ``*args``). While the index is still being built, what it has not indexed
yet is not found, so ``git grep`` (``git ls-files`` for a glob) answers too, after the index's own hits, and the
pane says so; if the index cannot be used (the retrieval package is unavailable) git answers alone, so search
always works. :func:`first` answers with the index's hits at once and leaves ``git grep``'s to
:attr:`Found.rest`, which the pane calls after showing them; a search answered while the index built is
:attr:`Found.partial`, and the pane searches again once :func:`built` says its files are in.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any

from genie_tui.config.settings import Settings
from genie_tui.tools.base import ToolContext, ToolError
from genie_tui.ui.widgets.search_pane import Hit

LIMIT = 30
GIT_TIMEOUT_S = 20.0  # a git grep or ls-files the pane waits for at most
_open_lock = threading.Lock()
_open: tuple[Path, Any] | None = None  # the repository the pane searched last, and its index


def refusal(repo: Path, path: str) -> str | None:
    """Why the user's pane must not show ``path`` (``"x.py: outside the repository"``), or None: the rule the
    agent's own tools keep (:meth:`ToolContext.resolve`), so a symlink to ``/etc/passwd`` or
    ``~/.aws/credentials`` in a cloned repository is neither listed, previewed nor added to the context."""
    return _refusal(ToolContext(repo, Settings()), path)


def _refusal(ctx: ToolContext, path: str) -> str | None:
    try:
        ctx.resolve(path, must_exist=False)
    except ToolError as exc:
        return str(exc)
    return None


def _shown(repo: Path, hits: Iterable[Hit]) -> list[Hit]:
    """``hits`` without those the pane cannot show, at most LIMIT (looked at lazily: a glob may match 10,000)."""
    ctx = ToolContext(repo, Settings())
    return list(islice((h for h in hits if _refusal(ctx, h.path) is None), LIMIT))


class Found(list[Hit]):
    """A search's hits, and ``note``: what the pane says of them (the index still building, git grep answering);
    ``partial``: answered while the index was being built (what it had not indexed yet was not found); ``rest``:
    None, or what gives the complete answer (git grep's hits added), to call after showing these."""

    def __init__(self, hits: Iterable[Hit] = (), note: str = "", *, partial: bool = False,
                 rest: Callable[[], Found] | None = None) -> None:
        super().__init__(hits)
        self.note, self.partial, self.rest = note, partial, rest


def search(repo: Path | None, query: str, k: int = 15) -> Found:
    """Hits for ``query`` in ``repo`` (most relevant first), complete (git grep's fill-in waited for)."""
    found = first(repo, query, k)
    return found.rest() if found.rest is not None else found


def first(repo: Path | None, query: str, k: int = 15) -> Found:
    """Hits for ``query`` as soon as the index has them: while it builds, ``git grep``'s for the files it has not
    indexed yet are left to :attr:`Found.rest`: the index's own hits waited for git grep, and the first search in a
    20,000-file repository showed its rows 1.9-3.1 s after Enter instead of 1.1 s."""
    if repo is None:
        return Found()
    is_glob = any(c in query for c in "*?[") and " " not in query.strip()
    try:
        index = _index(repo)
        building = bool(getattr(index, "building", False))
        if is_glob:  # git ls-files and matching its 20,000 names take 0.1 s: joined at once
            files = _shown(repo, (Hit(str(p), 0, 0, "file") for p in index.find_files(query)))
            found = _joined(repo, index, files, _git_files(repo, query), "git ls-files") if building else Found(files)
            if found:
                return found
        hits: list[Hit] = []
        for r in index.search(query, k):
            spans = list(getattr(r, "spans", []) or [])
            if not spans:
                hits.append(Hit(str(r.path), 0, 0, str(getattr(r, "why", ""))[:60]))
            for s in spans[:3]:
                hits.append(Hit(str(r.path), int(s.start), int(s.end), str(s.symbol or "")))
        hits = _shown(repo, hits)
        if building and len(hits) < LIMIT:  # a file not indexed yet is not found: git grep reads them all
            note = f"{_state(repo, index)}: " + ("its hits so far; " if hits else "") + \
                "git grep is searching the files not indexed yet"
            return Found(hits, note, partial=True, rest=lambda: _filled(repo, index, hits, query))
        return Found(hits, f"{_state(repo, index)}: its hits so far" if building else "", partial=building)
    except ImportError:
        pass
    return Found((is_glob and _git_files(repo, query)) or _git_grep(repo, query))


def built(repo: Path, timeout: float) -> bool | None:
    """Whether the build of the index the pane searched in ``repo`` has its files in, waiting up to ``timeout``
    seconds for them; None when that index was closed (the app quitting): nothing to search again."""
    with _open_lock:
        service = _open[1] if _open is not None and _open[0] == repo else None
    if service is None or service.closed:
        return None
    done = service.wait(timeout)
    return None if service.closed else done


def _state(repo: Path, index: Any) -> str:
    with _open_lock:
        service = _open[1] if _open is not None and _open[0] == repo else None
    _busy, done, total = service.status() if service is not None else (True, 0, 0)
    state = "still building" if getattr(index, "first_build", True) else "catching up with changed files"
    return f"index {state}" + (f" ({done:,} of {total:,} files)" if total else "")


def _filled(repo: Path, index: Any, indexed: list[Hit], query: str) -> Found:
    """The index's hits and git grep's fill-in (see _joined); git failing (slower than ``GIT_TIMEOUT_S`` in a huge
    repository, or gone) leaves the index's hits with a note that says so, not one that says git is searching."""
    try:
        grep = _git_grep(repo, query)
    except (OSError, subprocess.SubprocessError) as exc:
        why = f"took over {GIT_TIMEOUT_S:g} s" if isinstance(exc, subprocess.TimeoutExpired) else f"failed ({exc})"
        return Found(indexed, f"{_state(repo, index)}: " + ("its hits so far; " if indexed else "") +
                     f"git grep {why}", partial=True)
    return _joined(repo, index, indexed, grep, "git grep")


def _joined(repo: Path, index: Any, indexed: list[Hit], grep: list[Hit], source: str) -> Found:
    """While the index builds: its hits first, then git's in the files it did not answer with, and a note that
    says so. The first search after launch in a 20,000-file repository waited its second, found nothing in the
    few files indexed by then, and showed "(no matches)" for a query that matched hundreds of files."""
    seen = {h.path for h in indexed}
    added = [h for h in grep if h.path not in seen]
    note = _state(repo, index)
    if added:
        note += f": its hits, then {source}'s" if indexed else f": results from {source}"
    else:
        note += f": {source} found nothing " + ("more" if indexed else "either")
    return Found((indexed + added)[:LIMIT], note, partial=True)


def _index(repo: Path) -> Any:
    """The index of ``repo``: the agent's own (core/indexing.py; the app starts its build at launch), kept watched,
    so a search takes in only the files saved since (where nothing watches them, the index looks at every file's
    size and ctime before each search), instead of opening the index and looking at the whole tree again each time
    (0.15-0.34 s on a 1M-line repository). While the build runs, a search answers from what is indexed so far."""
    global _open
    from genie_tui.core import indexing

    with _open_lock:
        if _open is None or _open[0] != repo or _open[1].closed:  # closed: an app on it quit (the demo's, a test's)
            _open = (repo, indexing.shared(repo, None))  # the app made it first, with its settings
        service = _open[1]
    index = service.get()
    if index.building:  # a first search in a small repository sees all of it; else what is indexed so far
        service.wait(indexing.PANE_WAIT_S)
    return index


def _git_grep(repo: Path, query: str) -> list[Hit]:
    """``git grep``'s hits, the files with the most matching lines first. Counted with ``-c`` (a line per file),
    then the lines of the files shown only: in a 20,000-file repository ``-n`` wrote 606,000 lines, 0.5 s for git
    and 0.5 s more for Python to read, holding the interpreter's lock the app's keys wait for; ``-c`` takes
    0.26 s. ``-z``: a name holding ``:`` or a line break is read whole."""
    args = ["grep", "-z", "-I", "-i", "-F", "--untracked"]
    for w in query.split()[:4]:
        args += ["-e", w]
    counts: list[tuple[str, int]] = []
    path, *records = _git(repo, [*args, "-c"]).split("\0")
    for record in records:  # "count\nnext path"
        count, _, following = record.partition("\n")
        if count.isdigit():
            counts.append((path, int(count)))
        path = following
    ranked = sorted(counts, key=lambda kv: -kv[1])  # stable: git's order among equals, as before
    shown = _shown(repo, (Hit(p, 0, 0, f"{n} matches") for p, n in ranked))
    if not shown:
        return []
    lines: dict[str, list[int]] = {}
    out = _git(repo, [*args, "-n", "--", *(f":(literal){h.path}" for h in shown)])
    path, *records = out.split("\0")
    for num, record in zip(records[::2], records[1::2]):  # "path\0num\0text\nnext path"
        if num.isdigit():
            lines.setdefault(path, []).append(int(num))
        path = record.partition("\n")[2]
    return [Hit(h.path, n[0], min(n[0] + 20, n[-1]), h.label) if (n := lines.get(h.path)) else h for h in shown]


def _git(repo: Path, args: list[str]) -> str:
    # surrogateescape: a line of a Latin-1 file (or a name that is not UTF-8) is read, not a UnicodeDecodeError
    return subprocess.run(["git", *args], check=False, cwd=repo, capture_output=True, timeout=GIT_TIMEOUT_S, text=True,
                          encoding="utf-8", errors="surrogateescape").stdout


def _git_files(repo: Path, pattern: str) -> list[Hit]:
    names = _git(repo, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).split("\0")
    from fnmatch import fnmatch

    return _shown(repo, (Hit(p, 0, 0, "file") for p in names if p and fnmatch(p, pattern) or fnmatch(Path(p).name, pattern)))
