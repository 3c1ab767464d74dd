"""Find references through imports: a name used under an alias (``E`` after ``from .core import Engine as E``,
``W`` after ``import { Widget as W }``), also re-exported by a package ``__init__.py`` or an ``index.ts``
barrel, is a use of the definition it resolves to; the same alias in a file that does not import it is not."""

from __future__ import annotations

import textwrap

from genie_tui.retrieval import RepoIndex


def _open(make_repo, files: dict[str, str]) -> RepoIndex:
    return RepoIndex.open(make_repo({p: textwrap.dedent(t).lstrip("\n") for p, t in files.items()}))


def _where(locs) -> set[tuple[str, int]]:
    return {(loc.path, loc.line) for loc in locs}


_PY = {
    "pkg/__init__.py": "from .core import Engine as Motor\n",
    "pkg/core.py": '''
        class Engine:
            pass


        def make():
            return Engine()
        ''',
    "pkg/use.py": '''
        from .core import Engine as E


        def run():
            return E()
        ''',
    "pkg/via_package.py": "from pkg import Motor\n\nMotor()\n",
    "pkg/unrelated.py": '''
        from collections import OrderedDict as E


        def other():
            return E()
        ''',
    "pkg/local.py": "class E:\n    pass\n\n\nE()\n",
    "pkg/spare.py": "class Engine:\n    pass\n",
    "pkg/uses_spare.py": "from .spare import Engine as SE\n\nSE()\n",
}


def test_python_references_follow_aliases_and_reexports(make_repo):
    ix = _open(make_repo, _PY)
    refs = _where(ix.references("Engine"))
    assert {("pkg/use.py", 1), ("pkg/use.py", 5)} <= refs  # the import and the call through E
    assert {("pkg/__init__.py", 1), ("pkg/via_package.py", 1), ("pkg/via_package.py", 3)} <= refs
    assert ("pkg/core.py", 6) in refs and ("pkg/core.py", 1) not in refs  # the definition is not a use
    assert not {p for p, _ in refs} & {"pkg/unrelated.py", "pkg/local.py"}  # other E's
    assert {("pkg/uses_spare.py", 1), ("pkg/uses_spare.py", 3)} <= refs  # the other Engine's, by that name
    # asked from the file that defines it: the uses of that Engine's aliases, not the other one's (nor the
    # import of the other one)
    assert _where(ix.references("Engine", "pkg/core.py")) == refs - {("pkg/uses_spare.py", 1), ("pkg/uses_spare.py", 3)}
    ix.close()


def test_python_references_of_an_alias_are_those_of_what_it_stands_for(make_repo):
    ix = _open(make_repo, _PY)
    refs = _where(ix.references("E", "pkg/use.py"))
    assert refs == _where(ix.references("Engine", "pkg/core.py"))
    assert ix.references("E", "pkg/use.py")[0].path == "pkg/core.py"  # the definition's file first
    # with no file to read imports from, ``E`` is the one class of that name: not the ``E`` that use.py imports
    # from .core, nor unrelated.py's from collections
    assert {p for p, _ in _where(ix.references("E"))} == {"pkg/local.py"}
    ix.close()


_JS = {
    "src/widget.ts": "export class Widget {}\nexport function mount(w: Widget) { return w; }\n",
    "src/index.ts": "export { Widget as Part } from './widget';\nexport * from './widget';\n",
    "src/app.ts": "import { Widget as W } from './widget';\nconst a = new W();\nconst b = new W();\n",
    "src/page.tsx": "import { Part } from '.';\nexport const p = new Part();\n",
    "src/star.ts": "import { Widget as Wi } from './index';\nnew Wi();\n",
    "src/other.ts": "class W {}\nnew W();\n",
    "src/decoy.ts": "import { W } from './other_lib';\nnew W();\n",
}


def test_js_references_follow_aliases_and_barrels(make_repo):
    ix = _open(make_repo, _JS)
    refs = _where(ix.references("Widget"))
    assert {("src/app.ts", 1), ("src/app.ts", 2), ("src/app.ts", 3)} <= refs
    assert {("src/index.ts", 1), ("src/page.tsx", 1), ("src/page.tsx", 2), ("src/star.ts", 1),
            ("src/star.ts", 2)} <= refs
    assert ("src/widget.ts", 2) in refs and ("src/widget.ts", 1) not in refs
    assert not {p for p, _ in refs} & {"src/other.ts", "src/decoy.ts"}
    ix.close()


