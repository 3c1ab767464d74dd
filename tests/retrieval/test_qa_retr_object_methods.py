"""A method written short in an object literal (``const utils = { merge() {} }``) belongs to the object, as
``{ merge: function () {} }`` does: ``utils.merge`` leads to it, not to another ``merge``."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

UTILS = "export const utils = {\n  merge(a, b) {\n    return { ...a, ...b };\n  },\n  *keys(o) {\n    yield* Object.keys(o);\n  },\n};\n"
STORE = "export class Store {\n  merge(other) {\n    return other;\n  }\n}\n"


def test_a_shorthand_method_of_an_object_literal_is_the_objects(make_repo):
    repo = make_repo({"src/utils.ts": UTILS, "src/store.ts": STORE,
                      "src/legacy.js": "Router.prototype = {\n  use(fn) {\n    return fn;\n  },\n};\n"})
    ix = RepoIndex.open(repo)
    try:
        assert [(d.path, d.line) for d in ix.definitions("utils.merge")] == [("src/utils.ts", 2)]
        assert [(d.path, d.line) for d in ix.definitions("utils.keys")] == [("src/utils.ts", 5)]
        assert [(d.path, d.line) for d in ix.definitions("Store.merge")] == [("src/store.ts", 2)]
        assert [(d.path, d.line) for d in ix.definitions("Router.use")] == [("src/legacy.js", 2)]
    finally:
        ix.close()
