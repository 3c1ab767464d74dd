"""Definitions, references and import resolution for every supported language, on real tiny repos."""

from __future__ import annotations

import functools
import subprocess
import sys
import textwrap

import pytest

from genie_tui.retrieval import RepoIndex, langs, patterns

CASES = {
    "python": ("pkg/shapes.py", '''
        """Shapes."""
        class Circle:
            """A round shape."""
            def area(self):
                return compute_area(self.r)

        def compute_area(r):
            return 3.14 * r * r
        ''', [("Circle", "class", 2), ("area", "method", 4), ("compute_area", "function", 7)], "compute_area", 5),
    "javascript": ("src/shapes.js", '''
        class Circle {
          area() { return computeArea(this.r); }
        }
        function computeArea(r) { return 3.14 * r * r; }
        const helper = (x) => computeArea(x);
        ''', [("Circle", "class", 1), ("area", "method", 2), ("computeArea", "function", 4),
              ("helper", "function", 5)], "computeArea", 2),
    "typescript": ("src/shapes.ts", '''
        interface Shape { area(): number; }
        class Circle implements Shape {
          area(): number { return computeArea(1); }
        }
        function computeArea(r: number): number { return r; }
        ''', [("Shape", "class", 1), ("Circle", "class", 2), ("area", "method", 3),
              ("computeArea", "function", 5)], "computeArea", 3),
    "tsx": ("src/View.tsx", '''
        function Button(props: Props) { return <b>{label(props)}</b>; }
        function label(p: Props): string { return "x"; }
        ''', [("Button", "function", 1), ("label", "function", 2)], "label", 1),
    "go": ("shapes/shapes.go", '''
        package shapes

        type Circle struct{ R float64 }

        func (c Circle) Area() float64 { return ComputeArea(c.R) }

        func ComputeArea(r float64) float64 { return r * r }

        type Shape interface {
        	Area() float64
        }
        ''', [("Circle", "class", 3), ("Area", "method", 5), ("ComputeArea", "function", 7), ("Shape", "class", 9),
              ("Area", "method", 10)], "ComputeArea", 5),
    "rust": ("src/shapes.rs", '''
        pub struct Circle { r: f64 }
        impl Circle {
            pub fn area(&self) -> f64 { compute_area(self.r) }
        }
        pub fn compute_area(r: f64) -> f64 { r * r }
        ''', [("Circle", "class", 1), ("area", "method", 3), ("compute_area", "function", 5)], "compute_area", 3),
    "java": ("src/Shapes.java", '''
        public class Shapes {
            public double area(double r) { return computeArea(r); }
            static double computeArea(double r) { return r * r; }
        }
        ''', [("Shapes", "class", 1), ("area", "method", 2), ("computeArea", "method", 3)], "computeArea", 2),
    "c": ("src/shapes.c", '''
        struct circle { double r; };
        static double compute_area(double r) { return r * r; }
        double area(struct circle *c) { return compute_area(c->r); }
        char **names(int n) { return 0; }
        typedef struct point { int x; } point;
        ''', [("circle", "class", 1), ("compute_area", "function", 2), ("area", "function", 3),
              ("names", "function", 4), ("point", "class", 5)], "compute_area", 3),
    "cpp": ("src/shapes.cpp", '''
        namespace geo {
        class Circle { public: double area() const; double r; };
        }
        double compute_area(double r) { return r * r; }
        double geo::Circle::area() const { return compute_area(r); }
        ''', [("geo", "module", 1), ("Circle", "class", 2), ("compute_area", "function", 4),
              ("area", "method", 5)], "compute_area", 5),
    "ruby": ("lib/shapes.rb", '''
        module Geo
          class Circle
            def area
              compute_area(@r)
            end
          end
        end
        def compute_area(r)
          r * r
        end
        ''', [("Geo", "module", 1), ("Circle", "class", 2), ("area", "method", 3), ("compute_area", "method", 8)],
        "compute_area", 4),
    "csharp": ("src/Shapes.cs", '''
        namespace Geo.Shapes;

        public class Circle
        {
            public double R { get; set; }
            public Circle(double r) { R = r; }
            public double Area() => ComputeArea(R);
            static double ComputeArea(double r) => r * r;
        }
        public interface IShape { double Area(); }
        public struct Point { public int X; }
        public enum Color { Red }
        public record Person(string Name);
        ''', [("Shapes", "module", 1), ("Circle", "class", 3), ("R", "method", 5), ("Circle", "method", 6),
              ("Area", "method", 7), ("ComputeArea", "method", 8), ("IShape", "class", 10), ("Area", "method", 10),
              ("Point", "class", 11), ("Color", "class", 12), ("Person", "class", 13)], "ComputeArea", 7),
    "php": ("src/Shapes.php", '''
        <?php
        namespace App\\Geo;

        use App\\Contracts\\Shape;

        class Circle implements Shape
        {
            use Named;
            public function area(): float { return compute_area($this->r); }
        }
        interface Shape { public function area(): float; }
        trait Named { public function name(): string { return static::class; } }
        enum Color: string { case Red = 'r'; }
        function compute_area(float $r): float { return $r * $r; }
        ''', [("Geo", "module", 2), ("Circle", "class", 6), ("area", "method", 9), ("Shape", "class", 11),
              ("area", "method", 11), ("Named", "class", 12), ("name", "method", 12), ("Color", "class", 13),
              ("compute_area", "function", 14)], "compute_area", 9),
    "kotlin": ("src/main/kotlin/Shapes.kt", '''
        package geo

        import kotlin.math.PI

        class Circle(val r: Double) : Shape {
            override fun area(): Double = computeArea(r)
            val diameter: Double
                get() = 2 * r
        }

        object Registry {
            fun register(s: Shape) {}
        }

        interface Shape {
            fun area(): Double
        }

        fun computeArea(r: Double): Double = PI * r * r

        fun String.shout(): String = uppercase()
        ''', [("Circle", "class", 5), ("area", "method", 6), ("diameter", "method", 7), ("Registry", "class", 11),
              ("register", "method", 12), ("Shape", "class", 15), ("area", "method", 16),
              ("computeArea", "function", 19), ("shout", "method", 21)], "computeArea", 6),
    "swift": ("Sources/Geo/Shapes.swift", '''
        import Foundation

        protocol Shape {
            func area() -> Double
            var name: String { get }
        }

        final class Circle: Shape {
            let r: Double
            var name: String { "circle" }
            init(r: Double) { self.r = r }
            func area() -> Double { computeArea(r) }
        }

        struct Point { var x = 0.0 }
        enum Color { case red }
        actor Counter { func inc() {} }

        extension Circle {
            func perimeter() -> Double { 2 * .pi * r }
        }

        typealias Shapes = [Shape]

        func computeArea(_ r: Double) -> Double { .pi * r * r }
        ''', [("Shape", "class", 3), ("area", "method", 4), ("name", "method", 5), ("Circle", "class", 8),
              ("name", "method", 10), ("init", "method", 11), ("area", "method", 12), ("Point", "class", 15),
              ("Color", "class", 16), ("Counter", "class", 17), ("inc", "method", 17), ("perimeter", "method", 20),
              ("Shapes", "class", 23), ("computeArea", "function", 25)], "computeArea", 12),
    "scala": ("src/main/scala/geo/Shapes.scala", '''
        package geo

        import scala.math.Pi

        trait Shape {
          def area: Double
        }

        case class Circle(r: Double) extends Shape {
          def area: Double = computeArea(r)
        }

        object Circle {
          def unit: Circle = Circle(1.0)
        }

        case object Empty extends Shape { def area = 0.0 }
        enum Color:
          case Red
        type Shapes = List[Shape]

        def computeArea(r: Double): Double = Pi * r * r
        ''', [("Shape", "class", 5), ("area", "method", 6), ("Circle", "class", 9), ("area", "method", 10),
              ("Circle", "class", 13), ("unit", "method", 14), ("Empty", "class", 17), ("area", "method", 17),
              ("Color", "class", 18), ("Shapes", "class", 20), ("computeArea", "function", 22)], "computeArea", 10),
}