def test_find_references_tool_reports_alias_uses(make_repo):
    from genie_tui.config.settings import Settings
    from genie_tui.tools import registry
    from genie_tui.tools.base import ToolContext

    repo = make_repo({p: textwrap.dedent(t).lstrip("\n") for p, t in _JS.items()})
    ctx = ToolContext(repo, Settings())
    args = registry.validate("find_references", {"symbol": "Widget", "path": "src/widget.ts"})
    lines = registry.run_simple(ctx, "find_references", args).text.splitlines()
    assert "src/app.ts:3: const b = new W();" in lines
    assert "src/page.tsx:2: export const p = new Part();" in lines
    assert not [ln for ln in lines if ln.startswith(("src/other.ts", "src/decoy.ts"))]
    ctx.index.close()


def test_a_name_on_many_lines_keeps_the_first_200_lines_that_name_it(make_repo):
    body = "def f():\n    pass\n\n\n" + "f(f(f()))\n" * 250
    ix = _open(make_repo, {"many.py": body})
    assert [loc.line for loc in ix.references("f")] == list(range(5, 204))  # line 1 names it too: its definition
    ix.close()


_DEFAULT = {
    "src/widget.ts": "export default class Widget {}\n",
    "src/index.ts": "export { default as Part } from './widget';\n",
    "src/app.ts": "import W, { other } from './widget';\nconst a = new W();\n",
    "src/page.ts": "import { Part } from './index';\nnew Part();\n",
    "src/ns.ts": "import * as lib from './index';\nnew lib.Part();\n",
    "src/decoy.ts": "import W from './gadget';\nnew W();\n",
    "src/gadget.ts": "export default class Gadget {}\n",
}


def test_js_references_follow_default_exports(make_repo):
    ix = _open(make_repo, _DEFAULT)
    refs = _where(ix.references("Widget", "src/widget.ts"))
    assert {("src/app.ts", 1), ("src/app.ts", 2), ("src/index.ts", 1), ("src/page.ts", 1), ("src/page.ts", 2),
            ("src/ns.ts", 2)} <= refs
    assert not {p for p, _ in refs} & {"src/decoy.ts", "src/gadget.ts"}
    assert _where(ix.references("W", "src/app.ts")) == refs  # the default import stands for Widget
    ix.close()


_TWO_ENGINES = {
    "pkg/__init__.py": "",
    "pkg/core.py": "class Engine:\n    pass\n\n\ndef make():\n    return Engine()\n",
    "other/__init__.py": "",
    "other/engine.py": "class Engine:\n    pass\n",
    "a.py": "from pkg.core import Engine\nEngine()\n",
    "b.py": "from other.engine import Engine\nEngine()\n",
    "c.py": "class Engine:\n    pass\n\n\nEngine()\n",
    "d.py": "from sqlalchemy import Engine\nEngine()\n",
    "e.py": "import pkg.core as m\nimport other.engine as o\nm.Engine()\no.Engine()\n",
    "f.py": "def build(registry):\n    return registry['x'].Engine()\n",
    "g.py": "from pkg.core import *\nEngine()\n",
    "h.py": "from other.engine import *\nEngine()\n",
}


def test_references_of_one_definition_leave_out_uses_of_another(make_repo):
    ix = _open(make_repo, _TWO_ENGINES)
    refs = ix.references("Engine", "pkg/core.py")
    kinds = {(loc.path, loc.line): loc.kind for loc in refs}
    assert kinds == {("pkg/core.py", 6): "reference", ("a.py", 1): "reference", ("a.py", 2): "reference",
                     ("e.py", 3): "reference", ("g.py", 2): "reference",  # m.Engine(); the star import
                     ("f.py", 2): "reference by name"}  # dynamic: nothing says which Engine it is
    assert [loc.kind for loc in refs][-1] == "reference by name"  # resolved uses first
    # with no file given, every Engine is meant: only the library's is left out
    everywhere = _where(ix.references("Engine"))
    assert {("b.py", 2), ("c.py", 5), ("e.py", 4), ("h.py", 2)} <= everywhere
    assert not {p for p, _ in everywhere} & {"d.py"}
    ix.close()


