"""A C or C++ object-like macro with a value (``#define BUF_SIZE 1024``) is a definition, as a function-like one
is; an include guard (``#define LIMITS_H``, no value) is none."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

C = """\
#ifndef LIMITS_H
#define LIMITS_H

#define BUF_SIZE 1024
#define LONG_LIMIT \\
    (BUF_SIZE * 4)

#endif
"""

CPP = "#define CACHE_LINE 64\n\nstruct Pad { char b[CACHE_LINE]; };\n"


def test_object_like_macros_with_a_value_are_definitions(make_repo, definitions_of):
    found = definitions_of(make_repo({"limits.h": C, "pad.cpp": CPP}),
                           ("BUF_SIZE", "LONG_LIMIT", "LIMITS_H", "CACHE_LINE"))
    assert found == {"BUF_SIZE": [("limits.h", 4, 4)], "LONG_LIMIT": [("limits.h", 5, 6)], "LIMITS_H": [],
                     "CACHE_LINE": [("pad.cpp", 1, 1)]}


def test_a_headers_macros_leave_the_repo_map_to_its_types_but_one_the_task_names(make_repo):
    flags = "".join(f"#define FLAG_{i} (1 << {i})\n" for i in range(45))
    header = f"#ifndef JSON_H\n#define JSON_H\n\n{flags}\ntypedef struct json {{\n    int type;\n}} json;\n\n#endif\n"
    ix = RepoIndex.open(make_repo({"json.h": header}))
    try:
        repo_map = ix.repo_map("FLAG_7 is set on every array", files=["json.h"])
    finally:
        ix.close()
    assert repo_map == "json.h:\n  11: #define FLAG_7 (1 << 7)\n  50: typedef struct json {"