@pytest.mark.parametrize("lang", sorted(CASES))
def test_definitions_and_references_per_language(lang, make_repo):
    path, src, expected, ref_name, ref_line = CASES[lang]
    repo = make_repo({path: textwrap.dedent(src).lstrip("\n")})
    ix = RepoIndex.open(repo)
    for name, kind, line in expected:
        locs = [loc for loc in ix.definitions(name) if loc.path == path]
        assert locs, f"{lang}: no definition of {name}"
        assert (kind, line) in {(loc.kind, loc.line) for loc in locs}, (lang, name, locs)
        assert all(name in loc.snippet for loc in locs)
    refs = ix.references(ref_name)
    assert (path, ref_line) in {(r.path, r.line) for r in refs}, (lang, refs)
    assert all(r.kind == "reference" for r in refs)
    ix.close()


def test_python_definition_resolves_through_imports(make_repo):
    repo = make_repo({
        "app/__init__.py": "",
        "app/models.py": "def load(x):\n    return x\n",
        "app/other.py": "def load(y):\n    return y\n",
        "app/views.py": "from .models import load\n\n\ndef show():\n    return load(1)\n",
        "app/cli.py": "import app.other as other\n\n\ndef main():\n    return other.load(2)\n",
    })
    ix = RepoIndex.open(repo)
    assert ix.definitions("load", path="app/views.py")[0].path == "app/models.py"
    assert ix.definitions("other.load", path="app/cli.py")[0].path == "app/other.py"
    assert ix.definitions("app.other.load")[0].path == "app/other.py"
    refs = ix.references("load", path="app/views.py")
    assert ("app/views.py", 5) in {(r.path, r.line) for r in refs}


def test_js_definition_resolves_through_relative_import(make_repo):
    repo = make_repo({
        "src/a.ts": "export function run(): number { return 1; }\n",
        "src/b.ts": "export function run(): number { return 2; }\n",
        "src/main.ts": "import { run } from './b';\nrun();\n",
    })
    ix = RepoIndex.open(repo)
    assert ix.definitions("run", path="src/main.ts")[0].path == "src/b.ts"


def _located(ix: RepoIndex, symbol: str, ends: bool = False) -> list[tuple]:
    """A symbol's definitions as ``(path, line, kind)``, or ``(path, line, end_line, kind)`` with ``ends``."""
    return [(loc.path, loc.line, *((loc.end_line,) if ends else ()), loc.kind) for loc in ix.definitions(symbol)]


def _defs(ix: RepoIndex, *symbols: str) -> dict[str, list[tuple[str, int, str]]]:
    """Each symbol's definitions as ``(path, line, kind)``."""
    return {s: [(loc.path, loc.line, loc.kind) for loc in ix.definitions(s)] for s in symbols}


