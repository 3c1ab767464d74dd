"""CommonJS: definitions and references follow ``require`` into ``module.exports`` / ``exports.X`` the way they
follow ES imports into exports, on real tiny repos."""

from __future__ import annotations

import textwrap

import pytest

from genie_tui.retrieval import RepoIndex


def _open(make_repo, files: dict[str, str]) -> RepoIndex:
    return RepoIndex.open(make_repo({p: textwrap.dedent(t).lstrip("\n") for p, t in files.items()}))


_CJS = {
    "src/widget.js": """
        class Widget {
          render() { return 1; }
        }
        module.exports = { Widget };
        """,
    "src/gadget.js": "function Gadget() {}\nmodule.exports = Gadget;\n",
    "src/tools.js": """
        exports.Tool = function () { return 1; };
        module.exports.Knife = class {
          cut() { return 2; }
        };
        const helper = () => 3;
        module.exports.assist = helper;
        """,
    "src/lib/index.js": """
        const { Widget } = require('../widget');
        module.exports = { Widget, Gizmo: require('../gadget'), Part: require('../widget').Widget };
        """,
    "src/all.js": "module.exports = require('./widget');\n",
    "src/app.js": """
        const { Widget } = require('./widget');
        const W = require('./widget').Widget;
        const lib = require('./lib');
        const G = require('./gadget');
        const { Tool: T, Knife, assist } = require('./tools');
        const all = require('./all');
        new Widget();
        new W();
        new lib.Widget();
        new G();
        T();
        new Knife();
        new lib.Gizmo();
        new lib.Part();
        new all.Widget();
        assist();
        """,
    "src/esm.mjs": "import { Widget as EW } from './widget.js';\nimport Gd from './gadget.js';\nnew EW();\nnew Gd();\n",
    "src/legacy.ts": "import Gz = require('./gadget');\nnew Gz();\n",
    "src/decoy.js": """
        const { Widget } = require('./other');
        new Widget();
        const W = require('./other');
        new W.Widget();
        """,
    "src/other.js": "class Widget {}\nmodule.exports = { Widget };\n",
}


@pytest.mark.parametrize(("symbol", "expected"), [
    ("Widget", ("src/widget.js", 1)),  # const { Widget } = require(...)
    ("W", ("src/widget.js", 1)),  # require(...).Widget
    ("lib.Widget", ("src/widget.js", 1)),  # require('./lib') is lib/index.js, re-exporting an import
    ("G", ("src/gadget.js", 1)),  # module.exports = Gadget: what the whole module stands for
    ("T", ("src/tools.js", 1)),  # exports.Tool = function () {}
    ("Knife", ("src/tools.js", 2)),  # module.exports.Knife = class {}
    ("Knife.cut", ("src/tools.js", 3)),
    ("assist", ("src/tools.js", 5)),  # module.exports.assist = helper
    ("lib.Gizmo", ("src/gadget.js", 1)),  # { Gizmo: require('../gadget') }
    ("lib.Part", ("src/widget.js", 1)),  # { Part: require('../widget').Widget }
    ("all.Widget", ("src/widget.js", 1)),  # module.exports = require('./widget')
    ("W.render", ("src/widget.js", 2)),
])
def test_commonjs_definitions_follow_require(make_repo, symbol, expected):
    ix = _open(make_repo, _CJS)
    assert [(loc.path, loc.line) for loc in ix.definitions(symbol, "src/app.js")] == [expected]
    ix.close()


def test_commonjs_definitions_from_es_modules_typescript_and_decoys(make_repo):
    ix = _open(make_repo, _CJS)
    assert [(loc.path, loc.line) for loc in ix.definitions("EW", "src/esm.mjs")] == [("src/widget.js", 1)]
    assert [(loc.path, loc.line) for loc in ix.definitions("Gd", "src/esm.mjs")] == [("src/gadget.js", 1)]
    assert [(loc.path, loc.line) for loc in ix.definitions("Gz", "src/legacy.ts")] == [("src/gadget.js", 1)]
    assert [(loc.path, loc.line) for loc in ix.definitions("Widget", "src/decoy.js")] == [("src/other.js", 1)]
    assert [(loc.path, loc.line) for loc in ix.definitions("W.Widget", "src/decoy.js")] == [("src/other.js", 1)]
    ix.close()


