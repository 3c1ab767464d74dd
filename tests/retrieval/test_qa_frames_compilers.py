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