def test_js_functions_assigned_to_objects_are_methods_of_them(make_repo):
    """``res.send = function send() {}`` and ``Router.prototype.use = ...``: how Express and most JavaScript
    before classes define methods; ``exports.x = ...`` stays one CommonJS export, not a second definition."""
    repo = make_repo({
        "lib/response.js": textwrap.dedent("""\
            var res = Object.create(http.ServerResponse.prototype);
            // Send a response.
            res.send = function send(body) {
              return this.end(body);
            };
            res.json = (obj) => res.send(JSON.stringify(obj));
            req.get = req.header = function header(name) {
              return this.headers[name];
            };
            function Router() {
              this.handle = function (req) { return req; };
            }
            Router.prototype.use = function use(fn) {
              this.stack.push(fn);
            };
            exports.compileETag = function (val) { return val; };
            module.exports = res;
            """),
        "lib/other.js": "var app = {};\napp.send = function () { return 1; };\n",
        "lib/utils.js": textwrap.dedent("""\
            var utils = {
              merge: function merge(a, b) { return a; },
              pick: (o) => o,
            };
            View.prototype = {
              render: function () { return 1; },
            };
            run({ onDone: () => 1, onFail: function () { return 2; } });
            module.exports = { clone: function (x) { return x; } };
            """),
    })
    ix = RepoIndex.open(repo)
    found = _defs(ix, "res.send", "json", "get", "header", "use", "Router.use", "handle", "compileETag")
    assert found["res.send"][0] == ("lib/response.js", 3, "method")  # the one of ``res``, not ``app``'s
    assert [loc.path for loc in ix.definitions("app.send")][:1] == ["lib/other.js"]
    assert found["json"] == [("lib/response.js", 6, "method")]
    assert found["get"] == found["header"] == [("lib/response.js", 7, "method")]
    assert found["use"] == found["Router.use"] == [("lib/response.js", 13, "method")]
    assert found["handle"] == [("lib/response.js", 11, "method")]
    assert found["compileETag"] == [("lib/response.js", 16, "function")]
    assert [(loc.path, loc.line, loc.kind) for loc in ix.definitions("utils.merge")][:1] == [
        ("lib/utils.js", 2, "method")]
    assert [(loc.line, loc.kind) for loc in ix.definitions("pick")] == [(3, "method")]
    assert [(loc.line, loc.kind) for loc in ix.definitions("View.render")] == [(6, "method")]
    assert [loc.line for loc in ix.definitions("onFail")] == [8]  # ``function`` says it is one
    assert ix.definitions("onDone") == []  # an arrow in a call's argument is a callback
    assert [(loc.line, loc.kind) for loc in ix.definitions("clone")] == [(9, "function")]  # CommonJS's, once
    assert "exports" not in {loc.kind for loc in ix.definitions("exports")} and not ix.definitions("exports")
    hits = ix.search("send a response body", k=1)
    assert hits and hits[0].path == "lib/response.js"
    assert "send" in {span.symbol for span in hits[0].spans}
    ix.close()


def test_js_wrapped_components_and_function_fields_are_definitions(make_repo):
    repo = make_repo({
        "src/button.js": textwrap.dedent("""\
            export const Button = forwardRef((props, ref) => render(props, ref));
            const Panel = memo(function Panel(props) { return props; });
            var legacy = wrap(function () { return 1; });
            class Store {
              onClick = () => this.count++;
            }
            function List(items) {
              const doubled = items.map((x) => 2 * x);
              return doubled;
            }
            """),
        "src/store.ts": "export class Cart {\n  private add = (n: number): number => n + 1;\n}\n",
    })
    ix = RepoIndex.open(repo)
    got = _defs(ix, "Button", "Panel", "legacy", "onClick", "Store.onClick", "add", "Cart.add", "doubled")
    assert got["Button"] == [("src/button.js", 1, "function")]
    assert got["Panel"] == [("src/button.js", 2, "function")]
    assert got["legacy"] == [("src/button.js", 3, "function")]
    assert got["onClick"] == got["Store.onClick"] == [("src/button.js", 5, "method")]
    assert got["add"] == got["Cart.add"] == [("src/store.ts", 2, "method")]
    assert got["doubled"] == []  # a value computed inside a function, not a definition
    ix.close()


def test_ruby_methods_declared_by_calls(make_repo):
    repo = make_repo({
        "app/models/user.rb": textwrap.dedent("""\
            class User < ApplicationRecord
              attr_reader :name, :email
              scope :active, -> { where(active: true) }
              has_many :posts
              define_method(:reset) { @name = nil }
              validates :name, presence: true
            end
            """),
        "app/models/post.rb": "class Post\n  belongs_to :user\nend\n",
    })
    ix = RepoIndex.open(repo)
    got = _defs(ix, "name", "email", "User.active", "posts", "reset", "user", "Post.user", "presence")
    assert got["name"] == [("app/models/user.rb", 2, "method")]
    assert got["email"] == [("app/models/user.rb", 2, "method")]
    assert got["User.active"] == [("app/models/user.rb", 3, "method")]
    assert got["posts"] == [("app/models/user.rb", 4, "method")]
    assert got["reset"] == [("app/models/user.rb", 5, "method")]
    assert got["user"] == got["Post.user"] == [("app/models/post.rb", 2, "method")]
    assert got["presence"] == []  # ``validates :name`` declares no method
    ix.close()


