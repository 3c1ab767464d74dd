"""The type a definition belongs to when the syntax says so outside any class body (see :func:`owner_of`)."""

from __future__ import annotations

import re
from typing import Any

from genie_tui.retrieval.imports import JS_LANGS

_GENERIC_ARGS = re.compile(r"<[^<>]*>|\[[^\[\]]*\]")  # C++/Rust <T>, Go [T]


def node_text(node: Any) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def type_name(text: str) -> str:
    """``&'a mut geo::Shape<T>``, ``*Client[T]`` -> the last identifier of a type, without generics or pointers."""
    while True:
        bare = _GENERIC_ARGS.sub("", text)
        if bare == text:
            break
        text = bare
    m = re.search(r"(\w+)\W*$", text.split("::")[-1])
    return m.group(1) if m else ""


def owner_of(lang: str, node: Any, full_name: str) -> str:
    """The type a method belongs to when the syntax says so outside any class body: a Go receiver
    (``func (c *Client) Serve()``), a Rust ``impl Type`` / ``impl Trait for Type`` block (also of an associated
    const or type there, ``Counter.Item`` of ``impl Iterator for Counter { type Item = u32; }``), a C++ qualified
    name (``double geo::Shape::area()``), the object a JavaScript function is assigned to (``res`` of
    ``res.send = function () {}``, ``Router`` of ``Router.prototype.use = ...``; not ``this``), a Kotlin
    extension function's receiver (``String`` of ``fun String.shout()``, ``List`` of ``fun <T> List<T>.second()``;
    not a function type's), the type of a Swift ``extension Circle`` or of a Scala 3 ``extension (s: String)``."""
    if lang == "go" and node.type == "method_declaration":
        recv = node.child_by_field_name("receiver")
        return type_name(node_text(recv).strip("() \t")) if recv is not None else ""
    if lang == "rust":
        body = node.parent
        impl = body.parent if body is not None and body.type == "declaration_list" else None
        if impl is not None and impl.type == "impl_item":
            typ = impl.child_by_field_name("type")
            return type_name(node_text(typ)) if typ is not None else ""
        return ""
    if lang in JS_LANGS and (node.type in ("assignment_expression", "pair") or (
            node.type == "method_definition" and node.parent is not None and node.parent.type == "object")):
        if node.type == "assignment_expression":  # ``Router.prototype.use = function``
            left = node.child_by_field_name("left")
            holder = left.child_by_field_name("object") if left is not None else None
        else:  # ``var utils = { merge: function }``, ``{ merge() {} }``, ``Router.prototype = { use: function }``
            outer = node.parent.parent if node.parent is not None else None
            field = {"variable_declarator": "name", "assignment_expression": "left"}.get(outer.type) if outer else None
            holder = outer.child_by_field_name(field) if outer is not None and field else None
        parts = [p for p in re.split(r"\s*\.\s*", node_text(holder)) if p != "prototype"] if holder is not None else []
        owner = parts[-1] if parts else ""
        # ``this`` is no name; ``module.exports = { make: function }`` is CommonJS's own definition of ``make``
        return owner if re.fullmatch(r"[A-Za-z_$][\w$]*", owner) and owner not in ("this", "exports") else ""
    if lang == "kotlin" and node.type == "function_declaration":
        name = node.child_by_field_name("name")
        dot = name.prev_sibling if name is not None else None
        recv = dot.prev_sibling if dot is not None and dot.type == "." else None
        if recv is not None and recv.type == "nullable_type" and recv.named_child_count:
            recv = recv.named_children[0]  # ``fun String?.orEmpty()``
        return type_name(node_text(recv)) if recv is not None and recv.type == "user_type" else ""
    if lang == "swift":  # a member of ``extension Circle { ... }`` (an extension's name is a type, not a name)
        body = node.parent
        ext = body.parent if body is not None and body.type in ("class_body", "enum_class_body") else None
        typ = ext.child_by_field_name("name") if ext is not None and ext.type == "class_declaration" else None
        return type_name(node_text(typ)) if typ is not None and typ.type == "user_type" else ""
    if lang == "scala":  # Scala 3's ``extension (s: String) def shout`` or ``extension [T](xs: List[T]) { ... }``
        ext = node.parent  # the extension's defs are its children, in braces or indented
        params = ext.child_by_field_name("parameters") if ext is not None and ext.type == "extension_definition" \
            else None
        first = params.named_children[0] if params is not None and params.named_child_count else None
        typ = first.child_by_field_name("type") if first is not None else None
        return type_name(node_text(typ)) if typ is not None else ""
    if lang == "cpp" and "::" in full_name:
        parts = _GENERIC_ARGS.sub("", full_name).split("::")
        return type_name(parts[-2]) if len(parts) > 1 and parts[-2].strip() else ""
    return ""
