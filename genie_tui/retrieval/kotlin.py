"""What tree-sitter-kotlin misreads in valid Kotlin, rewritten for it without moving a byte or a line."""

from __future__ import annotations

import re
from typing import Any

from genie_tui.retrieval.langs import parse_within

# Two things tree-sitter-kotlin (1.1) misreads, each rewritten into the same Kotlin with every byte offset and line
# kept: a class body whose last member ends on the line of its closing brace (``class Keys { fun all() = 1 }``),
# after which, with more such classes, it can skip the rest of the file (a ``;`` for the space before the brace);
# and a primary constructor on the line after the class name (``class Builder\ninternal constructor(...)``,
# ktfmt's style), which in a class it takes for a secondary constructor of the enclosing class, the class's body
# for the constructor's, or fails on (the line break moved from before the modifier to after it)
_KT_LAST_ON_BRACE_LINE = re.compile(rb"(?<=[^\s{])[ \t](?=})")
_KT_CTOR_NEXT_LINE = re.compile(
    rb"(\bclass[ \t]+\w+(?:[ \t]*<[^<>\n]*>)?[ \t]*)\n([ \t]*(?:public|private|internal|protected))[ \t]"
    rb"(constructor\b)")


def reparse(parser: Any, data: bytes, tree: Any, deadline: float) -> tuple[Any, bytes]:
    """The tree of ``data`` with what tree-sitter-kotlin misreads rewritten, unless that has more errors (parsed by
    ``deadline``, as the first: see langs.parse_within), and the text it was parsed from."""
    patched = _KT_CTOR_NEXT_LINE.sub(rb"\1 \2\n\3", data)
    if tree.root_node.has_error:
        patched = _KT_LAST_ON_BRACE_LINE.sub(b";", patched)
    if patched == data:
        return tree, data
    other = parse_within(parser, patched, deadline)
    return (other, patched) if _error_bytes(other.root_node) <= _error_bytes(tree.root_node) else (tree, data)


def _error_bytes(node: Any) -> int:
    """How much of the text under ``node`` the parser could not read (bytes in error nodes, and one for each
    token it had to assume)."""
    total, todo = 0, [node]  # a loop: a long chain of ``a + b + ...`` nests deeper than Python recurses
    while todo:
        n = todo.pop()
        if n.type == "ERROR":
            total += n.end_byte - n.start_byte
        elif n.is_missing:
            total += 1
        else:
            todo.extend(child for child in n.children if child.has_error or child.is_missing)
    return total
