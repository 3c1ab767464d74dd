"""CommonJS modules recorded the way ES modules are (see imports.imports_of and imports.reexports), so that
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
    if left is not None and left.type == "subscript_expression":  # exports['X'], module.exports['X']
        obj, key = left.child_by_field_name("object"), left.child_by_field_name("index")
        if obj is None or key is None or key.type != "string" or not _is_exports(obj):
            return None
        name = _text(key)[1:-1]
        return name if name and "." not in name else None  # a dot would read as a member, see _destructured
    text = _SPACE.sub("", _text(left)) if left is not None else ""
    if text == "module.exports":
        return ""
    for prefix in ("module.exports.", "exports."):
        rest = text[len(prefix):] if text.startswith(prefix) else ""
        if rest and "." not in rest:
            return rest
    return None


def _is_exports(node: Any) -> bool:
    """``node`` is ``exports`` or ``module.exports`` (the object itself, not one of its properties)."""
    return node.type in ("identifier", "member_expression") and _SPACE.sub("", _text(node)) in (
        "exports", "module.exports")


def _args(call: Any) -> list[Any]:
    """The arguments of a call, comments left out (``require(/* why */ './w')``)."""
    args = call.child_by_field_name("arguments")
    return [] if args is None else [n for n in args.named_children if "comment" not in n.type]


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
    args = _args(call)
    module = _text(args[0])[1:-1] if len(args) == 1 and args[0].type == "string" else ""
    if not module:
        return []
    helper = _helper(call)
    if helper == "__exportStar":  # TypeScript's compiled ``export * from './w'``
        return [(module, "*", "*")]
    if helper:  # ``__importDefault(require('./w'))``, ``__importStar(...)``: bound as the require itself is
        call = call.parent.parent
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


_HELPERS = ("__importDefault", "__importStar", "__exportStar")  # what TypeScript's compiler wraps a require in


def _helper(call: Any) -> str:
    """The TypeScript helper ``call`` (a ``require``) is the first argument of, also as ``tslib_1.__exportStar``
    (with ``importHelpers``): its name, or ``''``."""
    args = call.parent
    outer = args.parent if args is not None and args.type == "arguments" else None
    if outer is None or outer.type != "call_expression" or _args(outer)[:1] != [call]:
        return ""
    function = outer.child_by_field_name("function")
    name = _text(function).rsplit(".", 1)[-1] if function is not None else ""
    return name if name in _HELPERS else ""


def _destructured(pattern: Any, nested: bool = True) -> list[tuple[str, str]]:
    """``{ Widget, Gadget: G, size = 1 }`` -> ``[(Widget, Widget), (Gadget, G), (size, size)]``. A nested
    pattern binds no exported name but a member of one: ``{ a: { b } }`` -> ``[(a.b, b)]``, ``b`` being the
    ``b`` of the export ``a`` (see resolve.member_owners); deeper ones (``{ a: { b: { c } } }``) and the rest
    (``...others``) are left out."""
    out = []
    for child in pattern.named_children:
        if child.type == "object_assignment_pattern":  # a default value: ``{ size = 1 }``
            child = child.child_by_field_name("left") or child
        if child.type == "shorthand_property_identifier_pattern":
            out.append((_text(child), _text(child)))
        elif child.type == "pair_pattern":
            key, value = _key(child), child.child_by_field_name("value")
            key = "" if "." in key else key  # ``{ 'a.b': x }`` would read as a member
            if value is not None and value.type == "assignment_pattern":  # ``{ size: s = 1 }``
                value = value.child_by_field_name("left")
            if key and value is not None and value.type == "identifier":
                out.append((key, _text(value)))
            elif key and nested and value is not None and value.type == "object_pattern":
                out += [(f"{key}.{member}", alias) for member, alias in _destructured(value, False)]
    return out


def exports(assign: Any) -> tuple[list[Import], list[Def]]:
    """The exports (as import rows of module ``''``, see imports.reexports) and the definitions of an
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


def defined(call: Any) -> tuple[list[Import], list[Def]]:
    """The export of ``Object.defineProperty(exports, 'X', {...})`` (also of ``module.exports``), the form
    TypeScript compiles ``export { X } from './m'`` to: ``{ value: v }`` exports ``v`` as ``exports.X = v``
    does; a getter returning a name or a module's member (``get: function () { return m_1.X; }``) exports
    what it returns. ``__esModule`` is no export."""
    args = _args(call)
    if len(args) != 3 or not _is_exports(args[0]) or args[1].type != "string" or args[2].type != "object":
        return [], []
    name = _text(args[1])[1:-1]
    if not name or "." in name or name == "__esModule":
        return [], []
    statement = call.parent if call.parent is not None and call.parent.type == "expression_statement" else call
    for prop in args[2].named_children:
        if prop.type == "pair" and _key(prop) == "value":
            value = prop.child_by_field_name("value")
            return _value(statement, value, name) if value is not None else ([], [])
        getter = prop.child_by_field_name("value") if prop.type == "pair" and _key(prop) == "get" else \
            prop if prop.type == "method_definition" and _text(prop.child_by_field_name("name")) == "get" else None
        returned = _returned(getter) if getter is not None else None
        if returned is not None and returned.type in ("identifier", "member_expression"):
            return _value(statement, returned, name)
    return [], []


def _returned(function: Any) -> Any:
    """What a function returns when its body is just that: ``() => m.X``, ``function () { return m.X; }``."""
    if function.type not in ("function_expression", "function", "arrow_function", "method_definition"):
        return None
    body = function.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return body
    statements = [n for n in body.named_children if "comment" not in n.type]
    if len(statements) == 1 and statements[0].type == "return_statement":
        values = [n for n in statements[0].named_children if "comment" not in n.type]
        return values[0] if len(values) == 1 else None
    return None


def _value(node: Any, value: Any, name: str) -> tuple[list[Import], list[Def]]:
    """``value`` exported as ``name``: a local name (another name for it), a member of one (``m.X``, kept as
    the local name ``'m.X'`` until imports.reexports finds whether ``m`` is a required module), or a
    definition spanning ``node``."""
    if value.type == "identifier":
        return [("", _text(value), name)], []
    if value.type == "member_expression":
        obj, prop = value.child_by_field_name("object"), value.child_by_field_name("property")
        if obj is not None and obj.type == "identifier" and prop is not None and prop.type == "property_identifier":
            return [("", f"{_text(obj)}.{_text(prop)}", name)], []
        return [], []
    if value.type in _FUNCTIONS:
        return [], [(node, name, _FUNCTIONS[value.type])]
    return [], []