def test_a_typedef_of_a_struct_of_the_same_name_is_one_definition(make_repo):
    repo = make_repo({"src/json.h": "typedef struct cJSON {\n    int type;\n} cJSON;\n",
                      "src/pair.h": "typedef struct pair_s { int a; } pair_t;\n"})
    ix = RepoIndex.open(repo)
    assert [(loc.path, loc.line) for loc in ix.definitions("cJSON")] == [("src/json.h", 1)]
    assert [loc.line for loc in ix.definitions("pair_s")] == [1] and [loc.line for loc in ix.definitions("pair_t")] == [1]
    ix.close()


def test_class_qualified_symbol_prefers_the_class(make_repo):
    repo = make_repo({
        "a.py": "class A:\n    def go(self):\n        pass\n",
        "b.py": "class B:\n    def go(self):\n        pass\n",
    })
    ix = RepoIndex.open(repo)
    locs = ix.definitions("B.go")
    assert [loc.path for loc in locs] == ["b.py"]


def test_csharp_php_kotlin_methods_by_qualified_name(make_repo):
    """``Class.Method`` picks the method of that class; a Kotlin extension function is one of its receiver type,
    and a C# namespace (with braces or without) or a PHP one with braces is what a class in it is qualified by."""
    repo = make_repo({
        "src/Shapes.cs": textwrap.dedent("""\
            using System;
            namespace Geo.Shapes;
            public class Circle { public double Area() => 1; }
            public class Square { public double Area() => 2; }
            """),
        "src/Other.cs": "namespace Plane {\n  class Circle { }\n}\n",
        "src/Shapes.php": textwrap.dedent("""\
            <?php
            namespace App\\Geo;
            use App\\Util\\{Math, Str as S};
            class Circle { public function area() { return 1; } }
            class Square { public function area() { return 2; } }
            use function App\\Util\\helper;
            """),
        "src/Plane.php": "<?php\nnamespace Plane {\n    class Square { public function area() { return 3; } }\n}\n",
        "src/Shapes.kt": textwrap.dedent("""\
            import kotlin.math.PI as P
            class Circle { fun perimeter() = 1 }
            class Square { fun perimeter() = 2 }
            fun String.shout(): String = uppercase()
            fun <T> List<T>?.second(): T = this!![1]
            """),
    })
    ix = RepoIndex.open(repo)

    where = functools.partial(_located, ix)

    assert where("Square.Area") == [("src/Shapes.cs", 4, "method")]
    assert where("Circle.area") == [("src/Shapes.php", 4, "method")]
    assert where("Square.perimeter") == [("src/Shapes.kt", 3, "method")]
    assert where("String.shout") == [("src/Shapes.kt", 4, "method")]
    assert where("List.second") == [("src/Shapes.kt", 5, "method")]
    assert where("Shapes.Circle") == [("src/Shapes.cs", 3, "class")]  # not Plane's
    assert where("Plane.Circle") == [("src/Other.cs", 2, "class")]
    assert where("Plane.Square") == [("src/Plane.php", 3, "class")]
    imports = ix._store.conn().execute(
        "SELECT files.path, module FROM imports JOIN files ON files.id = imports.file_id"
        " ORDER BY files.path, imports.rowid")
    assert [row for row in imports] == [
        ("src/Shapes.cs", "System"), ("src/Shapes.kt", "kotlin.math.PI"), ("src/Shapes.php", "App\\Util\\Math"),
        ("src/Shapes.php", "App\\Util\\Str"), ("src/Shapes.php", "App\\Util\\helper")]
    ix.close()


def test_kotlin_what_the_grammar_misreads_is_still_found(make_repo):
    """tree-sitter-kotlin 1.1 can skip the rest of a file after one-line class bodies (``class Keys { fun all() =
    1 }``) and reads a nested class's primary constructor on the line after its name as a secondary constructor of
    the enclosing class, and a class under annotations alone on their lines as an expression: the definitions are
    found all the same, on their own lines and in their class."""
    repo = make_repo({"src/Spec.kt": textwrap.dedent("""\
        class Keys { fun all() = 1 }
        class Names { fun all() {} }

        class TypeSpec
        private constructor(builder: Builder) : Taggable {
            fun emit() { println(Keys.all()) }

            public class Builder
            internal constructor(internal val name: String) {
                fun build(): TypeSpec = TypeSpec(this)
            }
        }

        fun helper() = 1

        @Entity
        @Table(name = "rows")
        class Row {
            fun id() = 1
        }

        class Tail
        """)})
    ix = RepoIndex.open(repo)
    got = {name: [(loc.line, loc.end_line, loc.kind) for loc in ix.definitions(name)]
           for name in ("Keys", "Names.all", "TypeSpec", "emit", "TypeSpec.emit", "Builder", "TypeSpec.Builder",
                        "Builder.build", "helper", "Row", "Row.id", "Tail")}
    assert got["Keys"] == [(1, 1, "class")]
    assert got["Names.all"] == [(2, 2, "method")]
    assert got["TypeSpec"] == [(4, 12, "class")]
    assert got["emit"] == got["TypeSpec.emit"] == [(6, 6, "method")]
    assert got["Builder"] == got["TypeSpec.Builder"] == [(8, 11, "class")]
    assert got["Builder.build"] == [(10, 10, "method")]
    assert got["helper"] == [(14, 14, "function")]
    assert got["Row"] == [(18, 20, "class")]  # annotations alone on their lines: read as an expression
    assert got["Row.id"] == [(19, 19, "method")]
    assert got["Tail"] == [(22, 22, "class")]
    assert ("src/Spec.kt", 6) in {(r.path, r.line) for r in ix.references("Keys")}
    ix.close()