def test_commonjs_references_follow_require(make_repo):
    ix = _open(make_repo, _CJS)
    refs = {(loc.path, loc.line): loc.kind for loc in ix.references("Widget", "src/widget.js")}
    app = {ln for p, ln in refs if p == "src/app.js"}
    assert app == {1, 2, 7, 8, 9, 14, 15}  # the require lines and each use, also lib.Widget and all.Widget
    assert {("src/widget.js", 4), ("src/lib/index.js", 1), ("src/lib/index.js", 2), ("src/esm.mjs", 1),
            ("src/esm.mjs", 3)} <= set(refs)
    assert set(refs.values()) == {"reference"}  # none only by name
    assert not {p for p, _ in refs} & {"src/decoy.js", "src/other.js"}
    gadget = {(loc.path, loc.line) for loc in ix.references("Gadget", "src/gadget.js")}
    assert {("src/gadget.js", 2), ("src/app.js", 4), ("src/app.js", 10), ("src/app.js", 13),
            ("src/esm.mjs", 4), ("src/legacy.ts", 1), ("src/legacy.ts", 2)} <= gadget
    tool = {(loc.path, loc.line) for loc in ix.references("T", "src/app.js")}
    assert tool == {("src/app.js", 5), ("src/app.js", 11)}
    ix.close()


def test_find_references_tool_lists_commonjs_uses_as_resolved(make_repo):
    from genie_tui.config.settings import Settings
    from genie_tui.tools import registry
    from genie_tui.tools.base import ToolContext

    ctx = ToolContext(make_repo({p: textwrap.dedent(t).lstrip("\n") for p, t in _CJS.items()}), Settings())
    args = registry.validate("find_references", {"symbol": "Widget", "path": "src/widget.js"})
    text = registry.run_simple(ctx, "find_references", args).text
    assert "by name only" not in text
    assert "src/app.js:9: new lib.Widget();" in text.splitlines()
    assert "src/decoy.js" not in text
    ctx.index.close()


def test_commonjs_requires_and_exports_are_recorded(make_repo):
    ix = _open(make_repo, {
        "m.js": textwrap.dedent("""
            const { A, B: b, c = 1, d: e = 2, f: { g } } = require('./x');
            const C = require('./y').C;
            var ns = require('./z');
            require('./side');
            function later() { return require('./inner').thing; }
            module.exports = { A, Bee: b, n: require('./n'), p: require('./p').P, ...require('./s') };
            exports.Re = A;
            module.exports = require('./all');
            """),
        "t.ts": "import W = require('./w');\n",
    })
    rows = set(ix._store.conn().execute("SELECT module, name, alias FROM imports"))
    assert rows == {("./x", "A", "A"), ("./x", "B", "b"), ("./x", "c", "c"), ("./x", "d", "e"), ("./x", "f.g", "g"),
                    ("./y", "C", "C"), ("./z", "default", "ns"), ("./z", "*", "ns"), ("./side", "", ""),
                    ("./inner", "", ""), ("./n", "default", "n"), ("./n", "*", "n"), ("./p", "P", "p"),
                    ("./s", "*", "*"), ("./x", "B", "Bee"), ("./x", "A", "Re"), ("./all", "*", "*"),
                    ("./all", "default", "default"), ("./w", "default", "W"), ("./w", "*", "W")}
    ix.close()


