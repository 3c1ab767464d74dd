"""The undo journal: every applied patch records the bytes it replaced, so ``genie undo`` restores them.

Entries live in ``user_data_dir()/undo/<hash of the repo path>/`` as numbered JSON files, the newest
:data:`KEEP_ENTRIES` of them (an apply removes the oldest past that, see :func:`prune`), and past that those a
run going on (with ``commit`` on) has still to commit (``hold.py``). Undo restores a file's
exact bytes when it is as genie left it; when the user has edited it since, the change is reversed block by
block (``reverse.py``) so the user's other edits survive, and undo is refused if those very lines changed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from genie_tui.config import paths
from genie_tui.patching.model import UndoReport

#: Journal entries kept per repository, the newest: ``genie undo`` takes back up to this many patches in a row.
#: Each entry holds the whole files its patch changed, so a journal that only grew took a repository genie
#: worked in for months to thousands of them.
KEEP_ENTRIES = 100


#: an entry being written (by record, or rewritten by a commit) is a temp file named so; prune clears those of a
#: process killed meanwhile
TEMP = (".entry.", ".tmp")


def journal_dir(repo: Path) -> Path:
    key = hashlib.sha256(os.path.realpath(repo).encode()).hexdigest()[:16]
    return paths.user_data_dir() / "undo" / key


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: str | None) -> bytes | None:
    """Decode a journal field; anything but base64 text raises (binascii.Error is a ValueError)."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError("not base64 text")
    return base64.b64decode(text, validate=True)


def _read(path: Path) -> bytes | None:
    from genie_tui.reading import read_regular

    try:  # a named pipe put in a patched file's place must not hang the undo
        return read_regular(path, None)
    except FileNotFoundError:
        return None


def record(repo: Path, before: dict[str, tuple[bytes | None, int | None]],
           after: dict[str, tuple[bytes | None, int | None]], label: str, diff: str, tag: str = "",
           hold: str | None = None) -> Path:
    """Journal one patch as the next entry; ``hold``: the id of the hold (``hold.py``) keeping the entry until
    a commit marks it."""
    d = journal_dir(repo)
    d.mkdir(parents=True, exist_ok=True)
    seq = max((int(p.stem) for p in d.glob("*.json") if _numbered(p)), default=0) + 1
    entry = {
        "repo": os.path.realpath(repo), "label": label, "tag": tag, "time": time.time(), "diff": diff,
        "committed": False, **({"hold": hold} if hold is not None else {}),
        "files": [{"path": rel, "before": _b64(before[rel][0]), "before_mode": before[rel][1],
                   "after": _b64(after[rel][0]), "after_mode": after[rel][1]} for rel in after],
    }
    data = json.dumps(entry).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=TEMP[0], suffix=TEMP[1], dir=d)  # a name of its own, never shared
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        while True:  # the complete entry takes the next free number; an existing one is never replaced
            path = d / f"{seq:06d}.json"
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                seq += 1
            except OSError:  # no hard links on this file system: create the name exclusively instead
                try:
                    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    seq += 1
                    continue
                try:
                    with os.fdopen(out, "wb") as f:
                        f.write(data)
                except BaseException:
                    path.unlink(missing_ok=True)
                    raise
                return path
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def discard(entry: Path) -> None:
    """Drop a journal entry whose patch was not applied after all (its files could not be written)."""
    try:
        entry.unlink()
    except OSError:
        pass


def prune(repo: Path, keep: int = KEEP_ENTRIES) -> None:
    """Remove the oldest journal entries past the newest ``keep``, and what a record killed before it named its
    entry left. Called with the repository's lock held (as ``apply`` holds it), so no entry is being written.

    It stops at the oldest entry a run still going on holds for its commit (``hold.py``) and not yet committed:
    that run commits from the journal, and an entry gone is a change left out of its commit.

    Oldest first, one file at a time, each removal atomic: stopped anywhere, the journal is still its newest
    entries in order, each whole and undoable, and the next prune goes on. Never raises (an entry it cannot
    remove stays until the next apply).
    """
    from genie_tui.patching import hold

    found = entries(repo)
    held = hold.live(journal_dir(repo))
    for old in found[:max(0, len(found) - keep)]:
        if held and _waits(old, held):
            break  # it and every newer entry stay, so the journal is still its newest entries in order
        try:
            old.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            return  # oldest first, no gap: undo must never skip a removed patch and take back the one before it
    d = journal_dir(repo)
    try:
        leftovers = list(d.glob(f"{TEMP[0]}*{TEMP[1]}"))
    except OSError:
        return
    for tmp in leftovers:  # record() removes its own; these are of a process killed while journaling
        try:
            tmp.unlink()
        except OSError:
            pass


