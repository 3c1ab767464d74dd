"""Themes as data: bundled ``themes/*.toml`` plus the user's ``<config>/themes/*.toml``, as Textual themes.

A theme file is the keyword arguments of ``textual.theme.Theme`` in TOML (``name``, ``primary``, ...,
``[variables]``). A file that cannot be read becomes a one-line notice naming it; the others still load, so
one bad file never takes the app down. Every field is checked here, at load, the way Textual will use it:
Textual itself only finds a bad value when it applies the theme, and then it raises mid-frame.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.color import Color
from textual.css.errors import StylesheetError
from textual.css.stylesheet import Stylesheet
from textual.markup import escape
from textual.theme import BUILTIN_THEMES, Theme

from genie_tui.config import paths
from genie_tui.resources import data_dir

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_THEME = "genie-dark"
BUNDLED = ("genie-dark", "genie-light", "genie-contrast")
_FIELDS = {f.name for f in fields(Theme)}
_COLOURS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
            "surface", "panel", "boost")
_FLAGS = ("dark", "ansi")
_NUMBERS = ("luminosity_spread", "text_alpha")
#: A theme is a page of colours; a larger file is refused unread
THEME_BYTES = 256 * 1024
# How Textual's own CSS uses a variable, tried in order against the variable's default value.
_USES = (("color", "a colour"), ("text-style", "a text style"))


@dataclass(slots=True)
class ThemeSet:
    """Themes that loaded and one-line problems with those that did not."""

    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def theme_from_file(path: Path) -> Theme:
    """Parse one theme file; raises ``ValueError`` with a one-line reason."""
    from genie_tui.reading import NotRegularFile, TooLarge, read_regular

    try:
        data = tomllib.loads(read_regular(path, THEME_BYTES).decode("utf-8-sig"))  # with or without a BOM
    except (NotRegularFile, TooLarge) as exc:  # a named pipe with no writer hung the app at start
        raise ValueError(str(exc.strerror)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    except RecursionError:  # `primary = [[[…`: it ended the app at start
        raise ValueError("not valid TOML: nested too deeply") from None
    data.setdefault("name", path.stem)
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    if "primary" not in data:
        raise ValueError("missing required field 'primary'")
    _check_fields(data)
    try:
        theme = Theme(**data)
        theme.to_color_system().generate()  # bad colour strings fail here, not at first paint
    except Exception as exc:  # Color parsing raises several types; all mean "bad file"
        raise ValueError(f"invalid theme: {exc}") from None
    return theme


def _check_fields(data: dict[str, Any]) -> None:
    name = data["name"]
    if not isinstance(name, str) or not name.strip() or name != name.strip() or "," in name:
        # Textual reads a comma as "first of these themes"; /theme strips the argument.
        raise ValueError(f"name must be a non-empty string without commas or outer spaces, not {name!r}")
    if escape(name) != name:  # Textual's own theme list reads the name as markup ("[/bold]x" raised there)
        raise ValueError(f"name {name!r} would be read as markup; use a name without [brackets]")
    for key in _FLAGS:
        if key in data and not isinstance(data[key], bool):
            raise ValueError(f"{key} must be true or false, not {data[key]!r}")
    for key in _NUMBERS:
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int | float)):
            raise ValueError(f"{key} must be a number, not {data[key]!r}")
        # a fraction (an alpha, a share of the luminosity range): Textual's shades of nan or 1e308 raised
        # "cannot convert float NaN to integer", which named neither the field nor the value
        if key in data and not 0 <= data[key] <= 1:
            raise ValueError(f"{key} must be a number from 0 to 1, not {data[key]!r}")
    for key in _COLOURS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a colour string, not {value!r}")
        try:
            Color.parse(value)
        except Exception:
            raise ValueError(f"{key} = {value!r} is not a colour") from None
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("[variables] must be a table")
    for var, value in variables.items():
        if not isinstance(value, str):
            raise ValueError(f"[variables] {var!r} must be a string, not {value!r}")
        _check_variable(var, value)


def _check_variable(name: str, value: str) -> None:
    """Parse ``value`` as Textual will: every variable is tokenized whenever the CSS is parsed, and a
    variable Textual knows is used where its default is (``color: $footer-key-foreground``)."""
    use = _use_of(name)
    if use is None:
        if not _parses(None, name, value):
            raise ValueError(f"[variables] {name!r} = {value!r} is not a CSS value")
    elif not _parses(use[0], name, value):
        raise ValueError(f"[variables] {name!r} = {value!r} is not {use[1]}")


@cache
def _use_of(name: str) -> tuple[str, str] | None:
    default = _textual_variables().get(name)
    if default is None:
        return None  # not Textual's: unused by its CSS and genie's, so only its tokens matter
    return next((use for use in _USES if _parses(use[0], name, default)), None)


@cache
def _textual_variables() -> dict[str, str]:
    ansi = Theme(name="probe", primary="ansi_blue", ansi=True).to_color_system().generate()
    return {**ansi, **Theme(name="probe", primary="#000000").to_color_system().generate()}


def _parses(prop: str | None, name: str, value: str) -> bool:
    """Whether a stylesheet with variable ``name`` = ``value`` parses, using it as ``prop`` if given."""
    sheet = Stylesheet(variables={name: value})
    sheet.add_source(f"Screen {{ {prop}: ${name}; }}" if prop else "", read_from=("theme", name))
    try:
        sheet.parse()
    except Exception:  # StylesheetParseError, TokenError, UnexpectedEnd: all mean Textual would fail too
        return False
    return True


def _load_dir(directory: Path, into: ThemeSet) -> None:
    if not directory.is_dir():
        return
    first: dict[str, Path] = {}  # as with playbooks, the first file of a name wins within one folder
    for path in sorted(directory.glob("*.toml")):
        try:
            theme = theme_from_file(path)
        except ValueError as exc:
            into.problems.append(f"theme file {path}: {exc}")
            continue
        if theme.name in first:
            into.problems.append(f"theme file {path}: duplicate name {theme.name!r} (already used by "
                                 f"{first[theme.name]}); skipped")
            continue
        first[theme.name] = path
        into.themes[theme.name] = theme


def load_themes(user_dir: Path | None = None) -> ThemeSet:
    """Bundled themes first, then the user's (a user theme may replace a bundled one of the same name)."""
    found = ThemeSet()
    _load_dir(data_dir("themes"), found)
    _load_dir(user_dir if user_dir is not None else paths.user_config_dir() / "themes", found)
    return found