def test_anonymous_default_exports_are_no_search_word(make_repo):
    # ``export default function () {}`` and ``module.exports = class {}`` define ``default``: a name for
    # go to definition, not a word of those files that a task saying "the default timeout" is about
    files = {f"src/pages/page{i}.js": f"export default function () {{\n  return render{i}(props);\n}}\n"
             for i in range(2)}
    files["src/pages/legacy.js"] = "module.exports = class {\n  show() { return 1; }\n};\n"
    files |= {f"src/util/u{i}.js": f"export function util{i}(x) {{ return x + {i}; }}\n// request timeout {i}\n"
              for i in range(60)}
    files["src/net/client.js"] = ("const TIMEOUT = 30;\n// the default timeout for requests\n"
                                  "export function request(url, timeout = TIMEOUT) { return fetch(url); }\n")
    ix = _open(make_repo, files)
    query = "The default request timeout is too short"
    assert "src/pages/legacy.js" not in [hit.path for hit in ix.search(query, k=5)]
    signals = dict(ix.features(query))
    assert not {"bm_names", "def_plain"} & {k for k, v in signals["src/pages/page0.js"].items() if v}
    assert signals["src/net/client.js"]["def_plain"] == 1.0  # ``request`` is still a word of client.js
    assert ix.definitions("default", "src/pages/legacy.js")[0].path == "src/pages/legacy.js"
    ix.close()


_EXPORT_EQ = {
    "src/widget.ts": "class Widget {\n  render(): number { return 1; }\n}\nexport = Widget;\n",
    "src/maker.ts": "// makes one\nexport = function () {\n  return 1;\n};\n",
    "src/store.js": "exports = module.exports = Store;\nfunction Store() {}\n",
    "src/both.js": "module.exports = exports = function () {\n  return 2;\n};\n",
    "src/spaced.js": "module\n  .exports\n  .Spaced = class {};\n",
    "src/app.ts": ("import W = require('./widget');\nimport make = require('./maker');\n"
                   "import Store = require('./store');\nimport both = require('./both');\n"
                   "import { Spaced } from './spaced';\nnew W();\nmake();\nboth();\nnew Spaced();\n"),
    "src/decoy.ts": "class Widget {}\nexport default Widget;\n",
}


@pytest.mark.parametrize(("symbol", "expected"), [
    ("W", ("src/widget.ts", 1)),  # export = Widget: what the whole module stands for
    ("W.render", ("src/widget.ts", 2)),
    ("make", ("src/maker.ts", 2)),  # export = function () {}: anonymous, so named default
    ("Store", ("src/store.js", 2)),  # exports = module.exports = Store
    ("both", ("src/both.js", 1)),  # module.exports = exports = function () {}
    ("Spaced", ("src/spaced.js", 1)),  # module .exports .Spaced across lines
])
def test_typescript_export_equals_and_chained_exports(make_repo, symbol, expected):
    ix = _open(make_repo, _EXPORT_EQ)
    assert [(loc.path, loc.line) for loc in ix.definitions(symbol, "src/app.ts")] == [expected]
    ix.close()


def test_typescript_export_equals_references(make_repo):
    ix = _open(make_repo, _EXPORT_EQ)
    refs = {(loc.path, loc.line): loc.kind for loc in ix.references("Widget", "src/widget.ts")}
    assert {("src/widget.ts", 4), ("src/app.ts", 1), ("src/app.ts", 6)} <= set(refs)
    assert set(refs.values()) == {"reference"}
    assert not {p for p, _ in refs} & {"src/decoy.ts"}
    ix.close()


def test_anonymous_default_exports_draw_no_repo_map_rank_from_uses_of_the_word(make_repo):
    # a Python ``default=None`` parameter is no use of a component's ``export default function () {}``
    files = {f"api/m{i}.py": f"def handler{i}(request, default=None):\n    return request.get('x', default)\n"
             for i in range(12)}
    files["api/core.py"] = "def core():\n    return 1\n"
    files |= {f"api/u{i}.py": f"from api.core import core\n\ndef use{i}():\n    return core()\n" for i in range(3)}
    files["web/page.js"] = "export default function () {\n  return 1;\n}\n"
    ix = _open(make_repo, files)
    shown = [line for line in ix.repo_map(budget_tokens=4000).splitlines() if not line.startswith(" ")]
    assert shown[0] == "api/core.py:"  # what three files import leads
    assert "web/page.js:" in shown  # still outlined, with the rest
    ix.close()


