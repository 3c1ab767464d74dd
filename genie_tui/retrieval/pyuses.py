"""Which lines of a Python file that use a name are no use of the module-level name that an import binds or a
definition makes there: an attribute of something else (``widget.render()``, ``self.render``, ``logging.getLogger``
of the library's ``logging``), and a function's own variable of that name (``render = kw.get('render')``, a
parameter outside tests, where it names a pytest fixture, a ``for`` or ``as`` target), which Python makes local
to the whole function. Read from the lines'
text: the index records where a name is used, not how."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from genie_tui.retrieval import resolve as R
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.textutil import is_test_path, source_lines

_STRINGS = re.compile(r"""[rRbBuUfF]{0,2}(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")|#.*""")
_QUALIFIER = re.compile(r"(\w+(?:\s*\.\s*\w+)*)\s*\.\s*$")  # ``widget`` of ``widget.``, ``babel.dates`` of ``babel.dates.``
_PAIRS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _code(text: str) -> str:
    """A line without its strings and comment (a string's ``'render'`` is no use of ``render``)."""
    return _STRINGS.sub(lambda m: "" if m.group(0).startswith("#") else '""', text)


def _binds(code: str, name: str, prev: str) -> int:
    """Whether a line (its code; ``prev``: the code of the line before) makes ``name`` a variable of the function
    it is in (2: an assignment to it, an annotated or augmented one, a ``for``, ``with``/``except``/``import``
    ``as``, walrus or ``del`` target) or of a comprehension on it (1), or neither (0). A line that continues
    brackets (``render=render`` after ``dict(``, a keyword argument) or leaves them open is no assignment."""
    n = re.escape(name)
    m = re.match(rf"\s*{n}\s*(?::[^=]+)?(?:[-+*/%&|^@]|//|\*\*|>>|<<)?=(?!=)(.*)$", code)
    if m:
        rest = m.group(1).strip()
        return 2 if (not rest.endswith(",") and sum(_PAIRS.get(ch, 0) for ch in rest) == 0
                     and not prev.rstrip().endswith(("(", "[", "{", ",", "\\"))) else 0
    loop = re.search(rf"\bfor\s+(?:(?!\bin\b)[\w\s,()\[\]])*?(?<![\w.]){n}\b(?!\s*[(.\[])"
                     rf"(?:(?!\bin\b)[\w\s,()\[\]])*?\bin\b", code)
    if loop:  # in brackets, a comprehension's own variable
        return 1 if sum(_PAIRS.get(ch, 0) for ch in code[:loop.start()]) > 0 else 2
    return 2 if re.search(rf"\bas\s+{n}\b|(?<![\w.]){n}\s*:=|^\s*del\s+{n}\b", code) else 0


_DEF = re.compile(r"\s*(?:async\s+)?def\s+\w+\s*\(")
_OPENS = ("(", "[", "{", ",", "\\")  # a line ending so goes on (a ``def``'s parameters one to a line)


def _parameter(header: str, name: str) -> bool:
    """Whether a ``def``'s code from its ``def`` line on (its lines joined) names ``name`` as a parameter: at the
    top level of its parameter list, not in a default value or an annotation (``hook=f(a, render)``)."""
    m = _DEF.match(header)
    if not m:
        return False
    depth, top = 0, []
    for ch in header[m.end():]:
        depth += _PAIRS.get(ch, 0)
        if depth < 0:  # the parameter list's ``)``
            break
        if depth == 0 and ch not in ")]}":
            top.append(ch)
    return re.search(rf"(?:^|,)\s*\**\s*{re.escape(name)}\s*(?=[:=,]|$)", "".join(top)) is not None


def _attributes(code: str, name: str) -> list[str] | None:
    """The qualifiers of ``name`` on a line where every use of it is an attribute (``widget`` of
    ``widget.render()``, ``''`` where no name stands before the dot: ``f().render``); None when one use is not."""
    quals = []
    for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", code):
        before = code[:m.start()].rstrip()
        if not before.endswith("."):
            return None
        q = _QUALIFIER.search(before)
        quals.append(re.sub(r"\s+", "", q.group(1)) if q else "")
    return quals or None


def _functions(c: sqlite3.Connection, path: str) -> list[tuple[int, int]]:
    """The first and last lines of the functions and methods of ``path``."""
    return c.execute("SELECT defs.line, defs.end_line FROM defs JOIN files ON files.id = defs.file_id "
                     "WHERE files.path=? AND defs.kind IN ('function', 'method')", (path,)).fetchall()


_FIXTURE = re.compile(r"\s*@\s*(?:\w+\s*\.\s*)*fixture\b")


