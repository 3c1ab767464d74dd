"""A JavaScript/TypeScript method named by a string is a definition named by the string's text, as one named by an
identifier is (``{ merge() {} }``, test_qa_retr_object_methods): ``"fetch-all"() {}``, ``'save': function () {}``
and ``"load": () => {}`` of ``const api = {...}`` are ``api.fetch-all``, ``api.save`` and ``api.load``. A key that
reads as a name counts, hyphens between its words too (commands and events are named so); one with spaces, dots or
escapes (``"Save file"() {}``) is no definition, and an arrow function only where a name holds the object, not in a
callback object passed to a call."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

API = """\
export const api = {
  "fetch-all"() {
    return 1;
  },
  'save': function (x) {
    return x;
  },
  "load": () => {
    return 2;
  },
  "Save file"() {
    return 3;
  },
};

register({
  "on-done": () => {
    return 4;
  },
});
"""
STORE = """\
export class Store {
  'reset'(): void {
    return;
  }
}

export interface Handlers {
  "on-change"(value: string): void;
}
"""


def test_methods_named_by_a_string_are_definitions(make_repo):
    ix = RepoIndex.open(make_repo({"src/api.js": API, "src/store.ts": STORE}))
    try:
        found = {s: [(d.path, d.line, d.end_line) for d in ix.definitions(s)]
                 for s in ("api.fetch-all", "fetch-all", "api.save", "api.load", "Store.reset", "Handlers.on-change",
                           '"fetch-all"', "Save file", '"Save file"', "on-done")}
    finally:
        ix.close()
    assert found == {"api.fetch-all": [("src/api.js", 2, 4)], "fetch-all": [("src/api.js", 2, 4)],
                     "api.save": [("src/api.js", 5, 7)], "api.load": [("src/api.js", 8, 10)],
                     "Store.reset": [("src/store.ts", 2, 4)], "Handlers.on-change": [("src/store.ts", 8, 8)],
                     '"fetch-all"': [], "Save file": [], '"Save file"': [], "on-done": []}
