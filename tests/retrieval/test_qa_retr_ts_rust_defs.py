"""TypeScript namespaces (``namespace Geo { }``, ``namespace A.B { }``, the older ``module Geo { }``) are modules
and abstract methods are methods; Rust type aliases and unions are types, as TypeScript's and C's are."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

GEO = ("namespace Geo {\n  export function area(): number {\n    return 1;\n  }\n}\n\n"
       "namespace Shapes.Round {\n  export const pi = 3.14;\n}\n\n"
       "export abstract class Base {\n  abstract run(x: number): void;\n}\n")
TYPES = "pub type Bytes = Vec<u8>;\n\n#[repr(C)]\npub union Word {\n    i: u32,\n    f: f32,\n}\n"


def test_typescript_namespaces_abstract_methods_and_rust_aliases_are_definitions(make_repo):
    repo = make_repo({"geo.ts": GEO, "types.rs": TYPES})
    ix = RepoIndex.open(repo)
    try:
        found = {s: [(d.path, d.line, d.end_line, d.kind) for d in ix.definitions(s)]
                 for s in ("Geo", "Round", "Geo.area", "Base.run", "Bytes", "Word")}
    finally:
        ix.close()
    assert found == {"Geo": [("geo.ts", 1, 5, "module")], "Round": [("geo.ts", 7, 9, "module")],
                     "Geo.area": [("geo.ts", 2, 4, "function")], "Base.run": [("geo.ts", 12, 12, "method")],
                     "Bytes": [("types.rs", 1, 1, "class")], "Word": [("types.rs", 4, 7, "class")]}
