"""Parse one playbook file: YAML front matter plus a markdown body, validated with file-and-line errors.

Every problem becomes an :class:`Invalid` carrying the line it concerns, so the loader can skip the file
with a one-line warning (``path:line: message``) instead of crashing the session.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from genie_tui.playbooks.match import glob_problem
from genie_tui.playbooks.model import Playbook, Source

#: Larger files are refused unread: a playbook is a page of instructions, not a data dump.
MAX_BYTES = 256 * 1024
KEYS = ("name", "description", "applies_to", "keywords", "always", "priority")
#: A description is one line: longer ones are cut, as they are listed in the system prompt (a playbook that does
#: not fit it), in ``genie playbooks list`` and in the palette.
MAX_DESCRIPTION = 200
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
#: Why a repo file whose real path is elsewhere is skipped (the indexer and ``genie apply`` say the same).
OUTSIDE = "a symlink to outside the repository"

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.*\S)\s*$")


class Invalid(Exception):
    """A playbook file that cannot be used; ``line`` is 1-based, or ``None`` when no line applies."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def read_text(path: Path, root: Path | None = None) -> str:
    """Read a playbook file as UTF-8, refusing huge, binary-encoded or unreadable files with a reason.

    With ``root`` (the file comes from that repository), a file whose real path is outside it is refused
    unread: a cloned repo's ``CLAUDE.md -> ~/.aws/credentials`` must never reach the system prompt.
    """
    from genie_tui.reading import NotRegularFile, TooLarge, read_regular

    if root is not None and not is_inside(path, root):
        raise Invalid(OUTSIDE)
    try:  # checked and read in one go: a file swapped for a named pipe in between is still refused
        data = read_regular(path, MAX_BYTES)
    except (NotRegularFile, IsADirectoryError, FileNotFoundError):
        raise Invalid("not a regular file") from None
    except TooLarge:
        size = path.stat().st_size
        raise Invalid(f"too large ({_human(size)}; the limit is {_human(MAX_BYTES)})") from None
    except OSError as exc:
        raise Invalid(f"cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Invalid(f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", line) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symlinks followed, is ``root`` or under it. A path that cannot be resolved (a symlink
    loop) counts as inside: opening it fails anyway, with its own reason."""
    try:
        real, top = path.resolve(), root.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return True
    return real == top or top in real.parents


def parse_playbook(path: Path, source: Source, root: Path | None = None) -> Playbook:
    """Parse a front-matter playbook (bundled, user or repo ``.genie/playbooks/*.md``).

    ``root`` is the repository a repo playbook comes from; see :func:`read_text`.
    """
    text = read_text(path, root)
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise Invalid("no front matter: start the file with a '---' line, then 'name: ...', then '---'", 1)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise Invalid("front matter is not closed: add a '---' line after the last key", 1)
    data, key_lines, nodes = _load_yaml("\n".join(lines[1:end]))
    body = "\n".join(lines[end + 1 :]).strip()
    body_line = end + 2

    unknown = [k for k in data if k not in KEYS]
    if unknown:
        import difflib

        key = unknown[0]
        close = difflib.get_close_matches(str(key), KEYS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(KEYS)})"
        raise Invalid(f"unknown key '{key}'{hint}", key_lines.get(key))
    name = data.get("name")
    if (name is not None and not isinstance(name, str)) or (name is None and _raw(nodes.get("name"))):
        raise Invalid(_not_a_string("'name'", name, nodes.get("name")), key_lines["name"])
    if not name:
        raise Invalid("missing 'name' in the front matter", key_lines.get("name", 1))
    if not NAME_RE.match(name):
        raise Invalid(
            f"bad name {_what(name)}: use letters, digits, '-', '_' or '.', at most 64 characters", key_lines["name"]
        )
    description = _clipped(_opt_str(data, "description", key_lines, nodes), MAX_DESCRIPTION)
    applies_to = _str_list(data, "applies_to", key_lines, nodes)
    for glob in applies_to:
        problem = glob_problem(glob)
        if problem:  # caught here, a bad glob cannot break matching (and with it every read_file) later
            raise Invalid(f"bad glob {glob!r} in 'applies_to': {problem}", key_lines.get("applies_to"))
    keywords = _str_list(data, "keywords", key_lines, nodes)
    always = data.get("always", False)
    if not isinstance(always, bool):
        raise Invalid(f"'always' must be true or false, not {_what(always)}", key_lines.get("always"))
    priority = data.get("priority", 0)
    if priority is None:
        priority = 0
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise Invalid(f"'priority' must be a whole number, not {_what(priority)}", key_lines.get("priority"))
    if not body:
        raise Invalid("no body: write the instructions below the front matter", body_line)
    return Playbook(
        name=name,
        description=description or summary(body),
        source=source,
        path=path,
        applies_to=applies_to,
        keywords=keywords,
        always=always,
        priority=priority,
        body=body,
        steps=extract_steps(body),
    )


def _load_yaml(text: str) -> tuple[dict[Any, Any], dict[Any, int], dict[str, Any]]:
    """Load the front matter as a mapping, each key's file line (front matter starts at line 2) and each
    key's YAML value node (what was written, for messages about what YAML made of it)."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        # each key as YAML read it (``1: x`` is the number 1), to name a key that is not a string as written
        keys = [loader.construct_object(k) for k, _ in node.value] if isinstance(node, yaml.MappingNode) else []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark and mark and exc.context_mark.line != mark.line:
            what += f" ({exc.context} started on line {exc.context_mark.line + 2})"
        raise Invalid(f"broken YAML front matter: {what}", mark.line + 2 if mark else None) from None
    except yaml.YAMLError as exc:
        raise Invalid(f"broken YAML front matter: {str(exc).splitlines()[0]}", 2) from None
    finally:
        loader.dispose()
    if data is None:
        raise Invalid("empty front matter: add at least 'name: ...'", 2)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise Invalid("front matter must be 'key: value' lines", 2)
    key_lines: dict[Any, int] = {}
    nodes: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        line = key_node.start_mark.line + 2
        if key in key_lines:
            raise Invalid(f"key '{key}' appears twice (first on line {key_lines[key]})", line)
        key_lines[key] = line
        nodes[key] = value_node
    # a key that YAML reads as no string (``yes`` a boolean, ``1`` a number) goes by what was written: its line
    # is kept by that text, and "unknown key 'True'" named no key of the file
    written = {read: key_node.value for read, (key_node, _) in zip(keys, node.value, strict=True)
               if not isinstance(read, str)}
    return {(k if isinstance(k, str) else written.get(k, k)): v for k, v in data.items()}, key_lines, nodes


def _what(value: Any, limit: int = 60) -> str:
    """``value`` for a one-line message: a scalar's repr, clipped; a list or mapping only named as one, since its
    repr may be endless (YAML aliases nested ten deep stand for billions of items in a few hundred bytes)."""
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _raw(node: Any) -> str:
    """The text a YAML scalar was written as (``yes`` for a value YAML read as true), else ``""``."""
    value = getattr(node, "value", None)
    return value if isinstance(value, str) else ""


def _not_a_string(what: str, value: Any, node: Any) -> str:
    """Why ``value`` is not the string the user meant: ``name: yes`` is a boolean to YAML, so say so."""
    import datetime

    raw = _raw(node)
    kind = ("a boolean" if isinstance(value, bool) else "a number" if isinstance(value, (int, float))
            else "a date" if isinstance(value, datetime.date) else "nothing (null)" if value is None else "")
    if raw and kind:
        return f'{what} must be a string, but YAML read {raw} as {kind}; quote it: "{raw}"'
    shape = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__
    return f"{what} must be a string, not {shape}"


def _opt_str(data: dict[str, Any], key: str, key_lines: dict[Any, int], nodes: dict[str, Any]) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_not_a_string(f"'{key}'", value, nodes.get(key)), key_lines.get(key))
    return " ".join(value.split())


def _str_list(data: dict[str, Any], key: str, key_lines: dict[Any, int], nodes: dict[str, Any]) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list):  # keywords: [yes, no] are booleans to YAML: say which item and why
        item_nodes = getattr(nodes.get(key), "value", None) or []
        for i, item in enumerate(items):
            if not isinstance(item, (str, list, dict)) and i < len(item_nodes) and _raw(item_nodes[i]):
                raise Invalid(_not_a_string(f"'{key}' item {i + 1}", item, item_nodes[i]),
                              item_nodes[i].start_mark.line + 2)
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise Invalid(f"'{key}' must be a list of non-empty strings, e.g. [\"a\", \"b\"]", key_lines.get(key))
    return tuple(i.strip() for i in items)


def extract_steps(body: str) -> tuple[str, ...]:
    """The items of the body's ``## Steps`` checklist (``- [ ] ...``, ``- ...`` or ``1. ...``), in order.

    Indented lines (wrapped text, nested bullets) join the item above, so each step stays one line.
    """
    steps: list[str] = []
    in_steps = in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = _HEADING.match(line)
        if heading:
            if in_steps and len(heading.group(1)) <= 2:
                break
            in_steps = len(heading.group(1)) == 2 and heading.group(2).rstrip(":").strip().lower() == "steps"
            continue
        if not in_steps or not line.strip():
            continue
        item = _ITEM.match(line)
        if item is not None and (not line[:1].isspace() or not steps):
            steps.append(item.group(1))
        elif steps:
            extra = _ITEM.match(line.strip())
            steps[-1] += " " + (extra.group(1) if extra else line.strip())
    return tuple(steps)


def summary(body: str, limit: int = 100) -> str:
    """A one-line description for playbooks without one: the body's first line of prose."""
    for line in body.split("\n"):
        text = line.strip().lstrip("#>-*").strip()
        if text:
            return _clipped(text, limit)
    return ""


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"