def test_kotlin_class_left_in_an_error_node_keeps_its_members(make_repo):
    """What no rewriting mends (here a property being written) leaves an error node that starts with the class's
    keyword and name: still the class of the methods in it."""
    repo = make_repo({"src/Broken.kt": "class Broken {\n    fun area() = 1\n    val = 2\n}\n"})
    ix = RepoIndex.open(repo)
    assert [(loc.line, loc.kind) for loc in ix.definitions("Broken")] == [(1, "class")]
    assert [(loc.line, loc.kind) for loc in ix.definitions("Broken.area")] == [(2, "method")]
    ix.close()


def test_swift_scala_methods_by_qualified_name(make_repo):
    """``Type.method`` picks the method of that type: in its body, in a Swift ``extension`` of it, in a Scala 3
    ``extension (c: Circle)``; a Scala object's methods are the object's (and an auxiliary constructor ``def this``
    its class's), and an import records what it names."""
    repo = make_repo({
        "Sources/Shapes.swift": textwrap.dedent("""\
            @testable import Geo
            import struct Foundation.URL
            struct Circle { func area() -> Double { 1 } }
            struct Square { func area() -> Double { 2 } }
            extension Square {
                init(side: Double) { self.init() }
                var diagonal: Double { 1.4 }
                func perimeter() -> Double { 4 }
            }
            extension Array where Element == Int {
                func total() -> Int { 0 }
            }
            """),
        "src/Shapes.scala": textwrap.dedent("""\
            import scala.collection.mutable.{ArrayBuffer, Map => MMap}
            import java.util._, cats.syntax.all.*
            class Circle { def this(r: Int) = this(); def perimeter(): Double = 1 }
            object Square { def perimeter(): Double = 2 }
            extension (c: Circle)
              def diameter: Double = 2
              def `type`: String = "circle"
            extension [T](xs: List[T]) def second: T = xs(1)
            """),
    })
    ix = RepoIndex.open(repo)

    where = functools.partial(_located, ix)

    assert where("Square.area") == [("Sources/Shapes.swift", 4, "method")]
    assert where("Square.init") == [("Sources/Shapes.swift", 6, "method")]
    assert where("Square.diagonal") == [("Sources/Shapes.swift", 7, "method")]
    assert sorted(where("Square.perimeter")) == [("Sources/Shapes.swift", 8, "method"),
                                                 ("src/Shapes.scala", 4, "method")]
    assert where("Circle.perimeter") == [("src/Shapes.scala", 3, "method")]
    assert where("Array.total") == [("Sources/Shapes.swift", 11, "method")]
    assert where("Circle.diameter") == [("src/Shapes.scala", 6, "method")]
    assert where("Circle.type") == [("src/Shapes.scala", 7, "method")]
    assert where("List.second") == [("src/Shapes.scala", 8, "method")]
    assert where("Circle.this") == [("src/Shapes.scala", 3, "method")]  # a Scala auxiliary constructor
    imports = ix._store.conn().execute(
        "SELECT files.path, module, imports.name, alias FROM imports JOIN files ON files.id = imports.file_id"
        " ORDER BY files.path, imports.rowid")
    assert [row for row in imports] == [
        ("Sources/Shapes.swift", "Geo", "", ""), ("Sources/Shapes.swift", "Foundation.URL", "", ""),
        ("src/Shapes.scala", "scala.collection.mutable.ArrayBuffer", "", ""),
        ("src/Shapes.scala", "scala.collection.mutable.Map", "", ""), ("src/Shapes.scala", "java.util", "", ""),
        ("src/Shapes.scala", "cats.syntax.all", "", "")]
    ix.close()


def test_swift_operators_subscripts_and_enum_cases(make_repo):
    """An operator function is a definition named by its operator (``Vector.==``, the top-level ``+``), a
    subscript one named ``subscript`` of its type, and each case of an enum one of the enum (``Direction.south``
    of ``case north, south``), found where it is used."""
    repo = make_repo({
        "Sources/Geo/Vector.swift": textwrap.dedent("""\
            infix operator <*>: MultiplicationPrecedence

            struct Vector: Equatable {
                var x: Double
                var y: Double

                static func == (lhs: Vector, rhs: Vector) -> Bool {
                    lhs.x == rhs.x && lhs.y == rhs.y
                }
                static prefix func - (v: Vector) -> Vector { Vector(x: -v.x, y: -v.y) }
                static func <*> (lhs: Vector, rhs: Vector) -> Double { lhs.x * rhs.x + lhs.y * rhs.y }

                subscript(index: Int) -> Double {
                    get { index == 0 ? x : y }
                    set { if index == 0 { x = newValue } else { y = newValue } }
                }
            }

            func + (a: Vector, b: Vector) -> Vector { Vector(x: a.x + b.x, y: a.y + b.y) }

            /// Where to go.
            enum Direction {
                /// Up and down.
                case north, south
                case offset(
                    dx: Int,
                    dy: Int)
            }

            protocol Grid { subscript(row: Int, col: Int) -> Double { get } }

            func step() -> Direction { .south }

            extension Vector {
                static func .* (lhs: Vector, rhs: Vector) -> Vector { Vector(x: lhs.x * rhs.x, y: lhs.y * rhs.y) }
            }
            """),
    })
    ix = RepoIndex.open(repo)
    path = "Sources/Geo/Vector.swift"

    where = functools.partial(_located, ix, ends=True)

    assert where("Vector.==") == [(path, 7, 9, "method")]
    assert where("Vector.-") == [(path, 10, 10, "method")]
    assert where("Vector.<*>") == [(path, 11, 11, "method")]
    assert where("Vector.subscript") == [(path, 13, 16, "method")]
    assert where("+") == [(path, 19, 19, "function")]
    assert where("Direction.north") == [(path, 24, 24, "method")]
    assert where("Direction.south") == [(path, 24, 24, "method")]
    assert where("Direction.offset") == [(path, 25, 27, "method")]  # the case, over its lines
    assert where("Grid.subscript") == [(path, 30, 30, "method")]
    assert where("Vector..*") == [(path, 35, 35, "method")]  # ``Vector`` and the operator ``.*``
    assert where("Vector.x") == [(path, 4, 4, "method")]  # a stored property (see the test below)
    docs = dict(ix._store.conn().execute("SELECT name, doc FROM defs WHERE name IN ('north', 'south')"))
    assert docs == {"north": "/// Up and down.", "south": "/// Up and down."}
    assert (path, 32) in {(r.path, r.line) for r in ix.references("Direction.south")}
    ix.close()