def _defs(ix: RepoIndex, symbol: str, path: str | None) -> list[tuple[str, int]]:
    return [(loc.path, loc.line) for loc in ix.definitions(symbol, path)]


def _imports_of(ix: RepoIndex, path: str) -> set[tuple[str, str, str]]:
    return set(ix._store.conn().execute("SELECT module, imports.name, alias FROM imports JOIN files ON files.id = "
                                        "imports.file_id WHERE files.path=?", (path,)))


_COMMENTED = {
    "src/x.js": "function X() {}\nmodule.exports = X;\n",
    "src/before.js": "const X1 = require(/* the widget */ './x');\nnew X1();\n",
    "src/after.js": "const { X: X2 } = require('./x' /* why */);\nconst X3 = require(\n  // the widget\n  './x'\n);\nX3();\n",
    "src/legacy.ts": "import Xt = require(/* c */ './x');\nXt();\n",
    "src/dynamic.js": "const name = './x';\nconst D = require(name);\nconst E = require('./x', 'extra');\n",
}


def test_require_with_a_comment_in_the_call_is_a_require(make_repo):
    ix = _open(make_repo, _COMMENTED)
    assert _imports_of(ix, "src/before.js") == {("./x", "default", "X1"), ("./x", "*", "X1")}
    assert _imports_of(ix, "src/after.js") == {("./x", "X", "X2"), ("./x", "default", "X3"), ("./x", "*", "X3")}
    assert _imports_of(ix, "src/dynamic.js") == set()  # no module named, or not one call of one module
    for symbol, path in (("X1", "src/before.js"), ("X3", "src/after.js"), ("Xt", "src/legacy.ts")):
        assert _defs(ix, symbol, path) == [("src/x.js", 1)], symbol
    refs = {(loc.path, loc.line): loc.kind for loc in ix.references("X", "src/x.js")}
    assert {("src/before.js", 1), ("src/before.js", 2), ("src/after.js", 2), ("src/after.js", 6),
            ("src/legacy.ts", 1), ("src/legacy.ts", 2)} <= set(refs)
    assert set(refs.values()) == {"reference"}
    ix.close()


_DEFINED = {
    "src/widget.js": "class Widget {\n  render() { return 1; }\n}\nmodule.exports = { Widget };\n",
    # what tsc emits for ``export { Widget } from './widget'`` and friends (CommonJS target)
    "src/index.js": textwrap.dedent('''\
        "use strict";
        Object.defineProperty(exports, "__esModule", { value: true });
        exports.make = exports.Widget = void 0;
        var widget_1 = require("./widget");
        Object.defineProperty(exports, "Widget", { enumerable: true, get: function () { return widget_1.Widget; } });
        Object.defineProperty(module.exports, 'make', { value: function () { return 1; } });
        Object.defineProperty(exports, "Part", { get: () => widget_1.Widget });
        Object.defineProperty(exports, "Same", { enumerable: true, get() { return widget_1; } });
        Object.defineProperty(exports, "version", { value: "1.0" });
        Object.defineProperty(other, "Decoy", { get: function () { return widget_1.Widget; } });
        '''),
    "src/app.js": "const lib = require('./index');\nnew lib.Widget();\nlib.make();\nnew lib.Part();\nnew lib.Same.Widget();\n",
}


