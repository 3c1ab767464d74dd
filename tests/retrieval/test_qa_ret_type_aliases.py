"""Type aliases and unions are types in every language that has them, as Rust's and TypeScript's are: Go's
``type ID = string``, Python 3.12's ``type Vector = ...``, C++'s ``using Callback = ...``, C and C++ unions and
function pointer typedefs; and a C++ file's function-like macro is a function, as a C file's is."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

GO = "package a\n\ntype (\n\tAlpha struct{ n int }\n\tGamma = Alpha\n)\n\ntype ID = string\n"
PY = "type Vector = list[float]\n"
C = "union value {\n    int i;\n    double d;\n};\n\ntypedef void (*free_fn)(void *ptr);\n"
CPP = ("using Callback = void (*)(int);\n\nunion Cell {\n    int i;\n};\n\n"
       "#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))\n")


def test_type_aliases_unions_and_cpp_macros_are_definitions(make_repo):
    ix = RepoIndex.open(make_repo({"a.go": GO, "vec.py": PY, "val.c": C, "cell.cpp": CPP}))
    try:
        found = {s: [(d.path, d.line, d.end_line, d.kind) for d in ix.definitions(s)]
                 for s in ("Gamma", "ID", "Vector", "value", "free_fn", "Callback", "Cell", "CLAMP")}
    finally:
        ix.close()
    assert found == {"Gamma": [("a.go", 5, 5, "class")], "ID": [("a.go", 8, 8, "class")],
                     "Vector": [("vec.py", 1, 1, "class")], "value": [("val.c", 1, 4, "class")],
                     "free_fn": [("val.c", 6, 6, "class")], "Callback": [("cell.cpp", 1, 1, "class")],
                     "Cell": [("cell.cpp", 3, 5, "class")], "CLAMP": [("cell.cpp", 7, 7, "function")]}
