"""Where genie keeps things: platformdirs user dirs (overridable with ``GENIE_HOME``) and the repo root."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from genie_tui.errors import UsageError

APP = "genie"


_SCRATCH: list[Path] = []  # set by scratch_state(): where this process keeps its data and cache instead


def _home(kind: str) -> Path | None:
    if _SCRATCH and kind in ("data", "cache"):
        return _SCRATCH[-1] / kind
    root = os.environ.get("GENIE_HOME")
    return Path(root) / kind if root else None


@contextlib.contextmanager
def scratch_state(root: Path) -> Iterator[None]:
    """Sessions, the undo journal and the index under ``root`` while the block runs (``genie demo`` keeps them
    with its temporary repository, so nothing of it is left in the user's dirs); the config dir (themes,
    playbooks, config.toml) stays the user's."""
    _SCRATCH.append(root)
    try:
        yield
    finally:
        _SCRATCH.remove(root)


def user_config_dir() -> Path:
    """The user's config dir (``config.toml``, ``playbooks/``, ``themes/``)."""
    override = _home("config")
    if override:
        return override
    import platformdirs

    return Path(platformdirs.user_config_dir(APP))


def user_data_dir() -> Path:
    """Where sessions (trajectories) and the undo journal live."""
    override = _home("data")
    if override:
        return override
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def user_cache_dir() -> Path:
    """Where the code index lives."""
    override = _home("cache")
    if override:
        return override
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP))


def find_repo_root(start: Path) -> Path | None:
    """The nearest ancestor of ``start`` (inclusive) that holds a ``.git`` entry."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def resolve_repo(arg: str | None) -> Path:
    """``--repo`` if given (must exist), else the repository containing the current directory."""
    if arg:
        path = Path(arg).expanduser()
        if not path.is_dir():
            raise UsageError(f"--repo {arg}: " + ("not a directory" if path.exists() else "no such directory"))
        return find_repo_root(path) or path.resolve()
    root = find_repo_root(Path.cwd())
    if root is None:
        raise UsageError("not inside a git repository (run genie in one, or pass --repo DIR)")
    return root


def refuse_git_dir(repo: Path, purpose: str) -> None:
    """Refuse a bare repository, or a directory inside a git directory, as the place to ``purpose`` (a verb
    phrase: "apply a patch to"): it has no working tree, and files written there land among git's own (a patch
    creating ``hooks/post-checkout`` wrote a hook). Checked only without a ``.git`` entry. git decides; when it
    cannot answer (not installed, a repository of another user), a directory holding ``HEAD``, ``objects/``
    and ``refs/`` is taken for a git directory."""
    if (repo / ".git").exists():
        return
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # GIT_DIR would answer for itself
    try:
        proc = subprocess.run(["git", "rev-parse", "--is-inside-git-dir"], check=False, cwd=repo,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30, env=env)
        inside = proc.stdout.strip() == b"true" if proc.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        inside = None
    if inside is None:
        inside = (repo / "HEAD").is_file() and (repo / "objects").is_dir() and (repo / "refs").is_dir()
    if inside:
        raise UsageError(f"{repo} is a bare git repository (or inside a git directory): it has no working tree "
                         f"to {purpose} (pass --repo a checkout of it)")
