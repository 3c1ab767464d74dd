"""``genie sessions list``, ``genie replay``, ``genie export``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from genie_tui.config.paths import resolve_repo
from genie_tui.core.export import iter_export
from genie_tui.core.session import (
    find_session,
    read_records,
    read_records_leniently,
    scan_sessions,
)
from genie_tui.errors import GenieError, UsageError
from genie_tui.patching.fsio import write_file


def sessions(args: argparse.Namespace) -> int:
    """Every repository's sessions, or with ``--repo`` those of the repository containing that directory."""
    repo = resolve_repo(args.repo) if args.repo else None
    rows, damaged = scan_sessions()
    for problem in damaged:
        print(f"genie: skipping {problem}", file=sys.stderr)
    if repo is not None:
        rows = [r for r in rows if Path(r.repo).resolve() == repo]
    if not rows:
        print(f"no sessions for this repository ({repo})" if repo else
              "no sessions yet (`genie run TASK` or `genie` records one)")
        return 0
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started))
        task = r.task if len(r.task) <= 60 else r.task[:57] + "..."
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
    for rec in records:
        try:
            line = _render(rec)
        except (KeyError, TypeError, AttributeError):
            line = f"(a {rec.get('type')!r} record this version cannot read)"
        if line is None:
            continue
        stamp = f"[{_seconds(rec, start) - start:7.1f}s]"
        for n, text in enumerate(line.splitlines() or [""]):
            out.write(f"{stamp if n == 0 else ' ' * len(stamp)} {text}\n")
    for problem in problems:  # after the replay, so it is the last thing on screen
        print(f"genie: {problem}; skipped", file=sys.stderr)
    return 1 if problems else 0


def _seconds(rec: dict[str, Any], default: float) -> float:
    ts = rec.get("ts")
    return ts if isinstance(ts, (int, float)) else default


def _render(rec: dict[str, Any]) -> str | None:  # noqa: C901 - a flat table of record kinds
    kind = rec["type"]
    if kind == "start":
        chosen = [f"playbooks turned {state}: {', '.join(map(str, rec[key]))}"
                  for state, key in (("on", "playbooks"), ("off", "disabled_playbooks")) if rec.get(key)]
        return "\n".join([f"session started in {rec.get('repo')} (model {rec.get('config', {}).get('model')})",
                          f"task: {rec.get('task')}", *chosen])
    if kind == "message":
        msg = rec["message"]
        role = msg["role"]
        if role == "system":
            return None
        if role == "user":
            return f"user: {msg['content']}"
        if role == "assistant":
            parts = [f"assistant: {msg['content']}"] if msg.get("content") else []
            for call in msg.get("tool_calls") or []:
                parts.append(f"tool call {call['function']['name']} {_clip(call['function']['arguments'], 300)}")
            return "\n".join(parts) or None
        if role == "tool":
            return "  -> " + _clip(msg.get("content", ""), 400)
    if kind == "question":
        return f"question: {rec['question']}" + (f" {rec['choices']}" if rec.get("choices") else "")
    if kind == "answer":
        return f"answer: {rec['answer']}"
    if kind == "plan":
        return f"plan ({rec['source']}): " + "; ".join(f"[{s['status']}] {s['text']}" for s in rec["steps"])
    if kind == "approval":
        return f"approval {rec['patch_id']}: hunks {rec['hunks']}" + (f", comment: {rec['comment']}" if rec.get("comment") else "")
    if kind == "patch":
        return f"patch {rec['id']} {'applied' if rec['applied'] else 'not applied'} {rec['files']}" + (
            f": {rec['reason']}" if rec.get("reason") else "")
    if kind == "tests":
        return f"tests {'passed' if rec['passed'] else 'failed'} (exit {rec['exit_code']}): {rec['command']}"
    if kind == "error":
        return f"error: {rec['message']}"
    if kind == "end":
        return f"session {rec['status']}: {rec.get('summary', '')}"
    if kind == "resume":
        return "session resumed"
    if kind == "playbooks" and isinstance(rec.get("toggled"), str):  # the user's choice; activations are not
        return f"user turned playbook {rec['toggled']} {'on' if rec.get('on') else 'off'}"
    if kind == "undo":
        return f"user undid the last patch: {', '.join(map(str, rec.get('files') or []))}"
    return None


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def export(args: argparse.Namespace) -> int:
    path = find_session(args.file)
    lines = [json.dumps(rec, ensure_ascii=False) for rec in iter_export(path)]
    if not lines:
        raise UsageError(f"{path}: the session has no model answer to export")
    text = "\n".join(lines) + "\n"
    if args.output:
        target = Path(args.output)
        try:
            write_file(target, text.encode("utf-8"))
        except OSError as exc:
            raise GenieError(f"cannot write {target} ({exc.strerror})") from None
        print(f"wrote {len(lines)} example(s) to {target}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    ends = [rec.get("status") for rec in read_records(path) if rec.get("type") == "end"]
    status = ends[-1] if ends else "interrupted"
    if status != "finished":  # still exported: a failure can teach too, but that should be a choice
        print(f"note: the session ended {status}, not finished; check it before training on it", file=sys.stderr)
    return 0

