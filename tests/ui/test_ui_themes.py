"""User theme files that are wrong in each way an audit found: every one is skipped with a one-line notice naming
the file and the problem, the app never crashes, and a bad override of a bundled theme leaves the bundled one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.theme import Theme

from genie_tui.demo.script import COUNTER
from genie_tui.ui.themes import load_themes

BAD_VARIABLE = """name = "mine"
dark = true
primary = "#7aa2f7"
background = "#16161e"
[variables]
"footer-key-foreground" = "notacolor"
"""


def _themes_dir(genie_home: Path) -> Path:
    themes = genie_home / "config" / "themes"
    themes.mkdir(parents=True, exist_ok=True)
    return themes


def _toasts(app: Any) -> list[str]:
    """The notices on screen, as the user reads them."""
    return [toast.render().plain for toast in app.screen.query("Toast")]


async def _slash(pilot: Any, text: str) -> None:
    await pilot.press("f5", *text, "enter")
    await pilot.pause()


async def test_bad_variable_is_named_at_start_and_never_applied(sample_repo: Path, genie_home: Path,
                                                               helpers: Any) -> None:
    (_themes_dir(genie_home) / "mine.toml").write_text(BAD_VARIABLE)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        shown = _toasts(app)
        await _slash(pilot, "/theme mine")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert app.is_running and app.theme == "genie-dark"
    assert any("mine.toml" in t and "[variables] 'footer-key-foreground' = 'notacolor'" in t for t in shown), shown
    assert "Theme: mine" not in titles


async def test_bad_override_of_a_bundled_theme_leaves_the_bundled_one(sample_repo: Path, genie_home: Path,
                                                                     helpers: Any) -> None:
    bad = BAD_VARIABLE.replace('name = "mine"', 'name = "genie-dark"').replace("#7aa2f7", "#123456")
    (_themes_dir(genie_home) / "dark.toml").write_text(bad)
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "genie-dark" and app.current_theme.primary == "#7aa2f7"
        await _slash(pilot, "/theme genie-light")
        await _slash(pilot, "/theme genie-dark")
        assert app.is_running and app.current_theme.primary == "#7aa2f7"
    assert any("dark.toml" in p and "notacolor" in p for p in app.theme_problems)


@pytest.mark.parametrize("fields,problem", [
    ('name = "mine"\ndark = "no"\n', "dark must be true or false, not 'no'"),
    ('name = 5\n', "name must be a non-empty string"),
    ('name = ""\n', "name must be a non-empty string"),
    ('name = "mine"\nluminosity_spread = nan\n', "luminosity_spread must be a number from 0 to 1, not nan"),
    ('name = "mine"\nluminosity_spread = 1e308\n', "luminosity_spread must be a number from 0 to 1, not 1e+308"),
    ('name = "mine"\ntext_alpha = -0.5\n', "text_alpha must be a number from 0 to 1, not -0.5"),
])
async def test_wrongly_typed_field_is_named_and_themes_still_listed(sample_repo: Path, genie_home: Path,
                                                                    helpers: Any, fields: str,
                                                                    problem: str) -> None:
    (_themes_dir(genie_home) / "mine.toml").write_text(fields + 'primary = "#7aa2f7"\n')
    app = helpers.make_app(sample_repo, None, welcome=False, theme="mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await _slash(pilot, "/theme")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        shown = helpers.screen_text(app)
        assert app.is_running and app.theme == "genie-dark"
    assert any("mine.toml" in p and problem in p for p in app.theme_problems), app.theme_problems
    assert "genie-light" in shown and "Theme: genie-light" in titles


async def test_palette_offers_genie_and_user_themes_not_textuals(sample_repo: Path, genie_home: Path,
                                                                 helpers: Any) -> None:
    themes = _themes_dir(genie_home)
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#7aa2f7"\n')
    (themes / "nord.toml").write_text('name = "nord"\nprimary = "#88c0d0"\n')  # the user's, over Textual's
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)):
        offered = {c.title for c in app.get_system_commands(app.screen) if c.title.startswith("Theme: ")}
    assert offered == {"Theme: genie-dark", "Theme: genie-light", "Theme: genie-contrast", "Theme: mine",
                       "Theme: nord"}


async def test_theme_textual_cannot_apply_is_refused_with_a_notice(sample_repo: Path, helpers: Any) -> None:
    """A theme registered without going through the file checks: switching to it by /theme or by Textual's
    own theme picker keeps the current theme instead of crashing in the next CSS refresh."""
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.register_theme(Theme(name="raw", primary="#ffffff", variables={"text-muted": "bold"}))
        await _slash(pilot, "/theme raw")
        assert app.theme == "genie-dark"
        app.theme = "raw"  # what Textual's "Change theme" command does
        await pilot.pause()
        assert app.is_running and app.theme == "genie-dark"
        app.register_theme(Theme(name="raw-primary", primary="notacolor"))
        app.theme = "raw-primary"
        await pilot.pause()
        assert app.is_running and app.theme == "genie-dark"
        shown = _toasts(app)
        await _slash(pilot, "/theme genie-light")
        assert app.theme == "genie-light"
    assert any("'raw' cannot be applied" in t and "'text-muted' = 'bold'" in t for t in shown), shown
    assert any("'raw-primary' cannot be applied" in t and "notacolor" in t for t in shown), shown
    assert not any(t.startswith("Theme: raw") for t in shown)


def test_variables_are_checked_the_way_textual_uses_them(tmp_path: Path) -> None:
    good = """primary = "#7aa2f7"
