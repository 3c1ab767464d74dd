"""Java, Kotlin, Node, Rust, C# and Ruby print a stack's innermost frame, the one that threw, first (``at ...``,
``from ...`` lines), unlike Python: that frame is the strongest evidence, for its file and for its span. The
files here tie on keywords (each mentions the other), as a trace's frames often do."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

LOADER = ("package com.acme.kv;\n\npublic class Loader {\n    /** Returns the value of a key. */\n"
          "    public static String load(String key) {\n        return Parser.parse(key);\n    }\n}\n")
PARSER = ("package com.acme.kv;\n\n/** For Loader. */\npublic class Parser {\n    /** Returns the value of a key. */\n"
          "    public static String parse(String key) {\n        return key.split(\":\")[1];\n    }\n}\n")
JAVA_TRACE = """java.lang.ArrayIndexOutOfBoundsException: Index 1 out of bounds for length 1
\tat com.acme.kv.Parser.parse(Parser.java:7)
\tat com.acme.kv.Loader.load(Loader.java:6)
\tat com.acme.kv.KeyTest.plainKey(KeyTest.java:8)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
"""
TEST = ("package com.acme.kv;\n\nimport org.junit.jupiter.api.Test;\n\nclass KeyTest {\n    @Test\n"
        "    void plainKey() {\n        Loader.load(\"plain\");\n    }\n}\n")

JS = ("'use strict';\n\nfunction load(key) {\n  return parse(key);\n}\n\n"
      "// a plain key without an index in range of its parts is an error: load() reads the parts of a key\n"
      "function parse(key) {\n  return key.split(':')[1].trim();\n}\n\nmodule.exports = { load, parse };\n")
JS_TRACE = """TypeError: Cannot read properties of undefined (reading 'trim')
    at parse (/srv/kv/lib/store.js:9:28)
    at load (/srv/kv/lib/store.js:4:10)
    at Object.<anonymous> (/srv/kv/index.js:3:13)
"""


def test_the_first_at_frame_of_a_java_trace_ranks_its_file_first(make_repo):
    repo = make_repo({"src/main/java/com/acme/kv/Loader.java": LOADER,
                      "src/main/java/com/acme/kv/Parser.java": PARSER,
                      "src/test/java/com/acme/kv/KeyTest.java": TEST})
    ix = RepoIndex.open(repo)
    try:
        results = ix.search(JAVA_TRACE, k=3)
    finally:
        ix.close()
    assert results[0].path == "src/main/java/com/acme/kv/Parser.java"


def test_the_first_at_frame_of_a_node_trace_is_its_file_s_first_span(make_repo):
    repo = make_repo({"lib/store.js": JS, "index.js": "const { load } = require('./lib/store');\n\nload('plain');\n"})
    ix = RepoIndex.open(repo)
    try:
        results = ix.search(JS_TRACE, k=2)
    finally:
        ix.close()
    assert results[0].path == "lib/store.js"
    assert [(s.start, s.symbol) for s in results[0].spans[:2]] == [(8, "parse"), (3, "load")]


RB_LOADER = "module Kv\n  # For Parser.\n  class Loader\n    def self.load(key)\n      Parser.parse(key)\n    end\n  end\nend\n"
RB_PARSER = "module Kv\n  # Loader.load calls Parser.parse.\n  class Parser\n    def self.parse(key)\n      key.split(':')[1].strip\n    end\n  end\nend\n"
RB_TRACE = """/srv/kv/lib/kv/parser.rb:5:in `parse': undefined method for nil (NoMethodError)
\tfrom /srv/kv/lib/kv/loader.rb:5:in `load'
\tfrom /srv/kv/bin/kv:4:in `<main>'
"""


def test_the_first_frame_of_a_ruby_trace_ranks_its_file_first(make_repo):
    repo = make_repo({"lib/kv/loader.rb": RB_LOADER, "lib/kv/parser.rb": RB_PARSER})
    ix = RepoIndex.open(repo)
    try:
        results = ix.search(RB_TRACE, k=2)
    finally:
        ix.close()
    assert [r.path for r in results] == ["lib/kv/parser.rb", "lib/kv/loader.rb"]
