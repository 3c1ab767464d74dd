"""Go to definition through import aliases and re-exports, and the owning type of methods declared outside a
class body (Go receivers, Rust impl blocks, C++ qualified names), on real tiny repos."""

from __future__ import annotations

import textwrap

import pytest

from genie_tui.retrieval import RepoIndex


def _open(make_repo, files: dict[str, str]) -> RepoIndex:
    return RepoIndex.open(make_repo({p: textwrap.dedent(t).lstrip("\n") for p, t in files.items()}))


def _where(locs) -> list[tuple[str, int]]:
    return [(loc.path, loc.line) for loc in locs]


def test_python_alias_resolves_to_the_imported_name_through_reexports(make_repo):
    ix = _open(make_repo, {
        "pkg/__init__.py": "from .core import Engine as Motor\n",
        "pkg/core.py": '''
            class Engine:
                def start(self):
                    return 1

            def make_engine():
                return Engine()
            ''',
        "pkg/other.py": "class Engine:\n    pass\n",
        "pkg/use.py": '''
            from .core import Engine as E
            from pkg.core import make_engine as mk
            from pkg import Motor
            E(), mk(), Motor()
            ''',
    })
    assert _where(ix.definitions("E", "pkg/use.py")) == [("pkg/core.py", 1)]
    assert _where(ix.definitions("mk", "pkg/use.py")) == [("pkg/core.py", 5)]
    assert _where(ix.definitions("Motor", "pkg/use.py")) == [("pkg/core.py", 1)]  # via pkg/__init__.py
    assert _where(ix.definitions("E.start", "pkg/use.py")) == [("pkg/core.py", 2)]
    assert _where(ix.definitions("Motor.start", "pkg/use.py")) == [("pkg/core.py", 2)]
    assert ix.definitions("E") == []  # with no file to read the import from, an alias is just an unknown name
    ix.close()


def test_reexport_cycle_ends(make_repo):
    ix = _open(make_repo, {
        "a.py": "from b import X as Y\n",
        "b.py": "from a import Y as X\n",
        "c.py": "from a import Y\nY()\n",
    })
    assert ix.definitions("Y", "c.py") == []
    ix.close()


def test_python_star_import_is_followed_when_no_import_names_it(make_repo):
    ix = _open(make_repo, {
        "lib/__init__.py": "from .engines import *\nfrom .s import *\nfrom .old import Engine as Spare\n",
        "lib/engines.py": "class Engine:\n    pass\n",
        "lib/s.py": "class Spare:\n    pass\n",
        "lib/old.py": "class Engine:\n    pass\n",
        "app.py": "from lib import Engine, Spare\nEngine(), Spare()\n",
    })
    assert _where(ix.definitions("Engine", "app.py"))[:1] == [("lib/engines.py", 1)]
    # imported by name, so not the one that ``*`` would bring
    assert _where(ix.definitions("Spare", "app.py"))[:1] == [("lib/old.py", 1)]
    ix.close()


@pytest.mark.parametrize(("files", "user", "alias", "expected"), [
    ({"src/util.js": "export class Widget {\n  render() { return 1; }\n}\n",
      "src/main.js": "import { helper, Widget as W } from './util';\nnew W().render();\n"},
     "src/main.js", "W", ("src/util.js", 1)),
    ({"src/model.ts": "export interface Shape {}\nexport class Circle implements Shape {}\n",
      "src/app.ts": "import { Circle as C } from './model';\nconst c = new C();\n"},
     "src/app.ts", "C", ("src/model.ts", 2)),
])
def test_js_ts_alias_resolves_to_the_imported_name(make_repo, files, user, alias, expected):
    ix = _open(make_repo, files)
    assert _where(ix.definitions(alias, user)) == [expected]
    ix.close()


def test_go_method_owner_is_its_receiver_type(make_repo):
    ix = _open(make_repo, {
        "srv/server.go": '''
            package srv

            type Server struct{}

            func (s *Server) Serve() error { return nil }
            ''',
        "srv/client.go": '''
            package srv

            type Client[T any] struct{}

            func (c *Client[T]) Serve() error { return nil }
            ''',
    })
    assert _where(ix.definitions("Client.Serve")) == [("srv/client.go", 5)]
    assert _where(ix.definitions("Server.Serve")) == [("srv/server.go", 5)]
    ix.close()