def apply_problem(app: App[Any], name: str) -> str | None:
    """Why Textual would fail to apply theme ``name`` to ``app``'s CSS as it stands, or ``None``.

    The last line of defence for a theme that did not come through ``theme_from_file``: Textual finds a bad
    value only in the CSS refresh after the switch, and raises out of the event loop.
    """
    theme = app.get_theme(name)
    if theme is None:
        return None  # Textual's own validator refuses unknown names
    try:
        if not isinstance(theme.dark, bool):
            raise ValueError(f"dark must be true or false, not {theme.dark!r}")
        for var, value in theme.variables.items():
            _check_variable(var, value)
        # What App.get_css_variables builds, parsed against every stylesheet source the app has loaded.
        variables = {**app.get_theme_variable_defaults(), **theme.to_color_system().generate(), **theme.variables}
        sheet = app.stylesheet.copy()
        sheet.set_variables(variables)
        sheet.parse()
    except Exception as exc:
        # A StylesheetParseError's text is an object repr; its rich report does not fit a one-line notice.
        text = "" if isinstance(exc, StylesheetError) else (str(exc).splitlines() or [""])[0]
        detail = text or type(exc).__name__
        return f"theme {name!r} cannot be applied ({detail})"
    return None


def textual_builtin(theme: Theme) -> bool:
    """Whether ``theme`` is one of Textual's own (not bundled with genie or the user's)."""
    return BUILTIN_THEMES.get(theme.name) is theme
