"""A text file as lines plus everything needed to write it back byte-identically where untouched.

Each line keeps its own end-of-line, so a file with mixed endings round-trips; inserted lines take the file's
dominant ending. The encoding (UTF-8, UTF-8 with BOM, or Latin-1 for files that are not UTF-8) is remembered;
a mostly-UTF-8 file with a stray invalid byte stays UTF-8 and the byte round-trips (surrogateescape).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field


class BinaryFile(Exception):
    """The file holds NUL bytes; the engine refuses to patch it."""


@dataclass(slots=True)
class TextFile:
    lines: list[str]  # content without end-of-line
    eols: list[str]  # "\n", "\r\n", "\r" or "" (only the last line may have ""); "\r" ends lines only in a
    # file without LFs, or (as git reads it) a last line
    encoding: str = "utf-8"
    _norm: dict[int, list[str]] = field(default_factory=dict)
    _index: dict[int, dict[str, list[int]]] = field(default_factory=dict)

    @classmethod
    def from_bytes(cls, data: bytes) -> TextFile:
        if b"\0" in data[:65536]:
            raise BinaryFile
        if data.startswith(b"\xef\xbb\xbf"):
            enc, text = "utf-8-sig", data[3:].decode("utf-8", "surrogateescape")
        else:
            enc, text = decode(data)
        return cls.from_text(text, enc)

    @classmethod
    def from_text(cls, text: str, encoding: str = "utf-8") -> TextFile:
        if "\r" in text and "\n" not in text:
            # classic Mac endings: every CR ends a line (in a file with LFs a lone CR is content, as git has it)
            parts = text.split("\r")
            last = parts.pop()
            return cls(lines=[*parts, last] if last else parts,
                       eols=["\r"] * len(parts) + ([""] if last else []), encoding=encoding)
        lines: list[str] = []
        eols: list[str] = []
        parts = text.split("\n")
        # split() yields one more element than there are newlines: the text after the last one.
        last = parts.pop()
        for part in parts:
            if part.endswith("\r"):
                lines.append(part[:-1])
                eols.append("\r\n")
            else:
                lines.append(part)
                eols.append("\n")
        if last:
            if last.endswith("\r"):
                lines.append(last[:-1])
                eols.append("\r")
            else:
                lines.append(last)
                eols.append("")
        return cls(lines=lines, eols=eols, encoding=encoding)

    @property
    def eol(self) -> str:
        """The dominant line ending (LF when there is none)."""
        crlf = sum(1 for e in self.eols if e == "\r\n")
        ended = sum(1 for e in self.eols if e)
        if crlf and crlf * 2 > ended:
            return "\r\n"
        return "\r" if self.cr_only else "\n"

    @property
    def cr_only(self) -> bool:
        """Every line ends in a lone CR (classic Mac), the last one perhaps in nothing."""
        return bool(self.eols) and self.eols[0] == "\r" and all(e in ("\r", "") for e in self.eols)

    @property
    def final_newline(self) -> bool:
        return not self.eols or self.eols[-1] != ""

    def to_text(self) -> str:
        return "".join(a + b for a, b in zip(self.lines, self.eols))

    def to_bytes(self) -> bytes:
        text = self.to_text()
        if self.encoding == "utf-8-sig":
            return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogateescape")
        if self.encoding == "utf-8":
            return text.encode("utf-8", "surrogateescape")  # a stray invalid byte goes back as it came
        return text.encode(self.encoding)

    def norm(self, level: int) -> list[str]:
        """Lines normalised for matching level ``level`` (0 exact, 1 trailing space, 2 all spacing)."""
        cached = self._norm.get(level)
        if cached is None:
            cached = [normalize(s, level) for s in self.lines]
            self._norm[level] = cached
        return cached

    def index(self, level: int) -> dict[str, list[int]]:
        cached = self._index.get(level)
        if cached is None:
            cached = {}
            for i, s in enumerate(self.norm(level)):
                cached.setdefault(s, []).append(i)
            self._index[level] = cached
        return cached


@dataclass(slots=True)
class Opaque(TextFile):
    """A binary file as its bytes, with no lines: what a rename, a copy or a mode change moves, which needs no
    text. No hunk applies to it (``Tree.load``)."""

    data: bytes = b""

    def to_bytes(self) -> bytes:
        return self.data


def decode(data: bytes) -> tuple[str, str]:
    """(encoding, text) of ``data``: UTF-8; UTF-8 keeping its invalid bytes (surrogateescape) when the file is mostly UTF-8: at least as many valid
    multi-byte characters as invalid bytes. Latin-1 (lossless too) for files that really are not UTF-8, where
    valid multi-byte sequences are rare (an accented letter is a lone byte)."""
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in text if ch >= "\x80" and not "\udc80" <= ch <= "\udcff")
    if good and good >= bad:
        return "utf-8", text
    return "latin-1", data.decode("latin-1")


def normalize(s: str, level: int) -> str:
    if level == 0:
        return s
    if level == 1:
        return s.rstrip()
    return " ".join(s.split())


#: where a file's part of a patch starts: ``diff --git``/``diff -u`` lines, or a ``---`` line before a ``+++`` one
_FILE_START = re.compile(rb"^(?:diff |--- .*\n\+\+\+ )", re.MULTILINE)


def decode_patch(data: bytes) -> str:
    """The text of a patch file: UTF-16 when it starts with a UTF-16 byte-order mark (what Windows PowerShell 5's
    ``git diff > fix.diff`` writes), else each file's part as :func:`decode` reads the files it patches. One patch
    can touch files in different encodings: decoded as a whole, git's diff of a Latin-1 file and a UTF-8 file was
    all Latin-1, and the UTF-8 file's added lines were written double-encoded. (A part taken as mostly UTF-8 keeps
    its stray bytes, which a Latin-1 file reads as Latin-1: ``quirk.decoded``.)"""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass  # not UTF-16 after all (odd length, lone surrogates): read it as bytes, as any other patch
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    cuts = [0, *(m.start() for m in _FILE_START.finditer(data) if m.start()), len(data)]
    return "".join(decode(data[a:b])[1] for a, b in itertools.pairwise(cuts))