luminosity_spread = 0.2
[variables]
"footer-key-foreground" = "red 50%"
"text" = "auto 87%"
"border" = "ansi_blue"
"block-cursor-text-style" = "none"
"button-focus-text-style" = "b reverse"
"diff-added" = "#9ece6a"
"""
    bad = {
        "style-as-colour": ('"footer-key-foreground" = "bold"', "'footer-key-foreground' = 'bold' is not a colour"),
        "colour-as-style": ('"block-cursor-text-style" = "#ffffff"', "is not a text style"),
        "untokenizable": ('"my-own" = "@@"', "'my-own' = '@@' is not a CSS value"),
        "not-a-string": ('"border" = 5', "'border' must be a string"),
    }
    (tmp_path / "good.toml").write_text(good)
    for stem, (line, _) in bad.items():
        (tmp_path / f"{stem}.toml").write_text(f'primary = "#7aa2f7"\n[variables]\n{line}\n')
    (tmp_path / "spread.toml").write_text('primary = "#7aa2f7"\nluminosity_spread = "wide"\n')
    (tmp_path / "ansi.toml").write_text('primary = "#7aa2f7"\nansi = 1\n')
    found = load_themes(user_dir=tmp_path)
    assert "good" in found.themes
    assert not set(bad) & set(found.themes) and not {"spread", "ansi"} & set(found.themes)
    for stem, (_, reason) in bad.items():
        assert any(f"{stem}.toml" in p and reason in p for p in found.problems), (stem, found.problems)
    assert any("spread.toml" in p and "luminosity_spread must be a number" in p for p in found.problems)
    assert any("ansi.toml" in p and "ansi must be true or false" in p for p in found.problems)


async def test_theme_colours_rich_cannot_parse_still_colour_the_diff(sample_repo: Path, genie_home: Path,
                                                                    helpers: Any) -> None:
    """Textual takes hsl(...) and ansi_* colours; the diff pane draws with Rich styles, which take neither."""
    (_themes_dir(genie_home) / "hsl.toml").write_text(
        'name = "hsl"\ndark = true\nprimary = "#7aa2f7"\nbackground = "#16161e"\n'
        'success = "hsl(120, 60%, 45%)"\nerror = "ansi_red"\n')
    app = helpers.make_app(sample_repo, None, welcome=False, theme="hsl")
    counter = sample_repo / COUNTER
    counter.write_text(counter.read_text().replace("\n", "\n# edited\n", 1))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == "hsl"
        await _slash(pilot, "/diff")
        view = app.screen.patch.view
        await helpers.wait_until(pilot, lambda: "+# edited" in view.text)
        row = view.text.splitlines().index("+# edited")
        sign = next(span for span in view._line_text(row).spans if span.start == 2)
        assert str(sign.style).split()[-1].lower() == "#2eb82e"  # hsl(120, 60%, 45%)


def test_two_user_files_of_one_theme_name_keep_the_first_with_a_notice(tmp_path: Path) -> None:
    """b.toml silently replaced a.toml when both declared name = "dup"; duplicate playbook names get a notice."""
    (tmp_path / "a.toml").write_text('name = "dup"\nprimary = "red"\n')
    (tmp_path / "b.toml").write_text('name = "dup"\nprimary = "blue"\n')
    (tmp_path / "c.toml").write_text('name = "genie-dark"\nprimary = "green"\n')  # replacing a bundled one is fine
    found = load_themes(tmp_path)
    assert found.themes["dup"].primary == "red" and found.themes["genie-dark"].primary == "green"
    assert found.problems == [(f"theme file {tmp_path / 'b.toml'}: duplicate name 'dup' (already used by "
                               f"{tmp_path / 'a.toml'}); skipped")]


def test_a_theme_file_nested_too_deeply_to_parse_is_a_notice(tmp_path: Path) -> None:
    """tomllib's RecursionError escaped load_themes: the app ended at start over one user theme file."""
    (tmp_path / "deep.toml").write_text("primary = " + "[" * 100_000 + "\n")
    (tmp_path / "ok.toml").write_text('name = "ok"\nprimary = "red"\n')
    found = load_themes(tmp_path)
    assert found.problems == [f"theme file {tmp_path / 'deep.toml'}: not valid TOML: nested too deeply"]
    assert found.themes["ok"].primary == "red"