def _waits(entry: Path, held: set[str]) -> bool:
    """Whether ``entry`` waits for the commit of a run still holding it (one that cannot be read does not)."""
    try:
        data = json.loads(_read(entry) or b"")
        return not data.get("committed") and data.get("hold") in held
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        return False


def entries(repo: Path) -> list[Path]:
    d = journal_dir(repo)
    if not d.is_dir():
        return []
    return sorted((p for p in d.glob("*.json") if _numbered(p)), key=lambda p: int(p.stem))


def _numbered(path: Path) -> bool:
    """An entry's name is its number in ASCII digits (``².json`` put there is no entry; ``int`` refuses it)."""
    return path.stem.isascii() and path.stem.isdigit()


def undo_last(repo: Path) -> UndoReport:
    """Restore the files of the most recent applied patch; refuse (changing nothing) if that is not safe.

    Never raises for a damaged journal or a file system that refuses a write: the report says why in one line.
    """
    try:
        return _undo(Path(repo))
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback (write_all restored every file)
        return UndoReport(False, [], f"undo failed ({type(exc).__name__}: {exc}); please report this")


def _undo(repo: Path) -> UndoReport:
    from contextlib import ExitStack

    from genie_tui.patching import lock

    if not repo.is_dir():
        return UndoReport(False, [], f"the repository {repo} does not exist or is not a directory")
    with ExitStack() as stack:
        try:  # the same lock as apply: an apply and an undo never interleave
            stack.enter_context(lock.repo_lock(repo))
        except lock.Busy as exc:
            return UndoReport(False, [], str(exc))
        except OSError:
            pass  # no journal directory, so nothing to undo either; entries() says so below
        return _undo_locked(repo)
    raise AssertionError("unreachable")  # ExitStack does not swallow exceptions


def _rel(path: object) -> str:
    """A journal entry's path, checked like a patch's: relative, inside the repository, not under .git. A
    backslash is a plain character of a name here, as in the paths ``apply`` journals (``dir/a\\b.txt``)."""
    if not isinstance(path, str) or not path or path.startswith("/") or path[1:2] == ":" or \
            ("\\" in path and "/" not in path):  # apply reads a lone "a\\b" as Windows' a/b: never journaled
        raise ValueError("bad path")
    parts = path.split("/")
    if any(p in ("", ".", "..") or p.lower() == ".git" for p in parts):
        raise ValueError("bad path")
    return path


