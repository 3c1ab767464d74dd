"""The tools the model sees: names, argument names and JSON schemas are a contract.

Simple tools run here (``run_simple``); the interactive ones (plan, questions, patches, tests, finish) are
driven by the agent because they need the user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from genie_tui.tools import code, fs, web
from genie_tui.tools.base import ToolContext, ToolError, ToolOutput, echoed


def _schema(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": properties, "required": required, "additionalProperties": False}}}


_S = {"type": "string"}
_I = {"type": "integer"}

SCHEMAS: list[dict[str, Any]] = [
    _schema("list_dir", "List a directory of the repository (paths are relative to the repo root).",
            {"path": {**_S, "description": "directory; '.' (the default) for the root"}}, []),
    _schema("find_files", "Find files by path substring (any case) or glob. Globs work as in .gitignore: "
            "'*' and '?' stay within one directory, '**' spans any number ('src/**/*.py'); a glob without '/' "
            "matches file names anywhere ('*config*.py'), one with '/' the path from the repo root; any case if "
            "the exact case matches nothing.",
            {"pattern": _S}, ["pattern"]),
    _schema("search_code", "Ranked code search: words, identifiers, error messages or stack traces. "
            "Returns files with their best line spans.",
            {"query": _S, "k": {**_I, "description": "number of files, default 8"}}, ["query"]),
    _schema("read_file", "Read a file with line numbers (1-based, inclusive). Long files are windowed.",
            {"path": _S, "start_line": _I, "end_line": _I}, ["path"]),
    _schema("go_to_definition", "Where a symbol (function, class, method, variable) is defined.",
            {"symbol": _S, "path": {**_S, "description": "file where the symbol is used, to resolve imports"}},
            ["symbol"]),
    _schema("find_references", "Where a symbol is used, also under an import alias or through re-exports.",
            {"symbol": _S, "path": {**_S, "description": "file that defines or imports it, to disambiguate"}},
            ["symbol"]),
    _schema("update_plan", "Write the full step list. Keep it current: mark the step you work on 'doing'.",
            {"steps": {"type": "array", "items": {"type": "object", "properties": {
                "text": _S, "status": {"type": "string", "enum": ["todo", "doing", "done"]}},
                "required": ["text", "status"], "additionalProperties": False}}}, ["steps"]),
    _schema("ask_user", "Ask the user a clarifying question when the task is ambiguous, then wait.",
            {"question": _S, "choices": {"type": "array", "items": _S}}, ["question"]),
    _schema("propose_patch", "Propose a change as a unified diff (paths relative to the repo root, "
            "a/ b/ prefixes optional, with context lines). The user reviews it before it is applied.",
            {"diff": _S, "summary": _S}, ["diff"]),
    _schema("run_tests", "Run the project's tests (configured or detected). A different command needs approval.",
            {"command": {**_S, "description": "optional shell command; omit to run the project's tests"}}, []),
    _schema("browse_url", "Fetch a web page (documentation) as text.", {"url": _S}, ["url"]),
    _schema("web_search", "Search the web for a question; returns result titles and links.",
            {"question": _S}, ["question"]),
    _schema("read_playbook", "Read the full text of a playbook listed by name in the system prompt. "
            "Long ones are windowed by lines, like read_file.",
            {"name": _S, "start_line": _I}, ["name"]),
    _schema("finish", "End the task with a summary of what changed and how it was verified.",
            {"summary": _S}, ["summary"]),
]

NAMES = [s["function"]["name"] for s in SCHEMAS]
_BY_NAME = {s["function"]["name"]: s["function"]["parameters"] for s in SCHEMAS}

SIMPLE: dict[str, Callable[[ToolContext, dict[str, Any]], ToolOutput]] = {
    "list_dir": fs.list_dir, "find_files": fs.find_files, "read_file": fs.read_file,
    "search_code": code.search_code, "go_to_definition": code.go_to_definition,
    "find_references": code.find_references, "read_playbook": code.read_playbook,
    "browse_url": web.browse_url, "web_search": web.web_search,
}
#: tools whose work happens in a worker thread (file system, index, network)
BLOCKING = set(SIMPLE)

_TYPES = {"string": str, "integer": int, "array": list, "object": dict, "boolean": bool}


def validate(name: str, args: dict[str, Any] | None,
             schemas: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Check a call against its schema; the ToolError text tells the model exactly what to fix. ``schemas`` (tool
    name -> parameters) are genie's own unless given: ``genie export`` checks a session's calls against the tools
    that session recorded, so exactly the calls genie refused are marked."""
    by_name = _BY_NAME if schemas is None else schemas
    if name not in by_name:
        raise ToolError(f"unknown tool {echoed(name)}; available: {', '.join(by_name)}")
    if args is None:
        raise ToolError(f"{name}: arguments must be a JSON object")
    schema = by_name[name]
    props, required = schema.get("properties") or {}, schema.get("required") or []
    missing = [k for k in required if k not in args]
    if missing:
        raise ToolError(f"{name}: missing required argument(s) {', '.join(missing)}")
    unknown = [k for k in args if k not in props]
    if unknown:
        shown = ", ".join(k if len(k) <= 60 else echoed(k, 60) for k in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise ToolError(f"{name}: unknown argument(s) {shown}{more}; expected {', '.join(props)}")
    for key, value in args.items():
        kind = props[key].get("type")
        expected = _TYPES.get(kind) if isinstance(kind, str) else None
        if expected is None or (value is None and key not in required):
            continue  # a type genie's own tools never declare (a recorded session's schema might) is not checked
        if expected is int and isinstance(value, str) and value.strip().isdecimal():  # not "²", which int() refuses
            args[key] = int(value)
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            article = "an" if kind[:1] in "aeiou" else "a"
            raise ToolError(f"{name}: argument {key} must be {article} {kind}, got {type(value).__name__}")
    return args


#: tools that answer from the code index (and say so while its build still runs)
INDEXED = frozenset({"find_files", "search_code", "go_to_definition", "find_references"})


def run_simple(ctx: ToolContext, name: str, args: dict[str, Any]) -> ToolOutput:
    if name in INDEXED:
        ctx.settle_index()
    out = SIMPLE[name](ctx, args)
    if name in INDEXED and (note := ctx.index_note()):
        out = ToolOutput(out.text + note, out.looked)
    return out