def test_find_references_tool_says_which_uses_are_matched_by_name(make_repo):
    from genie_tui.config.settings import Settings
    from genie_tui.tools import registry
    from genie_tui.tools.base import ToolContext

    ctx = ToolContext(make_repo(_TWO_ENGINES), Settings())
    args = registry.validate("find_references", {"symbol": "Engine", "path": "pkg/core.py"})
    text = registry.run_simple(ctx, "find_references", args).text
    resolved, _, named = text.partition("\nby name only")
    assert "a.py:2: Engine()" in resolved.splitlines() and "f.py" not in resolved
    assert "f.py:2:     return registry['x'].Engine()" not in named  # snippets are stripped
    assert "f.py:2: return registry['x'].Engine()" in named.splitlines()
    ctx.index.close()


_METHOD = {
    "core.py": "class Engine:\n    def start(self):\n        pass\n",
    "main.py": "from core import Engine\n\n\ndef start():\n    e = Engine()\n    e.start()\n",
}


def test_a_top_level_function_does_not_hide_calls_of_a_method_of_that_name(make_repo):
    # main.py's own start() is a function; e.start() is still a call of a method named start
    ix = _open(make_repo, _METHOD)
    for path in (None, "core.py"):
        assert ("main.py", 6) in _where(ix.references("Engine.start", path))
    ix.close()


_SUBPATH = {
    # Node's subpath imports and a ~ path alias map names to repository files through package.json or tsconfig
    "package.json": '{"imports": {"#widgets": "./src/widgets/index.ts"}}\n',
    "src/widgets/index.ts": "export class Widget {}\n",
    "src/app.ts": "import { Widget } from '#widgets';\nnew Widget();\n",
    "src/page.ts": "import { Widget } from '~widgets';\nnew Widget();\n",
}


def test_an_import_through_a_path_alias_is_not_taken_for_a_library(make_repo):
    ix = _open(make_repo, _SUBPATH)
    refs = _where(ix.references("Widget", "src/widgets/index.ts"))
    assert {("src/app.ts", 2), ("src/page.ts", 2)} <= refs
    ix.close()


_ANONYMOUS = {
    "src/widget.js": "export default class {\n  render() { return 1; }\n}\n",
    "src/app.js": "import W from './widget';\nnew W();\n",
    "src/barrel.js": "export { default as Widget } from './widget';\n",
    "src/page.js": "import { Widget } from './barrel';\nnew Widget();\n",
    "src/decoy.js": "import W from './gadget';\nnew W();\n",
    "src/gadget.js": "export default function () { return 0; }\n",
}


def test_js_references_follow_anonymous_default_exports(make_repo):
    ix = _open(make_repo, _ANONYMOUS)
    want = {("src/app.js", 1), ("src/app.js", 2), ("src/barrel.js", 1), ("src/page.js", 1), ("src/page.js", 2)}
    refs = ix.references("W", "src/app.js")
    assert _where(refs) == want and {loc.kind for loc in refs} == {"reference"}
    assert _where(ix.references("default", "src/widget.js")) == want  # asked at the export itself
    assert _where(ix.references("W", "src/decoy.js")) == {("src/decoy.js", 1), ("src/decoy.js", 2)}
    ix.close()


_PLAIN_IMPORT = {
    "pkg/__init__.py": "from .other import Engine\n",
    "pkg/core.py": "class Engine:\n    pass\n",
    "pkg/other.py": "class Engine:\n    pass\n",
    "app.py": "import pkg.core\nimport pkg.other\n\npkg.core.Engine()\npkg.other.Engine()\npkg.Engine()\n",
    "dyn.py": "def build(registry):\n    return registry.Engine()\n",
}


def test_references_follow_a_dotted_module_after_a_plain_import(make_repo):
    # ``import pkg.core`` binds ``pkg``: pkg.core.Engine is core's Engine, pkg.Engine the one pkg/__init__.py
    # imports (other's)
    ix = _open(make_repo, _PLAIN_IMPORT)
    core = {(loc.path, loc.line): loc.kind for loc in ix.references("Engine", "pkg/core.py")}
    assert core == {("app.py", 4): "reference", ("dyn.py", 2): "reference by name"}
    other = {(loc.path, loc.line): loc.kind for loc in ix.references("Engine", "pkg/other.py")}
    assert {("app.py", 5), ("app.py", 6), ("pkg/__init__.py", 1)} <= set(other)
    assert ("app.py", 4) not in other and other[("app.py", 5)] == "reference"
    ix.close()


