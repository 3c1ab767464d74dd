"""A Rust ``impl``'s associated type (``type Item = u32;`` of ``impl Iterator for Counter``) is a type of the impl's
type, as its methods are methods of it: ``Counter::Item`` / ``Counter.Item``."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

COUNTER = """\
pub struct Counter {
    n: u32,
}

impl Iterator for Counter {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        None
    }
}

pub struct Lines<'a>(&'a str);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<Self::Item> {
        None
    }
}

pub type Count = u32;
"""


def test_an_impls_associated_type_is_a_type_of_the_impls_type(make_repo):
    ix = RepoIndex.open(make_repo({"src/counter.rs": COUNTER}))
    try:
        found = {s: [(d.path, d.line, d.end_line, d.kind) for d in ix.definitions(s)]
                 for s in ("Counter::Item", "Counter.Item", "Counter::next", "Lines::Item", "Item", "Count")}
    finally:
        ix.close()
    assert found == {"Counter::Item": [("src/counter.rs", 6, 6, "class")],
                     "Counter.Item": [("src/counter.rs", 6, 6, "class")],
                     "Counter::next": [("src/counter.rs", 8, 10, "method")],
                     "Lines::Item": [("src/counter.rs", 16, 16, "class")],
                     "Item": [("src/counter.rs", 6, 6, "class"), ("src/counter.rs", 16, 16, "class")],
                     "Count": [("src/counter.rs", 22, 22, "class")]}  # a file's alias has no owner

