"""CommonJS modules recorded the way ES modules are (see extract._imports and extract._reexports), so that
definitions and references follow them with the same rules.

What a ``require`` binds is an import row: ``const { Widget: W } = require('./w')`` is ``('./w', 'Widget',
'W')``, ``const W = require('./w').Widget`` too, and ``const lib = require('./lib')`` binds both the module's
``default`` (``module.exports = Widget``, then ``new lib()``) and the module as a namespace (``lib.Widget``):
``('./lib', 'default', 'lib')`` and ``('./lib', '*', 'lib')``. What ``module.exports`` or ``exports.X`` is
assigned (or TypeScript's ``export =``) is an export: ``module.exports = Widget`` is ``export default Widget`` (``('', 'Widget',
'default')``), ``exports.W = Widget`` is ``export { Widget as W }``, ``module.exports = require('./w')`` is
``export * from './w'`` plus its default; a function or class assigned there is a definition named for what
it is exported as (``exports.make = function () {}`` defines ``make``; an anonymous ``module.exports = class
{}`` defines ``default``, the name JavaScript gives it).
"""

from __future__ import annotations

import re
from typing import Any

Import = tuple[str, str, str]  # (module, name, local alias), as in extract.Parsed.imports
Def = tuple[Any, str, str]  # (node, name, kind)

_FUNCTIONS = {"function_expression": "function", "function": "function", "arrow_function": "function",
              "generator_function": "function", "class": "class"}
_SPACE = re.compile(r"\s+")


def _text(node: Any) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _export_name(assign: Any) -> str | None:
    """What an assignment exports: ``''`` for ``module.exports = ...`` (the whole module), ``'X'`` for
    ``exports.X = ...`` or ``module.exports.X = ...``, None for any other assignment."""
    left = assign.child_by_field_name("left")
    text = _SPACE.sub("", _text(left)) if left is not None else ""
    if text == "module.exports":
        return ""
    for prefix in ("module.exports.", "exports."):
        rest = text[len(prefix):] if text.startswith(prefix) else ""
        if rest and "." not in rest:
            return rest
    return None


def _key(pair: Any) -> str:
    key = pair.child_by_field_name("key")
    if key is None:
        return ""
    if key.type == "string":
        return _text(key)[1:-1]
    return _text(key) if key.type == "property_identifier" else ""


def _bound(value: Any) -> str | None:
    """The name ``value`` is bound to: ``X`` of ``const X = value`` or of an export (``exports.X = value``, a
    property ``X: value`` of ``module.exports = {...}``), ``default`` for ``module.exports = value``."""
    parent = value.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator" and parent.child_by_field_name("value") == value:
        name = parent.child_by_field_name("name")
        return _text(name) if name is not None and name.type == "identifier" else None
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == value:
        name = _export_name(parent)
        return None if name is None else name or "default"
    if parent.type == "pair" and parent.child_by_field_name("value") == value and _in_exports(parent.parent):
        return _key(parent) or None
    return None


def _in_exports(obj: Any) -> bool:
    """``obj`` is the object literal of ``module.exports = {...}``."""
    assign = obj.parent if obj is not None and obj.type == "object" else None
    return (assign is not None and assign.type == "assignment_expression"
            and assign.child_by_field_name("right") == obj and _export_name(assign) == "")


def required(call: Any) -> list[Import]:
    """The import rows of one ``require('...')`` call: what it binds, or just the module (the import graph)."""
    args = call.child_by_field_name("arguments")
    module = _text(args.named_children[0])[1:-1] if args is not None and args.named_children else ""
    if not module:
        return []
    parent = call.parent
    if parent is not None and parent.type == "member_expression" and parent.child_by_field_name("object") == call:
        prop = parent.child_by_field_name("property")  # require('./w').Widget
        name = _bound(parent)
        return [(module, _text(prop), name)] if name and prop is not None else [(module, "", "")]
    if parent is not None and parent.type == "variable_declarator" and parent.child_by_field_name("value") == call:
        pattern = parent.child_by_field_name("name")
        if pattern is not None and pattern.type == "object_pattern":
            return [(module, key, alias) for key, alias in _destructured(pattern)] or [(module, "", "")]
    if parent is not None and parent.type == "spread_element" and _in_exports(parent.parent):
        return [(module, "*", "*")]  # module.exports = { ...require('./w') }
    name = _bound(call)
    if name == "default":  # module.exports = require('./w'): everything ./w exports, its default too
        return [(module, "*", "*"), (module, "default", "default")]
    if name:
        return [(module, "default", name), (module, "*", name)]
    return [(module, "", "")]


def _destructured(pattern: Any) -> list[tuple[str, str]]:
    """``{ Widget, Gadget: G, size = 1 }`` -> ``[(Widget, Widget), (Gadget, G), (size, size)]``; a nested
    pattern (``{ a: { b } }``) and the rest (``...others``) bind no exported name and are left out."""
    out = []
    for child in pattern.named_children:
        if child.type == "object_assignment_pattern":  # a default value: ``{ size = 1 }``
            child = child.child_by_field_name("left") or child
        if child.type == "shorthand_property_identifier_pattern":
            out.append((_text(child), _text(child)))
        elif child.type == "pair_pattern":
            key, value = _key(child), child.child_by_field_name("value")
            if value is not None and value.type == "assignment_pattern":  # ``{ size: s = 1 }``
                value = value.child_by_field_name("left")
            if key and value is not None and value.type == "identifier":
                out.append((key, _text(value)))
    return out


def exports(assign: Any) -> tuple[list[Import], list[Def]]:
    """The exports (as import rows of module ``''``, see extract._reexports) and the definitions of an
    assignment to ``module.exports`` or ``exports.X``, or of TypeScript's ``export = ...`` (which is
    ``module.exports = ...``); a ``require`` on its right is :func:`required`'s."""
    name: str | None
    if assign.type == "export_statement":
        values = [n for n in assign.named_children if "comment" not in n.type]
        name, right, statement = "", values[-1] if values else None, assign
    else:
        name, right = _export_name(assign), assign.child_by_field_name("right")
        statement = assign.parent if assign.parent is not None and assign.parent.type == "expression_statement" \
            else assign  # the node a comment above documents
    while right is not None and right.type == "assignment_expression":  # module.exports = exports = ...
        right = right.child_by_field_name("right")
    if name is None or right is None:
        return [], []
    if name:
        return _value(statement, right, name)
    if right.type == "object":
        imports: list[Import] = []
        defs: list[Def] = []
        for pair in right.named_children:
            value = pair.child_by_field_name("value") if pair.type == "pair" else None
            if value is not None and _key(pair):
                i, d = _value(pair, value, _key(pair))
                imports += i
                defs += d
        return imports, defs
    own = right.child_by_field_name("name") if right.type in _FUNCTIONS else None
    if own is not None:  # module.exports = class Widget {}: Widget, exported as default
        return [("", _text(own), "default")], [(statement, _text(own), _FUNCTIONS[right.type])]
    return _value(statement, right, "default")


def _value(node: Any, value: Any, name: str) -> tuple[list[Import], list[Def]]:
    """``value`` exported as ``name``: a local name (another name for it), or a definition spanning ``node``."""
    if value.type == "identifier":
        return [("", _text(value), name)], []
    if value.type in _FUNCTIONS:
        return [], [(node, name, _FUNCTIONS[value.type])]
    return [], []
