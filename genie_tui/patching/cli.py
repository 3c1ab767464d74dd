"""``genie apply`` and ``genie undo``. Kept import-light: ``genie apply`` must start in well under 0.3 s."""

from __future__ import annotations

import argparse
import json
import sys

from genie_tui.errors import EXIT_FAILED, EXIT_OK, UsageError
from genie_tui.printable import shown_path

#: A patch larger than this is refused unread: no real change needs it, and ``yes | genie apply -`` never ends
PATCH_BYTES = 64 * 1024 * 1024


def _read_patch(arg: str) -> str:
    """The patch in file ``arg`` (``-``: standard input), refusing a pipe, a device or a socket (``genie apply
    /dev/zero``) and anything over ``PATCH_BYTES``."""
    from genie_tui.reading import read_regular, read_stdin

    try:
        data = read_stdin(PATCH_BYTES) if arg == "-" else read_regular(arg, PATCH_BYTES)
    except OSError as exc:
        what = "the patch on standard input" if arg == "-" else f"patch {arg}"
        raise UsageError(f"cannot read {what}: {exc.strerror or exc}") from None
    from genie_tui.patching.textfile import decode_patch

    return decode_patch(data)  # like the files it patches: a stray byte in a UTF-8 patch still matches the file's


def apply_cmd(args: argparse.Namespace) -> int:
    """Apply a patch file (or stdin). Exit 0 applied, 1 refused (nothing changed), 2 usage error."""
    from genie_tui.config.paths import refuse_git_dir, resolve_repo
    from genie_tui.patching.api import apply_patch

    repo = resolve_repo(getattr(args, "repo", None))
    refuse_git_dir(repo, "apply a patch to")
    diff = _read_patch(args.patch)
    report = apply_patch(repo, diff, dry_run=bool(getattr(args, "dry_run", False)),
                         label=f"genie apply {args.patch}")
    if getattr(args, "json", False):
        print(json.dumps(report.to_json(), indent=2))
    else:
        for h in report.hunks:
            where = f" at line {h.line}" if h.line else ""
            how = f" ({h.method})" if h.method else ""
            line = f"{h.status:8} hunk {h.index + 1} {shown_path(h.file)}{where}{how}"
            if h.status == "refused" and h.reason:
                line += f": {h.reason}"
            print(line, file=sys.stdout if report.applied else sys.stderr)
        if report.applied:
            verb = "would change" if report.dry_run else "changed"
            print(f"{verb} {len(report.files)} file(s): {', '.join(map(shown_path, report.files))}")
        else:
            print(f"genie: patch refused. {report.reason or ''}".rstrip(), file=sys.stderr)
    return EXIT_OK if report.applied else EXIT_FAILED


def undo_cmd(args: argparse.Namespace) -> int:
    """Undo the last patch genie applied in this repository. Exit 0 when files were written back; 1 when
    nothing was (refused, nothing to undo, or the files already as before the patch)."""
    from genie_tui.config.paths import refuse_git_dir, resolve_repo
    from genie_tui.patching.undo import undo_last

    repo = resolve_repo(getattr(args, "repo", None))
    refuse_git_dir(repo, "undo a patch in")
    report = undo_last(repo)
    if getattr(args, "json", False):
        print(json.dumps(report.to_json(), indent=2))
    elif report.undone:
        for what, rels in (("restored {} file(s)", report.restored),
                           ("removed {} file(s) the patch created", report.removed),
                           ("unchanged {} file(s), already as before the patch", report.unchanged)):
            if rels:
                print(f"{what.format(len(rels))}: {', '.join(map(shown_path, rels))}")
    else:
        print(f"genie: {report.reason}", file=sys.stderr)
    return EXIT_OK if report.undone else EXIT_FAILED