def test_swift_stored_properties(make_repo):
    """A property of a type is a member of it, stored or computed (``Point.x``, each of ``let y, z: Int``, a
    ``static let``, one with ``didSet``, a static one in an extension); a function's or a closure's local variable
    is none, nor is a stored variable outside a type."""
    repo = make_repo({
        "Sources/App/Point.swift": textwrap.dedent("""\
            let origin = Point(x: 0, y: 0, z: 0)

            struct Point {
                /// Across.
                var x: Int
                let y: Int, z: Int
                var (dx, dy) = (0, 0)
                var area: Int { x * y }
                var hits = 0 {
                    didSet { print(hits) }
                }

                func scaled(by k: Int) -> Point {
                    let factor = k
                    var copy = self
                    copy.x *= factor
                    return copy
                }
            }

            final class Cache {
                static let shared = Cache()
                @Published private(set) var entries: [String] = []
                var onChange: () -> Void = { let inner = 1; print(inner) }
                init() { var seed = 1; seed += 1 }
            }

            enum Mode { case fast; static var current = Mode.fast }

            extension Point { static let unit = Point(x: 1, y: 1, z: 1) }

            func run() -> Int { Cache.shared.entries.count + Point.unit.y + Mode.current.hashValue }
            """),
    })
    ix = RepoIndex.open(repo)
    path = "Sources/App/Point.swift"
    where = functools.partial(_located, ix, ends=True)

    assert where("Point.x") == [(path, 5, 5, "method")]
    assert where("Point.y") == [(path, 6, 6, "method")] and where("Point.z") == [(path, 6, 6, "method")]
    assert where("Point.dx") == [(path, 7, 7, "method")] and where("Point.dy") == [(path, 7, 7, "method")]
    assert where("Point.area") == [(path, 8, 8, "method")]
    assert where("Point.hits") == [(path, 9, 11, "method")]
    assert where("Cache.shared") == [(path, 22, 22, "method")]
    assert where("Cache.entries") == [(path, 23, 23, "method")]
    assert where("Cache.onChange") == [(path, 24, 24, "method")]
    assert where("Mode.current") == [(path, 28, 28, "method")]
    assert where("Point.unit") == [(path, 30, 30, "method")]
    for local in ("origin", "factor", "copy", "inner", "seed"):
        assert where(local) == [], local
    docs = dict(ix._store.conn().execute("SELECT name, doc FROM defs WHERE name IN ('x', 'y')"))
    assert docs == {"x": "/// Across.", "y": ""}
    assert (path, 32) in {(r.path, r.line) for r in ix.references("Cache.shared")}
    hits = ix.search("shared cache entries", k=1)
    assert hits and hits[0].path == path and "shared" in {span.symbol for span in hits[0].spans}
    ix.close()


def test_scala_symbolic_defs_and_vals(make_repo):
    """A symbolic def is a definition named by its symbol (``Vec.+``, ``Vec.::``, ``Vec.unary_-``), and so is a val
    or var of a class, object, trait or the file, each name of ``val a, b = 1``; not a def's local val."""
    repo = make_repo({
        "src/main/scala/geo/Vec.scala": textwrap.dedent("""\
            package geo

            val Origin = Vec(0, 0)

            case class Vec(x: Double, y: Double) {
              def +(other: Vec): Vec = Vec(x + other.x, y + other.y)
              def unary_- : Vec = Vec(-x, -y)
              def ::(v: Vec): List[Vec] = List(v, this)
              lazy val norm: Double =
                math.sqrt(x * x + y * y)
              var hits = 0
              val (p, q) = (x, y)
              def scaled(k: Double): Vec = { val local = k; Vec(x * local, y * local) }
            }

            object Vec:
              val Default = 3
              val Up, Down = Vec(0, 1)
              def unit: Vec = Vec(1, 0)

            trait Shape { val sides: Int; def <=>(o: Shape): Int }

            object Main { def run(): Double = Vec.Default + Origin.norm }
            """),
    })
    ix = RepoIndex.open(repo)
    path = "src/main/scala/geo/Vec.scala"

    where = functools.partial(_located, ix, ends=True)

    assert where("Origin") == [(path, 3, 3, "function")]
    assert where("Vec.+") == [(path, 6, 6, "method")]
    assert where("Vec.unary_-") == [(path, 7, 7, "method")]
    assert where("Vec.::") == [(path, 8, 8, "method")]
    assert where("Vec.norm") == [(path, 9, 10, "method")]
    assert where("Vec.hits") == [(path, 11, 11, "method")]
    assert where("Vec.Default") == [(path, 17, 17, "method")]
    assert where("Vec.Up") == [(path, 18, 18, "method")] and where("Vec.Down") == [(path, 18, 18, "method")]
    assert where("Shape.sides") == [(path, 21, 21, "method")]
    assert where("Shape.<=>") == [(path, 21, 21, "method")]
    assert where("local") == []
    assert (path, 23) in {(r.path, r.line) for r in ix.references("Vec.Default")}
    assert (path, 23) in {(r.path, r.line) for r in ix.references("Origin")}
    ix.close()


