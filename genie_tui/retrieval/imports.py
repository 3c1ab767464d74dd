"""Import statements as rows ``(module, name, local alias)``, per language (JS/TS re-exports included)."""

from __future__ import annotations

import re

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
JS_LANGS = ("javascript", "typescript", "tsx")
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


def imports_of(lang: str, text: str) -> list[tuple[str, str, str]]:
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
    if lang in JS_LANGS:
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


def reexports(imports: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
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
