"""``genie config show``: effective values, where each came from, secrets redacted."""

from __future__ import annotations

import argparse
from dataclasses import fields

from genie_tui.config.paths import find_repo_root, resolve_repo
from genie_tui.config.settings import INTERNAL, Settings, load_settings, shown_value


def cli_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings a command's flags override (absent flags are None and ignored)."""
    keys = ("model", "base_url", "approve", "max_steps", "theme")
    return {k: getattr(args, k, None) for k in keys}


def settings_for(args: argparse.Namespace, *, need_repo: bool = False, check_endpoints: bool = True):
    """Resolve the repo (optional unless ``need_repo``) and load settings for a command."""
    from pathlib import Path

    repo = resolve_repo(args.repo) if (need_repo or getattr(args, "repo", None)) else find_repo_root(Path.cwd())
    return repo, load_settings(repo, cli_overrides(args), check_endpoints=check_endpoints)


def render(settings: Settings) -> str:
    rows = []
    for f in fields(settings):
        if f.name in INTERNAL:
            continue
        value = shown_value(f.name, getattr(settings, f.name))
        shown = "(unset)" if value is None else str(value)
        rows.append((f.name, shown, settings.sources.get(f.name, "default")))
    width = max(len(r[0]) for r in rows)
    vwidth = min(max(len(r[1]) for r in rows), 40)
    return "\n".join(f"{n:<{width}}  {v:<{vwidth}}  {s}" for n, v, s in rows)


def run(args: argparse.Namespace) -> int:
    """Print the settings; a combination other commands refuse is shown too, then named with their exit code
    (2, a configuration error)."""
    import sys

    from genie_tui.config.settings import endpoint_problem
    from genie_tui.errors import EXIT_USAGE

    _, settings = settings_for(args, check_endpoints=False)
    print(render(settings))
    problem = endpoint_problem(settings)
    if problem:
        print(f"genie: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return 0
