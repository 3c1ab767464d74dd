"""A fully qualified name asked without a file (from a stack trace: ``com.b.Util.run``, ``geo::Shape::area``,
``Beta::Thing#go``) leads first to the definition its outer qualifiers name: a package directory, a namespace,
a module; the others of the same short name follow."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

UTIL = "package com.{p};\n\npublic class Util {{\n    public static int run() {{\n        return 1;\n    }}\n}}\n"


def _first(repo, symbol):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        found = ix.definitions(symbol)
    finally:
        ix.close()
    return (found[0].path, found[0].line) if found else None, len(found)


def test_a_java_package_qualifier_picks_the_class_and_method_of_that_package(make_repo):
    repo = make_repo({"src/com/a/Util.java": UTIL.format(p="a"), "src/com/b/Util.java": UTIL.format(p="b")})
    assert _first(repo, "com.b.Util") == (("src/com/b/Util.java", 3), 2)
    assert _first(repo, "com.b.Util.run") == (("src/com/b/Util.java", 4), 2)
    assert _first(repo, "com.a.Util.run") == (("src/com/a/Util.java", 4), 2)


def test_namespaces_and_modules_around_the_class_pick_the_method(make_repo):
    repo = make_repo({
        "lib.rs": "pub trait Shape {\n    fn area(&self) -> f64;\n}\n",
        "src/geo.cpp": "namespace geo {\n\nclass Shape {\npublic:\n    double area() const;\n};\n\n"
                       "double Shape::area() const {\n    return 1.0;\n}\n\n}  // namespace geo\n",
        "a/thing.rb": "module Alpha\n  class Thing\n    def go\n    end\n  end\nend\n",
        "b/thing.rb": "module Beta\n  class Thing\n    def go\n    end\n  end\nend\n",
    })
    assert _first(repo, "geo::Shape::area") == (("src/geo.cpp", 8), 2)
    assert _first(repo, "Beta::Thing#go") == (("b/thing.rb", 3), 2)
    assert _first(repo, "Alpha::Thing.go") == (("a/thing.rb", 3), 2)