def test_rust_method_owner_is_its_impl_type(make_repo):
    ix = _open(make_repo, {
        "src/lib.rs": '''
            pub mod shapes {
                pub struct Square { pub side: f64 }
                impl Square {
                    pub fn area(&self) -> f64 { self.side * self.side }
                }
                pub trait Draw { fn draw(&self); }
                impl<'a> Draw for &'a Square { fn draw(&self) {} }
                pub fn helper() {}
            }
            ''',
        "src/circle.rs": "pub struct Circle { r: f64 }\nimpl Circle { pub fn area(&self) -> f64 { self.r } }\n",
        "src/shape.ts": "export class Circle {\n  area(): number { return 1; }\n}\n",
    })
    assert _where(ix.definitions("Square.area")) == [("src/lib.rs", 4)]
    assert set(_where(ix.definitions("Circle.area"))) == {("src/circle.rs", 2), ("src/shape.ts", 2)}
    assert _where(ix.definitions("Square.draw")) == [("src/lib.rs", 7)]  # impl Trait for Type: the type
    assert [(loc.kind, loc.line) for loc in ix.definitions("area", "src/lib.rs")][:1] == [("method", 4)]
    assert [loc.kind for loc in ix.definitions("helper")] == ["function"]  # in a mod, not a type
    ix.close()


def test_cpp_out_of_line_method_owner_is_its_qualifier(make_repo):
    ix = _open(make_repo, {
        "src/shape.cpp": '''
            namespace geo {
            class Shape { public: double helper2(); };
            class Rect { public: double helper2(); };
            double free_fn() { return 0.0; }
            double Rect::helper2() { return 2.0; }
            }
            double geo::Shape::helper2() { return 1.0; }
            template <typename T> T Box<T>::get() { return v; }
            double geo::other() { return 3.0; }
            ''',
    })
    assert _where(ix.definitions("Shape.helper2")) == [("src/shape.cpp", 7)]
    assert _where(ix.definitions("geo::Rect::helper2")) == [("src/shape.cpp", 5)]
    assert [(loc.line, loc.kind) for loc in ix.definitions("Box.get")] == [(8, "method")]
    kinds = {loc.line: loc.kind for name in ("free_fn", "other") for loc in ix.definitions(name)}
    assert kinds == {4: "function", 9: "function"}  # in (or qualified by) a namespace: functions
    ix.close()


def test_preprocessor_definition_ends_on_its_own_line(make_repo):
    ix = _open(make_repo, {
        "src/lib.c": '''
            #define SQUARE(x) ((x)*(x))
            static int add_c(int a, int b) { return a + b; }
            #define CUBE(x) \\
                ((x)*(x)*(x))
            int z;
            ''',
    })
    assert [(loc.line, loc.end_line) for loc in ix.definitions("SQUARE")] == [(1, 1)]
    assert [(loc.line, loc.end_line) for loc in ix.definitions("CUBE")] == [(3, 4)]
    ix.close()


def test_go_aliased_and_ruby_required_imports_are_recorded(make_repo):
    ix = _open(make_repo, {
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\tstr "strings"\n)\n',
        "lib/app.rb": "require 'json'\nrequire_relative 'billing/invoice'\nfoo.require 'not_an_import'\n",
        "lib/billing/invoice.rb": "class Invoice\nend\n",
    })
    rows = set(ix._store.conn().execute(
        "SELECT files.path, module, imports.name, alias FROM imports JOIN files ON files.id = imports.file_id"))
    assert rows == {("main.go", "fmt", "", ""), ("main.go", "strings", "", "str"),
                    ("lib/app.rb", "json", "", ""), ("lib/app.rb", "./billing/invoice", "", "")}
    assert ix._snap.mods.resolve_import("lib/app.rb", "./billing/invoice") == "lib/billing/invoice.rb"
    ix.close()


