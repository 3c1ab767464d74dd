"""``genie index`` and ``genie search``.

Imports stay inside the handlers: ``genie search`` must start fast, and tree-sitter loads only when files
need parsing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from genie_tui.errors import GenieError, UsageError
from genie_tui.output import write_controls
from genie_tui.printable import shown_path


class _Progress:
    """A progress bar on stderr, drawn only when stderr is a terminal: in a log or a pipe the carriage returns
    piled up on one line and the next error was glued to it. :meth:`end` finishes a bar cut short (an error,
    Ctrl-C) so that what follows starts on a line of its own."""

    def __init__(self, label: str = "indexing", unit: str = "files") -> None:
        self.enabled = sys.stderr.isatty()
        self.label, self.unit = label, unit
        self._last = 0.0
        self._open = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        width = 30
        filled = width * done // total if total else width
        write_controls(sys.stderr, f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {self.unit}")
        self._open = done < total
        if not self._open:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self._open:
            self._open = False
            sys.stderr.write("\n")
            sys.stderr.flush()


def _waiting(message: str) -> None:
    """Said at once: another genie process holds the index (one stopped with Ctrl+Z holds it until resumed)."""
    print(f"genie: {message}...", file=sys.stderr, flush=True)


def _check_config(repo: Path) -> None:
    """The index reads ``max_file_bytes`` and the embeddings settings from the config files and the
    environment: a broken value is the usual one-line error, here rather than inside the build."""
    from genie_tui.config.settings import load_settings

    load_settings(repo, {}, check_endpoints=False, model_needed=False)


def index_cmd(args: argparse.Namespace) -> int:
    """Build or update the index, printing progress on stderr and a summary on stdout."""
    from genie_tui.config.paths import refuse_git_dir, resolve_repo
    from genie_tui.retrieval.index import RepoIndex

    explain = getattr(args, "explain", None)
    if explain is not None and not explain.strip():
        raise UsageError("--explain needs a path")
    repo = resolve_repo(getattr(args, "repo", None))
    refuse_git_dir(repo, "index")  # before the index's cache file is made
    _check_config(repo)
    t0 = time.perf_counter()
    bars = _Progress(), _Progress("embedding", "chunks")
    try:
        ix = RepoIndex.open(repo, progress=bars[0], embed_progress=bars[1], thorough=explain is None,
                            on_wait=_waiting)
    finally:
        for bar in bars:
            bar.end()
    for w in ix.warnings:
        print(f"genie: warning: {w}", file=sys.stderr)
    if explain is not None:
        print(ix.explain(explain))
        return 0
    st = ix.stats
    b = ix.last_build
    by = f" by {b.workers} processes" if b.in_workers else ""
    notes = "".join([
        f"; {b.text_only} as text only: the parse failed or ran out of time (--explain PATH says which)"
        if b.text_only else "",
        f"; {_count(b.hung, 'worker')} hung and killed" if b.hung else "",
        f"; {_count(b.died, 'worker')} died" if b.died else "",
        "; their files were parsed in this process" if b.hung or b.died else ""])
    print(f"{_count(st['files'], 'file')}, {_count(st['definitions'], 'definition')}, {time.perf_counter() - t0:.2f}s "
          f"({b.parsed} parsed{by}, {b.removed} removed{notes})")
    sem = ix.semantic
    if sem is not None:
        if sem.get("elsewhere"):
            print(f"semantic search: {sem['chunks']} chunks embedded with {sem['model']} so far; another genie "
                  "process is embedding the rest")
        else:
            print(f"semantic search: {sem['chunks']} chunks embedded with {sem['model']} "
                  f"({sem['embedded']} new, {sem['requests']} requests)")
    return 0


def _read_query(raw: str) -> str:
    """The query itself, or the text of ``@FILE`` (``@-``: stdin) read as bytes and decoded leniently: a
    strict stdin (any UTF-8 locale but C.UTF-8) raised on a stray byte, and a binary file is a mistake."""
    from genie_tui.retrieval.textutil import decode_source

    if not raw.startswith("@"):
        # bytes that are not UTF-8 reach argv as lone surrogates, which no encoder (SQLite, JSON for the
        # embeddings endpoint) accepts: give them back as the bytes they were and decode those leniently
        # (a Latin-1 terminal's ``größe`` as such, as source files are read)
        return decode_source(raw.encode("utf-8", "surrogateescape"))
    name = raw[1:]
    if not name:
        raise UsageError("@ needs a file name (@FILE, or @- for stdin; to search for text that starts with @, "
                         "begin the query with a space)")
    label = "standard input" if name == "-" else f"query file {name}"
    from genie_tui.reading import NotRegularFile, TooLarge, read_regular, read_stdin

    cut = False
    try:
        data = read_stdin(QUERY_FILE_BYTES) if name == "-" else read_regular(name, QUERY_FILE_BYTES)
    except TooLarge as exc:
        data, cut = exc.head, True
        if name != "-":  # a log ends with its failure: a file's end is read too (standard input may never end)
            data = data[:QUERY_FILE_BYTES // 2] + b"\n" + _file_end(name, QUERY_FILE_BYTES // 2)
    except NotRegularFile as exc:
        raise UsageError(f"{label} is not a regular file ({exc.kind}); give a text file") from None
    except OSError as exc:
        # ``@property`` or ``@Override`` may be meant as words: say how to search for them
        hint = " (to search for text that starts with @, begin the query with a space)" \
            if isinstance(exc, FileNotFoundError) else ""
        raise UsageError(f"cannot read {label}: {exc.strerror or exc}{hint}") from exc
    if b"\0" in data[:8192]:
        raise UsageError(f"{label} is binary (it contains NUL bytes); give a text file")
    if cut:
        part = "its beginning" if name == "-" else "its beginning and its end"
        print(f"genie: warning: {label} is larger than {QUERY_FILE_BYTES:,} bytes; searching with {part}",
              file=sys.stderr)
    return decode_source(data)  # an issue saved as Latin-1 or Windows-1252 keeps its words, as source files do


def _file_end(name: str, size: int) -> bytes:
    """The last ``size`` bytes of the regular file ``name``; none when it cannot be read or is no longer a
    regular file (opened as read_regular opens one, never blocking)."""
    import os
    import stat

    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return b""
            fh.seek(max(0, st.st_size - size))
            return fh.read(size)
    except OSError:
        return b""


# The query analyser keeps 200,000 characters, the first and last 100,000 of a longer text; more is never needed,
# and /dev/zero never ends
QUERY_FILE_BYTES = 1_000_000


def search_cmd(args: argparse.Namespace) -> int:
    """Search the repository; plain lines for people, ``--json`` for scripts (an error, too, is a JSON object
    on stdout then, besides the line on stderr and the exit code)."""
    try:
        return _search(args)
    except (GenieError, KeyboardInterrupt) as exc:  # KeyboardInterrupt: also SIGTERM (see cli.py)
        if getattr(args, "json", False):
            error = str(exc) if isinstance(exc, GenieError) else "interrupted"
            print(json.dumps({"error": error, "results": [], "elapsed_ms": 0}))
        raise


def _search(args: argparse.Namespace) -> int:
    from genie_tui.config.paths import refuse_git_dir, resolve_repo

    query = _read_query(args.query)
    if not query.strip():
        raise UsageError("empty query")
    k = getattr(args, "k", None)
    k = 10 if k is None else k
    if k < 1:
        raise UsageError("-k must be at least 1")
    repo = resolve_repo(getattr(args, "repo", None))
    refuse_git_dir(repo, "search")  # before the index's cache file is made
    _check_config(repo)
    from genie_tui.retrieval.index import RepoIndex

    t0 = time.perf_counter()
    bars = _Progress(), _Progress("embedding", "chunks")
    try:
        ix = RepoIndex.open(repo, progress=bars[0], embed_progress=bars[1], one_query=True, on_wait=_waiting)
    finally:
        for bar in bars:
            bar.end()
    for w in ix.warnings:
        print(f"genie: warning: {w}", file=sys.stderr)
    if getattr(args, "hyde", None) and ix.semantic is None:
        print("genie: warning: --hyde needs semantic search (set embeddings_model); searching by keywords",
              file=sys.stderr)
    shown = len(ix.warnings)
    results = ix.search(query, k=k, hyde=getattr(args, "hyde", None))
    for w in ix.warnings[shown:]:  # the query's embedding or hypothetical code may have failed
        print(f"genie: warning: {w}", file=sys.stderr)
    elapsed = (time.perf_counter() - t0) * 1000
    if getattr(args, "json", False):
        print(json.dumps({"results": [{"path": r.path, "score": r.score,
                                       "spans": [{"start": s.start, "end": s.end, "symbol": s.symbol}
                                                 for s in r.spans], "why": r.why} for r in results],
                          "elapsed_ms": round(elapsed, 1)}))
        return 0
    if not results:
        from genie_tui.retrieval.textutil import tokenize

        # a query of only one-letter or common words ("f", "the") matches nothing by design: say so
        print("no results" if tokenize(query) else
              "no results: the query has no word genie searches for (one-letter words and common words such as "
              "'the' are skipped)")
        return 1
    for r in results:
        path = shown_path(r.path)
        print(f"{r.score:7.3f}  {path}  ({r.why})")
        for s in r.spans[:3]:
            label = f"  {s.symbol}" if s.symbol else ""
            print(f"           {path}:{s.start}-{s.end}{label}")
    return 0


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")
