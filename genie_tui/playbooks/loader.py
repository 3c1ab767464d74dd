"""Find playbooks in their sources and load them, turning every bad file into a one-line warning.

Sources, later ones overriding earlier ones by name: bundled (shipped in the wheel), the user's config
dir, the repo's ``.genie/playbooks/``, and the instruction files teams already keep (``AGENTS.md`` at any
depth, ``CLAUDE.md``, ``.cursorrules``, ``CONVENTIONS.md`` at the root).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from genie_tui.playbooks.model import Playbook, Source
from genie_tui.playbooks.parse import (
    OUTSIDE,
    Invalid,
    extract_steps,
    is_inside,
    parse_playbook,
    read_text,
)

#: A playbook directory with more files than this is almost certainly a mistake (a docs tree, a vendored repo).
MAX_FILES = 500
_NAME_LINE = re.compile(r"name:\s*([^#]*)")
_SKIP_DIRS = {"node_modules", "venv", "__pycache__", "dist", "build", "target", "vendor"}


@dataclass(slots=True)
class Loaded:
    """Everything loading found: winners by name (in load order), what they overrode, and warnings."""

    playbooks: dict[str, Playbook] = field(default_factory=dict)
    shadowed: dict[str, list[Playbook]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    checked: int = 0
    #: The warning of each broken file by the name it declares, for "not loaded" when asked for by that name.
    broken: dict[str, str] = field(default_factory=dict)

    def add_source(self, found: list[Playbook]) -> None:
        for pb in found:
            old = self.playbooks.pop(pb.name, None)
            if old is not None:
                self.shadowed.setdefault(pb.name, []).append(old)
            self.playbooks[pb.name] = pb


def user_playbook_dir() -> Path:
    from genie_tui.config.paths import user_config_dir

    return user_config_dir() / "playbooks"


def repo_playbook_dir(repo: Path) -> Path:
    return repo / ".genie" / "playbooks"


def load_all(repo: Path | None) -> Loaded:
    """Load every source in override order; never raises for bad files."""
    from genie_tui.resources import data_dir

    loaded = Loaded()
    loaded.add_source(_load_dir(data_dir("playbooks"), "bundled", None, loaded))
    loaded.add_source(_load_dir(user_playbook_dir(), "user", None, loaded))
    if repo is not None:
        loaded.add_source(_load_dir(repo_playbook_dir(repo), "repo", repo, loaded))
        loaded.add_source(_load_instruction_files(repo, loaded))
    return loaded


def display_path(path: Path, repo: Path | None) -> str:
    """Repo files are shown relative to the repo (short and clickable in most terminals); others in full."""
    if repo is not None:
        try:
            return path.relative_to(repo).as_posix()
        except ValueError:
            pass
    return str(path)


def warning(path: Path, repo: Path | None, exc: Invalid) -> str:
    where = display_path(path, repo) + (f":{exc.line}" if exc.line else "")
    return f"{where}: {exc}; skipped"


def _load_dir(directory: Path, source: Source, repo: Path | None, loaded: Loaded) -> list[Playbook]:
    """The playbooks under ``directory``; with ``repo`` (a repo source) only files really inside the repo."""
    if repo is not None and directory.is_dir() and not is_inside(directory, repo):
        loaded.warnings.append(f"{display_path(directory, repo)}: {OUTSIDE}; skipped")
        return []
    files = _md_files(directory, repo, loaded)
    if len(files) > MAX_FILES:
        loaded.warnings.append(
            f"{display_path(directory, repo)}: {len(files)} files; only the first {MAX_FILES} are read"
        )
        files = files[:MAX_FILES]
    found: dict[str, Playbook] = {}
    for path in files:
        loaded.checked += 1
        try:
            pb = parse_playbook(path, source, repo)
        except Invalid as exc:
            loaded.warnings.append(warning(path, repo, exc))
            declared = _declared_name(path, repo)
            if declared:
                loaded.broken.setdefault(declared, loaded.warnings[-1])
            continue
        first = found.get(pb.name)
        if first is not None:
            line = _name_line(path)
            where = display_path(path, repo) + (f":{line}" if line else "")
            loaded.warnings.append(
                f"{where}: duplicate name '{pb.name}' (already used by {display_path(first.path, repo)}); skipped"
            )
            continue
        found[pb.name] = pb
    return list(found.values())


def _md_files(directory: Path, repo: Path | None, loaded: Loaded) -> list[Path]:
    """The ``*.md`` files under ``directory``, through symlinked folders too (each real folder once, so a link
    loop ends); with ``repo``, a folder linked outside the repo is skipped with a warning, as such a file is."""
    files: list[Path] = []
    seen: set[str] = set()
    for root, dirs, names in os.walk(directory, followlinks=True):  # unreadable folders are passed over
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        outside = [d for d in dirs
                   if repo is not None and Path(root, d).is_symlink() and not is_inside(Path(root, d), repo)]
        loaded.warnings.extend(f"{display_path(Path(root, d), repo)}: {OUTSIDE}; skipped" for d in sorted(outside))
        dirs[:] = [d for d in dirs if d not in outside]
        # Dotfiles are editor droppings (``.#x.md`` lock links, ``.x.md.swp``), and READMEs explain the folder.
        # A folder named x.md is listed too: "not a regular file" says why it is no playbook.
        files += [Path(root, n) for n in (*names, *dirs)
                  if n.endswith(".md") and n.lower() != "readme.md" and n[0] != "."]
    return sorted(files)


def _name_line(path: Path) -> int | None:
    """The line of the ``name:`` key, for duplicate-name warnings (the file already parsed, so it is there)."""
    try:
        for i, line in enumerate(read_text(path).split("\n"), start=1):
            if line.startswith("name:"):
                return i
    except Invalid:
        pass
    return None


def _declared_name(path: Path, repo: Path | None) -> str | None:
    """The ``name:`` a broken file's front matter declares, read as plain text (its YAML may not parse)."""
    try:
        lines = read_text(path, repo).split("\n")
    except Invalid:
        return None
    if not lines or lines[0].strip() != "---":
        return None
    for line in lines[1:]:
        if line.rstrip() in ("---", "..."):
            break
        match = _NAME_LINE.match(line)
        if match:
            return match.group(1).strip().strip("'\"") or None
    return None


