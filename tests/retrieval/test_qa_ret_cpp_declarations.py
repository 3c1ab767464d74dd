"""C and C++ definitions without a body. A C++ interface's pure virtual methods (``virtual double area() const =
0;``) are definitions, as a Rust trait's, a Go or Java interface's and a TypeScript abstract class's methods are:
go_to_definition ``Shape::name`` from a .cpp found only the Rust and Java ones."""

from __future__ import annotations

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext

SHAPES = {
    "geo/shape.hpp": ("#pragma once\nclass Shape {\n public:\n  virtual ~Shape() = default;\n"
                      "  virtual double area() const = 0;\n  virtual const char *name() const = 0;\n"
                      "  virtual Shape &self() = 0;\n  virtual bool operator==(const Shape &o) const = 0;\n};\n"),
    "geo/circle.cpp": ("#include \"shape.hpp\"\nclass Circle : public Shape {\n public:\n"
                       "  double area() const override { return 3.14; }\n};\n"),
    "shape.rs": "pub trait Shape {\n    fn area(&self) -> f64;\n    fn name(&self) -> &str;\n}\n",
    "Shape.java": "public interface Shape {\n    double area();\n    String name();\n}\n",
}


def _run(repo, name: str, **args: object) -> str:  # type: ignore[no-untyped-def]
    ctx = ToolContext(repo, load_settings(repo, {}))
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


def test_pure_virtual_methods_are_definitions_and_come_first_from_cpp(make_repo):
    repo = make_repo(SHAPES)
    assert _run(repo, "go_to_definition", symbol="Shape::name", path="geo/circle.cpp").splitlines() == [
        "geo/shape.hpp:6: virtual const char *name() const = 0;",
        "shape.rs:3: fn name(&self) -> &str;",
        "Shape.java:3: String name();",
    ]
    assert _run(repo, "go_to_definition", symbol="area", path="geo/circle.cpp").splitlines()[:2] == [
        "geo/circle.cpp:4: double area() const override { return 3.14; }",
        "geo/shape.hpp:5: virtual double area() const = 0;",
    ]
    assert _run(repo, "go_to_definition", symbol="Shape::self", path="geo/circle.cpp") == \
        "geo/shape.hpp:7: virtual Shape &self() = 0;"
    assert _run(repo, "go_to_definition", symbol="Shape::operator==") == \
        "geo/shape.hpp:8: virtual bool operator==(const Shape &o) const = 0;"
