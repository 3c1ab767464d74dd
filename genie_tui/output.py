"""What the command line writes: shown without terminal control sequences, and a failed write reported.

``main`` runs each command (the app aside: Textual draws it, see :mod:`genie_tui.printable`) with
``sys.stdout`` and ``sys.stderr`` wrapped in :class:`DisplayStream`. Whatever a command prints -- the model's
text and the finish summary of ``genie run``, a repository file in ``genie replay``, a session's task in
``genie sessions list``, a file name in ``genie apply`` -- reaches the terminal without its escape sequences
and control characters (an OSC 52 clipboard write, a screen clear, a new window title): one choke point per
stream, the cleaning the app uses, with tabs and newlines kept. ``--json`` output is pure ASCII and passes
unchanged. Data for a file or a pipe (an exported session, the diff ``genie run`` leaves on stdout) goes out
exact through :func:`write_data`; only on a terminal is it shown cleaned.

A write to stdout that fails (a full disk, a closed stdout) raises :class:`OutputError`, which ``main``
reports in one line; a closed pipe stays a :class:`BrokenPipeError` (exit 141).

Stdlib only, and no Textual: the fast commands import this.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from genie_tui.errors import EXIT_FAILED
from genie_tui.printable import StreamPrintable


class OutputError(Exception):
    """Writing the command's output failed; ``main`` prints ``genie: cannot write output: <reason>``.

    Not a :class:`~genie_tui.errors.GenieError`: a handler that reports its own errors (``--json``) must not
    take it for one of them."""

    exit_code = EXIT_FAILED

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot write output: {reason}")


class DisplayStream:
    """A text stream that drops control sequences from what is written to it (an escape sequence split
    between two writes is held back until it is complete, within a line). With ``report_errors`` a failed
    write raises :class:`OutputError`; ``stream`` may be None (the file descriptor was closed at start)."""

    def __init__(self, stream: TextIO | None, *, report_errors: bool) -> None:
        self.stream = stream
        self._report = report_errors
        self._filter = StreamPrintable(keep_tabs=True)

    def write(self, text: str) -> int:
        head, newline, tail = text.rpartition("\n")
        if newline:  # a sequence is not continued over a line end: it could swallow the lines after it
            shown = self._filter.feed(head + newline) + self._filter.end() + self._filter.feed(tail)
        else:
            shown = self._filter.feed(text)
        self.write_exact(shown)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def write_exact(self, text: str) -> None:
        """``text`` as it is: data for a file or a pipe, or genie's own control characters."""
        if not text:
            return
        if self.stream is None:
            if self._report:
                raise OutputError("stdout is closed")
            return
        with self._reported():
            if len(text) > WHOLE_WRITE and hasattr(self.stream, "buffer"):
                _write_all(self.stream, text)
            else:
                self.stream.write(text)

    def flush(self) -> None:
        if self.stream is not None:
            with self._reported():
                self.stream.flush()

    def close(self) -> None:
        """The output ends: write what was held back and flush, so a write error shows now, not at exit."""
        self.write_exact(self._filter.end())
        self.flush()

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:  # fileno, encoding, ...: the wrapped stream's
        return getattr(self.stream, name)

    @contextlib.contextmanager
    def _reported(self) -> Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            if not self._report:
                raise
            raise OutputError(exc.strerror or str(exc)) from None


#: a longer text goes to the stream's bytes in a loop (:func:`_write_all`)
WHOLE_WRITE = 8192


def _write_all(stream: TextIO, text: str) -> None:
    """``text`` written whole, or an error: a text stream's write of a large text to a pipe took the first 64 KB
    the pipe took and dropped the rest without a word when the reader went away (CPython 3.11 ignores a short
    write of its buffer), so ``genie export | head -c 100`` exited 0, not 141."""
    stream.flush()
    buffer = stream.buffer  # type: ignore[attr-defined]
    data = memoryview(text.encode(stream.encoding or "utf-8", stream.errors or "strict"))
    while data:
        written = buffer.write(data)
        data = data[written if written is not None else 0:]
    buffer.flush()


@contextlib.contextmanager
def display_output() -> Iterator[None]:
    """Run the body with stdout and stderr cleaned; stdout's write errors raise :class:`OutputError`."""
    saved = sys.stdout, sys.stderr
    out = DisplayStream(sys.stdout, report_errors=True)
    err = DisplayStream(sys.stderr, report_errors=False)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        yield
        out.close()
        with contextlib.suppress(OSError):  # nowhere left to say so
            err.close()
    finally:
        sys.stdout, sys.stderr = saved


def write_data(text: str) -> None:
    """Data on stdout (an exported session, a diff): exact into a file or a pipe, cleaned on a terminal."""
    out = sys.stdout
    if isinstance(out, DisplayStream) and not out.isatty():
        out.write_exact(text)
    else:
        out.write(text)


def write_controls(stream: TextIO, text: str) -> None:
    """genie's own control characters (a progress bar's carriage return), which the cleaning would drop."""
    if isinstance(stream, DisplayStream):
        stream.write_exact(text)
    else:
        stream.write(text)
