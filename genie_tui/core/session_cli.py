"""``genie sessions list``, ``genie replay``, ``genie export``."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any

from genie_tui.config.paths import resolve_repo
from genie_tui.core.export import export_records
from genie_tui.core.records import seconds
from genie_tui.core.restore import resolved, restore, scan_sessions
from genie_tui.core.session import (
    find_session,
    read_records_leniently,
    redact,
    sessions_dir,
)
from genie_tui.core.session_lock import in_use
from genie_tui.core.transcript import UNREADABLE, describe, retold
from genie_tui.errors import GenieError, UsageError
from genie_tui.output import write_data
from genie_tui.patching.fsio import write_file
from genie_tui.printable import without_surrogates


def sessions(args: argparse.Namespace) -> int:
    """Every repository's sessions, or with ``--repo`` those of the repository containing that directory."""
    repo = resolve_repo(args.repo) if args.repo else None
    rows, damaged = scan_sessions()
    for problem in damaged:
        print(f"genie: skipping {problem}", file=sys.stderr)
    if repo is not None:
        rows = [r for r in rows if resolved(r.repo) == repo]
    if not rows:
        print(f"no sessions for this repository ({repo})" if repo else
              "no sessions yet (`genie run TASK` or `genie` records one)")
        return 0
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started))
        task = " ".join(r.task.split())  # one row per session: a task pasted from an issue has lines of its own
        task = task if len(task) <= 60 else task[:57] + "..."
        where = "" if repo else f"{_home_relative(r.repo)}  "
        print(f"{r.id}  {when}  {r.status:<16} {r.steps:>3} steps  {where}{task}")
    return 0


def _home_relative(path: str) -> str:
    try:
        rel = Path(path).relative_to(Path.home())
    except (ValueError, RuntimeError):  # RuntimeError: no home directory to be found
        return path
    return "~" if rel == Path() else f"~/{rel}"


