"""Vue and Svelte components as code: their ``<script>`` blocks read as JavaScript or TypeScript at the file's own
lines, the component named for its file, and the components its template uses."""

from __future__ import annotations

import re

COMPONENT_LANGS = ("vue", "svelte")
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_TS_SCRIPT = re.compile(rb"""\blang\s*=\s*["']?(?:ts|typescript)\b""", re.IGNORECASE)
_BLANK = bytes(10 if i == 10 else 32 for i in range(256))  # every byte a space but newlines


def scripts_only(data: bytes) -> tuple[bytes, str]:
    """A component file with everything outside its ``<script>`` blocks blanked (newlines kept, so lines and
    byte offsets are the file's), and the language of its scripts (``lang="ts"`` makes it TypeScript)."""
    out = bytearray(data.translate(_BLANK))
    lang = "javascript"
    for m in _SCRIPT.finditer(data):
        start, end = m.span(2)
        out[start:end] = data[start:end]
        if _TS_SCRIPT.search(m.group(1)):
            lang = "typescript"
    return bytes(out), lang


_TAG = re.compile(rb"<([A-Z][\w.]*|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)[\s/>]")


def template_uses(data: bytes) -> dict[str, list[int]]:
    """The components a template uses, by the name they are defined under (``<my-button>`` and ``<MyButton>``
    are ``MyButton``), with their lines: outside the ``<script>`` and ``<style>`` blocks."""
    out: dict[str, list[int]] = {}
    skip = [m.span() for m in re.finditer(rb"<(script|style)\b.*?</\1\s*>", data, re.DOTALL | re.IGNORECASE)]
    line, at = 1, 0
    for m in _TAG.finditer(data):
        if any(a <= m.start() < b for a, b in skip):
            continue
        line, at = line + data.count(b"\n", at, m.start()), m.start()
        tag = m.group(1).decode("utf-8", "replace")
        name = tag if tag[0].isupper() else _pascal(tag.split("-"))
        out.setdefault(name.split(".")[0], []).append(line)
    return out


def component_name(path: str) -> str:
    """``MyButton`` for ``MyButton.vue`` and ``my-button.vue`` (Vue's and Svelte's own names for them)."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem == "index":  # ``Button/index.vue``
        stem = path.rsplit("/", 2)[-2] if path.count("/") else stem
    return _pascal(re.split(r"[-_.\s]+", stem)) or stem


def _pascal(words: list[str]) -> str:
    """``['my', 'button']`` -> ``MyButton`` (each word's first letter raised, the rest kept)."""
    return "".join(w[:1].upper() + w[1:] for w in words if w)
