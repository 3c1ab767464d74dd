"""Which lines of a Python file that use a name are no use of the module-level name that an import binds or a
definition makes there: an attribute of something else (``widget.render()``, ``self.render``, ``logging.getLogger``
of the library's ``logging``), and a function's own variable of that name (``render = kw.get('render')``, a
parameter, a ``for`` or ``as`` target), which Python makes local to the whole function. Read from the lines'
text: the index records where a name is used, not how."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from genie_tui.retrieval import resolve as R
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.textutil import decode_source

_STRINGS = re.compile(r"""[rRbBuUfF]{0,2}(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")|#.*""")
_QUALIFIER = re.compile(r"(\w+)\s*\.\s*$")  # ``widget`` of ``widget.``
_PAIRS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def read_lines(repo: Path, path: str, wanted: set[int]) -> dict[int, str]:
    """The text of the lines ``wanted`` of a Python file, read once (lines end at ``\\n``, as tree-sitter counts)."""
    out: dict[int, str] = {}
    last = max(wanted, default=0)
    try:
        with open(repo / path, "rb") as fh:
            head = b""
            for i, raw in enumerate(fh, 1):
                if i <= 2:
                    head += raw
                if i in wanted:
                    out[i] = decode_source(raw, "python", head).rstrip("\r\n")
                if i >= last:
                    break
    except OSError:
        pass
    return out


def _code(text: str) -> str:
    """A line without its strings and comment (a string's ``'render'`` is no use of ``render``)."""
    return _STRINGS.sub(lambda m: "" if m.group(0).startswith("#") else '""', text)


def _binds(code: str, name: str) -> bool:
    """Whether a line (its code) makes ``name`` a variable of the function it is in: an assignment to it whose
    value closes its brackets (a call's ``render=render,`` on a line of its own is a keyword argument), an
    annotated or augmented one, a ``for``, ``with``/``except``/``import`` ``as`` or walrus target, a ``del``."""
    n = re.escape(name)
    m = re.match(rf"\s*{n}\s*(?::[^=]+)?(?:[-+*/%&|^@]|//|\*\*|>>|<<)?=(?!=)(.*)$", code)
    if m:
        rest = m.group(1).strip()
        return not rest.endswith(",") and sum(_PAIRS.get(ch, 0) for ch in rest) == 0
    return bool(re.search(rf"\bfor\s+[\w\s,()\[\]]*(?<![\w.]){n}\b[\w\s,()\[\]]*\bin\b|\bas\s+{n}\b|"
                          rf"(?<![\w.]){n}\s*:=|^\s*del\s+{n}\b", code))


def _parameter(code: str, name: str) -> bool:
    """Whether a ``def`` line names ``name`` as a parameter."""
    m = re.match(r"\s*(?:async\s+)?def\s+\w+\s*\((.*)", code)
    return bool(m) and re.search(rf"(?<![\w.=]){re.escape(name)}\b(?!\s*\()", m.group(1).split(")")[0] if ")" in
                                 m.group(1) else m.group(1)) is not None


def _attributes(code: str, name: str) -> list[str] | None:
    """The qualifiers of ``name`` on a line where every use of it is an attribute (``widget`` of
    ``widget.render()``, ``''`` where no name stands before the dot: ``f().render``); None when one use is not."""
    quals = []
    for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", code):
        before = code[:m.start()].rstrip()
        if not before.endswith("."):
            return None
        q = _QUALIFIER.search(before)
        quals.append(q.group(1) if q else "")
    return quals or None


def screen(c: sqlite3.Connection, repo: Path, mods: ModuleMap, path: str, lines: set[int], local: set[str],
           targets: set[tuple[str, str]], memo: R.Memo) -> tuple[set[int], set[int]]:
    """Of ``lines`` of the Python file ``path`` that use one of ``local`` (names an import binds to ``targets``,
    or the targets' own names in their file): those that are no use of them (an attribute of an import that
    leads elsewhere, a function's own variable), and those that may not be (an attribute of anything else:
    ``widget.render()`` is a use by name only)."""
    texts = read_lines(repo, path, lines)
    codes = {ln: _code(t) for ln, t in texts.items()}
    gone: set[int] = set()
    unsure: set[int] = set()
    spans: list[tuple[int, int]] | None = None
    for name in local:
        own = {ln for ln, code in codes.items() if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", code)}
        for ln in own:
            quals = _attributes(codes[ln], name)
            if quals is None:
                continue
            verdicts = [_qualifier(c, mods, path, q, name, targets, memo) for q in quals]
            if True not in verdicts:
                (gone if False in verdicts else unsure).add(ln)
        binding = [ln for ln in sorted(own - gone - unsure) if _binds(codes[ln], name) or _parameter(codes[ln], name)]
        if binding and spans is None:
            spans = c.execute("SELECT defs.line, defs.end_line FROM defs JOIN files ON files.id = defs.file_id "
                              "WHERE files.path=? AND defs.kind IN ('function', 'method')", (path,)).fetchall()
        for ln in binding:  # the innermost function around it: a module's or class's own binding is no local
            around = [(start, end) for start, end in spans or () if start <= ln <= end]
            if around and not any(re.match(rf"\s*(?:global|nonlocal)\s.*\b{re.escape(name)}\b", codes[x])
                                  for x in own):
                start, end = max(around)
                gone |= {x for x in own if start <= x <= end}
    return gone, unsure - gone


def _qualifier(c: sqlite3.Connection, mods: ModuleMap, path: str, qual: str, name: str,
               targets: set[tuple[str, str]], memo: R.Memo) -> bool | None:
    """Whether ``qual.name`` in ``path`` is one of ``targets``: True through a module that an import binds to
    ``qual`` and that exports one, False when an import binds ``qual`` to something else (a library's module),
    None when no import binds it (a variable, ``self``)."""
    if not qual or not c.execute("SELECT 1 FROM imports JOIN files ON files.id = imports.file_id WHERE "
                                 "files.path=? AND alias=? LIMIT 1", (path, qual)).fetchone():
        return None
    module = R.module_file(c, mods, path, qual)
    return module is not None and bool(R.exported(c, mods, "", module, name, 4, memo) & targets)
