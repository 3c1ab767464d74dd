"""Unit tests of the pieces under the panes: streamed-JSON decoding, theme files, lazy imports."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genie_tui.ui.bridge import JsonStringField
from genie_tui.ui.themes import BUNDLED, load_themes, theme_from_file


def _feed_in_pieces(raw: str, seed: int) -> str:
    rng = random.Random(seed)
    field = JsonStringField("diff")
    out, i = [], 0
    while i < len(raw):
        n = rng.randint(1, 9)
        out.append(field.feed(raw[i:i + n]))
        i += n
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(diff=st.text(), summary=st.text(max_size=20), seed=st.integers(0, 10_000), ascii_only=st.booleans())
def test_streamed_field_equals_json_value(diff: str, summary: str, seed: int, ascii_only: bool) -> None:
    diff = diff.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # valid text only
    raw = json.dumps({"summary": summary, "diff": diff, "after": "x"}, ensure_ascii=ascii_only)
    assert _feed_in_pieces(raw, seed) == diff


def test_field_key_inside_another_string_is_not_matched() -> None:
    raw = json.dumps({"summary": 'mentions "diff": "nope"', "diff": "yes\n"})
    assert _feed_in_pieces(raw, 1) == "yes\n"


def test_surrogate_pair_escapes_decode_to_one_character() -> None:
    raw = '{"diff": "a\\ud83d\\ude00b"}'
    for seed in range(20):
        assert _feed_in_pieces(raw, seed) == "a\U0001F600b"


def test_bundled_themes_load() -> None:
    found = load_themes(user_dir=Path("/nonexistent"))
    assert set(BUNDLED) <= set(found.themes)
    assert not found.problems
    assert found.themes["genie-light"].dark is False


@pytest.mark.parametrize("text,reason", [
    ("primary = \n", "not valid TOML"),
    ("name = 'x'\n", "missing required field 'primary'"),
    ("primary = '#fff'\ncolour = 'red'\n", "unknown field(s): colour"),
    ("primary = 'not-a-colour'\n", "primary = 'not-a-colour' is not a colour"),
])
def test_broken_theme_reasons(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        theme_from_file(path)


def test_a_theme_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeffprimary = '#123456'\n".encode())
    assert theme_from_file(path).primary == "#123456"


def test_user_theme_overrides_and_problems_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "genie-dark.toml").write_text("name = 'genie-dark'\nprimary = '#123456'\n")
    (tmp_path / "bad.toml").write_text("[[[")
    found = load_themes(user_dir=tmp_path)
    assert found.themes["genie-dark"].primary == "#123456"
    assert len(found.problems) == 1 and "bad.toml" in found.problems[0]


def test_launch_module_does_not_import_textual() -> None:
    code = "import sys, genie_tui.ui.launch, genie_tui.demo.script; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_printable_drops_escape_sequences_and_controls_and_expands_tabs() -> None:
    from genie_tui.printable import StreamPrintable, printable

    assert printable("a\x1b[31mred\x1b[0m\tb\r\nc\x07\x90\x9d") == "ared    b\nc"
    assert printable("title\x1b]0;pwned\x07 end") == "title end"
    assert printable("plain text") == "plain text"
    text = "plain \x1b[31mred\x1b[0m text\x1b]0;pwned\x07 end"
    for size in (1, 2, 3, 5, 8):  # however the stream splits it
        sp = StreamPrintable()
        assert "".join(sp.feed(text[i:i + size]) for i in range(0, len(text), size)) == "plain red text end"
    sp = StreamPrintable()
    assert sp.feed("cut off here \x1b[") == "cut off here "
    sp.reset()  # a new answer starts clean
    assert sp.feed("Hello") == "Hello"
    sp = StreamPrintable()  # an unterminated OSC does not swallow what follows
    assert sp.feed("a \x1b] b") + sp.feed("x" * 300) == "a  b" + "x" * 300


def test_printable_shows_an_undecodable_byte_as_a_replacement_character() -> None:
    from genie_tui.printable import printable

    # a stray byte read with surrogateescape: drawn raw, the terminal writer's strict UTF-8 encode would fail
    assert printable("naïve \udcff!") == "naïve \ufffd!"
    assert printable("a\tb\x1b[31m", tabsize=None) == "a\tb"  # a text area draws tabs itself