def test_file_with_a_huge_line_is_left_out_with_a_reason(make_repo):
    ix = _open(make_repo, {
        "web/bundle.js": "// built\nfunction packed(){}" + "foo(bar);" * 6000 + "\n",
        "web/table.js": "// a long but sane line\nfunction table(){}" + "1, " * 13000 + "\n",
    })
    assert ix.definitions("packed") == []  # not parsed: 54 KB here, 50 MB took minutes and gigabytes
    assert "not indexed: minified or machine-written (a line of 54,019 characters)" in ix.explain("web/bundle.js")
    assert _where(ix.definitions("table")) == [("web/table.js", 2)]
    ix.close()


_BARREL = {
    "src/lib/widget.ts": "export class Widget {\n  render(): number { return 1; }\n}\n",
    "src/lib/gadget.ts": "export function gadget(): number { return 2; }\n",
    "src/lib/index.ts": ("export { Widget as W } from './widget';\n"
                         "export * from './gadget';\n"
                         "export { Widget } from './widget';\n"),
    "src/o/widget.ts": "export class Widget {}\nexport function gadget(): number { return 0; }\n",  # decoys
    "src/W.ts": "export class W {}\n",
}


@pytest.mark.parametrize(("user", "symbol", "expected"), [
    ("import { W } from './lib';\nnew W();\n", "W", ("src/lib/widget.ts", 1)),
    ("import { W as Thing } from './lib/index';\nnew Thing();\n", "Thing", ("src/lib/widget.ts", 1)),
    ("import { gadget } from './lib';\ngadget();\n", "gadget", ("src/lib/gadget.ts", 1)),
    ("import { gadget as g } from './lib';\ng();\n", "g", ("src/lib/gadget.ts", 1)),
    ("import { Widget } from './lib';\nnew Widget();\n", "Widget", ("src/lib/widget.ts", 1)),
], ids=["renamed", "renamed-again", "star", "star-renamed", "by-name"])
def test_js_definition_resolves_through_an_index_barrel(make_repo, user, symbol, expected):
    ix = _open(make_repo, {**_BARREL, "src/app.ts": user})
    assert _where(ix.definitions(symbol, "src/app.ts"))[:1] == [expected]
    ix.close()


def test_js_barrel_reexports_chain_and_dot_import(make_repo):
    ix = _open(make_repo, {
        "web/parts/widget.js": "export function Widget() { return 1; }\n",
        "web/parts/index.js": "import { Widget } from './widget';\nexport { Widget as Part };\n",
        "web/index.js": "export * from './parts';\n",
        "web/app/main.js": "import { Part as P } from '..';\nP();\n",
        "web/other.js": "export function Part() { return 0; }\n",
    })
    assert _where(ix.definitions("P", "web/app/main.js")) == [("web/parts/widget.js", 1)]
    ix.close()


def test_js_reexports_are_recorded(make_repo):
    ix = _open(make_repo, {
        "src/index.ts": ("import { Gadget } from './gadget';\n"
                         "export { Widget, Widget as W } from './widget';\n"
                         "export * from './shapes';\n"
                         "export * as geo from './geo';\n"
                         "export type { Shape } from './shapes';\n"
                         "export { Gadget as G, Gadget };\n"),
    })
    rows = set(ix._store.conn().execute("SELECT module, name, alias FROM imports"))
    assert rows == {("./gadget", "Gadget", "Gadget"), ("./widget", "Widget", "Widget"), ("./widget", "Widget", "W"),
                    ("./shapes", "*", "*"), ("./geo", "*", "geo"), ("./shapes", "Shape", "Shape"),
                    ("./gadget", "Gadget", "G")}
    ix.close()


def test_ts_esm_imports_name_the_compiled_file(make_repo):
    """TypeScript with ES modules writes `from './widget.js'` for widget.ts (also .mjs for .mts); a real
    widget.js wins when it exists."""
    ix = _open(make_repo, {
        "src/widget.ts": "export class Widget {}\n",
        "src/util.mts": "export function util(): number { return 1; }\n",
        "src/plain.js": "export function plain() { return 1; }\n",
        "src/plain.ts": "export function plain(): number { return 2; }\n",
        "src/app.ts": ("import { Widget as W } from './widget.js';\nimport { util } from './util.mjs';\n"
                       "import { plain } from './plain.js';\nnew W(); util(); plain();\n"),
    })
    assert _where(ix.definitions("W", "src/app.ts"))[:1] == [("src/widget.ts", 1)]
    assert _where(ix.definitions("util", "src/app.ts"))[:1] == [("src/util.mts", 1)]
    assert _where(ix.definitions("plain", "src/app.ts"))[:1] == [("src/plain.js", 1)]
    assert ("src/app.ts", 4) in _where(ix.references("Widget", "src/widget.ts"))
    ix.close()