def test_scala_constructors_enum_cases_and_pattern_vals(make_repo):
    """An auxiliary constructor ``def this(...)`` is the member ``this`` of its class (as a C# indexer is), each case
    of a Scala 3 enum a member of the enum (``Color.Red`` of ``case Red, Green``, ``Color.Rgb`` of ``case Rgb(...)``),
    and each name a val's or var's pattern binds a definition where a plain val's name would be one (``Point.a`` of
    ``val (a, b) = pair`` in ``Point``, ``x`` of ``val Point(x, y) = origin`` in the file); not a capitalised name in
    a pattern (a constant to match), nor a pattern's names in a def."""
    repo = make_repo({
        "src/main/scala/geo/Point.scala": textwrap.dedent("""\
            package geo

            class Point(val x: Int, val y: Int) {
              /** On the x axis. */
              def this(x: Int) = this(x, 0)
              def this() = {
                this(0)
              }
              val (a, b) = (x + 1, y + 1)
              var (sum, Zero) = (x + y, 0)
              def swap: Point = { val (p, q) = (y, x); Point(p, q) }
            }

            val Point(px, py) = Point(1, 2)

            /** What a pixel shows. */
            enum Color(val rgb: Int):
              /** The first two. */
              case Red, Green extends Color(0)
              case Rgb(r: Int,
                       g: Int) extends Color(r + g)
              val Rgb(red, _) = Rgb(1, 2)

            object Main:
              def run(): Int = Point().a + px + Color.Red.rgb + Color.Rgb(1, 2).r
            """),
    })
    ix = RepoIndex.open(repo)
    path = "src/main/scala/geo/Point.scala"
    where = functools.partial(_located, ix, ends=True)

    assert where("Point.this") == [(path, 5, 5, "method"), (path, 6, 8, "method")]
    assert where("Point.a") == [(path, 9, 9, "method")] and where("Point.b") == [(path, 9, 9, "method")]
    assert where("Point.sum") == [(path, 10, 10, "method")]
    assert where("Zero") == [] and where("p") == [] and where("q") == []
    assert where("px") == [(path, 14, 14, "function")] and where("py") == [(path, 14, 14, "function")]
    assert where("Color.Red") == [(path, 19, 19, "method")] and where("Color.Green") == [(path, 19, 19, "method")]
    assert where("Color.Rgb") == [(path, 20, 21, "method")]
    assert where("Color.red") == [(path, 22, 22, "method")]
    docs = dict(ix._store.conn().execute(
        "SELECT name || line, doc FROM defs WHERE name IN ('this', 'Red', 'Green', 'Rgb')"))
    assert docs == {"this5": "/** On the x axis. */", "this6": "", "Red19": "/** The first two. */",
                    "Green19": "/** The first two. */", "Rgb20": ""}
    assert (path, 25) in {(r.path, r.line) for r in ix.references("Color.Red")}
    assert (path, 25) in {(r.path, r.line) for r in ix.references("px")}
    hits = ix.search("Rgb color case", k=1)
    assert hits and hits[0].path == path and "Rgb" in {span.symbol for span in hits[0].spans}
    ix.close()


def test_csharp_delegates_events_and_indexers(make_repo):
    """A delegate is a type; an event (a field-like one, each name of one, or one with ``add``/``remove``) is a
    member as a property is; an indexer ``this[int i]`` is the member ``this`` of its type."""
    repo = make_repo({
        "src/Inventory.cs": textwrap.dedent("""\
            using System;
            using System.Collections.Generic;

            namespace Shop;

            public delegate void StockHandler(object sender, int count);

            public class Inventory
            {
                private readonly List<int> _items = new();

                /// <summary>Raised when stock changes.</summary>
                public event StockHandler Changed;
                public event EventHandler Opened, Closed;

                public event EventHandler Cleared
                {
                    add { }
                    remove { }
                }

                public int this[int index]
                {
                    get => _items[index];
                    set { _items[index] = value; Changed?.Invoke(this, value); }
                }

                public int Count => _items.Count;
            }
            """),
    })
    ix = RepoIndex.open(repo)
    path = "src/Inventory.cs"

    where = functools.partial(_located, ix, ends=True)

    assert where("Shop.StockHandler") == [(path, 6, 6, "class")]
    assert where("Inventory.Changed") == [(path, 13, 13, "method")]
    assert where("Inventory.Opened") == [(path, 14, 14, "method")]
    assert where("Inventory.Closed") == [(path, 14, 14, "method")]
    assert where("Inventory.Cleared") == [(path, 16, 20, "method")]
    assert where("Inventory.this") == [(path, 22, 26, "method")]
    docs = dict(ix._store.conn().execute("SELECT name, doc FROM defs WHERE name = 'Changed'"))
    assert docs == {"Changed": "/// <summary>Raised when stock changes.</summary>"}
    assert (path, 13) in {(r.path, r.line) for r in ix.references("StockHandler")}
    assert (path, 25) in {(r.path, r.line) for r in ix.references("Inventory.Changed")}
    ix.close()


