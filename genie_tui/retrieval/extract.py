"""Turn one file's text into definitions, references, imports and search tokens (tree-sitter for code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from genie_tui.retrieval import commonjs
from genie_tui.retrieval.langs import grammar, parser_for

_GENERIC_ARGS = re.compile(r"<[^<>]*>|\[[^\[\]]*\]")  # C++/Rust <T>, Go [T]


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
    component = ""
    template: dict[str, list[int]] = {}
    if lang in COMPONENT_LANGS:  # a Vue or Svelte component: its <script> blocks, as JavaScript or TypeScript
        template = _template_uses(data)
        data, lang = _scripts_only(data)
        component = _component_name(path)
    g = grammar(lang)
    parser = parser_for(lang)
    if g is None or parser is None:
        return out
    import tree_sitter as ts

    tree = parser.parse(data)
    if lang == "kotlin":
        tree = _kotlin_reparse(parser, data, tree)
    root = tree.root_node
    raw: list[tuple[int, int, str, str, int, int, Any, str]] = []
    for _, caps in ts.QueryCursor(g[1]).matches(root):
        if "import" in caps:
            for node in caps["import"]:
                out.imports.extend(_imports(lang, _text(node)))
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
        if not names:
            continue
        for key, nodes in caps.items():
            if key.startswith("def."):
                full = _text(names[0]).lstrip(":") if lang == "ruby" else _text(names[0])  # ``:name``
                if lang in ("swift", "scala"):
                    full = full.strip("`")  # ``def `type` = ...``
                raw.append(_raw(nodes[0], full.split("::")[-1], key[4:], full, lang == "scala"))
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
        owner = _owner(lang, node, full) if kind in ("function", "method") else ""
        if owner:
            parent = owner
            # ``ns::f`` defined out of line in a namespace of this file is a function, ``Cls::f`` a method
            kind = "function" if owner in namespaces else "method"
        elif kind == "function" and stack and stack[-1][1].kind == "class":
            kind = "method"  # a function in a C++ namespace or a Rust ``mod`` stays a function
        if kind == "module":
            namespaces.add(name)
        d = Definition(name, kind, line, end_line, _doc_of(node, lang), parent)
        out.defs.append(d)
        stack.append((-neg_end, d))
    if component:  # ``import MyButton from './MyButton.vue'``: the component is the file, named for it; only
        # its first line, so the template and the script's top-level code are still searched in windows
        for d in out.defs:
            d.parent = d.parent or component
        out.defs.insert(0, Definition(component, "module", 1, 1, "", ""))
    if lang in _JS_LANGS:
        out.imports = _reexports(out.imports)
    refs = out.refs
    for nodes in ts.QueryCursor(g[2]).captures(root).values():
        for n in nodes:
            refs.setdefault(_text(n), []).append(n.start_point[0] + 1)
    for name, lines in template.items():
        refs.setdefault(name, []).extend(lines)
    return out


def _named_by_field(caps: dict[str, list[Any]]) -> list[Any]:
    """The name of a definition captured without one: its node's ``name`` field, if an identifier (a pattern
    into Swift's function_declaration takes ~110 ms to compile, the node alone 8; see langs.PATTERNS)."""
    for key, nodes in caps.items():
        if key.startswith("def."):
            name = nodes[0].child_by_field_name("name")
            return [name] if name is not None and name.type in ("simple_identifier", "identifier") else []
    return []


COMPONENT_LANGS = ("vue", "svelte")
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_TS_SCRIPT = re.compile(rb"""\blang\s*=\s*["']?(?:ts|typescript)\b""", re.IGNORECASE)
_BLANK = bytes(10 if i == 10 else 32 for i in range(256))  # every byte a space but newlines


def _scripts_only(data: bytes) -> tuple[bytes, str]:
    """A component file with everything outside its ``<script>`` blocks blanked (newlines kept, so lines and
    byte offsets are the file's), and the language of its scripts (``lang="ts"`` makes it TypeScript)."""
    out = bytearray(data.translate(_BLANK))
    lang = "javascript"
    for m in _SCRIPT.finditer(data):
        start, end = m.span(2)
        out[start:end] = data[start:end]
        if _TS_SCRIPT.search(m.group(1)):
            lang = "typescript"
    return bytes(out), lang