def test_object_define_property_on_exports_is_an_export(make_repo):
    ix = _open(make_repo, _DEFINED)
    assert _imports_of(ix, "src/index.js") == {
        ("./widget", "default", "widget_1"), ("./widget", "*", "widget_1"), ("./widget", "Widget", "Widget"),
        ("./widget", "Widget", "Part"), ("./widget", "default", "Same")}  # no __esModule, nothing of ``other``
    assert _defs(ix, "lib.Widget", "src/app.js") == [("src/widget.js", 1)]  # the getter's widget_1.Widget
    assert _defs(ix, "lib.Part", "src/app.js") == [("src/widget.js", 1)]
    assert _defs(ix, "lib.make", "src/app.js") == [("src/index.js", 6)]  # { value: function () {} }
    refs = {(loc.path, loc.line): loc.kind for loc in ix.references("Widget", "src/widget.js")}
    assert {("src/app.js", 2), ("src/app.js", 4), ("src/index.js", 5)} <= set(refs)
    assert set(refs.values()) == {"reference"}
    ix.close()


_COMPUTED = {
    "src/widget.js": "class Widget {}\nmodule.exports = { Widget };\n",
    "src/tools.js": textwrap.dedent('''\
        const lib = require('./widget');
        exports['Tool'] = function () { return 1; };
        module.exports["Knife"] = class {
          cut() { return 2; }
        };
        const helper = () => 3;
        exports['assist'] = helper;
        module.exports['W'] = lib.Widget;
        const key = 'Tool';
        exports[key] = 4;
        exports[''] = helper;
        '''),
    "src/app.js": ("const t = require('./tools');\nconst { Tool, assist } = require('./tools');\n"
                   "t.Tool();\nnew t.Knife();\nassist();\nnew t.W();\n"),
}


@pytest.mark.parametrize(("symbol", "expected"), [
    ("t.Tool", ("src/tools.js", 2)),  # exports['Tool'] = function () {}
    ("Tool", ("src/tools.js", 2)),
    ("t.Knife", ("src/tools.js", 3)),  # module.exports["Knife"] = class {}
    ("t.Knife.cut", ("src/tools.js", 4)),
    ("assist", ("src/tools.js", 6)),  # exports['assist'] = helper
    ("t.W", ("src/widget.js", 1)),  # module.exports['W'] = lib.Widget, lib being require('./widget')
])
def test_exports_with_a_string_key_are_exports(make_repo, symbol, expected):
    ix = _open(make_repo, _COMPUTED)
    assert _defs(ix, symbol, "src/app.js") == [expected]
    ix.close()


def test_exports_with_a_key_that_is_no_string_are_left_out(make_repo):
    ix = _open(make_repo, _COMPUTED)
    rows = _imports_of(ix, "src/tools.js")
    assert rows == {("./widget", "default", "lib"), ("./widget", "*", "lib"), ("", "helper", "assist"),
                    ("./widget", "Widget", "W")}  # not exports[key], nor exports[''] (not module.exports)
    ix.close()


_NESTED = {
    "src/m.js": textwrap.dedent('''\
        class A {
          static b() { return 1; }
        }
        function b() { return 2; }
        function c() { return 3; }
        module.exports = { a: A, c, o: { b: 4 } };
        '''),
    "src/app.js": "const { a: { b }, c, o: { b: ob } } = require('./m');\nb();\nc();\nob();\n",
}


def test_nested_destructuring_of_a_require(make_repo):
    ix = _open(make_repo, _NESTED)
    assert _defs(ix, "c", "src/app.js") == [("src/m.js", 5)]
    # ``b`` is the ``b`` of the export ``a``: the class A's static method, not m.js's function b
    assert _defs(ix, "b", "src/app.js") == [("src/m.js", 2)]
    assert _defs(ix, "ob", "src/app.js") == []  # ``o`` is an object literal: no definition of its ``b``
    refs = {(loc.path, loc.line): loc.kind for loc in ix.references("A.b", "src/m.js")}
    # app.js's ``b`` is resolved to A.b through its import (not ``ob``, another member's ``b``); in m.js itself
    # a use of the name counts, as for any definition asked about from its own file
    assert {k: v for k, v in refs.items() if k[0] == "src/app.js"} == {("src/app.js", 1): "reference",
                                                                      ("src/app.js", 2): "reference"}
    ix.close()


