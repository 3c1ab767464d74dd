"""A Rust ``impl``'s associated type (``type Item = u32;`` of ``impl Iterator for Counter``) is a type of the impl's
type, as its methods are methods of it: ``Counter::Item`` / ``Counter.Item``. A JavaScript/TypeScript method with a
computed name is named by it where the key is a literal that reads as a name (``['load']() {}`` is ``load``, as
``'load'() {}`` is); one whose name is a value known only when the code runs (``[Symbol.iterator]() {}``,
``[KEY]() {}``) is no definition, as a string key that reads as no name (``"Save file"() {}``) is none: neither
``iterator`` nor ``KEY`` is its name (``KEY`` is the constant's, and a call ``x.iterator()`` calls no such method)."""

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


STORE = """\
const KEY = 'reset';

export class Store {
  ['load']() {
    return 1;
  }
  [Symbol.iterator]() {
    return [][Symbol.iterator]();
  }
  static ["from-json"](text) {
    return new Store();
  }
  [KEY]() {
    return 2;
  }
  [`save`]() {
    return 3;
  }
  ['Save file']() {
    return 4;
  }
}
"""
LOADER = """\
export interface Loader {
  ['load'](): void;
  [Symbol.asyncIterator](): AsyncIterator<string>;
}

export abstract class Job {
  abstract ['run'](): void;
}
"""


def test_computed_method_names_are_their_literals_or_none(make_repo, definitions_of):
    found = definitions_of(make_repo({"src/store.js": STORE, "src/loader.ts": LOADER}),
                           ("load", "Store.load", "Store.from-json", "Store.save", "KEY", "iterator",
                            "Symbol.iterator", "[Symbol.iterator]", "asyncIterator", "Store.Save file", "['load']",
                            "Loader.load", "Job.run"))
    assert found == {"load": [("src/store.js", 4, 6), ("src/loader.ts", 2, 2)],
                     "Store.load": [("src/store.js", 4, 6)], "Store.from-json": [("src/store.js", 10, 12)],
                     "Store.save": [("src/store.js", 16, 18)],
                     "KEY": [("src/store.js", 1, 1)], "iterator": [], "Symbol.iterator": [],
                     "[Symbol.iterator]": [], "asyncIterator": [], "Store.Save file": [], "['load']": [],
                     "Loader.load": [("src/loader.ts", 2, 2)], "Job.run": [("src/loader.ts", 7, 7)]}


FIELDS = """\
const KEY = 'reset';

export class Panel {
  ['open'] = () => {
    return 1;
  };
  [KEY] = () => 2;
  [`close`] = function () {
    return 3;
  };
}
"""


def test_computed_field_functions_are_methods_named_by_their_literals(make_repo, definitions_of):
    """A class field holding a function under a computed name is a method, as ``['load']() {}`` is: named by a
    literal key, none under a computed value (``[KEY]``); in JavaScript and TypeScript alike."""
    files = {"src/panel.js": FIELDS, "src/panel.ts": FIELDS.replace("export class Panel {", "export class Panel {\n  private n = 0;")}
    found = definitions_of(make_repo(files), ("Panel.open", "Panel.close", "KEY", "Panel.reset"))
    assert found == {"Panel.open": [("src/panel.js", 4, 6), ("src/panel.ts", 5, 7)],
                     "Panel.close": [("src/panel.js", 8, 10), ("src/panel.ts", 9, 11)],
                     "KEY": [("src/panel.js", 1, 1), ("src/panel.ts", 1, 1)], "Panel.reset": []}