_TAG = re.compile(rb"<([A-Z][\w.]*|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)[\s/>]")


def _template_uses(data: bytes) -> dict[str, list[int]]:
    """The components a template uses, by the name they are defined under (``<my-button>`` and ``<MyButton>``
    are ``MyButton``), with their lines: outside the ``<script>`` and ``<style>`` blocks."""
    out: dict[str, list[int]] = {}
    skip = [m.span() for m in re.finditer(rb"<(script|style)\b.*?</\1\s*>", data, re.DOTALL | re.IGNORECASE)]
    line, at = 1, 0
    for m in _TAG.finditer(data):
        if any(a <= m.start() < b for a, b in skip):
            continue
        line, at = line + data.count(b"\n", at, m.start()), m.start()
        tag = m.group(1).decode("utf-8", "replace")
        name = tag if tag[0].isupper() else "".join(p[:1].upper() + p[1:] for p in tag.split("-"))
        out.setdefault(name.split(".")[0], []).append(line)
    return out


def _component_name(path: str) -> str:
    """``MyButton`` for ``MyButton.vue`` and ``my-button.vue`` (Vue's and Svelte's own names for them)."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem == "index":  # ``Button/index.vue``
        stem = path.rsplit("/", 2)[-2] if path.count("/") else stem
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[-_.\s]+", stem) if p) or stem


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


def _kotlin_reparse(parser: Any, data: bytes, tree: Any) -> Any:
    """The tree of ``data`` with what tree-sitter-kotlin misreads rewritten, unless that has more errors."""
    patched = _KT_CTOR_NEXT_LINE.sub(rb"\1 \2\n\3", data)
    if tree.root_node.has_error:
        patched = _KT_LAST_ON_BRACE_LINE.sub(b";", patched)
    if patched == data:
        return tree
    other = parser.parse(patched)
    return other if _error_bytes(other.root_node) <= _error_bytes(tree.root_node) else tree


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


def anonymous(name: str, lang: str | None) -> bool:
    """``name`` is what JavaScript calls an anonymous default export (``export default function () {}``,
    ``module.exports = class {}``): a name to go to, but no word of the file for search to match a task's
    "default" against."""
    return name == "default" and lang in _JS_LANGS


def _raw(node: Any, name: str, kind: str, full: str, trim: bool = False,
         ) -> tuple[int, int, str, str, int, int, Any, str]:
    """A definition as :func:`parse` sorts them: by start, then the outer one first. ``trim``: end it at its last
    token (tree-sitter-scala ends an indented body where the next line's code starts, blank lines and the
    indentation of an annotation or ``def`` after it included)."""
    last = _last_token(node) if trim else _extent(node)
    end = last.end_point
    # a node that ends with its newline (a ``#define``) ends on the line before column 0 of the next
    end_line = end[0] if end[1] == 0 and end[0] > node.start_point[0] else end[0] + 1
    return node.start_byte, -last.end_byte, name, kind, node.start_point[0] + 1, end_line, node, full


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


def _type_name(text: str) -> str:
    """``&'a mut geo::Shape<T>``, ``*Client[T]`` -> the last identifier of a type, without generics or pointers."""
    while True:
        bare = _GENERIC_ARGS.sub("", text)
        if bare == text:
            break
        text = bare
    m = re.search(r"(\w+)\W*$", text.split("::")[-1])
    return m.group(1) if m else ""


