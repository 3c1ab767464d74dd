"""Reading a file a user or a repository names: a regular file only, and never more than a cap.

``/dev/zero``, a named pipe or a socket is refused before anything is read (a plain ``open()`` of a pipe with
no writer blocks forever; ``read()`` of ``/dev/zero`` never ends), and no file is read past its cap. Standard
input is read up to a cap too, and a closed one (``<&-``) is an error rather than a traceback. Every failure
is an ``OSError`` whose ``strerror`` finishes a one-line message (``cannot read X: <strerror>``).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from typing import Any

_CHUNK = 1 << 20
_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"))


class NotRegularFile(OSError):
    """A pipe, socket or device where a file was expected; ``kind`` says which."""

    def __init__(self, kind: str, filename: str | None = None) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind})", filename)
        self.kind = kind


class TooLarge(OSError):
    """More than the cap; ``head`` holds the first ``limit`` bytes, for a caller that can use the beginning."""

    def __init__(self, limit: int, head: bytes, filename: str | None = None) -> None:
        super().__init__(errno.EFBIG, f"larger than {limit:,} bytes", filename)
        self.limit, self.head = limit, head


class NoInput(OSError):
    """Standard input is closed (the process was started with ``<&-``)."""

    def __init__(self) -> None:
        super().__init__(errno.EBADF, "it is closed")


def kind_of(mode: int) -> str | None:
    """What a non-regular file is (``a named pipe``, ``a device``, ...), or None for a regular file or a
    directory."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((k for test, k in _KINDS if test(mode)), "not a file")


def _check(mode: int, name: str) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    kind = kind_of(mode)
    if kind is not None:
        raise NotRegularFile(kind, name)


def read_regular(path: str | os.PathLike[str], limit: int | None) -> bytes:
    """The bytes of the regular file ``path`` (symlinks followed), at most ``limit`` of them (None: all): a
    longer file raises :class:`TooLarge`, a directory ``IsADirectoryError``, anything else that is not a regular
    file :class:`NotRegularFile`, and it is never opened in a way that can block (checked by ``stat`` first,
    then opened non-blocking and checked again with ``fstat``, so a file swapped for a pipe in between is
    refused too)."""
    name = os.fspath(path)
    _check(os.stat(name).st_mode, name)
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as fh:
        _check(os.fstat(fd).st_mode, name)
        if limit is None:
            return fh.read()
        return _capped(_read_upto(fh, limit + 1), limit, name)


def read_stdin(limit: int) -> bytes:
    """Standard input until its end, at most ``limit`` bytes (:class:`TooLarge` past them; ``yes | genie``
    never ends); :class:`NoInput` when it is closed."""
    stream = sys.stdin
    if stream is None:
        raise NoInput()
    raw = getattr(stream, "buffer", None)
    try:
        data = _read_upto(raw, limit + 1) if raw is not None else \
            stream.read(limit + 1).encode("utf-8", "surrogateescape")
    except ValueError:  # "I/O operation on closed file"
        raise NoInput() from None
    return _capped(data, limit, "<stdin>")


def _read_upto(fh: Any, size: int) -> bytes:
    """Up to ``size`` bytes, a megabyte at a time: ``read(size)`` sets aside all ``size`` bytes up front."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        chunk = fh.read(min(_CHUNK, size - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _capped(data: bytes, limit: int, name: str) -> bytes:
    if len(data) > limit:
        raise TooLarge(limit, data[:limit], name)
    return data


def stdin_isatty() -> bool:
    """Whether standard input is a terminal: False when it is closed (``<&-``), too."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):
        return False


def loads_json(text: str | bytes) -> Any:
    """``json.loads``, with a value nested too deeply for the parser (a ``RecursionError``) a ``ValueError``
    like any other invalid JSON: a reader of a session line, a model's answer or a user's file names such a
    value instead of crashing (``[`` x 100,000 raised out of every reader that caught ``ValueError``)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
