"""tree-sitter grammars (per-language wheels that ship the parser, so nothing is downloaded) and their queries.

Each language lists query patterns (patterns.PATTERNS); a pattern the installed grammar rejects is dropped on its
own, so a grammar version bump degrades one construct rather than a whole language.
"""

from __future__ import annotations

import importlib
import itertools
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

from genie_tui.retrieval import messages
from genie_tui.retrieval.patterns import PATTERNS

_MODULES = {"python": ("tree_sitter_python", "language"), "javascript": ("tree_sitter_javascript", "language"),
            "typescript": ("tree_sitter_typescript", "language_typescript"),
            "tsx": ("tree_sitter_typescript", "language_tsx"), "go": ("tree_sitter_go", "language"),
            "rust": ("tree_sitter_rust", "language"), "java": ("tree_sitter_java", "language"),
            "c": ("tree_sitter_c", "language"), "cpp": ("tree_sitter_cpp", "language"),
            "ruby": ("tree_sitter_ruby", "language"), "csharp": ("tree_sitter_c_sharp", "language"),
            # ``language_php`` is PHP inside a file's HTML (``<?php ... ?>``), as a .php file is written;
            # ``language_php_only`` has no HTML and reads a template's markup as errors
            "php": ("tree_sitter_php", "language_php"), "kotlin": ("tree_sitter_kotlin", "language"),
            "swift": ("tree_sitter_swift", "language"), "scala": ("tree_sitter_scala", "language")}

_lock = threading.Lock()
_cache: dict[str, tuple[Any, Any, Any] | None] = {}
_local = threading.local()


def _expand(patterns: list[str]) -> list[str]:
    """Split ``[(a) (b)] @ref`` into one pattern per node type, so one unknown type drops only itself."""
    out: list[str] = []
    for pat in patterns:
        if pat.startswith("[") and pat.endswith("] @ref"):
            out.extend(f"{alt} @ref" for alt in re.findall(r"\(\w+\)", pat))
        else:
            out.append(pat)
    return out


def _split(patterns: Iterable[str]) -> tuple[list[str], list[str]]:
    defs: list[str] = []
    refs: list[str] = []
    for pat in patterns:
        (refs if pat.endswith("@ref") else defs).append(pat)
    return defs, refs


def compilable(language: Any, patterns: list[str]) -> tuple[list[str], list[str]]:
    """``(definition patterns, reference patterns)`` of ``patterns`` that compile for ``language``, each
    compiled alone (one a grammar lacks drops only itself; ~3 ms each, so :func:`grammar` tries this last)."""
    import tree_sitter as ts

    def ok(pat: str) -> bool:
        try:
            ts.Query(language, pat)
        except Exception:  # noqa: BLE001 - a grammar lacking a node type drops the pattern
            return False
        return True

    return _split(p for p in _expand(patterns) if ok(p))


_QUOTED = re.compile(r'"(?:\\.|[^"\\])*"')  # strings in a pattern: anonymous nodes and predicate arguments


def _plausible(language: Any, pattern: str) -> bool:
    """Whether every named node type and field in ``pattern`` is one of the grammar's (a pattern with one it
    lacks is dropped, as compiling it alone would show; cheaper than compiling each pattern alone)."""
    bare = _QUOTED.sub('""', pattern)
    for name in re.findall(r"\((\w+)", bare):
        if name not in ("_", "ERROR", "MISSING") and language.id_for_node_kind(name, True) is None:
            return False
    fields = [named or negated for named, negated in re.findall(r"(\w+):|!(\w+)", bare)]
    return all(language.field_id_for_name(f) is not None for f in fields)


