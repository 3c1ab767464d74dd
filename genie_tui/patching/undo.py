"""The undo journal: every applied patch records the bytes it replaced, so ``genie undo`` restores them.

Entries live in ``user_data_dir()/undo/<hash of the repo path>/`` as numbered JSON files. Undo restores a file's
exact bytes when it is as genie left it; when the user has edited it since, the change is reversed line by line
(exact matches only) so the user's other edits survive, and undo is refused if those very lines changed.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from genie_tui.config import paths
from genie_tui.patching.model import UndoReport


def journal_dir(repo: Path) -> Path:
    key = hashlib.sha256(os.path.realpath(repo).encode()).hexdigest()[:16]
    return paths.user_data_dir() / "undo" / key


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def record(repo: Path, before: dict[str, tuple[bytes | None, int | None]],
           after: dict[str, tuple[bytes | None, int | None]], label: str, diff: str, tag: str = "") -> Path:
    d = journal_dir(repo)
    d.mkdir(parents=True, exist_ok=True)
    seq = max((int(p.stem) for p in d.glob("*.json") if p.stem.isdigit()), default=0) + 1
    entry = {
        "repo": os.path.realpath(repo), "label": label, "tag": tag, "time": time.time(), "diff": diff,
        "committed": False,
        "files": [{"path": rel, "before": _b64(before[rel][0]), "before_mode": before[rel][1],
                   "after": _b64(after[rel][0]), "after_mode": after[rel][1]} for rel in after],
    }
    data = json.dumps(entry).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=d)  # a name of its own, never shared
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


def entries(repo: Path) -> list[Path]:
    d = journal_dir(repo)
    if not d.is_dir():
        return []
    return sorted((p for p in d.glob("*.json") if p.stem.isdigit()), key=lambda p: int(p.stem))


def undo_last(repo: Path) -> UndoReport:
    """Restore the files of the most recent applied patch; refuse (changing nothing) if that is not safe."""
    from genie_tui.patching import fsio

    found = entries(repo)
    if not found:
        return UndoReport(False, [], "there is no patch applied by genie to undo in this repository")
    entry_path = found[-1]
    try:
        entry = json.loads(entry_path.read_text(encoding="utf-8"))
        checked = [(f["path"], _unb64(f["before"]), _unb64(f["after"]), f["before_mode"]) for f in entry["files"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return UndoReport(False, [], f"the undo journal entry {entry_path} is damaged ({type(exc).__name__}); "
                          "nothing was changed. Delete that file to undo the patches before it")
    label = entry.get("label", "")
    writes: dict[str, tuple[bytes | None, int | None]] = {}
    current: dict[str, tuple[bytes | None, int | None]] = {}
    problems: list[str] = []
    for rel, before, after, before_mode in checked:
        now = _read(repo / rel)
        mode = os.stat(repo / rel).st_mode & 0o7777 if now is not None else None
        current[rel] = (now, mode)
        if now == after:
            writes[rel] = (before, before_mode)
            continue
        if before is None or after is None or now is None:
            problems.append(f"{rel} was {'created' if before is None else 'deleted' if after is None else 'changed'} "
                            "by the patch and has been changed since")
            continue
        merged = _reverse(before, after, now)
        if merged is None:
            problems.append(f"{rel}: the lines the patch changed have been edited since")
        else:
            writes[rel] = (merged, mode)
    files = [c[0] for c in checked]
    if problems:
        return UndoReport(False, files, "undo refused, nothing was changed: " + "; ".join(problems), label)
    fsio.write_all(repo, writes, current)
    entry_path.unlink()
    return UndoReport(True, files, None, label, str(entry.get("tag") or ""))


def _reverse(before: bytes, after: bytes, now: bytes) -> bytes | None:
    """Take the after->before change and apply it to ``now`` with exact matching only."""
    from genie_tui.patching.parse import parse_patch
    from genie_tui.patching.plan import _apply_hunks
    from genie_tui.patching.textfile import BinaryFile, TextFile

    try:
        a, b, cur = TextFile.from_bytes(after), TextFile.from_bytes(before), TextFile.from_bytes(now)
    except BinaryFile:
        return None
    diff = list(difflib.unified_diff(a.lines, b.lines, "a/f", "b/f", lineterm="", n=3))
    if not diff:
        return now
    parsed = parse_patch("\n".join(diff) + "\n")
    reports, new_tf, _ = _apply_hunks(cur, parsed.hunks, "f", True)
    if any(r.status == "refused" for r in reports):
        return None
    return new_tf.to_bytes()
