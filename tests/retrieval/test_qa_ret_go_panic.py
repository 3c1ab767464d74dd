"""A pasted Go panic: Go prints a goroutine's innermost frame first, and after a ``panic(...)`` frame the first
one is where the panic happened. That frame is the strongest evidence, for the file and for the span, as the
last frame of a Python traceback is."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

GO_MOD = "module example.com/kv\n\ngo 1.21\n"
LOAD = ("package store\n\n// Load returns the value of a key.\nfunc Load(key string) string {\n"
        "\treturn Parse(key)\n}\n")
PARSE = ("package store\n\nimport \"strings\"\n\n// Parse returns the value of a key.\n"
         "func Parse(key string) string {\n\tparts := strings.Split(key, \":\")\n\treturn parts[1]\n}\n")
TEST = ("package store\n\nimport \"testing\"\n\nfunc TestPlainKey(t *testing.T) {\n"
        "\tif Load(\"plain\") != \"\" {\n\t\tt.Fatal(\"want empty\")\n\t}\n}\n")
# both functions in one file: the caller's comment matches more of the panic's words than the panicking one
BOTH = ("package store\n\nimport \"strings\"\n\n"
        "// Load returns the value of a key; a plain key without an index in range of its parts is an error.\n"
        "func Load(key string) string {\n\tif key == \"\" {\n\t\treturn \"\"\n\t}\n\treturn Parse(key)\n}\n\n"
        "func Parse(key string) string {\n\tparts := strings.Split(key, \":\")\n\treturn parts[1]\n}\n")


def _trace(parse_at: str, load_at: str) -> str:
    return f"""--- FAIL: TestPlainKey (0.00s)
panic: runtime error: index out of range [1] with length 1 [recovered]
	panic: runtime error: index out of range [1] with length 1

goroutine 7 [running]:
testing.tRunner.func1.2({{0x5f1e20, 0xc000018150}})
	/usr/local/go/src/testing/testing.go:1545 +0x238
testing.tRunner.func1()
	/usr/local/go/src/testing/testing.go:1548 +0x397
panic({{0x5f1e20?, 0xc000018150?}})
	/usr/local/go/src/runtime/panic.go:914 +0x21f
example.com/kv/store.Parse(...)
	/home/dev/kv/store/{parse_at}
example.com/kv/store.Load(...)
	/home/dev/kv/store/{load_at}
example.com/kv/store.TestPlainKey(0x0?)
	/home/dev/kv/store/store_test.go:6 +0x1d
testing.tRunner(0xc0000071e0, 0x60b4d8)
	/usr/local/go/src/testing/testing.go:1595 +0xff
created by testing.(*T).Run in goroutine 1
	/usr/local/go/src/testing/testing.go:1648 +0x3ad
FAIL	example.com/kv/store	0.005s
"""


def test_the_panicking_frame_of_a_go_trace_ranks_its_file_first(make_repo):
    repo = make_repo({"go.mod": GO_MOD, "store/load.go": LOAD, "store/parse.go": PARSE,
                      "store/store_test.go": TEST})
    ix = RepoIndex.open(repo)
    try:
        results = ix.search(_trace("parse.go:8", "load.go:5"), k=3)
    finally:
        ix.close()
    assert [r.path for r in results[:2]] == ["store/parse.go", "store/load.go"]
    assert (results[0].spans[0].start, results[0].spans[0].symbol) == (6, "Parse")


def test_the_panicking_frame_of_a_go_trace_is_its_file_s_first_span(make_repo):
    repo = make_repo({"go.mod": GO_MOD, "store/store.go": BOTH, "store/store_test.go": TEST})
    ix = RepoIndex.open(repo)
    try:
        results = ix.search(_trace("store.go:15", "store.go:10"), k=3)
    finally:
        ix.close()
    assert results[0].path == "store/store.go"
    assert [(s.start, s.end, s.symbol) for s in results[0].spans[:2]] == [(13, 16, "Parse"), (6, 11, "Load")]


def test_an_indented_or_quoted_go_trace_is_read_the_same_way(make_repo):
    repo = make_repo({"go.mod": GO_MOD, "store/load.go": LOAD, "store/parse.go": PARSE,
                      "store/store_test.go": TEST})
    trace = _trace("parse.go:8", "load.go:5")
    ix = RepoIndex.open(repo)
    try:
        indented = ix.search("".join("    " + ln for ln in trace.splitlines(keepends=True)), k=2)
        quoted = ix.search("".join("> " + ln for ln in trace.splitlines(keepends=True)), k=2)
    finally:
        ix.close()
    assert [r.path for r in indented] == [r.path for r in quoted] == ["store/parse.go", "store/load.go"]
