"""Compilers' and linters' reports name a file and a line in forms of their own: Maven's ``Refunds.java:[60,25]``,
kotlinc's before 1.9 ``Ledger.kt: (60, 21): ...``, ESLint's default output (the path on a line of its own, then
``  57:27  error ...``). Each is a place, whose line is the file's first span."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

TRACE = "in the stack trace"


def _java(n: int) -> str:
    return "package com.acme.shop;\n\npublic class Refunds {\n" + "".join(
        f"    public int fn{i}(Invoice invoice, int total) {{\n        int value = invoice.total + total;\n"
        f"        return value;\n    }}\n\n" for i in range(n)) + "}\n"


def _kt(n: int) -> str:
    return "package com.acme.shop\n\nclass Ledger {\n" + "".join(
        f"    fun fn{i}(invoice: Invoice, total: Int): Int {{\n        val value = invoice.total + total\n"
        f"        return value\n    }}\n\n" for i in range(n)) + "}\n"


def _js(n: int) -> str:
    return "".join(f"function fn{i}(invoice, total) {{\n  const value = invoice.total + total;\n  return value;\n}}\n\n"
                   for i in range(n))


FILES = {"src/main/java/com/acme/shop/Refunds.java": _java(12), "src/main/kotlin/com/acme/shop/Ledger.kt": _kt(12),
         "src/refunds.js": _js(12)}
MAVEN = ("[ERROR] /home/u/shop/src/main/java/com/acme/shop/Refunds.java:[50,25] incompatible types: String cannot "
         "be converted to int")
KOTLINC = ("e: /home/u/shop/src/main/kotlin/com/acme/shop/Ledger.kt: (50, 21): Type mismatch: inferred type is "
           "String but Int was expected")
ESLINT = "/home/u/shop/src/refunds.js\n  47:17  error  'invoice' is not defined  no-undef\n\n\u2716 1 problem (1 error)"
REPORTS = {"src/main/java/com/acme/shop/Refunds.java": (50, MAVEN),
           "src/main/kotlin/com/acme/shop/Ledger.kt": (50, KOTLINC), "src/refunds.js": (47, ESLINT)}


def test_a_compiler_s_or_linter_s_own_form_of_a_place_is_a_place(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    try:
        found = {path: next(r for r in ix.search("Build fails\n\n```\n" + report + "\n```\n", k=3) if r.path == path)
                 for path, (_, report) in REPORTS.items()}
    finally:
        ix.close()
    for path, r in found.items():
        line = REPORTS[path][0]
        assert (path, TRACE in r.why, r.spans[0].start <= line <= r.spans[0].end) == (path, True, True)


GCC = """In file included from /home/dev/netd/build/_deps/tfmt-src/include/tfmt/format.h:41,
                 from /home/dev/netd/src/log.cpp:4:
/home/dev/netd/build/_deps/tfmt-src/include/tfmt/compile.h: In instantiation of 'constexpr OutputIt field<Char, V>::format(OutputIt, const T& ...) const':
/home/dev/netd/build/_deps/tfmt-src/include/tfmt/compile.h:40:30:   required from 'constexpr OutputIt concat<L, R>::format(OutputIt, const T& ...) const'
/home/dev/netd/src/log.cpp:27:21:   required from here
/home/dev/netd/build/_deps/tfmt-src/include/tfmt/compile.h:{line}:25: error: no matching function for call to 'write<char>(appender&, const netd::port&)'
   {line} |       return write<Char>(out, arg);
      |              ~~~~~~~~~~~^~~~~~~~~~
/home/dev/netd/build/_deps/tfmt-src/include/tfmt/format.h:156:20: note: candidate: 'template<class Char, class OutputIt, class T> constexpr OutputIt write(OutputIt, const T&)'
/home/dev/netd/build/_deps/tfmt-src/include/tfmt/format.h:156:20: note:   template argument deduction/substitution failed:
/home/dev/netd/build/_deps/tfmt-src/include/tfmt/format.h:155:75: error: no type named 'type' in 'struct std::enable_if<false, int>'
"""


def test_a_compiler_s_first_error_is_its_strongest_place_its_notes_and_includes_the_weakest(make_repo, frame_places):
    places = frame_places(GCC.format(line=52))
    assert places[-3:] == [("log.cpp", 27), ("format.h", 155), ("compile.h", 52)]  # context, errors: the first last
    assert set(places[:3]) == {("format.h", 41), ("log.cpp", 4), ("format.h", 156)}  # includes and notes
    compile_h = ("#pragma once\n#include \"format.h\"\nnamespace tfmt {\n" + "\n" * 45 +
                 "template <typename Char, typename V> struct field {\n  template <typename OutputIt, typename... T>\n"
                 "  constexpr OutputIt format(OutputIt out, const T&... args) const {\n    const V& arg = get_arg(args...);\n"
                 "    return write<Char>(out, arg);\n  }\n};\n}\n")
    format_h = ("#pragma once\nnamespace tfmt {\n" + "\n" * 150 + "template <typename Char, typename OutputIt, typename T>\n"
                "constexpr OutputIt write(OutputIt out, const T& value) {\n  return formatter<T, Char>().format(value, out);\n"
                "}\n}\n")
    repo = make_repo({"include/tfmt/compile.h": compile_h, "include/tfmt/format.h": format_h,
                      "src/format.cc": "#include \"tfmt/format.h\"\nnamespace tfmt { template struct formatter<int>; }\n"})
    ix = RepoIndex.open(repo)
    try:
        assert ix.search("Compiled format strings fail\n\n```\n" + GCC.format(line=52) + "```\n", k=1)[0].path == \
            "include/tfmt/compile.h"
    finally:
        ix.close()
