"""A ``.h`` file with C++ in it (classes, namespaces, templates), as most C++ projects name their headers, is
parsed as C++: the C grammar found no definition in it. A C header, also one made ready for C++ callers
(``extern "C"``), stays C."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

WIDGET_H = ("#pragma once\n#include <string>\n\nnamespace ui {\n\nclass Widget {\n public:\n  void draw() const;\n"
            "  std::string name() const { return name_; }\n private:\n  std::string name_;\n};\n\n"
            "template <typename T>\nT clamp(T v) { return v; }\n\n}  // namespace ui\n")
LIST_H = ("#ifndef LIST_H\n#define LIST_H\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
          "typedef struct list { int n; } list;\nstatic inline int list_empty(const list *l) { return l->n == 0; }\n\n"
          "#ifdef __cplusplus\n}\n#endif\n#endif\n")


def test_a_cpp_header_named_h_is_parsed_as_cpp(make_repo):
    ix = RepoIndex.open(make_repo({"include/widget.h": WIDGET_H, "c/list.h": LIST_H}))
    try:
        found = {s: [(d.path, d.line, d.end_line, d.kind) for d in ix.definitions(s)]
                 for s in ("ui", "Widget", "Widget.name", "ui.clamp", "list_empty")}
        why = (ix.explain("include/widget.h"), ix.explain("c/list.h"))
    finally:
        ix.close()
    assert found == {"ui": [("include/widget.h", 4, 17, "module")], "Widget": [("include/widget.h", 6, 12, "class")],
                     "Widget.name": [("include/widget.h", 9, 9, "method")],
                     "ui.clamp": [("include/widget.h", 15, 15, "function")],
                     "list_empty": [("c/list.h", 8, 8, "function")]}
    assert why == ("include/widget.h: indexed (17 lines; parsed as cpp, 4 definitions)",
                   "c/list.h: indexed (13 lines; parsed as c, 2 definitions)")
