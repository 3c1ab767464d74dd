"""C and C++ definitions without a body. A C++ interface's pure virtual methods (``virtual double area() const =
0;``) are definitions, as a Rust trait's, a Go or Java interface's and a TypeScript abstract class's methods are:
go_to_definition ``Shape::name`` from a .cpp found only the Rust and Java ones. A function only declared (a
header's prototype of one written in assembly or outside the repository, a class's member declared for a .cpp
that is not there) is go_to_definition's answer where no body is found, and none where one is: "no definitions
found" was the answer to the first."""

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


PLATFORM = {
    "include/plat.h": ("#ifndef PLAT_H\n#define PLAT_H\n/* Implemented per platform in plat_x86.S / plat_arm.S */\n"
                       "int plat_init(void);\nint compute_total(int a, int b);\n#endif\n"),
    "src/main.c": "#include \"plat.h\"\nint main(void) { return plat_init() + compute_total(1, 2); }\n",
    "src/total.c": "#include \"plat.h\"\nint compute_total(int a, int b)\n{\n    return a + b;\n}\n",
    "src/other.c": "extern int compute_total(int, int);\nint twice(void) { return compute_total(2, 2); }\n",
    "tools/plat_init.py": "def unrelated():\n    return 1\n",
}


def test_a_prototype_is_the_answer_only_where_no_body_is_found(make_repo):
    repo = make_repo(PLATFORM)
    assert _run(repo, "go_to_definition", symbol="plat_init", path="src/main.c") == \
        "include/plat.h:4: int plat_init(void);  (declared only: no body of it is indexed)"
    # the body, not the header's prototype nor another file's extern declaration
    assert _run(repo, "go_to_definition", symbol="compute_total", path="src/main.c") == \
        "src/total.c:2: int compute_total(int a, int b)"
    # the prototypes are still uses to update when the signature changes; the answer to plat_init is not one
    assert [ln.split(": ")[0] for ln in _run(repo, "find_references", symbol="compute_total").splitlines()[1:]] == [
        "include/plat.h:5", "src/main.c:2", "src/other.c:1", "src/other.c:2"]
    assert _run(repo, "find_references", symbol="plat_init", path="src/main.c").splitlines()[1:] == [
        "src/main.c:2: int main(void) { return plat_init() + compute_total(1, 2); }"]


def test_a_prototype_removed_from_its_header_is_no_answer_after_the_update(make_repo):
    repo = make_repo(PLATFORM)
    assert _run(repo, "go_to_definition", symbol="plat_init").startswith("include/plat.h:4: ")
    (repo / "include/plat.h").write_text("#ifndef PLAT_H\n#define PLAT_H\n#endif\n")
    assert _run(repo, "go_to_definition", symbol="plat_init").startswith("no definitions of 'plat_init' found")


GEO = {
    "geo/shape.hpp": ("namespace geo {\nclass Shape {\n public:\n  explicit Shape(int sides);\n  void draw();\n"
                      "  static Shape *make(int sides);\n  friend int sides_of(const Shape &s);\n  void resize(int by);\n};\n}\n"),
    "geo/shape.cpp": ("#include \"shape.hpp\"\nnamespace geo {\nShape::Shape(int sides) {}\n"
                      "void Shape::draw() {}\n}\n"),
    "geo/circle.cpp": "class Circle {\n public:\n  void draw() {}\n  void resize(int by) {}\n};\n",
}


def test_a_member_declared_in_its_class_without_a_body_is_the_answer_after_the_bodies(make_repo):
    repo = make_repo(GEO)
    assert _run(repo, "go_to_definition", symbol="geo::Shape::make", path="geo/circle.cpp") == \
        "geo/shape.hpp:6: static Shape *make(int sides);  (declared only: no body of it is indexed)"
    # Shape::draw has a body: that alone; a constructor's declaration is none (the class is the answer)
    assert _run(repo, "go_to_definition", symbol="Shape::draw") == "geo/shape.cpp:4: void Shape::draw() {}"
    assert sorted(ln.split(": ")[0] for ln in _run(repo, "go_to_definition", symbol="Shape").splitlines()) == [
        "geo/shape.cpp:3", "geo/shape.hpp:2"]
    # Shape::resize has none, Circle::resize one: that body first
    assert _run(repo, "go_to_definition", symbol="resize").splitlines() == [
        "geo/circle.cpp:4: void resize(int by) {}",
        "geo/shape.hpp:8: void resize(int by);  (declared only: no body of it is indexed)"]
    # a friend is another's function: no declaration of Shape's
    assert _run(repo, "go_to_definition", symbol="sides_of").startswith("no definitions")