def test_csharp_operators_and_conversions(make_repo):
    """An operator is a member named by its operator as a Swift one is (``Vector.+``, ``Vector.==``), a conversion
    operator one named by its kind and the type it converts to (``Money.implicit int``, ``Money.explicit Money``)."""
    repo = make_repo({
        "src/Geo.cs": textwrap.dedent("""\
            namespace Geo;

            public readonly struct Vector
            {
                public double X { get; }

                /// <summary>Adds two vectors.</summary>
                public static Vector operator +(Vector a, Vector b) => new(a.X + b.X);
                public static Vector operator -(Vector a) => new(-a.X);
                public static bool operator ==(Vector a, Vector b)
                {
                    return a.X == b.X;
                }
                public static bool operator !=(Vector a, Vector b) => !(a == b);
            }

            public class Money
            {
                public decimal Amount;
                public static implicit operator decimal(Money m) => m.Amount;
                /// <summary>From a plain amount.</summary>
                public static explicit operator Money(decimal d) =>
                    new Money { Amount = d };
                public static implicit operator System.Collections.Generic.List<int>(Money m) => new();
            }
            """),
    })
    ix = RepoIndex.open(repo)
    path = "src/Geo.cs"
    where = functools.partial(_located, ix, ends=True)

    assert where("Vector.+") == [(path, 8, 8, "method")]
    assert where("Vector.-") == [(path, 9, 9, "method")]
    assert where("Vector.==") == [(path, 10, 13, "method")]
    assert where("Vector.!=") == [(path, 14, 14, "method")]
    assert where("Money.implicit decimal") == [(path, 20, 20, "method")]
    assert where("Money.explicit Money") == [(path, 22, 23, "method")]
    assert where("Money.implicit List") == [(path, 24, 24, "method")]
    docs = dict(ix._store.conn().execute("SELECT name, doc FROM defs WHERE name IN ('+', 'explicit Money')"))
    assert docs == {"+": "/// <summary>Adds two vectors.</summary>",
                    "explicit Money": "/// <summary>From a plain amount.</summary>"}
    hits = ix.search("explicit conversion to Money", k=1)
    assert hits and hits[0].path == path and (hits[0].spans[0].start, hits[0].spans[0].symbol) == (22, "explicit Money")
    ix.close()


def test_scala_indented_body_ends_at_its_last_line(make_repo):
    """tree-sitter-scala ends an indented body where the next code starts (the blank line and an annotation's
    indentation after it included): a definition ends on its own last line, not on the next one's first."""
    repo = make_repo({"src/Repo.scala": textwrap.dedent("""\
        class Repo:
          def totals: Map[String, Int] =
            for
              (id, n) <- store
            yield id -> n

          @deprecated("use find", "1.2")
          def lookup(id: String) = find(id)

        object Main:
          def run(): Unit = ()
        """)})
    ix = RepoIndex.open(repo)
    got = {name: [(loc.line, loc.end_line) for loc in ix.definitions(name)] for name in ("Repo", "totals", "lookup")}
    assert got == {"Repo": [(1, 8)], "totals": [(2, 5)], "lookup": [(8, 8)]}  # at its name, below @deprecated
    ix.close()


def test_grammars_load_without_network(make_repo, tmp_path):
    """Every grammar ships in its wheel: parsing works with sockets disabled."""
    files = {path: textwrap.dedent(src).lstrip("\n") for path, src, *_ in CASES.values()}
    repo = make_repo(files)
    script = textwrap.dedent(f"""
        import socket, sys
        def refuse(*a, **k):
            raise OSError("network disabled in this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from pathlib import Path
        from genie_tui.retrieval import RepoIndex
        ix = RepoIndex.open(Path({str(repo)!r}))
        import sqlite3
        langs = {{row[0] for row in ix._store.conn().execute(
            "SELECT DISTINCT files.lang FROM defs JOIN files ON files.id = defs.file_id")}}
        print(",".join(sorted(langs)))
    """)
    out = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().split(",") == sorted(CASES)


@pytest.mark.parametrize("lang", sorted(patterns.PATTERNS))
def test_patterns_checked_by_their_names_are_those_that_compile(lang):
    """grammar() keeps the patterns whose node types and fields the grammar has, compiled at once: the same
    patterns as compiling each alone (3x slower for TypeScript) would keep."""
    language = langs.grammar(lang)[0]
    quick = langs._split(p for p in langs._expand(patterns.PATTERNS[lang]) if langs._plausible(language, p))
    assert quick == langs.compilable(language, patterns.PATTERNS[lang])


def test_a_pattern_the_name_check_misses_drops_only_itself(monkeypatch, make_repo):
    monkeypatch.setitem(patterns.PATTERNS, "go", [*patterns.PATTERNS["go"],
                                                  '(function_declaration "no_such_keyword") @def.function'])
    monkeypatch.setattr(langs, "_cache", {})
    assert langs.grammar("go") is not None
    repo = make_repo({"main.go": "package main\n\nfunc Run() int { return 1 }\n"})
    ix = RepoIndex.open(repo)
    assert [(loc.path, loc.line) for loc in ix.definitions("Run")] == [("main.go", 3)]
    ix.close()
