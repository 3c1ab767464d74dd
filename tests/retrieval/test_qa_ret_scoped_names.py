"""A name qualified with ``::`` in the task (Rust's ``crate::parse::run``, C++'s ``geo::Shape::area``, Ruby's
``Shop::Cart``) is evidence for the file that defines it, as a dotted Python name is: its last part defined in a
type or a module named by the part before it. A pytest node id (``tests/test_a.py::TestA::test_b``) is none."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

FILES = {
    "src/parse.rs": "pub fn run(input: &str) -> usize {\n    input.len()\n}\n",
    "src/net/mod.rs": "pub fn run() -> u8 {\n    1\n}\n",
    "src/exec.rs": "pub fn run() -> u8 {\n    2\n}\n",
    "src/geo.cpp": "namespace geo {\nclass Shape {\n public:\n  double area() { return 0; }\n};\n}\n",
    "src/plot.cpp": "double area() { return 1; }\n",
    "lib/shop.rb": "module Shop\n  class Cart\n    def add\n    end\n  end\nend\n",
    "lib/cart.rb": "class Cart\nend\n",
    "tests/test_a.py": "class TestA:\n    def test_b(self):\n        pass\n",
}


def _qual(repo, query):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        return {path: feats.get("qual", 0.0) for path, feats in ix.features(query)}
    finally:
        ix.close()


def test_scoped_names_give_their_definers_the_qualified_name_evidence(make_repo):
    repo = make_repo(FILES)
    rust = _qual(repo, "panic in crate::parse::run when the input is empty")
    assert rust.get("src/parse.rs", 0.0) == 1.0 and rust.get("src/exec.rs", 0.0) == 0.0
    assert _qual(repo, "net::run hangs")["src/net/mod.rs"] == 1.0  # in the title; a mod.rs is its directory's
    cpp = _qual(repo, "wrong result\n\ngeo::Shape::area returns 0 for circles")
    assert cpp.get("src/geo.cpp", 0.0) == 0.5 and cpp.get("src/plot.cpp", 0.0) == 0.0
    ruby = _qual(repo, "Shop::Cart loses items")
    assert ruby.get("lib/shop.rb", 0.0) == 1.0 and ruby.get("lib/cart.rb", 0.0) == 0.0


def test_a_pytest_node_id_is_no_scoped_name(make_repo):
    qual = _qual(make_repo(FILES), "tests/test_a.py::TestA::test_b fails on Windows")
    assert qual.get("tests/test_a.py", 0.0) == 0.0