def _fixture(repo: Path, path: str, start: int) -> bool:
    """Whether the function whose ``def`` is at line ``start`` is a pytest fixture (``@pytest.fixture``, also
    over several lines, ``@fixture(scope="session")``), whose parameters are fixtures it asks for, in a plugin's or
    a library's module as in tests."""
    above = source_lines(repo, path, set(range(max(1, start - 12), start)), "python")
    depth = 0  # read upwards: a ``)`` opens what a decorator's arguments spread over lines
    for ln in range(start - 1, max(0, start - 12), -1):
        code = _code(above.get(ln, ""))
        depth += sum(-_PAIRS.get(ch, 0) for ch in code)
        if _FIXTURE.match(code):
            return True
        if depth <= 0 and not code.lstrip().startswith("@"):
            return False
    return False


def _header(repo: Path, path: str, ln: int, spans: list[tuple[int, int]], codes: dict[int, str]) -> str | None:
    """The code of the innermost function that line ``ln`` is in, from its ``def`` line to ``ln``, joined (read
    into ``codes`` when they do not have it); None when ``ln`` is in no function after its first line."""
    starts = [start for start, end in spans if start < ln <= end]
    if not starts:
        return None
    start = max(starts)
    missing = set(range(start, ln)) - codes.keys()
    if missing:
        codes.update((i, _code(t)) for i, t in source_lines(repo, path, missing, "python").items())
    return " ".join(codes.get(i, "") for i in range(start, ln + 1))


def screen(c: sqlite3.Connection, repo: Path, mods: ModuleMap, path: str, lines: set[int], local: set[str],
           targets: set[tuple[str, str]], memo: R.Memo) -> tuple[set[int], set[int]]:
    """Of ``lines`` of the Python file ``path`` that use one of ``local`` (names an import binds to ``targets``,
    or the targets' own names in their file): those that are no use of them (an attribute of an import that
    leads elsewhere, a function's own variable), and those that may not be (an attribute of anything else:
    ``widget.render()`` is a use by name only)."""
    texts = source_lines(repo, path, lines | {ln - 1 for ln in lines}, "python")
    codes = {ln: _code(t) for ln, t in texts.items()}
    gone: set[int] = set()
    unsure: set[int] = set()
    spans: list[tuple[int, int]] | None = None
    for name in local:
        own = {ln for ln in lines if ln in codes and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", codes[ln])}
        for ln in own:
            quals = _attributes(codes[ln], name)
            if quals is None:
                continue
            verdicts = [_qualifier(c, mods, path, q, name, targets, memo) for q in quals]
            if True not in verdicts:
                (gone if False in verdicts else unsure).add(ln)
        binding = []
        fixtures = is_test_path(path)  # ``def test_x(settings):`` asks pytest for the fixture: a use of it
        for ln in sorted(own - gone - unsure):
            prev = codes.get(ln - 1, "")
            if not fixtures and not _parameter(codes[ln], name) and prev.rstrip().endswith(_OPENS):
                if spans is None:
                    spans = _functions(c, path)
                header = _header(repo, path, ln, spans, codes)  # a parameter on a line of its own
                param = header is not None and _parameter(header, name)
                start = max((s for s, e in spans if s < ln <= e), default=ln)
            else:
                param, start = not fixtures and _parameter(codes[ln], name), ln
            if param and _fixture(repo, path, start):
                continue  # ``@pytest.fixture def tmp_path(tmp_path_factory):`` asks for that fixture: a use of it
            how = 2 if param else _binds(codes[ln], name, prev)
            if how == 1:  # ``[render for render in xs]``: that line's own
                gone.add(ln)
            elif how == 2:
                binding.append(ln)
        if binding and spans is None:
            spans = _functions(c, path)
        for ln in binding:  # the innermost function around it: a module's or class's own binding is no local
            around = [(start, end) for start, end in spans or () if start <= ln <= end]
            if around and not any(re.match(rf"\s*(?:global|nonlocal)\s.*\b{re.escape(name)}\b", codes[x])
                                  for x in own):
                start, end = max(around)
                gone |= {x for x in own if start <= x <= end}
    return gone, unsure - gone


def _qualifier(c: sqlite3.Connection, mods: ModuleMap, path: str, qual: str, name: str,
               targets: set[tuple[str, str]], memo: R.Memo) -> bool | None:
    """Whether ``qual.name`` in ``path`` is one of ``targets`` (``qual``: ``core``, ``pkg.core``): True through a
    module that an import binds to ``qual``'s head and that exports one, False when an import binds the head to
    something else (a library's module, another of ours), None when no import binds it (a variable, ``self``) or
    the rest of ``qual`` leads nowhere the index can follow."""
    head, *rest = qual.split(".")
    if not head or not c.execute("SELECT 1 FROM imports JOIN files ON files.id = imports.file_id WHERE "
                                 "files.path=? AND alias=? LIMIT 1", (path, head)).fetchone():
        return None
    module = R.module_file(c, mods, path, head)
    for part in rest:
        if module is None:
            break
        module = R.submodule(c, mods, module, part)
        if module is None:
            return None  # ``pkg.Engine.render``: a member of something in it
    return module is not None and bool(R.exported(c, mods, "", module, name, 4, memo) & targets)