def test_go_to_definition_of_default_says_it_names_every_anonymous_export(make_repo):
    from genie_tui.config.settings import Settings
    from genie_tui.tools import registry
    from genie_tui.tools.base import ToolContext

    files = {f"src/pages/p{i}.js": "export default function () {\n  return 1;\n}\n" for i in range(6)}
    files["src/legacy.js"] = "module.exports = class {};\n"
    files["py/enc.py"] = "class Enc:\n    def default(self, o):\n        return o\n"
    files["src/app.js"] = "import P from './pages/p3';\nP();\n"
    ctx = ToolContext(make_repo(files), Settings())

    def run(**args: str) -> list[str]:
        return registry.run_simple(ctx, "go_to_definition", registry.validate("go_to_definition", args)).text.splitlines()

    lines = run(symbol="default")
    assert "each anonymous default export" in lines[0] and "7 in this repository" in lines[0]
    assert "path" in lines[0]
    shown = [ln for ln in lines[1:] if ln.startswith("src/")]
    assert len(shown) == 3  # a few, not all seven
    assert "py/enc.py:2: def default(self, o):" in lines  # a definition that is really named default stays
    assert run(symbol="default", path="src/app.js") == [  # what app.js imports as its default
        "src/pages/p3.js:1: export default function () {", "py/enc.py:2: def default(self, o):"]
    assert run(symbol="default", path="src/pages/p2.js")[0] == "src/pages/p2.js:1: export default function () {"
    assert not [ln for ln in run(symbol="default", path="src/pages/p2.js") if ln.startswith("src/pages/p0")]
    assert run(symbol="P", path="src/app.js") == ["src/pages/p3.js:1: export default function () {"]
    ctx.index.close()


def test_an_index_built_before_these_commonjs_forms_is_rebuilt(make_repo):
    repo = make_repo(_COMMENTED)
    ix = RepoIndex.open(repo)
    c = ix._store.conn()
    c.execute("DELETE FROM imports")  # what schema 14 recorded of require(/* ... */ './x'): nothing
    c.execute("UPDATE meta SET value='14' WHERE key='schema'")
    c.commit()
    ix.close()
    ix = RepoIndex.open(repo)
    assert ix.warnings and "rebuilding" in ix.warnings[0]
    assert _defs(ix, "X1", "src/before.js") == [("src/x.js", 1)]
    ix.close()


def test_typescript_compiled_output_is_followed(make_repo):
    """What tsc emits for ES modules (esModuleInterop): __exportStar(require(...), exports) re-exports all,
    __importDefault(require(...)) and __importStar(require(...)) bind as the require does."""
    helpers = ('var __importDefault = (this && this.__importDefault) || function (mod) {\n'
               '    return (mod && mod.__esModule) ? mod : { "default": mod };\n};\n')
    repo = make_repo({
        "lib/gadget.js": ('"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'
                          "exports.Gadget = void 0;\nfunction Gadget() { return 1; }\nexports.Gadget = Gadget;\n"),
        "lib/widget.js": ('"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'
                          "class Widget {\n}\nexports.default = Widget;\n"),
        "lib/index.js": ('"use strict";\nconst tslib_1 = require("tslib");\n'
                         'tslib_1.__exportStar(require("./gadget"), exports);\n'),
        "app.js": (helpers + 'const lib_1 = require("./lib");\n'
                   'const widget_1 = __importDefault(require("./lib/widget"));\n'
                   "(0, lib_1.Gadget)();\nnew widget_1.default();\n"),
        "gadget.js": "function Gadget() { return 2; }\nmodule.exports = { Gadget };\n",  # shorter: first by name
        "Widget.js": "class Widget {}\nmodule.exports = Widget;\n",
    })
    ix = RepoIndex.open(repo)
    assert [loc.path for loc in ix.definitions("lib_1.Gadget", path="app.js")][:1] == ["lib/gadget.js"]
    assert [loc.path for loc in ix.definitions("widget_1.default", path="app.js")][:1] == ["lib/widget.js"]
    ix.close()
