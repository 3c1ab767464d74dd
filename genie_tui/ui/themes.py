"""Themes as data: bundled ``themes/*.toml`` plus the user's ``<config>/themes/*.toml``, as Textual themes.

A theme file is the keyword arguments of ``textual.theme.Theme`` in TOML (``name``, ``primary``, ...,
``[variables]``). A file that cannot be read becomes a one-line notice naming it; the others still load, so
one bad file never takes the app down.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from textual.theme import Theme

from genie_tui.config import paths
from genie_tui.resources import data_dir

DEFAULT_THEME = "genie-dark"
BUNDLED = ("genie-dark", "genie-light", "genie-contrast")
_FIELDS = {f.name for f in fields(Theme)}


@dataclass(slots=True)
class ThemeSet:
    """Themes that loaded and one-line problems with those that did not."""

    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def theme_from_file(path: Path) -> Theme:
    """Parse one theme file; raises ``ValueError`` with a one-line reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    data.setdefault("name", path.stem)
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    if "primary" not in data:
        raise ValueError("missing required field 'primary'")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("[variables] must be a table")
    data["variables"] = {str(k): str(v) for k, v in variables.items()}
    try:
        theme = Theme(**data)
        theme.to_color_system().generate()  # bad colour strings fail here, not at first paint
    except Exception as exc:  # Color parsing raises several types; all mean "bad file"
        raise ValueError(f"invalid theme: {exc}") from None
    return theme


def _load_dir(directory: Path, into: ThemeSet) -> None:
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.toml")):
        try:
            theme = theme_from_file(path)
        except ValueError as exc:
            into.problems.append(f"theme file {path}: {exc}")
            continue
        into.themes[theme.name] = theme


def load_themes(user_dir: Path | None = None) -> ThemeSet:
    """Bundled themes first, then the user's (a user theme may replace a bundled one of the same name)."""
    found = ThemeSet()
    _load_dir(data_dir("themes"), found)
    _load_dir(user_dir if user_dir is not None else paths.user_config_dir() / "themes", found)
    return found
