"""``genie playbooks list|show|new|check``: see which playbooks exist, why they apply, and whether they parse."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
from pathlib import Path

from genie_tui.errors import EXIT_FAILED, EXIT_OK, GenieError, UsageError
from genie_tui.playbooks.library import PlaybookLibrary
from genie_tui.playbooks.loader import display_path, repo_playbook_dir
from genie_tui.playbooks.parse import NAME_RE, OUTSIDE, is_inside


def run(args: argparse.Namespace) -> int:
    action = args.action
    if action == "new":
        return _new(args)
    lib = PlaybookLibrary.load(_repo(args))
    if action == "list":
        return _list(lib)
    if action == "show":
        return _show(lib, _need_name(args))
    return _check(lib)


def _repo(args: argparse.Namespace) -> Path | None:
    """``--repo`` if given; else the enclosing git repo, or none (bundled and user playbooks still list)."""
    from genie_tui.config.paths import find_repo_root, resolve_repo

    if getattr(args, "repo", None):
        return resolve_repo(args.repo)
    return find_repo_root(Path.cwd())


def _need_name(args: argparse.Namespace) -> str:
    name = getattr(args, "name", None)
    if not name:
        raise UsageError(f"playbooks {args.action} needs a NAME")
    return str(name)


def _source_label(lib: PlaybookLibrary, name: str, source: str) -> str:
    under = lib.shadowed.get(name)
    return f"{source} (overrides {under[-1].source})" if under else source


def _list(lib: PlaybookLibrary) -> int:
    rows = [(pb.name, _source_label(lib, pb.name, pb.source), lib.why(pb)) for pb in lib.playbooks]
    rows.sort(key=lambda r: r[0].lower())
    if rows:
        w_name = max(len("NAME"), *(len(r[0]) for r in rows))
        w_src = max(len("SOURCE"), *(len(r[1]) for r in rows))
        print(f"{'NAME':<{w_name}}  {'SOURCE':<{w_src}}  APPLIES")
        for name, source, why in rows:
            print(f"{name:<{w_name}}  {source:<{w_src}}  {why}")
    else:
        print("no playbooks")
    if lib.warnings:
        import sys

        for line in lib.warnings:
            print(f"warning: {line}", file=sys.stderr)
        print(f"genie: {len(lib.warnings)} problem(s); run `genie playbooks check` for details", file=sys.stderr)
    return EXIT_OK


def _show(lib: PlaybookLibrary, name: str) -> int:
    pb = lib.get(name)
    if pb is None:
        lib.read(name)  # raises the "unknown playbook (did you mean ...)" error
    assert pb is not None
    print(f"{pb.name}  [{_source_label(lib, pb.name, pb.source)}]  {display_path(pb.path, lib.repo)}")
    if pb.description:
        print(pb.description)
    print(f"applies: {lib.why(pb)}")
    if pb.priority:
        print(f"priority: {pb.priority}")
    if pb.steps:
        print(f"steps: {len(pb.steps)} (seed the plan when active)")
    print()
    print(pb.body)
    return EXIT_OK


def _check(lib: PlaybookLibrary) -> int:
    for line in lib.warnings:
        print(f"error: {line}")
    for name, hidden in sorted(lib.shadowed.items()):
        pb = lib.get(name)
        assert pb is not None
        for old in hidden:
            print(f"note: {display_path(pb.path, lib.repo)}: '{name}' overrides the {old.source} playbook "
                  f"{display_path(old.path, lib.repo)}")
    loaded = len(lib.playbooks) + sum(len(v) for v in lib.shadowed.values())
    if lib.warnings:
        print(f"{loaded} playbook(s) OK, {len(lib.warnings)} error(s)")
        return EXIT_FAILED
    print(f"{loaded} playbook(s) OK")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from genie_tui.config.paths import resolve_repo

    name = _need_name(args)
    if not NAME_RE.match(name):
        raise UsageError(f"bad playbook name '{name}': use letters, digits, '-', '_' or '.', at most 64 characters")
    if name.lower() == "readme":  # the loader skips README.md: it explains the folder
        raise UsageError(f"bad playbook name '{name}': a README.md in a playbook folder is not read as a playbook; "
                         "pick another name")
    repo = resolve_repo(getattr(args, "repo", None))
    target = repo_playbook_dir(repo) / f"{name}.md"
    if target.exists() or target.is_symlink():
        raise GenieError(f"{display_path(target, repo)} already exists; edit it, or pick another name")
    if not is_inside(target.parent, repo):
        raise GenieError(f"{display_path(target.parent, repo)}: {OUTSIDE}; not writing there")
    lib = PlaybookLibrary.load(repo)
    existing = lib.get(name)
    # a repo file of another name that declares this one (or an instruction file of this name) would be
    # displaced by, or would displace, the new file: edit that one instead
    taken = [pb for pb in (existing, *lib.shadowed.get(name, ()))
             if pb is not None and pb.source not in ("bundled", "user")]
    if taken:
        raise GenieError(f"{display_path(taken[0].path, lib.repo)} already declares the playbook '{name}'; edit it, "
                         "or pick another name")
    if existing is not None and existing.source in ("bundled", "user"):
        text = existing.path.read_text(encoding="utf-8")
        note = f"copied from the {existing.source} playbook; this copy now overrides it"
    else:
        text = scaffold(name)
        note = "edit it, then run `genie playbooks check`"
    _write_new(target, text, repo)
    print(f"created {display_path(target, repo)} ({note})")
    return EXIT_OK


def _write_new(target: Path, text: str, repo: Path) -> None:
    """Create ``target`` holding ``text``, or nothing: a half-written copy of a bundled playbook would override it."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("x", encoding="utf-8")  # "x": a file that appeared meanwhile is not overwritten
        try:
            with out:
                out.write(text)
        except BaseException:  # a full disk, a file size limit, Ctrl-C: the file is ours, so it goes
            with contextlib.suppress(OSError):
                target.unlink()
            raise
    except OSError as exc:  # .genie is a file, a read-only checkout, a full disk
        raise GenieError(f"cannot write {display_path(target, repo)}: {exc.strerror or exc}") from None


def scaffold(name: str) -> str:
    """A new playbook that passes ``check`` and shows every field with a comment saying what it does."""
    # quoted, as JSON strings are valid YAML: bare, `on-call` gave the keyword `on`, which YAML reads as true
    words = [json.dumps(w) for w in re.split(r"[-_.]+", name.lower()) if w]
    return f"""---
name: {json.dumps(name)}
description: One line saying what this playbook is for (shown in lists and when it does not fit the prompt).
# Words in a task that select this playbook.
keywords: [{", ".join(words)}]
# Globs of files it concerns, e.g. ["db/migrations/**", "*.sql"]; it activates when genie reads or patches one.
applies_to: []
# true: active in every session in this repo.
always: false
# Higher goes first when prompt space is short.
priority: 0
---
Write the instructions as you would brief a new colleague: what to do, what never to do, and why.
For example: "Migrations go in db/migrations/ named YYYYMMDDHHMM_description.sql; never edit an applied one."

## Steps
- [ ] First step of your team's procedure
- [ ] Next step (each item becomes a plan step when this playbook is active)
"""
