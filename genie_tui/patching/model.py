"""Data shapes of the patch engine: the parsed diff (internal) and the reports (public, frozen)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["applied", "refused", "skipped"]
Method = Literal["exact", "offset", "whitespace", "fuzzy"]

# Line kinds inside a hunk body. "gap" is an elision marker ("...", "# ... existing code ...") that stands for
# any number of unchanged lines.
CTX, DEL, ADD, GAP = " ", "-", "+", "..."


@dataclass(slots=True)
class Hunk:
    """One hunk as written by the model; counts in the header are kept but never trusted."""

    index: int  # global 0-based index in diff order
    header: str
    old_start: int | None
    old_len: int | None
    new_start: int | None
    new_len: int | None
    section: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (kind, text without EOL)
    old_no_nl: bool = False  # "\ No newline at end of file" after an old-side line
    new_no_nl: bool = False
    raw: list[str] = field(default_factory=list)  # the hunk's lines as they appeared (header first)
    synthetic: bool = False  # a stand-in for a hunk-less file operation (pure rename, empty new file)
    add_cr: int = 0  # added lines that ended in CR in a patch that is not CRLF throughout
    cr_end: set[int] = field(default_factory=set)  # indexes in ``lines`` of those (any kind) whose CR was cut
    problem: str | None = None  # why the hunk must be refused although it parsed (cut off, code elided)
    cut_mid_line: bool = False  # the patch text stops inside this hunk's last line, a context line

    @property
    def old_lines(self) -> list[tuple[str, str]]:
        return [(k, t) for k, t in self.lines if k != ADD]

    @property
    def has_old_side(self) -> bool:
        return any(k in (CTX, DEL) for k, _ in self.lines)


@dataclass(slots=True)
class FilePatch:
    """The changes to one file: paths as written (``None`` = /dev/null) and hunks."""

    old_path: str | None
    new_path: str | None
    new_file: bool = False  # said explicitly (/dev/null or "new file mode")
    deleted: bool = False
    binary: bool = False
    copy: bool = False  # "copy from"/"copy to": the old file stays
    new_mode: int | None = None
    hunks: list[Hunk] = field(default_factory=list)
    raw_header: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        return self.new_path or self.old_path or "?"


@dataclass(slots=True)
class ParsedPatch:
    files: list[FilePatch]
    errors: list[str]

    @property
    def hunks(self) -> list[Hunk]:
        return [h for f in self.files for h in f.hunks]


@dataclass(frozen=True, slots=True)
class HunkInfo:
    """One hunk for a per-hunk approval UI: ``text`` is the hunk (header and body) as the model wrote it."""

    index: int
    file: str
    header: str
    text: str


@dataclass(frozen=True, slots=True)
class HunkReport:
    """What happened to one hunk. ``line`` is the 1-based line in the original file where it applied."""

    file: str
    index: int
    status: Status
    method: Method | None = None
    line: int | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "index": self.index, "status": self.status,
                               "method": self.method, "line": self.line}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class PatchReport:
    """Outcome of :func:`apply_patch`. ``reason`` is one paragraph a model can act on when not applied."""

    applied: bool
    files: list[str]
    hunks: list[HunkReport]
    reason: str | None = None
    applied_diff: str = ""
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"applied": self.applied, "files": list(self.files),
                               "hunks": [h.to_json() for h in self.hunks]}
        if self.reason:
            out["reason"] = self.reason
        out["dry_run"] = self.dry_run
        out["applied_diff"] = self.applied_diff
        return out


@dataclass(frozen=True, slots=True)
class UndoReport:
    """Outcome of :func:`undo_last`: ``undone`` is False with a ``reason`` when nothing was written.

    ``files`` are all the files of the patch; each of them is in at most one of ``restored`` (written back),
    ``removed`` (created by the patch, deleted again) and ``unchanged`` (already as before the patch, not
    written). A patch whose files were all unchanged is dropped from the journal but not ``undone``."""

    undone: bool
    files: list[str]
    reason: str | None = None
    label: str = ""
    tag: str = ""  # the ``tag`` the patch was applied with (the agent's ``session:patch id``)
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"undone": self.undone, "files": list(self.files), "label": self.label,
                               "restored": list(self.restored), "removed": list(self.removed),
                               "unchanged": list(self.unchanged)}
        if self.reason:
            out["reason"] = self.reason
        return out
