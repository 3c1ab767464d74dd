"""Token estimates without a tokenizer, for budgets (the context budget, the playbooks' share of the prompt).

English and code take about four characters per token, but other scripts take far more tokens per character:
Chinese, Japanese and Korean about one per character (GPT-4's cl100k often two or three), as do Devanagari, Thai
and emoji. Counted in plain characters, a file in Chinese came to a quarter of its tokens and a request carrying
it overflowed the model's context. So a text is measured in *units*, four to a token: an ASCII character is one,
an accented Latin, Greek or Cyrillic letter or a typographic dash or quote two (those scripts take two to three
characters per token), any other character four (about a token).
"""

from __future__ import annotations

import re

#: units of text per token; ``TokenMeter`` calibrates its own ratio from the usage endpoints report
UNITS_PER_TOKEN = 4
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
_LIGHT = re.compile(r"[\u0080-\u052f\u2000-\u206f]+")  # Latin-1 to Cyrillic, general punctuation


def text_units(text: str) -> int:
    """The size of ``text`` in units (see the module's docstring): its length when it is ASCII."""
    if text.isascii():
        return len(text)
    other = len(text) - len(_NOT_ASCII.sub("", text))
    light = len(text) - len(_LIGHT.sub("", text))
    return len(text) + light + 3 * (other - light)


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is (rounded up)."""
    return (text_units(text) + UNITS_PER_TOKEN - 1) // UNITS_PER_TOKEN
