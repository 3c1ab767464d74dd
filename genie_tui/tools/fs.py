"""File-system tools: list_dir, find_files, read_file."""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from genie_tui.core.events import ContextLooked
from genie_tui.printable import shown_path
from genie_tui.tools.base import ToolContext, ToolError, ToolOutput, echoed

READ_WINDOW = 300
MAX_LINE_CHARS = 500
MAX_READ_CHARS = 40_000  # about 10k tokens: one read must not fill a small model's context
MAX_SCAN_BYTES = 1 << 30  # how far into a large file read_file goes for a window (in blocks: no memory)
_BLOCK = 1 << 20
IGNORED_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache", ".pytest_cache", ".tox"}


def list_dir(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    path = ctx.resolve(args.get("path") or ".")
    if not path.is_dir():
        raise ToolError(f"{args.get('path')}: not a directory (use read_file for files)")
    entries = []
    for child in sorted(path.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        if child.name in IGNORED_DIRS:
            continue
        name = shown_path(child.name)  # a newline in a name must not read as two entries
        link = _odd_link(ctx, child)
        if link:  # not read, so neither its size nor its kind is told
            entries.append(f"{name} -> {link}")
        elif child.is_dir():
            entries.append(f"{name}/")
        else:
            try:
                entries.append(f"{name}  ({child.stat().st_size} bytes)")
            except OSError:
                entries.append(name)
    rel = ctx.rel(path)
    text = f"{shown_path(rel)}/ ({len(entries)} entries)\n" + "\n".join(entries[:500])
    if len(entries) > 500:
        text += f"\n... {len(entries) - 500} more"
    return ToolOutput(text, ContextLooked("list", rel, ((rel, 0, 0, f"{len(entries)} entries"),)))


def find_files(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    pattern = args.get("pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        raise ToolError("pattern must be a glob such as '**/config*.py' or a substring of the path")
    pattern = pattern.strip()
    for root in dict.fromkeys((str(ctx.repo.absolute()), os.path.realpath(ctx.repo))):
        if pattern.startswith(root.rstrip("/") + "/"):  # the repository's absolute path, as models write it
            pattern = "./" + pattern[len(root.rstrip("/")) + 1:]
            break
    found = ctx.index.find_files(pattern)
    if not found and pattern.startswith("/") and not any(ch in pattern for ch in "*?["):
        # a path from the root, as models write them (a glob's leading / anchors it already): that file, or the
        # files under that directory
        rel = pattern.strip("/")
        found = [p for p in ctx.index.find_files(rel) if p == rel or p.startswith(rel + "/")] if rel else []
    if not found:
        return ToolOutput(f"no files match {echoed(pattern)}", ContextLooked("find", pattern, ()))
    # quoted as search_code quotes them: a newline in a name must not read as two results
    shown = [f"{shown_path(p)} -> {link}" if (link := _odd_link(ctx, ctx.repo / p)) else shown_path(p)
             for p in found[:200]]
    text = "\n".join(shown) + (f"\n... {len(found) - 200} more" if len(found) > 200 else "")
    return ToolOutput(text, ContextLooked("find", pattern, tuple((p, 0, 0, "") for p in found[:50])))


def _odd_link(ctx: ToolContext, path: Path) -> str:
    """For a symlink that is not followed, why: "outside the repository", "a symlink loop" or "an unreadable
    link"; empty for anything else."""
    try:
        if not path.is_symlink():
            return ""
        root = ctx.repo.resolve()
        try:
            full = path.resolve(strict=True)
        except FileNotFoundError:  # a broken link: where it would lead
            full = path.resolve()
    except RuntimeError:  # Python before 3.13 raises this for a loop
        return "a symlink loop"
    except OSError as exc:
        return "a symlink loop" if exc.errno == errno.ELOOP else "an unreadable link"
    return "" if full == root or root in full.parents else "outside the repository"


def _int_arg(args: dict[str, Any], key: str) -> int | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ToolError(f"{key} must be a positive integer (lines are 1-based), got {value!r}")
    return value


def _staged(ctx: ToolContext, rel_arg: Any) -> tuple[str, bytes | None] | None:
    """The file as the patches recorded for review leave it (approval mode never), if one of them changes it."""
    overlay = ctx.staged() if ctx.staged is not None else None
    if not overlay:
        return None
    rel = ctx.rel(ctx.resolve(rel_arg, must_exist=False))
    return (rel, overlay[rel][0]) if rel in overlay else None


def read_file(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    rel_arg = args.get("path")
    staged = _staged(ctx, rel_arg)
    if staged is not None:
        rel, data = staged
        if data is None:
            raise ToolError(f"{shown_path(rel)}: deleted by a patch recorded for review (approval mode never)")
        size, note, opener = len(data), " (as the patches recorded for review leave it)", lambda: io.BytesIO(data)
    else:
        path = ctx.resolve(rel_arg)
        if path.is_dir():
            raise ToolError(f"{shown_path(ctx.rel(path))}: is a directory (use list_dir)")
        if not path.is_file():
            raise ToolError(f"{shown_path(ctx.rel(path))}: not a regular file")
        size, note, opener, rel = path.stat().st_size, "", lambda: path.open("rb"), ctx.rel(path)
    start_arg, end_arg = _int_arg(args, "start_line"), _int_arg(args, "end_line")
    start = start_arg or 1
    max_bytes = ctx.settings.max_file_bytes
    large = size > max_bytes
    with opener() as fh:
        head = fh.read(8192)
        if b"\0" in head:
            raise ToolError(f"{shown_path(rel)}: binary file ({size} bytes); not shown")
        fh.seek(0)
        # a normal file is read to its end (no further: it may grow meanwhile); a large one only as far as needed
        reader = _LineReader(fh, max(MAX_SCAN_BYTES, max_bytes) if large else max_bytes + 1)
        before = reader.skip(start - 1)  # the lines before the window are counted, not kept
        last = min(end_arg or start + READ_WINDOW - 1, start + READ_WINDOW * 2 - 1)
        lines: list[str] = []
        while before == start - 1 and len(lines) < max(1, last - start + 1):
            line = reader.line(MAX_LINE_CHARS)
            if line is None:
                break
            lines.append(line)
        read = before + len(lines)
        if large:  # known only if the file ends before the line after the one asked for
            upto = (end_arg or start + READ_WINDOW) + 1
            read += reader.skip(upto - read) if read < upto else 0
            total = read if read < upto and not reader.exhausted else None
        else:
            read += reader.skip(sys.maxsize)
            total = None if reader.exhausted else read  # it grew past max_file_bytes since its size was taken
    if read == 0:
        return ToolOutput(f"{shown_path(rel)}: empty file", ContextLooked("read", rel, ((rel, 1, 1, "empty"),)))
    if not lines:
        if reader.exhausted:
            raise ToolError(f"{shown_path(rel)}: start_line {start} is beyond the first {reader.budget} bytes genie reads of "
                            f"this file ({before} lines)")
        raise ToolError(f"{shown_path(rel)}: start_line {start} is past the end of the file ({read} lines)")
    end = min(end_arg or start + READ_WINDOW - 1, read, start + READ_WINDOW * 2 - 1)
    if end < start:
        raise ToolError(f"end_line {end} is before start_line {start}")
    width = len(str(end))
    body, shown = window(lines, 1, end - start + 1, sys.maxsize, lambda n: f"{n + start - 1:>{width}}| ")
    end = shown + start - 1
    if total is None:
        header = f"{shown_path(rel)}{note} lines {start}-{end} (a large file: {size} bytes, read in windows)"
        footer = f"\n[more lines may follow; call read_file with start_line={end + 1}]"
    else:
        header = f"{shown_path(rel)}{note} lines {start}-{end} of {total}"
        footer = f"\n[{total - end} more lines; call read_file with start_line={end + 1}]" if end < total else ""
    return ToolOutput(f"{header}\n" + "\n".join(body) + footer,
                      ContextLooked("read", rel, ((rel, start, end, f"lines {start}-{end}"),)))


def window(lines: list[str], start: int, end: int, line_cap: int,
           prefix: Callable[[int], str] = lambda _number: "") -> tuple[list[str], int]:
    """Lines ``start..end`` (1-based) as shown to the model, each cut at ``line_cap`` characters and prefixed,
    stopping early once ``MAX_READ_CHARS`` is used (wide lines: the caller's footer says where to go on).
    Returns them and the number of the last one shown."""
    body: list[str] = []
    used = 0
    for number in range(start, end + 1):
        line = lines[number - 1]
        if len(line) > line_cap:
            line = line[:line_cap] + f" ... [{len(line) - line_cap} more chars]"
        if body and used + len(line) > MAX_READ_CHARS:
            return body, number - 1
        entry = prefix(number) + line
        body.append(entry)
        used += len(entry) + 1
    return body, end


class _LineReader:
    """A file's lines read forward, at most ``budget`` bytes in all, in bounded pieces: lines are skipped by
    counting newlines in blocks, and a line asked for is kept only up to the characters shown of it."""

    def __init__(self, fh: BinaryIO, budget: int) -> None:
        self.fh, self.budget, self.left = fh, budget, budget
        self.exhausted = False  # the budget ran out before the file did

    def _read(self, limit: int, *, line: bool = False) -> bytes:
        if self.left <= 0:
            self.exhausted = True
            return b""
        limit = min(limit, self.left)
        data = self.fh.readline(limit) if line else self.fh.read(limit)
        self.left -= len(data)
        return data

    def skip(self, count: int) -> int:
        """Skip up to ``count`` lines (a last one without a newline counts); how many there were."""
        done, partial = 0, False
        while done < count:
            at = self.fh.tell()
            block = self._read(_BLOCK)
            if not block:
                return done + 1 if partial else done  # a line begun is a line
            newlines = block.count(b"\n")
            if done + newlines >= count:
                cut = -1
                for _ in range(count - done):
                    cut = block.index(b"\n", cut + 1)
                self.fh.seek(at + cut + 1)
                self.left += len(block) - cut - 1
                return count
            done += newlines
            partial = not block.endswith(b"\n")
        return done

    def line(self, cap: int) -> str | None:
        """The next line (``None`` at the end), cut at ``cap`` characters with a note of how many more it has."""
        raw = self._read(cap * 4 + 8, line=True)  # ``cap`` characters are at most 4 bytes each
        if not raw:
            return None
        if raw.endswith(b"\n"):
            return _cut(raw.decode("utf-8", errors="replace")[:-1].removesuffix("\r"), cap)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text = decoder.decode(raw)
        length, tail = len(text), text[-1:]
        text = text[:cap + 1]
        while not raw.endswith(b"\n"):  # the rest of a long line: counted, not kept
            raw = self._read(_BLOCK, line=True)
            chunk = decoder.decode(raw, final=not raw)
            length += len(chunk)
            if len(text) <= cap:
                text = (text + chunk)[:cap + 1]
            tail = (tail + chunk)[-2:]
            if not raw:
                break
        length -= 2 if tail == "\r\n" else 1 if tail[-1:] in ("\n", "\r") else 0
        return text[:length] if length <= cap else _cut(text[:cap], cap, length - cap)


def _cut(line: str, cap: int, more: int = 0) -> str:
    """A line as read_file shows it: its first ``cap`` characters and how many more it has."""
    more += max(0, len(line) - cap)
    return f"{line[:cap]} ... [{more} more chars]" if more else line