_DEFAULTS = {
    "src/widget.ts": "export default class Widget {\n  render(): number { return 1; }\n}\n",
    "src/fn.js": "export default function helper() { return 1; }\n",
    "src/named.ts": "class Gadget {}\nexport default Gadget;\n",
    "src/renamed.ts": "import { Gadget } from './named2';\nexport { Gadget as default };\n",
    "src/named2.ts": "export class Gadget {}\n",
    "src/index.ts": "export { default as Widget } from './widget';\nexport { default } from './named';\n",
    "src/decoys.ts": "export class W {}\nexport class Widget {}\nexport function h() {}\nexport class G {}\n",
    "src/app.ts": ("import W, { thing } from './widget';\nimport h from './fn';\nimport G from './named';\n"
                   "import R from './renamed';\nimport { Widget as Wi } from './index';\nimport D from './index';\n"
                   "import * as ns from './index';\nnew W(); h(); new G(); new R(); new Wi(); new D();\n"
                   "new ns.Widget();\n"),
}


@pytest.mark.parametrize(("symbol", "expected"), [
    ("W", ("src/widget.ts", 1)),  # import W from: the module's default, whatever it is called there
    ("h", ("src/fn.js", 1)),
    ("G", ("src/named.ts", 1)),  # export default Gadget;
    ("R", ("src/named2.ts", 1)),  # export { Gadget as default } of an imported Gadget
    ("Wi", ("src/widget.ts", 1)),  # export { default as Widget } from './widget'
    ("D", ("src/named.ts", 1)),  # export { default } from './named'
    ("ns.Widget", ("src/widget.ts", 1)),  # import * as ns, then the barrel's Widget
    ("W.render", ("src/widget.ts", 2)),
    ("ns.Widget.render", ("src/widget.ts", 2)),
])
def test_js_default_exports_and_namespace_imports_resolve(make_repo, symbol, expected):
    ix = _open(make_repo, _DEFAULTS)
    assert _where(ix.definitions(symbol, "src/app.ts")) == [expected]
    ix.close()


def test_js_default_imports_are_recorded_as_the_modules_default(make_repo):
    ix = _open(make_repo, {
        "src/m.ts": ("import W, { x, type Subtype as S } from './w';\nimport type T from './t';\n"
                     "import * as ns from './n';\nexport default class Widget {}\n"),
    })
    rows = set(ix._store.conn().execute("SELECT module, name, alias FROM imports"))
    assert rows == {("./w", "default", "W"), ("./w", "x", "x"), ("./w", "Subtype", "S"), ("./t", "default", "T"),
                    ("./n", "*", "ns"), ("", "Widget", "default")}
    ix.close()


_MODULES = {
    "pkg/__init__.py": "",
    "pkg/core.py": "class Engine:\n    def start(self):\n        return 1\n",
    "pkg/sub/__init__.py": "from .impl import Engine\n",
    "pkg/sub/impl.py": "class Engine:\n    pass\n",
    "lib/engine.py": "class Engine:\n    def start(self):\n        return 0\n",
    "app.py": ("import pkg.core as m\nfrom pkg import core as mod\nimport pkg.core\nfrom pkg import sub\n"
               "import pkg\nm.Engine(), mod.Engine(), pkg.core.Engine(), sub.Engine(), pkg.sub.Engine()\n"),
}


@pytest.mark.parametrize(("symbol", "expected"), [
    ("m.Engine", ("pkg/core.py", 1)),
    ("mod.Engine", ("pkg/core.py", 1)),
    ("pkg.core.Engine", ("pkg/core.py", 1)),
    ("sub.Engine", ("pkg/sub/impl.py", 1)),  # re-exported by the package the alias names
    ("pkg.sub.Engine", ("pkg/sub/impl.py", 1)),
    ("m.Engine.start", ("pkg/core.py", 2)),
])
def test_python_attribute_of_a_module_alias_resolves(make_repo, symbol, expected):
    ix = _open(make_repo, _MODULES)
    assert _where(ix.definitions(symbol, "app.py")) == [expected]
    ix.close()