def _owner(lang: str, node: Any, full_name: str) -> str:
    """The type a method belongs to when the syntax says so outside any class body: a Go receiver
    (``func (c *Client) Serve()``), a Rust ``impl Type`` / ``impl Trait for Type`` block, a C++ qualified
    name (``double geo::Shape::area()``), the object a JavaScript function is assigned to (``res`` of
    ``res.send = function () {}``, ``Router`` of ``Router.prototype.use = ...``; not ``this``), a Kotlin
    extension function's receiver (``String`` of ``fun String.shout()``, ``List`` of ``fun <T> List<T>.second()``;
    not a function type's), the type of a Swift ``extension Circle`` or of a Scala 3 ``extension (s: String)``."""
    if lang == "go" and node.type == "method_declaration":
        recv = node.child_by_field_name("receiver")
        return _type_name(_text(recv).strip("() \t")) if recv is not None else ""
    if lang == "rust":
        body = node.parent
        impl = body.parent if body is not None and body.type == "declaration_list" else None
        if impl is not None and impl.type == "impl_item":
            typ = impl.child_by_field_name("type")
            return _type_name(_text(typ)) if typ is not None else ""
        return ""
    if lang in _JS_LANGS and node.type in ("assignment_expression", "pair"):
        if node.type == "assignment_expression":  # ``Router.prototype.use = function``
            left = node.child_by_field_name("left")
            holder = left.child_by_field_name("object") if left is not None else None
        else:  # ``var utils = { merge: function }``, ``Router.prototype = { use: function }``
            outer = node.parent.parent if node.parent is not None else None
            field = {"variable_declarator": "name", "assignment_expression": "left"}.get(outer.type) if outer else None
            holder = outer.child_by_field_name(field) if outer is not None and field else None
        parts = [p for p in re.split(r"\s*\.\s*", _text(holder)) if p != "prototype"] if holder is not None else []
        owner = parts[-1] if parts else ""
        # ``this`` is no name; ``module.exports = { make: function }`` is CommonJS's own definition of ``make``
        return owner if re.fullmatch(r"[A-Za-z_$][\w$]*", owner) and owner not in ("this", "exports") else ""
    if lang == "kotlin" and node.type == "function_declaration":
        name = node.child_by_field_name("name")
        dot = name.prev_sibling if name is not None else None
        recv = dot.prev_sibling if dot is not None and dot.type == "." else None
        if recv is not None and recv.type == "nullable_type" and recv.named_child_count:
            recv = recv.named_children[0]  # ``fun String?.orEmpty()``
        return _type_name(_text(recv)) if recv is not None and recv.type == "user_type" else ""
    if lang == "swift":  # a member of ``extension Circle { ... }`` (an extension's name is a type, not a name)
        body = node.parent
        ext = body.parent if body is not None and body.type in ("class_body", "enum_class_body") else None
        typ = ext.child_by_field_name("name") if ext is not None and ext.type == "class_declaration" else None
        return _type_name(_text(typ)) if typ is not None and typ.type == "user_type" else ""
    if lang == "scala":  # Scala 3's ``extension (s: String) def shout`` or ``extension [T](xs: List[T]) { ... }``
        ext = node.parent  # the extension's defs are its children, in braces or indented
        params = ext.child_by_field_name("parameters") if ext is not None and ext.type == "extension_definition" \
            else None
        first = params.named_children[0] if params is not None and params.named_child_count else None
        typ = first.child_by_field_name("type") if first is not None else None
        return _type_name(_text(typ)) if typ is not None else ""
    if lang == "cpp" and "::" in full_name:
        parts = _GENERIC_ARGS.sub("", full_name).split("::")
        return _type_name(parts[-2]) if len(parts) > 1 and parts[-2].strip() else ""
    return ""


_PY_FROM = re.compile(r"^\s*from\s+([.\w]+)\s+import\s+\(?([^)]*)\)?", re.DOTALL)
_PY_IMPORT = re.compile(r"^\s*import\s+(.+)$", re.DOTALL)
_JS_FROM = re.compile(r"""import\s+(.*?)\s+from\s+['"]([^'"]+)['"]""", re.DOTALL)
_JS_BARE = re.compile(r"""import\s+['"]([^'"]+)['"]""")
# TypeScript's ``import W = require('./w')``
_TS_REQUIRE = re.compile(r"""import\s+([\w$]+)\s*=\s*require\s*\((?:\s|/\*.*?\*/|//[^\n]*)*['"]([^'"]+)['"]""",
                         re.DOTALL)  # comments may come before the module: ``require(/* why */ './w')``
