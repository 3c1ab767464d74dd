"""Code-navigation tools backed by the retrieval index: search_code, go_to_definition, find_references."""

from __future__ import annotations

from typing import Any

from genie_tui.core.events import ContextLooked
from genie_tui.printable import shown_path
from genie_tui.retrieval.declared import DECLARATION
from genie_tui.retrieval.extract import anonymous
from genie_tui.retrieval.files import language_of
from genie_tui.retrieval.symbols import BY_NAME, EXTERNAL
from genie_tui.retrieval.textutil import repo_path
from genie_tui.tools.base import ECHO_CHARS, ToolContext, ToolError, ToolOutput, echoed


def _symbol(args: dict[str, Any]) -> str:
    symbol = args.get("symbol")
    if not isinstance(symbol, str) or not symbol.strip():
        raise ToolError("symbol must be a name such as 'load_config' or 'Parser.parse'")
    return symbol.strip()


def _file(ctx: ToolContext, args: dict[str, Any]) -> str | None:
    """The ``path`` a definition or reference is asked from, as the index names files: relative to the root,
    with ``/``. Models write ``./src/app.py`` or the absolute path as often as ``src/app.py``, and a path the
    index does not know silently resolved nothing (``Z`` of ``from .core import Engine as Z`` was not found)."""
    path = args.get("path")
    if path is None or (isinstance(path, str) and not path.strip()):
        return None
    if not isinstance(path, str):
        raise ToolError(f"path must be a file path relative to the repository root, got {echoed(path)}")
    try:
        return repo_path(ctx.repo, path)
    except ValueError:
        raise ToolError(f"{echoed(path.strip())}: outside the repository; give a path relative to its root") from None


def search_code(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    query = args.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ToolError("query must be non-empty text: words, identifiers, an error message or a stack trace")
    k = args.get("k", 8)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 50:
        raise ToolError(f"k must be an integer from 1 to 50, got {echoed(k)}")
    results = ctx.index.search(query, k=k)
    if not results:
        return ToolOutput(f"no matches for {echoed(query)}; try other words or find_files",
                          ContextLooked("search", query[:ECHO_CHARS], ()))
    lines, hits = [], []
    for r in results:
        spans = ", ".join(f"{s.start}-{s.end}" + (f" {s.symbol}" if s.symbol else "") for s in r.spans[:4])
        path = shown_path(r.path)  # a newline in a name must not read as two results
        lines.append(f"{path}  [{spans}]  ({r.why})" if spans else f"{path}  ({r.why})")
        first = r.spans[0] if r.spans else None
        hits.append((r.path, first.start if first else 0, first.end if first else 0,
                     (first.symbol or "") if first else ""))
    return ToolOutput("\n".join(lines), ContextLooked("search", query[:ECHO_CHARS], tuple(hits)))


def _locations(kind: str, symbol: str, locations: list[Any]) -> ToolOutput:
    if not locations:
        hint = "find_references" if kind == "definition" else "search_code"
        return ToolOutput(f"no {kind}s of {echoed(symbol)} found; try {hint}",
                          ContextLooked(kind, symbol[:ECHO_CHARS], ()))
    shown = locations[:50]
    lines = []
    for i, loc in enumerate(shown):
        if loc.kind == BY_NAME and (i == 0 or shown[i - 1].kind != BY_NAME):
            lines.append("by name only (no import or definition ties these to it; may be another's):")
        note = "  (imported from outside the repository: no definition of it here)" if loc.kind == EXTERNAL else \
            "  (declared only: no body of it is indexed)" if loc.kind == DECLARATION else ""
        lines.append(f"{shown_path(loc.path)}:{loc.line}: {loc.snippet.strip()}{note}")
    text = "\n".join(lines)
    if len(locations) > 50:
        text += f"\n... {len(locations) - 50} more"
    return ToolOutput(text, ContextLooked(kind, symbol[:ECHO_CHARS], tuple((loc.path, loc.line, loc.end_line, loc.kind)
                                                              for loc in shown)))


_FEW_DEFAULTS = 3  # anonymous default exports shown when nothing says which one is meant


def go_to_definition(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    symbol = _symbol(args)
    path = _file(ctx, args)
    locations = ctx.index.definitions(symbol, path)
    if symbol != "default":
        return _locations("definition", symbol, locations)
    # ``default`` is what every anonymous default export goes by (``export default function () {}``): a file's
    # own one, or the one it imports, is an answer; every one in the repository is not
    anon = [loc for loc in locations if anonymous("default", language_of(loc.path))]
    if len(anon) <= (_FEW_DEFAULTS if path else 1):  # one, or the few that ``path`` narrowed it to
        return _locations("definition", symbol, locations)
    hidden = set(anon[_FEW_DEFAULTS:])
    shown = [loc for loc in locations if loc not in hidden]
    out = _locations("definition", symbol, shown)
    more = f", the first {_FEW_DEFAULTS} below" if len(anon) > _FEW_DEFAULTS else ""
    hint = (f"'default' names no one definition: each anonymous default export (export default function () {{}}, "
            f"module.exports = class {{}}) goes by it; {len(anon)} in this repository{more}. Call go_to_definition "
            "with path: the file that defines the one you mean or imports it; or with the name it is imported "
            "under there.")
    return ToolOutput(hint + "\n" + out.text, out.looked)


def find_references(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    symbol = _symbol(args)
    return _locations("reference", symbol, ctx.index.references(symbol, _file(ctx, args)))


def read_playbook(ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
    """A playbook's body; one longer than read_file's cap is windowed by lines, as read_file does."""
    from genie_tui.tools.fs import MAX_READ_CHARS, _int_arg, window

    name = args.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ToolError("name must be a playbook name")
    if ctx.playbooks is None:
        raise ToolError("no playbooks are loaded")
    from genie_tui.errors import GenieError

    name = name.strip()
    if len(name) > ECHO_CHARS:  # no playbook is named so; its "did you mean" would compare and quote all of it
        raise ToolError(f"unknown playbook {echoed(name)}")
    start = _int_arg(args, "start_line")
    try:
        body = ctx.playbooks.read(name)
    except GenieError as exc:
        raise ToolError(str(exc)) from None
    if start is None and len(body) <= MAX_READ_CHARS:
        return ToolOutput(body)
    lines = body.split("\n")
    start = start or 1
    if start > len(lines):
        raise ToolError(f"playbook {name}: start_line {start} is past the end of it ({len(lines)} lines)")
    # one giant line is cut at the cap, or it alone would break it
    shown, end = window(lines, start, len(lines), MAX_READ_CHARS)
    footer = (f"\n[{len(lines) - end} more lines; call read_playbook with start_line={end + 1}]"
              if end < len(lines) else "")
    return ToolOutput(f"playbook {name} lines {start}-{end} of {len(lines)}\n" + "\n".join(shown) + footer)