_ANONYMOUS = {
    "src/fn.js": "// makes one\nexport default function () {\n  return 1;\n}\n",
    "src/cls.ts": "export default class {\n  render(): number { return 1; }\n}\n",
    "src/arrow.js": "const x = 1;\nexport default () => x;\n",
    "src/index.ts": "export { default as Widget } from './cls';\n",
    "src/decoys.ts": "export function f() {}\nexport class C {}\nexport const a = () => 0;\nexport class Widget {}\n",
    "src/app.ts": ("import f from './fn';\nimport C from './cls';\nimport a from './arrow';\n"
                   "import { Widget } from './index';\nf(); new C(); a(); new Widget();\n"),
}


@pytest.mark.parametrize(("symbol", "expected"), [
    ("f", ("src/fn.js", 2)),  # the line of the export, not of the comment above it
    ("C", ("src/cls.ts", 1)),
    ("a", ("src/arrow.js", 2)),
    ("Widget", ("src/cls.ts", 1)),  # export { default as Widget } of an anonymous class
    ("C.render", ("src/cls.ts", 2)),
])
def test_js_anonymous_default_exports_resolve(make_repo, symbol, expected):
    ix = _open(make_repo, _ANONYMOUS)
    assert _where(ix.definitions(symbol, "src/app.ts")) == [expected]
    ix.close()


_BY_NAME_IMPORTS = {
    "src/main/java/com/a/Util.java": "package com.a;\npublic class Util { public static void run() {} }\n",
    "src/main/java/com/b/Util.java": "package com.b;\npublic class Util { public static void run() {} }\n",
    "src/main/java/com/c/M.java": "package com.c;\nimport com.b.Util;\nclass M { void f() { Util.run(); } }\n",
    "src/main/kotlin/com/d/K.kt": "package com.d\nimport com.b.Util\nfun f() = Util.run()\n",
    "rs/src/a.rs": "pub struct Util;\npub struct Gizmo;\n",
    "rs/src/b.rs": "pub struct Util;\n",
    "rs/src/c/mod.rs": "pub struct Gizmo;\n",
    "rs/src/main.rs": "mod a;\nmod b;\nmod c;\nuse crate::b::Util;\nuse crate::{c::{Gizmo as G}, a::Other};\n"
                      "fn main() { let _u = Util; let _g = G; }\n",
    "web/components/util.ts": "export class Util {}\n",
    "web/app.js": "new Util();\n",
    "native/util.h": "struct Util {};\n",
    "native/main.cpp": "#include \"util.h\"\nUtil u;\n",
    "native/util.py": "class Util:\n    pass\n",
}


@pytest.mark.parametrize(("user", "symbol", "first"), [
    ("src/main/java/com/c/M.java", "Util", ["src/main/java/com/b/Util.java", "src/main/java/com/a/Util.java"]),
    ("src/main/java/com/c/M.java", "Util.run", ["src/main/java/com/b/Util.java"]),
    ("src/main/kotlin/com/d/K.kt", "Util", ["src/main/java/com/b/Util.java", "src/main/java/com/a/Util.java"]),
    ("rs/src/main.rs", "Util", ["rs/src/b.rs", "rs/src/a.rs"]),
    ("rs/src/main.rs", "Gizmo", ["rs/src/c/mod.rs", "rs/src/a.rs"]),  # in a ``{...}`` group, under an alias
    ("web/app.js", "Util", ["web/components/util.ts"]),  # TypeScript is JavaScript's family
    ("native/main.cpp", "Util", ["native/util.h"]),
])
def test_by_name_definitions_rank_the_files_language_and_its_imports_first(make_repo, user, symbol, first):
    ix = _open(make_repo, _BY_NAME_IMPORTS)
    got = [p for p, _ in _where(ix.definitions(symbol, user))]
    assert got[:len(first)] == first
    ix.close()
