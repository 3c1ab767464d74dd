"""Turn one file's text into definitions, references, imports and search tokens (tree-sitter for code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from genie_tui.retrieval import commonjs, components, kotlin, langs, messages
from genie_tui.retrieval.imports import JS_LANGS, imports_of, reexports
from genie_tui.retrieval.langs import grammar, parser_for
from genie_tui.retrieval.owner import node_text as _text
from genie_tui.retrieval.owner import owner_of, type_name

# a JavaScript key that reads as a name: an identifier, or words joined by hyphens (``"fetch-all"() {}``), as
# commands and events are named; not one with spaces, dots or escapes
_JS_KEY = re.compile(r"(?:[^\W\d]|\$)[\w$]*(?:-[\w$]+)*")


@dataclass(slots=True)
class Definition:
    name: str
    kind: str  # class, function, method, module, value (a named constant or variable: ``const MAX = 5``)
    line: int
    end_line: int
    doc: str
    parent: str = ""
    head: int = 0  # the first line of its decorators or attributes (``@app.route``, ``#[test]``), 0 if none


@dataclass(slots=True)
class Parsed:
    defs: list[Definition] = field(default_factory=list)
    refs: dict[str, list[int]] = field(default_factory=dict)
    imports: list[tuple[str, str, str]] = field(default_factory=list)  # (module, name, local alias)
    strings: list[tuple[int, int, str]] = field(default_factory=list)  # (line, key, segments), see messages
    # C and C++ functions declared without a body (``int plat_init(void);``), kind "declaration": see declared.py
    decls: list[Definition] = field(default_factory=list)


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
    if node.type in ("identifier", "simple_identifier"):  # ``south`` of ``case north, south``: the case's comment
        node = _holder(node) or node
    elif node.type in ("simple_enum_case", "full_enum_case") and node.parent is not None:  # Scala's, the same
        node = node.parent
    if node.type in ("const_spec", "var_spec") and node.prev_named_sibling is None and node.parent is not None:
        node = node.parent  # Go's ``const Port = 80``: the comment above the declaration
    prev = node.prev_named_sibling
    if prev is not None and "comment" in prev.type and prev.end_point[0] >= node.start_point[0] - 1:
        return _text(prev)[:400]
    return ""


def _cursor(query: Any) -> Any:
    """A cursor over ``query`` whose matches start at most :data:`langs.QUERY_DEPTH` deep."""
    import tree_sitter as ts

    cursor = ts.QueryCursor(query)
    cursor.set_max_start_depth(langs.QUERY_DEPTH)
    return cursor


def parse(path: str, lang: str, data: bytes) -> Parsed:
    """Definitions (with spans, docstrings and enclosing class), references by name, imports. Raises
    langs.TooSlow when tree-sitter takes longer than langs.PARSE_SECONDS allows over the file."""
    deadline = langs.parse_deadline(data)
    out = Parsed()
    component = ""
    template: dict[str, list[int]] = {}
    if lang in components.COMPONENT_LANGS:  # a Vue or Svelte component: its <script> blocks, as JavaScript or TypeScript
        template = components.template_uses(data)
        data, lang = components.scripts_only(data)
        component = components.component_name(path)
    g = grammar(lang)
    parser = parser_for(lang)
    if g is None or parser is None:
        return out
    tree, src = langs.parse_within(parser, data, deadline), data
    if lang == "kotlin":
        tree, src = kotlin.reparse(parser, data, tree, deadline)
    root = tree.root_node
    raw: list[tuple[int, int, str, str, int, int, Any, str]] = []
    for _, caps in _cursor(g[1]).matches(root):
        if "import" in caps:
            for node in caps["import"]:
                out.imports.extend(imports_of(lang, _text(node)))
            continue
        if "export.default" in caps:  # recorded as ``export { Widget as default }`` is, see _reexports
            out.imports.extend(("", _text(node), "default") for node in caps["export.default"])
            continue
        if "require" in caps:
            out.imports.extend(commonjs.required(caps["require"][0]))
            continue
        if "cjs.export" in caps or "cjs.define" in caps:
            imports, defs = commonjs.exports(caps["cjs.export"][0]) if "cjs.export" in caps else \
                commonjs.defined(caps["cjs.define"][0])
            out.imports.extend(imports)
            raw.extend(_raw(node, name, kind, name) for node, name, kind in defs)
            continue
        names = caps.get("name") or _named_by_field(caps)
        for key, nodes in caps.items():
            if not key.startswith("def."):
                continue
            for name in names:
                full = _name_of(name, lang)
                # a JavaScript method named by a string that reads as no name (``"Save file"() {}``) or by a value
                # the code computes (``[Symbol.iterator]() {}``): see _name_of
                if not full:
                    continue
                # one of several names a declaration has (``case north, south``) is a definition of its own
                node = nodes[0] if len(names) == 1 else name
                # ``geo::Shape::area`` is C++'s ``area``; Scala's ``def ::`` is named ``::``
                raw.append(_raw(node, full if lang == "scala" else full.split("::")[-1], key[4:], full,
                                lang == "scala", name))
    raw.sort(key=lambda r: (r[0], r[1]))
    stack: list[tuple[int, Definition]] = []
    seen: set[tuple[int, int]] = set()
    namespaces: set[str] = set()
    for start, neg_end, name, kind, line, end_line, node, full in raw:
        if (start, neg_end) in seen:
            continue
        seen.add((start, neg_end))
        while stack and stack[-1][0] <= start:
            stack.pop()
        if stack and stack[-1][1].name == name and stack[-1][1].kind == kind:
            continue  # ``typedef struct cJSON {...} cJSON;``: one definition, not the struct inside it again
        parent = stack[-1][1].name if stack else ""
        if kind == "declaration":  # not a constructor's (its class is its definition), a friend's, a function's own
            if name != parent and _declared(node):
                out.decls.append(Definition(name, kind, line, end_line, "", parent))
            continue
        # a Rust impl's associated type (``type Item = u32;`` of ``impl Iterator for Counter``) is its type's, as a
        # trait's (``type Item;``) is the trait's
        owned = kind in ("function", "method", "value") or (lang == "rust" and kind == "class")
        owner = owner_of(lang, node, full) if owned else ""
        if owner:
            # ``Meters.ZERO`` of ``impl Meters { const ZERO: ... }`` stays a value, ``Counter.Item`` a type
            parent = owner
            # ``ns::f`` defined out of line in a namespace of this file is a function, ``Cls::f`` a method
            kind = kind if kind in ("value", "class") else "function" if owner in namespaces else "method"
        elif kind == "function" and stack and stack[-1][1].kind == "class":
            kind = "method"  # a function in a C++ namespace or a Rust ``mod`` stays a function
        if kind == "module":
            namespaces.add(name)
        if lang == "ruby" and kind in ("class", "module") and "::" in full:
            parent = full.split("::")[-2]  # Ruby's compact ``class Shop::Cart`` is ``Cart`` of ``Shop``
        d = Definition(name, kind, line, end_line, _doc_of(node, lang), parent, _head(node, line))
        out.defs.append(d)
        stack.append((-neg_end, d))
    if component:  # ``import MyButton from './MyButton.vue'``: the component is the file, named for it; only
        # its first line, so the template and the script's top-level code are still searched in windows
        for d in out.defs:
            d.parent = d.parent or component
        out.defs.insert(0, Definition(component, "module", 1, 1, "", ""))
    if lang in JS_LANGS:
        out.imports = reexports(out.imports)
    refs = out.refs
    caps = _cursor(g[2]).captures(root)
    out.strings = messages.literals(caps.pop("s", []), data)
    for nodes in caps.values():
        for n in nodes:  # ``this.#secret()`` uses ``secret``, as the definition is named (see _name_of); Ruby's
            # ``:total`` names ``total``. Cut from the text: a node's ``text`` costs a read (langs.parse_within)
            text = src[n.start_byte:n.end_byte].decode("utf-8", "replace")
            name = text.lstrip(":") if n.type == "simple_symbol" else text.lstrip("#")
            refs.setdefault(name, []).append(n.start_point[0] + 1)
    for name, lines in template.items():
        refs.setdefault(name, []).extend(lines)
    return out


def _name_of(name: Any, lang: str) -> str:
    """The text of a definition's name: ``name`` without Ruby's colon (``:name``) or Swift's and Scala's back-quotes
    (``def `type` = ...``) or a C++ specialisation's arguments (``Box<int>``); for a C# conversion operator (the declaration itself, as it has no name), its kind and
    the type it converts to: ``implicit int`` of ``implicit operator int(Money m)``, ``explicit List`` of
    ``explicit operator List<int>(Money m)`` (the type's last name, as a search for it would write it)."""
    if name.type == "conversion_operator_declaration":
        kind = next((c.type for c in name.children if c.type in ("implicit", "explicit")), "")
        typ = name.child_by_field_name("type")
        return f"{kind} {type_name(_text(typ)) if typ is not None else ''}".strip()
    if name.type == "template_type" and name.child_by_field_name("name") is not None:
        name = name.child_by_field_name("name")  # C++'s specialisation ``class Box<int> {}`` is a ``Box``
    full = _text(name)
    if lang == "ruby":
        return full.lstrip(":")
    if name.type == "private_property_identifier":  # JavaScript's ``#secret() {}``: ``Service.secret``
        return full.lstrip("#")
    if name.type == "computed_property_name" and lang in JS_LANGS:
        # ``['load']() {}`` (or ``[`load`]``) is ``'load'() {}``; ``[Symbol.iterator]() {}`` and ``[KEY]() {}``
        # are named by a value known when the code runs: no definition, as ``"Save file"() {}`` is none
        # (``iterator`` is not its name, ``x.iterator()`` calls no such method, and ``KEY`` is the constant's)
        key = name.named_children[0] if name.named_child_count == 1 else None
        literal = key is not None and (key.type == "string" or (
            key.type == "template_string" and not any(c.type == "template_substitution" for c in key.children)))
        return _name_of(key, lang) if literal else ""
    if name.type in ("string", "template_string") and lang in JS_LANGS:  # ``"fetch-all"() {}`` (see _JS_KEY)
        return full[1:-1] if _JS_KEY.fullmatch(full[1:-1]) else ""
    return full.strip("`") if lang in ("swift", "scala") else full


def _named_by_field(caps: dict[str, list[Any]]) -> list[Any]:
    """The names of a definition captured without one (patterns into these nodes are slow to compile: Swift's
    function_declaration ~110 ms, the node alone 8; see patterns.PATTERNS): a function's ``name`` field, an identifier
    or an operator (Swift's ``static func ==``, ``func <*>``); each name of a declaration that may have several
    (see _HOLDERS); a Scala val or var only in a class, object, trait, enum, given, package or the file, not a
    def's; a Swift property only in a type, or a computed one; a C# conversion operator, which has no name, itself
    (see _name_of)."""
    for key, nodes in caps.items():
        if not key.startswith("def."):
            continue
        node = nodes[0]
        if node.type in _HOLDERS:
            return _names_of(node)
        if node.type == "conversion_operator_declaration":
            return [node]
        name = node.child_by_field_name("name")
        ok = name is not None and (name.type in ("simple_identifier", "identifier", "custom_operator")
                                   or not name.is_named)  # ``==`` is a token of the grammar's own
        return [name] if ok else []
    return []


# declarations that may name several definitions: Swift's ``case north, south``, ``let y, z: Int`` and ``var (a,
# b) = pair``, Scala's ``val a, b = 1``, ``val m, n: Int`` and ``val (a, b) = pair``, C#'s ``event EventHandler
# Changed, Closed;``, Go's ``const Low, High = 1, 2``
_HOLDERS = {"enum_entry", "val_definition", "var_definition", "val_declaration", "var_declaration",
            "event_field_declaration", "property_declaration", "const_spec", "var_spec"}
# what holds a Scala val that is a member
_SCALA_MEMBERS = {"compilation_unit", "template_body", "with_template_body", "enum_body"}
# patterns whose names are bound: Scala's ``(a, b)``, ``Point(a, b)``, ``a: Int``, ``all @ (a, _)``, ``a :: b``,
# ``xs*``, ``Point(x = a)`` (not an alternative, ``A | B``, nor a given's or XML's) and Swift's ``x``, ``(a, _)``
_BINDING = {"tuple_pattern", "case_class_pattern", "typed_pattern", "capture_pattern", "infix_pattern",
            "repeat_pattern", "named_pattern", "named_tuple_pattern", "pattern"}
_SWIFT_MEMBERS = {"class_body", "enum_class_body"}  # what holds a Swift property that is a member


def _names_of(holder: Any) -> list[Any]:
    """The names ``holder`` (one of _HOLDERS) declares, each a pattern binds (``a`` and ``b`` of Scala's
    ``val (a, b) = pair``); none of a local val, nor of a Swift function's local variable (a property not in a
    type is only a definition if it is computed)."""
    if holder.type == "event_field_declaration":
        decl = next((c for c in holder.named_children if c.type == "variable_declaration"), None)
        declarators = [c for c in decl.named_children if c.type == "variable_declarator"] if decl is not None else []
        return [n for d in declarators if (n := d.child_by_field_name("name")) is not None]
    if holder.type in ("const_spec", "var_spec"):  # Go's (a file's: see patterns.PATTERNS); ``_`` names nothing
        return [n for n in holder.children_by_field_name("name") if n.type == "identifier" and _text(n) != "_"]
    if holder.type == "property_declaration":  # Swift's
        if (holder.parent is None or holder.parent.type not in _SWIFT_MEMBERS) and \
                holder.child_by_field_name("computed_value") is None:
            return []
        return [n for p in holder.children_by_field_name("name") for n in _bound(p)]
    if holder.type != "enum_entry" and (holder.parent is None or holder.parent.type not in _SCALA_MEMBERS):
        return []
    pattern = holder.child_by_field_name("pattern")  # a Scala val_definition: ``a`` or ``a, b``
    if pattern is not None:
        return [pattern] if pattern.type == "identifier" else \
            [c for c in pattern.named_children if c.type == "identifier"] if pattern.type == "identifiers" else \
            _bound(pattern)
    return [n for n in holder.children_by_field_name("name") if n.type in ("simple_identifier", "identifier")]


def _bound(pattern: Any) -> list[Any]:
    """The names a pattern inside a Scala ``val`` or a Swift property binds (see _BINDING), left to right: not its
    types, operators or labels (``x`` of ``Point(x = a)``), nor a capitalised or back-quoted name in Scala, which
    reads it as a constant to match (``A`` of ``val (A, b) = pair``)."""
    if pattern.type == "simple_identifier":  # Swift's
        return [pattern]
    if pattern.type == "identifier":
        first = _text(pattern)[:1]
        return [] if first == "`" or first.isupper() else [pattern]
    if pattern.type not in _BINDING:
        return []
    kids = [(c, pattern.field_name_for_child(i)) for i, c in enumerate(pattern.children) if c.is_named]
    if pattern.type == "named_pattern":
        kids = kids[1:]  # ``x = a``: the field's label, then the pattern
    return [n for c, field in kids if field not in ("type", "operator") for n in _bound(c)]


_DECORATIONS = frozenset({"decorator", "attribute_item"})  # JS/TS decorators, Rust attributes


def _head(node: Any, line: int) -> int:
    """The first line of a definition when it starts above its ``line`` (:func:`_line_of`): its decorators or
    attributes (Python's ``@app.route``, TypeScript's ``@Input()``, Rust's ``#[test]``), part of it though the
    grammars leave them outside its node, or C++'s ``template <typename T>``; Java's annotations and a C function's
    return type on a line of its own, which its node starts with. 0 when there are none."""
    first = node
    if node.parent is not None and node.parent.type in ("decorated_definition", "template_declaration"):
        first = node.parent  # Python's decorators; C++'s ``template <typename T>`` line
    else:
        prev = node.prev_named_sibling
        while prev is not None and prev.type in _DECORATIONS:
            first, prev = prev, prev.prev_named_sibling
    start = first.start_point[0] + 1
    return start if start < line else 0


def _declared(node: Any) -> bool:
    """Whether ``node``, a C or C++ declaration of a function, declares one of its file, namespace or class: not a
    friend (another's) nor one inside a function's body, nor what the parser's error recovery made of calls to
    macros that open and close braces (``EXPECT_ABORT_BEGIN``, Unity's tests: ``TEST_ASSERT_X(1, p0, 4);``)."""
    if node.has_error:
        return False
    up = node.parent
    while up is not None:
        if up.type in ("compound_statement", "friend_declaration", "ERROR"):
            return False
        up = up.parent
    return True


def _holder(node: Any) -> Any | None:
    """The declaration ``node``, a name, is one of the names of (see _HOLDERS), or None."""
    holder = node.parent
    if holder is not None and holder.type in ("identifiers", "variable_declarator"):  # Scala's ``val a, b``, C#
        holder = holder.parent if holder.type == "identifiers" else \
            holder.parent.parent if holder.parent is not None else None
    while holder is not None and holder.type in _BINDING:  # ``a`` of ``val (a, (b, c)) = ...``, Swift's ``let a, b``
        holder = holder.parent
    return holder if holder is not None and holder.type in _HOLDERS else None


def anonymous(name: str, lang: str | None) -> bool:
    """``name`` is what JavaScript calls an anonymous default export (``export default function () {}``,
    ``module.exports = class {}``): a name to go to, but no word of the file for search to match a task's
    "default" against."""
    return name == "default" and lang in JS_LANGS


def _raw(node: Any, name: str, kind: str, full: str, trim: bool = False, named: Any = None,
         ) -> tuple[int, int, str, str, int, int, Any, str]:
    """A definition as :func:`parse` sorts them: by start, then the outer one first; at the line of its name
    ``named`` (see :func:`_line_of`). ``trim``: end it at its last token (tree-sitter-scala ends an indented body
    where the next line's code starts, blank lines and the indentation of an annotation or ``def`` after it
    included)."""
    last = _last_token(node) if trim else _extent(node)
    end = last.end_point
    # a node that ends with its newline (a ``#define``) ends on the line before column 0 of the next
    end_line = end[0] if end[1] == 0 and end[0] > node.start_point[0] else end[0] + 1
    return node.start_byte, -last.end_byte, name, kind, _line_of(node, named), end_line, node, full


def _line_of(node: Any, name: Any) -> int:
    """The line a definition is at (its snippet, go to definition's answer, the repo map's row): its name's, below
    the annotations and modifiers its node starts with (Java's ``@Override``, C#'s ``[HttpGet]``, Kotlin's,
    PHP's, Scala's and Swift's) and a C function's return type on a line of its own (``static int`` above
    ``compute_total(int a)``, as GNU and BSD style write it), as a Python function's line is its ``def``'s below
    its decorators; those lines are its head (:func:`_head`). The node's first line when the name follows a body
    (``typedef struct {...} Point;``) or is no part of the node."""
    start = node.start_point[0] + 1
    if name is None or not node.start_byte <= name.start_byte < node.end_byte or name.start_point[0] + 1 == start:
        return start
    inner = name
    while inner != node and inner.parent is not None:
        sib = inner.prev_named_sibling
        while sib is not None:
            if sib.child_by_field_name("body") is not None:
                return start
            sib = sib.prev_named_sibling
        inner = inner.parent
    return name.start_point[0] + 1


def _last_token(node: Any) -> Any:
    """The last token of ``node`` that has text (an indentation's end is a token without)."""
    while node.child_count:
        kids = [c for c in node.children if c.end_byte > c.start_byte]
        if not kids:
            break
        node = kids[-1]
    return node


def _extent(node: Any) -> Any:
    """The node a definition ends with: itself, except for C#'s file-scoped ``namespace Geo;``, which the grammar
    ends at its semicolon but which holds the type declarations after it (C# allows nothing else there). PHP's
    ``namespace App\\Models;`` stays its line: any code may follow it, and a module is one search chunk up to its
    first definition, the rest of its lines in none (spans.chunks)."""
    if node.type != "file_scoped_namespace_declaration":
        return node
    last, sib = node, node.next_named_sibling
    while sib is not None and sib.type != node.type:
        last, sib = sib, sib.next_named_sibling
    return last
