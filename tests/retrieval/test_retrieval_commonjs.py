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
    assert rows == {("./x", "A", "A"), ("./x", "B", "b"), ("./x", "c", "c"), ("./x", "d", "e"),
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
