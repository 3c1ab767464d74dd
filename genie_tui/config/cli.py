"""``genie config show``: effective values, where each came from, secrets redacted."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from genie_tui.config.paths import find_repo_root, resolve_repo
from genie_tui.config.settings import INTERNAL, Settings, load_settings, shown_value


def cli_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings a command's flags override (absent flags are None and ignored)."""
    keys = ("model", "base_url", "approve", "max_steps", "theme")
    return {k: getattr(args, k, None) for k in keys}


def settings_for(args: argparse.Namespace, *, need_repo: bool = False, check_endpoints: bool = True):
    """Resolve the repo (optional unless ``need_repo``) and load settings for a command."""
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


def config_files(repo: Path | None) -> str:
    """Where the config files are read from, each marked when it is not there yet: the place to create one
    (the user config dir moves with XDG_CONFIG_HOME, GENIE_HOME and the platform)."""
    from genie_tui.config.settings import repo_config_file, user_config_file
    from genie_tui.printable import shown_path

    files = [("user config", user_config_file())]
    if repo is not None:
        files.append(("repository config", repo_config_file(repo)))
    return "\n".join(f"{label}: {shown_path(str(path))}{'' if path.is_file() else ' (not there)'}"
                     for label, path in files)


def run(args: argparse.Namespace) -> int:
    """Print the settings; a combination other commands refuse is shown too, then named with their exit code
    (2, a configuration error)."""
    import sys

    from genie_tui.config.settings import endpoint_problem
    from genie_tui.errors import EXIT_USAGE

    repo, settings = settings_for(args, check_endpoints=False)
    print(render(settings))
    print()
    print(config_files(repo))
    problem = endpoint_problem(settings)
    if problem:
        print(f"genie: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return 0
