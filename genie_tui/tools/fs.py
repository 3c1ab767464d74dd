"""File-system tools: list_dir, find_files, read_file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from genie_tui.core.events import ContextLooked
from genie_tui.retrieval.textutil import split_lines
from genie_tui.tools.base import ToolContext, ToolError, ToolOutput

READ_WINDOW = 300
MAX_LINE_CHARS = 500
MAX_READ_CHARS = 40_000  # about 10k tokens: one read must not fill a small model's context
IGNORED_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache", ".pytest_cache", ".tox"}


def list_dir(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    path = ctx.resolve(args.get("path") or ".")
    if not path.is_dir():
        raise ToolError(f"{args.get('path')}: not a directory (use read_file for files)")
    entries = []
    for child in sorted(path.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        if child.name in IGNORED_DIRS:
            continue
        if child.is_dir():
            entries.append(f"{child.name}/")
        else:
            try:
                entries.append(f"{child.name}  ({child.stat().st_size} bytes)")
            except OSError:
                entries.append(child.name)
    rel = ctx.rel(path)
    text = f"{rel}/ ({len(entries)} entries)\n" + "\n".join(entries[:500])
    if len(entries) > 500:
        text += f"\n... {len(entries) - 500} more"
    return ToolOutput(text, ContextLooked("list", rel, ((rel, 0, 0, f"{len(entries)} entries"),)))


def find_files(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    pattern = args.get("pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        raise ToolError("pattern must be a glob such as '**/config*.py' or a substring of the path")
    found = ctx.index.find_files(pattern.strip())
    if not found:
        return ToolOutput(f"no files match {pattern!r}", ContextLooked("find", pattern, ()))
    text = "\n".join(found[:200]) + (f"\n... {len(found) - 200} more" if len(found) > 200 else "")
    return ToolOutput(text, ContextLooked("find", pattern, tuple((p, 0, 0, "") for p in found[:50])))


def _int_arg(args: dict[str, Any], key: str) -> int | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ToolError(f"{key} must be a positive integer (lines are 1-based), got {value!r}")
    return value


def read_file(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    rel_arg = args.get("path")
    path = ctx.resolve(rel_arg)
    if path.is_dir():
        raise ToolError(f"{rel_arg}: is a directory (use list_dir)")
    if not path.is_file():
        raise ToolError(f"{rel_arg}: not a regular file")
    start, end = _int_arg(args, "start_line"), _int_arg(args, "end_line")
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(8192)
    if b"\0" in head:
        raise ToolError(f"{rel_arg}: binary file ({size} bytes); not shown")
    upto = (end or (start or 1) + READ_WINDOW) + 1
    lines = _read_lines(path, size, ctx.settings.max_file_bytes, upto)
    # a large file is read only as far as needed; if it ended before that, its length is known after all
    total = len(lines) if size <= ctx.settings.max_file_bytes or len(lines) < upto else None
    rel = ctx.rel(path)
    if not lines:
        return ToolOutput(f"{rel}: empty file", ContextLooked("read", rel, ((rel, 1, 1, "empty"),)))
    start = start or 1
    if start > len(lines):
        raise ToolError(f"{rel}: start_line {start} is past the end of the file ({len(lines)} lines)")
    end = min(end or start + READ_WINDOW - 1, len(lines), start + READ_WINDOW * 2 - 1)
    if end < start:
        raise ToolError(f"end_line {end} is before start_line {start}")
    width = len(str(end))
    body, end = window(lines, start, end, MAX_LINE_CHARS, lambda number: f"{number:>{width}}| ")
    if total is None:
        header = f"{rel} lines {start}-{end} (a large file: {size} bytes, read in windows)"
        footer = f"\n[more lines may follow; call read_file with start_line={end + 1}]"
    else:
        header = f"{rel} lines {start}-{end} of {total}"
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


def _read_lines(path: Path, size: int, max_bytes: int, upto: int) -> list[str]:
    """All lines of a normal file; of a huge one, only the first ``upto`` (it is never read whole)."""
    if size <= max_bytes:
        return split_lines(path.read_bytes().decode("utf-8", errors="replace"))
    lines: list[str] = []
    with path.open("rb") as fh:
        for raw in fh:
            lines.append(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
            if len(lines) >= upto:
                break
    return lines
