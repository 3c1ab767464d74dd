"""Incremental view of a diff that is still being streamed, for the live patch pane.

Only complete lines are interpreted; a hunk counts as complete once the next hunk or file header arrives or
:meth:`StreamingDiffParser.close` is called. At close the result is replaced by :func:`split_hunks` of the whole
text, so hunk indexes always agree with what :func:`apply_patch` approves.
"""

from __future__ import annotations

from genie_tui.patching.model import HunkInfo
from genie_tui.patching.parse import clean_path, split_hunks, strip_prefix


class StreamingDiffParser:
    """Feed text fragments; read ``files``, ``hunks`` and ``complete`` at any time."""

    def __init__(self) -> None:
        self.text = ""
        self._pos = 0  # how much of ``text`` has been consumed as complete lines
        self.files: list[tuple[str, list[str]]] = []  # (path, hunk texts so far)
        self.hunks: list[HunkInfo] = []
        self.closed = False
        self._held: str | None = None  # a "--- " line waiting to see if "+++ " follows
        self._git_pending = False
        self._in_hunk = False

    @property
    def partial_line(self) -> str:
        """The line still being written (not yet interpreted)."""
        return self.text[self._pos:]

    @property
    def complete(self) -> int:
        """How many hunks are complete (they are the first ``complete`` entries of ``hunks``)."""
        if self.closed:
            return len(self.hunks)
        return max(0, len(self.hunks) - 1) if self._in_hunk else len(self.hunks)

    def is_complete(self, index: int) -> bool:
        return index < self.complete

    def feed(self, text: str) -> None:
        if self.closed:
            raise ValueError("feed() after close()")
        self.text += text
        while True:
            nl = self.text.find("\n", self._pos)
            if nl < 0:
                break
            line = self.text[self._pos:nl].rstrip("\r")
            self._pos = nl + 1
            self._line(line)

    def close(self) -> list[HunkInfo]:
        """Finish: interpret the last partial line and settle indexes with :func:`split_hunks`."""
        self.closed = True
        self.hunks = split_hunks(self.text)
        files: dict[str, list[str]] = {}
        for h in self.hunks:
            files.setdefault(h.file, []).append(h.text)
        self.files = [(k, v) for k, v in files.items()]
        self._in_hunk = False
        return self.hunks

    # -- line state machine ------------------------------------------------------------------------------

    def _line(self, line: str) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if line.startswith("+++ "):
                self._file_header(held, line)
                return
            self._body(held)
        if line.startswith("diff --git "):
            parts = line.split(" ")
            self._new_file(strip_prefix(parts[-1]) or "?")
            self._git_pending = True
            self._in_hunk = False
        elif line.startswith("--- "):
            self._held = line
        elif line.startswith("@@"):
            if not self.files:
                self._new_file("?")
            self._git_pending = False
            self._in_hunk = True
            self.files[-1][1].append(line + "\n")
            self.hunks.append(HunkInfo(len(self.hunks), self.files[-1][0], line, line + "\n"))
        else:
            self._body(line)

    def _body(self, line: str) -> None:
        if not self._in_hunk or not self.hunks:
            return
        last = self.hunks[-1]
        text = last.text + line + "\n"
        self.hunks[-1] = HunkInfo(last.index, last.file, last.header, text)
        self.files[-1][1][-1] = text

    def _file_header(self, old: str, new: str) -> None:
        path = strip_prefix(clean_path(new[4:])) or strip_prefix(clean_path(old[4:])) or "?"
        if self._git_pending and self.files and not self.files[-1][1]:
            self.files[-1] = (path, self.files[-1][1])
        else:
            self._new_file(path)
        self._git_pending = False
        self._in_hunk = False

    def _new_file(self, path: str) -> None:
        self.files.append((path, []))