def _mode(value: object) -> int | None:
    """A journal entry's file mode: None or permission bits (what ``record`` stores); anything else (a number
    ``chmod`` cannot take) is damage, found before a file is touched."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError("bad mode")
    if value is not None and not 0 <= value <= 0o7777:
        raise ValueError("bad mode")
    return value


def _recover_interrupted(repo: Path) -> None:
    """An undo killed between moving its entry aside and finishing its writes left ``N.undoing``: put it back,
    so this undo finishes that one (files already restored are recognised) instead of losing it."""
    d = journal_dir(repo)
    for aside in d.glob("*.undoing") if d.is_dir() else ():
        target = aside.with_suffix(".json")
        if _numbered(aside) and not target.exists():
            try:
                os.replace(aside, target)
            except OSError:
                pass


def _undo_locked(repo: Path) -> UndoReport:
    from genie_tui.patching import fsio
    from genie_tui.patching.reverse import reverse
    from genie_tui.patching.tree import Refusal, Tree
    from genie_tui.reading import NotRegularFile

    _recover_interrupted(repo)
    found = entries(repo)
    if not found:
        return UndoReport(False, [], "there is no patch applied by genie to undo in this repository")
    entry_path = found[-1]
    try:
        entry = json.loads(_read(entry_path) or b"")  # read_text() of a named pipe blocked forever
        checked = [(_rel(f["path"]), _unb64(f["before"]), _unb64(f["after"]), _mode(f["before_mode"]),
                    _mode(f.get("after_mode"))) for f in entry["files"]]
        label = str(entry.get("label") or "")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # RecursionError: JSON nested deeper than the parser goes
        return UndoReport(False, [], f"the undo journal entry {entry_path} is damaged ({type(exc).__name__}); "
                          "nothing was changed. Delete that file to undo the patches before it")
    tree = Tree(repo)
    writes: dict[str, tuple[bytes | None, int | None]] = {}
    current: dict[str, tuple[bytes | None, int | None]] = {}
    problems: list[str] = []
    for rel, before, after, before_mode, after_mode in checked:
        try:
            tree.check_path(rel)  # a link or a file put in the way since the patch: never write through it
            now = _read(repo / rel)
            mode = os.stat(repo / rel).st_mode & 0o7777 if now is not None else None
        except Refusal as exc:
            problems.append(str(exc))
            continue
        except IsADirectoryError:
            problems.append(f"{rel} is a directory now")
            continue
        except NotRegularFile as exc:
            problems.append(f"{rel} is {exc.kind} now")
            continue
        except OSError as exc:
            problems.append(f"{rel} cannot be read ({exc.strerror or exc})")
            continue
        current[rel] = (now, mode)
        # the mode genie wrote goes back to the one before the patch; a mode the user set since stays theirs
        keep = before_mode if mode == after_mode else mode
        if now == after:
            writes[rel] = (before, keep if now is not None else before_mode)
            continue
        if now == before:  # already restored (by hand, or by an undo killed halfway): at most the mode is left
            writes[rel] = (before, keep)
            continue
        if before is None or after is None or now is None:
            problems.append(f"{rel} was {'created' if before is None else 'deleted' if after is None else 'changed'} "
                            "by the patch and has been changed since")
            continue
        merged = reverse(before, after, now)
        if merged is None:
            problems.append(f"{rel}: the lines the patch changed have been edited since (or occur in more than "
                            "one place now)")
        else:
            writes[rel] = (merged, keep)
    files = [c[0] for c in checked]
    if problems:
        return UndoReport(False, files, "undo refused, nothing was changed: " + "; ".join(problems), label)
    # a file that already holds what it held before the patch is not written, nor reported restored
    unchanged = [rel for rel in files if _same(writes[rel], current[rel])]
    writes = {rel: w for rel, w in writes.items() if rel not in unchanged}
    tag = str(entry.get("tag") or "")
    if not writes:
        # the patch is not applied any more: its entry goes, so the next undo reaches the patch before it
        try:
            entry_path.unlink()
        except OSError as exc:
            return UndoReport(False, files, f"undo refused, nothing was changed: the journal entry {entry_path} "
                              f"cannot be updated ({exc.strerror or exc})", label, unchanged=unchanged)
        named = f" {label!r}" if label else ""
        held = "holds what it" if len(unchanged) == 1 else "hold what they"
        return UndoReport(False, files, f"nothing was restored: {_names(unchanged)} already {held} held before "
                          f"the patch{named}; its journal entry is removed", label, tag, unchanged=unchanged)
    # The entry is moved aside first and put back if a write fails, so the journal always matches the files:
    # an entry left behind after a successful undo would undo the same patch twice.
    aside = entry_path.with_suffix(".undoing")
    try:
        os.replace(entry_path, aside)
    except OSError as exc:
        return UndoReport(False, files, f"undo refused, nothing was changed: the journal entry {entry_path} "
                          f"cannot be updated ({exc.strerror or exc})", label)
    try:
        fsio.write_all(repo, writes, current)
    except BaseException as exc:
        try:
            os.replace(aside, entry_path)
        except OSError:
            pass
        if not isinstance(exc, OSError):
            raise
        where = f" {exc.filename}" if exc.filename else ""
        return UndoReport(False, files, f"undo failed, nothing was changed: writing{where} failed "
                          f"({exc.strerror or exc})", label)
    try:
        aside.unlink()
    except OSError:
        pass  # not a *.json name: entries() no longer sees it
    removed = [rel for rel in writes if writes[rel][0] is None]
    restored = [rel for rel in writes if rel not in removed]
    return UndoReport(True, files, None, label, tag, restored, removed, unchanged)


def _same(write: tuple[bytes | None, int | None], now: tuple[bytes | None, int | None]) -> bool:
    """Whether writing ``write`` would leave the file as it is ``now`` (bytes, and the mode when one is set)."""
    return write[0] == now[0] and (write[0] is None or write[1] is None or write[1] == now[1])


def _names(rels: list[str]) -> str:
    from genie_tui.printable import shown_path

    return ", ".join(map(shown_path, rels))