def grammar(lang: str) -> tuple[Any, Any, Any] | None:
    """``(Language, definitions query, references and string literals query)`` for ``lang``, or None when its grammar wheel is not installed."""
    with _lock:
        if lang in _cache:
            return _cache[lang]
        result = None
        spec = _MODULES.get(lang)
        if spec:
            try:
                import tree_sitter as ts

                language = ts.Language(getattr(importlib.import_module(spec[0]), spec[1])())
                strings = messages.pattern(language)  # string literals, captured in the references' walk
                try:  # the patterns whose node types and fields the grammar has, compiled once
                    defs, refs = _split(p for p in _expand(PATTERNS[lang]) if _plausible(language, p))
                    result = (language, ts.Query(language, "\n".join(defs)),
                              ts.Query(language, "\n".join([*refs, strings])))
                except Exception:  # noqa: BLE001 - something else it does not take: find the patterns one by one
                    defs, refs = compilable(language, PATTERNS[lang])
                    result = (language, ts.Query(language, "\n".join(defs)),
                              ts.Query(language, "\n".join([*refs, strings])))
            except Exception:  # noqa: BLE001 - a missing or broken wheel means "index as plain text"
                result = None
        _cache[lang] = result
        return result


def parser_for(lang: str) -> Any | None:
    """A per-thread parser (tree-sitter parsers are not thread-safe)."""
    g = grammar(lang)
    if g is None:
        return None
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    p = parsers.get(lang)
    if p is None:
        import tree_sitter as ts

        p = parsers[lang] = ts.Parser(g[0])
    return p


#: How much processor time tree-sitter may take to parse a file (seconds, per MB of it, at least this) before
#: the file is indexed as text, searchable by keyword without its definitions: a 1 MB file (``max_file_bytes``)
#: parses in a fraction of a second, and one that drives a grammar's error recovery into a pathological case would
#: otherwise hold the build for good (in a worker, or in genie's own process). Processor time, not the clock's:
#: a worker running 10 nice steps down on busy cores is slow, not stuck, and indexes the file the same. The
#: queries over the tree are bounded by :data:`QUERY_DEPTH` instead (py-tree-sitter 0.26.1 crashes when a query
#: has a progress callback).
PARSE_SECONDS = 10.0
#: How deep in the tree a query's match may start. Query time grows with the square of the tree's depth: a Python
#: line of 100,000 chained calls (``a.b().b()...``, 0.4 MB, parsed in 0.16 s) took 67 s, and 60,000 JavaScript
#: ``.then(x => x)`` 400 s, where a 1 MB file of ordinary code takes 0.1-0.4 s. The deepest match in 6,700 files
#: of real code (the retrieval benchmark's Python, JavaScript and C, zod's TypeScript, gson's Java, cobra's Go)
#: starts less than 96 deep (zod's long chains of ``.optional()`` and the like); deeper, a chain's names are not
#: read as references, and parsing and reading each of those two files takes 0.3 s.
QUERY_DEPTH = 256
_CHUNK = 256  # what one read gives the parser; a tree parsed from reads also reads each node's text this way


class TooSlow(ValueError):
    """tree-sitter did not parse a file in its time (see :data:`PARSE_SECONDS`)."""


def parse_seconds(data: bytes) -> float:
    """How much processor time the parse of ``data`` may take (see :data:`PARSE_SECONDS`)."""
    return PARSE_SECONDS * max(1.0, len(data) / 1_000_000)


def parse_deadline(data: bytes) -> float:
    """When (on ``time.thread_time()``'s clock) the parse of ``data`` is given up (see :func:`parse_seconds`)."""
    return time.thread_time() + parse_seconds(data)


def parse_within(parser: Any, data: bytes, deadline: float) -> Any:
    """``parser.parse(data)``, given up at ``deadline`` (see :func:`parse_deadline`) with :class:`TooSlow`.
    tree-sitter asks whether to go on only while it parses from reads (a callable), not from bytes, every few
    dozen bytes: the clock (a system call, 0.6 us) is read on every 32nd time. A read of a few hundred bytes
    keeps a node's ``text``, which then reads too, cheap."""
    asked = itertools.count()

    def give_up(*_: Any) -> bool:
        return not next(asked) % 32 and time.thread_time() >= deadline

    try:
        return parser.parse(lambda at, _point: data[at:at + _CHUNK], progress_callback=give_up)
    except ValueError:  # "Parsing failed": given up
        parser.reset()  # or the next parse, of another file, would resume this one
        raise TooSlow("not parsed in time") from None
