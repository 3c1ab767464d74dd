"""A definition is at its name's line: below Java's annotations (``@Override``, ``@GetMapping``), the attributes
and annotations of C#, Kotlin, PHP, Scala and Swift, and a C function's return type written on a line of its own
(``static int`` above ``compute_total(...)``, GNU and BSD style), as a Python function is at its ``def`` below its
decorators. go_to_definition's snippet and the repo map's row showed ``@Override`` or ``static int``, never the
name. The definition's search chunk still starts at those lines: they are part of it."""

from __future__ import annotations

import textwrap

from genie_tui.config.settings import load_settings
from genie_tui.retrieval import RepoIndex
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext

CONTROLLER = textwrap.dedent('''
    package com.shop;

    @RestController
    @RequestMapping("/orders")
    public class OrderController {
        @Override
        public String toString() { return "c"; }

        @GetMapping("/{id}")
        @ResponseBody
        public Order getOrder(@PathVariable long id) {
            return null;
        }
    }
    ''').lstrip()

UTIL = textwrap.dedent('''
    #include <stdlib.h>

    static int
    compute_total(int a, int b)
    {
        return a + b;
    }

    char *
    dup_name(const char *s)
    {
        return NULL;
    }

    typedef struct {
        int x;
    } Point;
    ''').lstrip()

MAX = textwrap.dedent('''
    namespace util {

    template <typename T>
    static T
    clamp_value(T v, T lo, T hi)
    {
        return v < lo ? lo : v > hi ? hi : v;
    }

    }
    ''').lstrip()


def _run(repo, name: str, **args: object) -> str:  # type: ignore[no-untyped-def]
    ctx = ToolContext(repo, load_settings(repo, {}))
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


def test_go_to_definition_shows_the_line_with_the_name_below_annotations_and_return_types(make_repo):
    repo = make_repo({"src/main/java/com/shop/OrderController.java": CONTROLLER, "src/util.c": UTIL})
    assert [_run(repo, "go_to_definition", symbol=s) for s in
            ("OrderController", "getOrder", "toString", "compute_total", "dup_name", "Point")] == [
        "src/main/java/com/shop/OrderController.java:5: public class OrderController {",
        "src/main/java/com/shop/OrderController.java:11: public Order getOrder(@PathVariable long id) {",
        "src/main/java/com/shop/OrderController.java:7: public String toString() { return \"c\"; }",
        "src/util.c:4: compute_total(int a, int b)",
        "src/util.c:10: dup_name(const char *s)",
        # a name after the body it names: the definition stays at its first line
        "src/util.c:15: typedef struct {",
    ]
    ix = RepoIndex.open(repo)
    try:
        outline = ix.repo_map("getOrder returns null; compute_total overflows", budget_tokens=1000)
        hits = {h.path: h.spans for h in ix.search("getOrder answers null for an id; compute_total overflows", k=2)}
    finally:
        ix.close()
    assert "@Override" not in outline and "static int" not in outline
    assert "  4: compute_total(int a, int b)" in outline.splitlines()
    assert "    11: public Order getOrder(@PathVariable long id) {" in outline.splitlines()
    # the chunks still hold the annotations and the return type
    spans = {s.symbol: (s.start, s.end) for p in hits for s in hits[p]}
    assert spans["getOrder"] == (9, 13) and spans["compute_total"] == (3, 7)


def test_a_cpp_template_function_is_at_its_name_and_its_chunk_starts_at_template(make_repo):
    repo = make_repo({"src/clamp.hpp": MAX, "src/other.cpp": "int unrelated() { return 1; }\n"})
    assert _run(repo, "go_to_definition", symbol="util::clamp_value") == "src/clamp.hpp:5: clamp_value(T v, T lo, T hi)"
    ix = RepoIndex.open(repo)
    try:
        hit = ix.search("clamp_value returns hi when v is below lo", k=1)[0]
    finally:
        ix.close()
    assert (hit.path, hit.spans[0].start, hit.spans[0].end, hit.spans[0].symbol) == ("src/clamp.hpp", 3, 8, "clamp_value")


ANNOTATED = {  # a file, and the line each of its definitions is at
    "src/Row.kt": (("@Entity\n@Table(name = \"t\")\nclass Row(val id: Int) {\n"
                    "    @JvmStatic\n    @Throws(Exception::class)\n    fun load() {}\n}\n"),
                   {"Row": 3, "Row.load": 6}),
    "src/Api.cs": (("namespace Shop {\n[ApiController]\n[Route(\"x\")]\npublic class Api {\n"
                    "    [HttpGet]\n    [Authorize]\n    public int Fetch() { return 1; }\n}\n}\n"),
                   {"Api": 4, "Api.Fetch": 7}),
    "src/Repo.php": ("<?php\n#[Entity]\nclass Repo {\n    #[Route('/x')]\n    public function find() {}\n}\n",
                     {"Repo": 3, "Repo.find": 5}),
    "src/Box.scala": ("@deprecated(\"x\", \"1\")\nclass Box {\n  @inline\n  def size(): Int = 1\n}\n",
                      {"Box": 2, "Box.size": 4}),
    "src/View.swift": ("@MainActor\nclass View {\n    @objc\n    func draw() {}\n}\n", {"View": 2, "View.draw": 4}),
}


def test_annotated_definitions_of_other_languages_are_at_their_names(make_repo, definitions_of):
    repo = make_repo({path: text for path, (text, _) in ANNOTATED.items()})
    expected = {s: [(path, line)] for path, (_, lines) in ANNOTATED.items() for s, line in lines.items()}
    found = definitions_of(repo, tuple(expected))
    assert {s: [(p, line) for p, line, _ in locs] for s, locs in found.items()} == expected