def replay(args: argparse.Namespace) -> int:
    records, problems = read_records_leniently(find_session(args.file))
    out = sys.stdout
    start = _seconds(records[0], 0.0)
    for rec, after in zip(records, [*records[1:], None]):
        if retold(rec, after):
            continue
        try:
            line = describe(rec)
        except UNREADABLE:
            line = f"(a {rec.get('type')!r} record this version cannot read)"
        if line is None:
            continue
        stamp = f"[{_seconds(rec, start) - start:7.1f}s]"
        for n, text in enumerate(line.splitlines() or [""]):
            out.write(f"{stamp if n == 0 else ' ' * len(stamp)} {text}\n")
    for problem in problems:  # after the replay, so it is the last thing on screen
        print(f"genie: {problem}; skipped", file=sys.stderr)
    return 1 if problems else 0


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` is ``b`` (through a symlink or a hard link too); a file that does not exist is none."""
    try:
        return a.samefile(b)
    except OSError:
        return False


def _seconds(rec: dict[str, Any], default: float) -> float:
    ts = seconds(rec.get("ts"))  # a 400-digit integer is no time: subtracting a float from it overflows
    return default if ts is None else ts


def export(args: argparse.Namespace) -> int:
    """One example per session, in the order given; a session without a model answer is skipped with a note
    when others have one."""
    refs = args.file if isinstance(args.file, list) else [args.file]
    paths = list(dict.fromkeys(find_session(ref) for ref in refs))  # a session named twice is one example
    for path in paths:
        if args.output and _same_file(Path(args.output), path):
            raise UsageError(f"{args.output} is the session being exported ({path}); write the export to another "
                             "file")
    # the file written, at the end of any symlinks (the path itself, when it cannot be resolved)
    real = (resolved(args.output) or Path(args.output)) if args.output else None
    sessions = resolved(str(sessions_dir()))
    if real is not None and real.name.endswith(".jsonl") and sessions is not None and real.parent == sessions:
        # `cd` there to look at the sessions, then export: every later `sessions list` named it a damaged session
        link = "" if resolved(str(Path(args.output).parent)) == sessions else f" (a link to {real})"
        raise UsageError(f"{args.output}{link} is in genie's sessions directory, where every .jsonl file is taken for "
                         "a session; write the export elsewhere")
    secrets, lines, notes = _known_secrets(), [], []
    untrained = 0  # the sessions whose every model answer has nothing to train on
    for path in paths:
        # a lone surrogate (text the model sent as "\ud800") has no UTF-8: exported as U+FFFD, as the requests
        # sent it. A session records with its own runs' secrets scrubbed; a key it never had (a keyless local
        # server) may still be in it, read from the project's .env, and fine-tuning data is uploaded: each line is
        # scrubbed again, as session records are.
        state = restore(path)
        left_out: list[dict[str, Any]] = []
        found = [redact(without_surrogates(json.dumps(rec, ensure_ascii=False)), secrets)
                 for rec in export_records(state, path, left_out)]
        which = "the session" if len(paths) == 1 else f"session {path.stem}"
        if not found:
            untrained += bool(left_out)
            notes.append(f"note: {path.stem}: the session has no model answer{_NOT_TRAINED * bool(left_out)}; "
                         "skipped")
            continue
        if left_out:  # compaction split the session, and one of its parts adds only a refused call
            notes.append(f"note: {len(left_out)} example(s) of {which} with no model answer{_NOT_TRAINED} left out")
        lines += found
        status = state.status  # of the session's last run: a follow-up cut off after a finish is no finish
        if status == "interrupted" and in_use(path):  # its calls still running are exported as "not run"
            notes.append(f"note: {which} is running in another genie; exported as far as it got, which is not "
                         "its end")
        elif status != "finished":  # still exported: a failure can teach too, but that should be a choice
            notes.append(f"note: {which} ended {status}, not finished; check it before training on it")
    if not lines:
        why = _NOT_TRAINED if untrained == len(paths) else " to export"
        raise UsageError(f"{paths[0]}: the session has no model answer{why}" if len(paths) == 1 else
                         f"none of the sessions has a model answer{why}")
    text = "\n".join(lines) + "\n"
    if args.output:
        target = Path(args.output)
        try:
            _write_output(target, text.encode("utf-8"))
        except OSError as exc:
            raise GenieError(f"cannot write {target} ({exc.strerror})") from None
        print(f"wrote {len(lines)} example(s) to {target}", file=sys.stderr)
    else:
        write_data(text)  # exact into a file or a pipe; shown without control sequences on a terminal
    for note in notes:
        print(note, file=sys.stderr)
    return 0


#: why an example is left out: every assistant message in it has weight 0 (see export_records)
_NOT_TRAINED = " to train on (only calls genie refused or patches not taken as proposed: weight 0)"


def _known_secrets() -> tuple[str, ...]:
    """The API keys and URL credentials of the user's config and environment; only the keys in the environment
    when the config cannot be read (exporting needs no model: a broken setting is no reason to refuse)."""
    from genie_tui.config.settings import ENV_VARS, load_settings
    from genie_tui.errors import ConfigError

    try:
        return load_settings(None, check_endpoints=False, model_needed=False).secrets()
    except ConfigError:
        return tuple(os.environ[var] for var in ENV_VARS["api_key"] if os.environ.get(var))


def _write_output(target: Path, data: bytes) -> None:
    """``data`` into ``target`` as a user means it: a symlink is followed; a regular file is replaced atomically
    and keeps its mode; a device or a FIFO (``/dev/stdout``, ``/dev/null``, a named pipe) is written into, never
    replaced by a regular file; the file that genie's standard output or error is (``-o /dev/stdout``) is written
    through that stream; a directory fails as a write into it does (``Is a directory``)."""
    try:
        st = os.stat(target)  # through symlinks
    except FileNotFoundError:
        st = None
    for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
        try:
            same = st is not None and os.path.samestat(st, os.fstat(fd))
        except OSError:  # that stream is closed
            same = False
        if same:  # ``-o /dev/stdout >> all.jsonl``: into the open stream, appending as the shell set it up
            stream.flush()
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            return
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(target, "wb") as f:
            f.write(data)
        return
    # the file a symlink points to is what is replaced, so the link stays a link
    write_file(Path(os.path.realpath(target)), data, None if st is None else stat.S_IMODE(st.st_mode))
