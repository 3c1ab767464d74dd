"""Text from the model, tools and test runs made safe to draw: no terminal control sequences.

A model (or a web page, or a test's coloured output) can emit ``ESC [31m`` and friends, or a right-to-left
override; written into the compositor's strips they would reach the real terminal. Tabs are expanded, since a cell grid has no tab stops.
The command line's output goes through the same cleaning (see :mod:`genie_tui.output`), keeping its tabs.

Stdlib only: the command line imports this without Textual.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and the two-byte escapes; then any other C0 control
# except newline and tab, and DEL. A carriage return is dropped (CRLF output reads as LF).
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]{0,120}(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
                      r"|\x9b[0-?]*[ -/]*[@-~]")  # an OSC (ESC ] ...) only when terminated: else only its ESC goes
# The bidirectional controls (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069, the marks U+200E,
# U+200F and U+061C) reorder what the terminal draws after them: a task, a file or a model's text could show one
# thing and hold another ("Trojan Source"), or reverse the rest of a listing's line.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")  # C0 (but newline and tab), DEL, C1, bidi
_CONTROLS_KEEP_CR = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")  # a text area keeps CRLF ends
# Lone surrogates: a stray byte decoded with surrogateescape. The terminal writer encodes strictly as UTF-8,
# so one of them on screen would stop the app's output for good.
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (a byte read with surrogateescape, which UTF-8 and JSON cannot carry) as
    U+FFFD: how the model and the screen are shown a byte that is not UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def shown_path(path: str) -> str:
    """``path`` for line-oriented output: as it is, or, when it holds a line break, a tab or another character
    that does not print, or a ``"`` or ``\\``, in double quotes with backslash escapes (``"a\\nb.py"``), as git
    quotes such names. A newline in a file name otherwise split one result into two lines that read as two
    results, and a name that itself looked quoted (``"a\\nb.py"`` as its eight characters) read as another.
    :func:`unquoted_path` reads it back."""
    if path.isprintable() and '"' not in path and "\\" not in path:
        return path
    body = "".join(ch if ch.isprintable() and ch not in '"\\' else
                   "\\" + ch if ch in '"\\' else ch.encode("unicode_escape").decode("ascii") for ch in path)
    return f'"{body}"'


def unquoted_path(text: str) -> str | None:
    """The name that :func:`shown_path` showed as ``text``, or None when ``text`` is not in its quoted form."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return None
    try:  # characters past Latin-1 are escaped first, so the escape decoder reads each as itself
        name = text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return None
    return name if shown_path(name) == text else None


def printable(text: str, tabsize: int | None = 4, *, keep_tabs: bool = False) -> str:
    """``text`` without escape sequences or control characters (bidirectional controls included), tabs expanded
    to ``tabsize`` columns, an undecodable byte shown as U+FFFD. ``tabsize=None`` is for a ``TextArea``: it draws tabs itself and keeps
    a file's CRLF line ends, so both stay. ``keep_tabs`` is for a terminal, which has tab stops: tabs stay,
    carriage returns go."""
    if not text.isprintable():  # the common case (plain text) costs one C-level scan
        controls = _CONTROLS if tabsize is not None else _CONTROLS_KEEP_CR
        text = without_surrogates(controls.sub("", _ESCAPES.sub("", text)))
        if "\t" in text and tabsize is not None and not keep_tabs:
            text = text.expandtabs(tabsize)
    return text


# an escape sequence not yet finished at the end of a piece; an OSC (ESC ]) is held for at most 120 characters
_PARTIAL = re.compile(r"(?:\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]{0,120})?|\x9b[0-?]*[ -/]*)\Z")


class StreamPrintable:
    """:func:`printable` for text that arrives in pieces: an escape sequence split between two pieces is held
    back until it is complete (then dropped whole), instead of leaving ``[31m`` on the screen."""

    def __init__(self, *, keep_tabs: bool = False) -> None:
        self._held = ""
        self._keep_tabs = keep_tabs

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        cut = _PARTIAL.search(text[-256:]) if ("\x1b" in text or "\x9b" in text) else None
        if cut is not None and cut.start() != cut.end():
            start = len(text) - len(text[-256:]) + cut.start()
            text, self._held = text[:start], text[start:]
        return printable(text, keep_tabs=self._keep_tabs)

    def reset(self) -> None:
        self._held = ""  # an escape sequence cut off at the end of a message is dropped

    def end(self) -> str:
        """The text ends here: what was held back, cleaned (an escape sequence cut off goes, the text after it stays)."""
        text, self._held = self._held, ""
        return printable(text, keep_tabs=self._keep_tabs)
