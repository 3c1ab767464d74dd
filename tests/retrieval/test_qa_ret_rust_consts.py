"""Rust ``const`` and ``static`` items are definitions with their spans: in a file or a ``mod``, and an associated
const of an ``impl`` or a trait as its type's (``Meters.ZERO``); a function's own const is none. A task naming one
leads search to its line. A trait's associated type (``type Item;``) is a type of the trait."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

RUST = """\
pub const MAX_RETRIES: u32 = 5;

static mut COUNTER: u64 = 0;

pub static NAMES: &[&str] = &[
    "alpha",
    "beta",
];

pub struct Meters(f64);

impl Meters {
    pub const ZERO: Meters = Meters(0.0);

    pub fn new(v: f64) -> Self {
        const LOCAL_LIMIT: f64 = 1e9;
        Meters(v.min(LOCAL_LIMIT))
    }
}

pub trait Shape {
    const SIDES: u32;
}
"""


def test_rust_consts_and_statics_are_definitions(make_repo, definitions_of):
    found = definitions_of(make_repo({"src/lib.rs": RUST}),
                           ("MAX_RETRIES", "COUNTER", "NAMES", "Meters.ZERO", "ZERO", "Shape.SIDES", "LOCAL_LIMIT"))
    assert found == {"MAX_RETRIES": [("src/lib.rs", 1, 1)], "COUNTER": [("src/lib.rs", 3, 3)],
                     "NAMES": [("src/lib.rs", 5, 8)], "Meters.ZERO": [("src/lib.rs", 13, 13)],
                     "ZERO": [("src/lib.rs", 13, 13)], "Shape.SIDES": [("src/lib.rs", 22, 22)], "LOCAL_LIMIT": []}


def test_a_const_named_in_the_task_leads_search_to_its_line(make_repo):
    repo = make_repo({"src/lib.rs": RUST, "src/net.rs": "pub fn connect() -> u32 {\n    1\n}\n"})
    ix = RepoIndex.open(repo)
    try:
        best = ix.search("requests are retried MAX_RETRIES times, should be configurable")[0]
    finally:
        ix.close()
    assert best.path == "src/lib.rs"
    # named values make no chunks of their own: the window of module-level code holding it is the first span
    assert (best.spans[0].start, best.spans[0].end) == (1, 9)


def test_a_traits_associated_type_is_a_type_of_the_trait(make_repo):
    storage = ("pub trait Storage {\n    /// What it holds.\n    type Item: Clone;\n"
               "    fn get(&self) -> Self::Item;\n}\n\n"
               "impl Storage for Disk {\n    type Item = Vec<u8>;\n"
               "    fn get(&self) -> Vec<u8> {\n        vec![]\n    }\n}\n")
    ix = RepoIndex.open(make_repo({"src/storage.rs": storage}))
    try:
        found = {s: [(d.path, d.line, d.end_line, d.kind) for d in ix.definitions(s)] for s in ("Storage.Item", "Item")}
    finally:
        ix.close()
    assert found == {"Storage.Item": [("src/storage.rs", 3, 3, "class")],
                     "Item": [("src/storage.rs", 3, 3, "class"), ("src/storage.rs", 8, 8, "class")]}


def test_they_are_named_values_also_in_an_impl(make_repo):
    ix = RepoIndex.open(make_repo({"src/lib.rs": RUST}))
    try:
        kinds = {s: [(d.kind, d.line) for d in ix.definitions(s)] for s in ("MAX_RETRIES", "Meters.ZERO", "Meters.new")}
    finally:
        ix.close()
    assert kinds == {"MAX_RETRIES": [("value", 1)], "Meters.ZERO": [("value", 13)], "Meters.new": [("method", 15)]}
