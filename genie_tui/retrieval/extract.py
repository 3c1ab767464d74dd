"""Turn one file's text into definitions, references, imports and search tokens (tree-sitter for code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from genie_tui.retrieval.langs import grammar, parser_for

_CLASSY = ("class", "module")


@dataclass(slots=True)
class Definition:
    name: str
    kind: str  # class, function, method, module
    line: int
    end_line: int
    doc: str
    parent: str = ""


@dataclass(slots=True)
class Parsed:
    defs: list[Definition] = field(default_factory=list)
    refs: dict[str, list[int]] = field(default_factory=dict)
    imports: list[tuple[str, str, str]] = field(default_factory=list)  # (module, name, local alias)


def _text(node: Any) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _doc_of(node: Any, lang: str) -> str:
    """A definition's docstring (Python) or the comment right above it (other languages)."""
    if lang == "python":
        body = node.child_by_field_name("body")
        if body is not None and body.named_child_count:
            first = body.named_children[0]
            if first.type == "expression_statement" and first.named_child_count:
                s = first.named_children[0]
                if s.type == "string":
                    return _text(s).strip("\"' \n\r\tbrBRuU")[:400]
        return ""
    prev = node.prev_named_sibling
    if prev is not None and "comment" in prev.type and prev.end_point[0] >= node.start_point[0] - 1:
        return _text(prev)[:400]
    return ""


def parse(path: str, lang: str, data: bytes) -> Parsed:
    """Definitions (with spans, docstrings and enclosing class), references by name, imports."""
    out = Parsed()
    g = grammar(lang)
    parser = parser_for(lang)
    if g is None or parser is None:
        return out
    import tree_sitter as ts

    tree = parser.parse(data)
    root = tree.root_node
    raw: list[tuple[int, int, str, str, int, int, Any]] = []
    for _, caps in ts.QueryCursor(g[1]).matches(root):
        if "import" in caps:
            for node in caps["import"]:
                out.imports.extend(_imports(lang, _text(node)))
            continue
        names = caps.get("name")
        if not names:
            continue
        for key, nodes in caps.items():
            if key.startswith("def."):
                node = nodes[0]
                name = _text(names[0]).split("::")[-1]
                raw.append((node.start_byte, -node.end_byte, name, key[4:], node.start_point[0] + 1,
                            node.end_point[0] + 1, node))
    raw.sort(key=lambda r: (r[0], r[1]))
    stack: list[tuple[int, Definition]] = []
    seen: set[tuple[int, int]] = set()
    for start, neg_end, name, kind, line, end_line, node in raw:
        if (start, neg_end) in seen:
            continue
        seen.add((start, neg_end))
        while stack and stack[-1][0] <= start:
            stack.pop()
        parent = stack[-1][1] if stack else None
        if kind == "function" and parent is not None and parent.kind in _CLASSY:
            kind = "method"
        d = Definition(name, kind, line, end_line, _doc_of(node, lang), parent.name if parent else "")
        out.defs.append(d)
        stack.append((-neg_end, d))
    refs = out.refs
    for nodes in ts.QueryCursor(g[2]).captures(root).values():
        for n in nodes:
            refs.setdefault(_text(n), []).append(n.start_point[0] + 1)
    return out


_PY_FROM = re.compile(r"^\s*from\s+([.\w]+)\s+import\s+\(?([^)]*)\)?", re.DOTALL)
_PY_IMPORT = re.compile(r"^\s*import\s+(.+)$", re.DOTALL)
_JS_FROM = re.compile(r"""import\s+(.*?)\s+from\s+['"]([^'"]+)['"]""", re.DOTALL)
_JS_BARE = re.compile(r"""import\s+['"]([^'"]+)['"]""")


def _imports(lang: str, text: str) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    if lang == "python":
        m = _PY_FROM.match(text)
        if m:
            for item in m.group(2).replace("\\", " ").split(","):
                bits = item.split()
                if bits:
                    out.append((m.group(1), bits[0], bits[-1]))
            return out
        m = _PY_IMPORT.match(text)
        if m:
            for item in m.group(1).split(","):
                bits = item.split()
                if bits:
                    out.append((bits[0], "", bits[-1] if len(bits) == 3 else bits[0].split(".")[0]))
        return out
    if lang in ("javascript", "typescript", "tsx"):
        m = _JS_FROM.search(text)
        if m:
            module, spec = m.group(2), m.group(1)
            for part in re.findall(r"[\w$]+(?:\s+as\s+[\w$]+)?|\*\s+as\s+[\w$]+", spec.replace("type ", "")):
                bits = part.split()
                out.append((module, bits[0], bits[-1]))
            return out
        m = _JS_BARE.search(text)
        if m:
            out.append((m.group(1), "", ""))
        return out
    module = re.sub(r"^\s*(use|import|#\s*include)\s+|[;\"<>]|\s+$", "", text)
    if module:
        out.append((module.strip(), "", ""))
    return out