_JS_EXPORT = re.compile(r"""export\s+(?:type\s+)?(\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*(?:from\s*['"]([^'"]+)['"])?""")
_JS_SPEC = re.compile(r"[\w$]+(?:\s+as\s+[\w$]+)?|\*\s+as\s+[\w$]+")
_JS_TYPE = re.compile(r"\btype\s+(?=[\w${*])")  # ``import type { T }``, ``{ type T }``: T is what counts
_JS_DEFAULT = re.compile(r"\s*([\w$]+)\s*(?:,|$)")  # ``W`` of ``import W, { x } from './m'``
_JS_LANGS = ("javascript", "typescript", "tsx")
_GO_SPEC = re.compile(r"""^\s*(?:([\w.]+)\s+)?["`]([^"`]+)["`]""")
_RB_REQUIRE = re.compile(r"""^\s*require(_relative)?\s*\(?\s*['"]([^'"]+)['"]""")
# ``global using static System.Math;``, ``using Geo = My.Geometry;``: the namespace or type named
_CS_USING = re.compile(r"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:@?\w+\s*=\s*)?([^;]+?)\s*;?\s*$", re.DOTALL)
_KT_IMPORT = re.compile(r"^\s*import\s+([\w.`*]+)")  # ``import a.b.C as D``, ``import a.b.*``
_PHP_USE = re.compile(r"^\s*use\s+(?:(?:function|const)\s+)?")
_PHP_GROUP = re.compile(r"([^{]*)\{(.*)\}", re.DOTALL)  # ``App\Util\{Math, Str as S}``
# ``@testable import MyApp``, ``import struct Foundation.URL``, ``import UIKit.UIView``
_SWIFT_IMPORT = re.compile(r"\bimport\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([\w.]+)")
_SCALA_PART = re.compile(r"([^,{]*)(?:\{([^}]*)\})?\s*(?:,|$)")  # ``a.b.C``, ``a.b.{C, D => E}`` of one import
_SCALA_ALL = ("_", "*", "given")  # ``import a.b._``, Scala 3's ``a.b.*`` and ``a.b.given``: the package ``a.b``


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
    if lang in _JS_LANGS:
        m = _JS_EXPORT.match(text)
        if m:  # ``export * from './w'`` is recorded as Python's ``from w import *`` is: name and alias ``*``
            spec, module = m.group(1), m.group(2) or ""  # no module: ``export { Widget as W }``, see _reexports
            if spec.startswith("*"):
                return [(module, "*", spec.split()[-1] if "as" in spec.split() else "*")] if module else []
            return [(module, *_js_spec(part)) for part in _JS_SPEC.findall(_JS_TYPE.sub("", spec))]
        m = _JS_FROM.search(text)
        if m:
            module, spec = m.group(2), _JS_TYPE.sub("", m.group(1))
            d = _JS_DEFAULT.match(spec)
            if d:  # a default import is the module's ``default`` under a local name
                out.append((module, "default", d.group(1)))
                spec = spec[d.end():]
            return out + [(module, *_js_spec(part)) for part in _JS_SPEC.findall(spec)]
        m = _TS_REQUIRE.match(text)
        if m:  # what ``const W = require('./w')`` binds, see commonjs.required
            return [(m.group(2), "default", m.group(1)), (m.group(2), "*", m.group(1))]
        m = _JS_BARE.search(text)
        if m:
            out.append((m.group(1), "", ""))
        return out
    if lang == "go":  # ``str "strings"``: package strings, known here as str
        m = _GO_SPEC.match(text)
        if m:
            out.append((m.group(2), "", m.group(1) or ""))
        return out
    if lang == "ruby":  # require_relative names a path relative to the requiring file
        m = _RB_REQUIRE.match(text)
        if m:
            target = m.group(2)
            out.append(("./" + target if m.group(1) and not target.startswith(".") else target, "", ""))
        return out
    if lang in ("csharp", "kotlin", "php", "swift", "scala"):
        # only the module: these names resolve by name, and an import row binding a name to a module the
        # repository has no file for would say the name comes from outside (resolve.attribute)
        return [(m, "", "") for m in _module_imports(lang, text)]
    module = re.sub(r"^\s*(use|import|#\s*include)\s+|[;\"<>]|\s+$", "", text)
    if module:
        out.append((module.strip(), "", ""))
    return out