def _load_instruction_files(repo: Path, loaded: Loaded) -> list[Playbook]:
    found: list[Playbook] = []
    for rel in _find_agents_files(repo):
        directory = rel.rpartition("/")[0]
        if directory:
            pb = _instruction(repo, rel, "AGENTS.md", f"Instructions for {directory}/ (AGENTS.md)",
                              (f"{directory}/**",), False, loaded)
        else:
            pb = _instruction(repo, rel, "AGENTS.md", "Repository instructions (AGENTS.md)", (), True, loaded)
        if pb is not None:
            found.append(pb)
    root_files: tuple[Source, ...] = ("CLAUDE.md", ".cursorrules", "CONVENTIONS.md")
    for name in root_files:
        if (repo / name).exists():
            pb = _instruction(repo, name, name, f"Repository instructions ({name})", (), True, loaded)
            if pb is not None:
                found.append(pb)
    return found


def _instruction(
    repo: Path, rel: str, source: Source, description: str, applies_to: tuple[str, ...], always: bool,
    loaded: Loaded,
) -> Playbook | None:
    path = repo / rel
    loaded.checked += 1
    try:
        body = read_text(path, repo).strip()
    except Invalid as exc:
        loaded.warnings.append(warning(path, repo, exc))
        return None
    if not body:
        return None  # an empty instruction file says nothing; not worth a warning
    return Playbook(name=rel, description=description, source=source, path=path, applies_to=applies_to,
                    always=always, body=body, steps=extract_steps(body))


def _find_agents_files(repo: Path) -> list[str]:
    """Repo-relative paths of every AGENTS.md, root first: the root one whenever it is there, as CLAUDE.md is;
    nested ones as git sees them (tracked + untracked, not ignored)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
             ":(glob)**/AGENTS.md"],
            capture_output=True, timeout=10, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        proc = None
    if proc is not None and proc.returncode == 0:
        rels = {p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p}
        rels = {p for p in rels if (repo / p).is_file()}  # deleted-but-tracked files are not instructions
    else:
        rels = set(_walk_for_agents(repo))
    if (repo / "AGENTS.md").is_file():  # a git-ignored root AGENTS.md (kept out of a shared repo) still applies
        rels.add("AGENTS.md")
    return sorted(rels, key=lambda p: (p.count("/"), p))


def _walk_for_agents(repo: Path, max_dirs: int = 20000) -> list[str]:
    out: list[str] = []
    seen = 0
    for root, dirs, files in os.walk(repo):
        seen += 1
        if seen > max_dirs:
            break
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS]
        if "AGENTS.md" in files:
            out.append(Path(root, "AGENTS.md").relative_to(repo).as_posix())
    return out