_LIB = {
    "pkg/core.py": "class Engine:\n    pass\n",
    "pkg/other.py": "from sqlalchemy import Engine\n\n\ndef g():\n    return Engine()\n",
    "pkg/more.py": "from sqlalchemy import Engine as SA\n\nSA()\n",
    "pkg/both.py": "from pkg.core import Engine\nfrom sqlalchemy import Engine as SAEngine\n\nEngine(), SAEngine()\n",
    "pkg/ours.py": "from pkg.core import Engine\n\nEngine()\n",
    "ext.ts": "import { Widget } from 'react-widgets';\nexport const z = new Widget();\n",
    "widget.ts": "export class Widget {}\n",
}


def test_a_name_imported_from_a_library_is_not_the_repositorys_definition(make_repo):
    from genie_tui.retrieval.symbols import EXTERNAL

    ix = _open(make_repo, _LIB)
    defs = ix.definitions("Engine", "pkg/other.py")  # the import line, marked so, not pkg/core.py's class
    assert [(d.path, d.line, d.kind) for d in defs] == [("pkg/other.py", 1, EXTERNAL)]
    assert [(d.path, d.line, d.kind) for d in ix.definitions("Widget", "ext.ts")] == [("ext.ts", 1, EXTERNAL)]
    assert _where(ix.definitions("Engine", "pkg/ours.py")) == {("pkg/core.py", 1)}
    # its references are the library's Engine's, under whatever name a file imports it
    assert _where(ix.references("Engine", "pkg/other.py")) == {("pkg/other.py", 1), ("pkg/other.py", 5),
                                                                ("pkg/more.py", 1), ("pkg/more.py", 3),
                                                                ("pkg/both.py", 2), ("pkg/both.py", 4)}
    # ours: the import of sqlalchemy's Engine under another name is not a use of it
    ours = _where(ix.references("Engine", "pkg/core.py"))
    assert {("pkg/both.py", 1), ("pkg/both.py", 4), ("pkg/ours.py", 1), ("pkg/ours.py", 3)} <= ours
    assert not ours & {("pkg/both.py", 2), ("pkg/other.py", 1), ("pkg/other.py", 5)}
    ix.close()


def test_go_to_definition_tool_says_a_name_comes_from_outside_the_repository(make_repo):
    from genie_tui.config.settings import Settings
    from genie_tui.tools import registry
    from genie_tui.tools.base import ToolContext

    ctx = ToolContext(make_repo(_LIB), Settings())
    out = registry.run_simple(ctx, "go_to_definition", {"symbol": "Engine", "path": "pkg/other.py"}).text
    assert out == ("pkg/other.py:1: from sqlalchemy import Engine  "
                   "(imported from outside the repository: no definition of it here)")
    ctx.index.close()


_MIXED = {
    "backend/com/x/Util.java": "package com.x;\n\npublic class Util {\n"
                               "    public static int add(int a, int b) { return a + b; }\n}\n",
    "backend/com/x/Main.java": "package com.x;\n\npublic class Main {\n    int f() { return Util.add(1, 2); }\n}\n",
    "backend/com/x/Calc.kt": "package com.x\n\nfun g() = Util.add(3, 4)\n",
    "web/mathx.ts": "export const add = (a: number, b: number) => a + b;\nexport const two = () => add(1, 1);\n",
    "web/app.ts": "import { add } from './mathx';\nconsole.log(add(3, 4));\n",
    "tools/calc.py": "def add(a, b):\n    return a + b\n\n\nprint(add(1, 2))\n",
}


def test_references_by_name_are_only_in_the_definitions_language_family(make_repo):
    ix = _open(make_repo, _MIXED)
    # Kotlin calls Java; Python and TypeScript files cannot, whatever they call ``add``
    expected = {("backend/com/x/Main.java", 4), ("backend/com/x/Calc.kt", 3)}
    assert _where(ix.references("add", "backend/com/x/Util.java")) == expected
    assert _where(ix.references("Util.add")) == expected
    ix.close()