def _module_imports(lang: str, text: str) -> list[str]:
    """The namespaces, packages and types a C# ``using``, a Kotlin, Swift or Scala ``import`` or a PHP ``use``
    names."""
    if lang == "csharp":
        m = _CS_USING.match(text)
        return [re.sub(r"\s+", "", m.group(1))] if m else []
    if lang == "kotlin":
        m = _KT_IMPORT.match(text)
        return [m.group(1).replace("`", "")] if m else []
    if lang == "swift":
        m = _SWIFT_IMPORT.search(text)
        return [m.group(1)] if m else []
    if lang == "scala":
        return _scala_imports(text)
    body = _PHP_USE.sub("", text).strip().rstrip(";")  # ``use Foo\Bar as Baz, Qux;``
    group = _PHP_GROUP.match(body)
    prefix, items = (group.group(1).strip(), group.group(2)) if group else ("", body)
    out = []
    for item in items.split(","):
        bits = _PHP_USE.sub("", "use " + item.strip()).split()
        if bits:
            out.append((prefix + bits[0]).lstrip("\\"))
    return out


def _scala_imports(text: str) -> list[str]:
    """What a Scala ``import`` names: ``import a.B, c.{D, E => F, G as H, _}`` is ``a.B``, ``c.D``, ``c.E``, ``c.G``
    and the package ``c``; ``a.b._`` (or ``*``, ``given``) the package ``a.b``; a name hidden (``E => _``) none."""
    out: list[str] = []
    body = re.sub(r"^\s*import\s+|`", "", text)
    for m in _SCALA_PART.finditer(body):
        if m.group(2) is None:  # ``a.b.C``, ``a.b.C as D``, ``a.b._``
            path = re.sub(r"\s+", "", re.split(r"\s+as\s+|=>", m.group(1))[0])
            head, _, last = path.rpartition(".")
            out.append(head if last in _SCALA_ALL else path)
            continue
        prefix = re.sub(r"\s+", "", m.group(1)).rstrip(".")
        for sel in m.group(2).split(","):  # ``B``, ``E => F``, ``G as H``, ``E => _``, ``_``, ``given Ord[?]``
            bits = re.split(r"\s*=>\s*|\s+as\s+", sel.strip())
            name = bits[0].split()[0] if bits[0].strip() else ""
            if name in _SCALA_ALL:
                out.append(prefix)
            elif name and (len(bits) == 1 or bits[1] != "_"):
                out.append(prefix + "." + name)
    return list(dict.fromkeys(p for p in out if p))


def _js_spec(part: str) -> tuple[str, str]:
    """``Widget as W`` -> (``Widget``, ``W``); ``Widget`` -> (``Widget``, ``Widget``)."""
    bits = part.split()
    return bits[0], bits[-1]


def _reexports(imports: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """A JS/TS file's imports with each ``export { Widget as W }`` (no ``from``; also ``export default
    Widget``, which exports it as ``default``) of an imported name turned into a re-export from where that
    name came from, as ``export { Widget as W } from './widget'`` is recorded. The file's own definitions
    exported under another name keep module ``''`` (this file): ``('', 'Widget', 'default')``. An export under
    the name a definition or an import already has adds nothing to what the index knows, and is left out.
    A member of a module bound as a whole (``exports.W = m.Widget`` after ``const m = require('./widget')``,
    see commonjs._value) is that module's export: ``('./widget', 'Widget', 'W')``; of anything else, no export
    the index can follow, and left out."""
    out = [imp for imp in imports if imp[0]]
    if len(out) == len(imports):
        return imports
    bound = {alias: (module, name) for module, name, alias in out if name not in ("", "*")}
    spaces = {alias: module for module, name, alias in out if name == "*" and alias != "*"}
    for module, local, exported in imports:
        if module or exported == local:
            continue
        head, dot, member = local.partition(".")
        if dot:
            if head in spaces and "." not in member:
                out.append((spaces[head], member, exported))
            continue
        out.append((*bound[local], exported) if local in bound else ("", local, exported))
    return out
