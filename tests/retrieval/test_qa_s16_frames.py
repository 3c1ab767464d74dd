"""Two kinds of stack frame read through a search: a Go frame in the module cache, which is a file of the
module it names (the repository's own file only when the repository is that module), and the numbered frames
of an Apple crash report, printed innermost first."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

# --- Go: a frame in the module cache (``$GOPATH/pkg/mod/<module>@<version>/<file>``) ------------------------

Z_ROOT = "package y\n\n// Z returns the first byte.\nfunc Z(b []byte) byte {\n\treturn b[0]\n}\n"
Z_CMD = "package main\n\nfunc main() {\n\tprintln(\"tool\")\n}\n"
Z_INTERNAL = "package store\n\n// Put stores a value.\nfunc Put(k string) {\n\t_ = k\n}\n"
APP_MAIN = "package main\n\nimport \"example.com/y\"\n\nfunc main() {\n\ty.Z(nil)\n}\n"


def _go_panic(dep_frame: str) -> str:
    return ("panic: runtime error: index out of range [0] with length 0\n\n"
            "goroutine 1 [running]:\n"
            "example.com/y.Z(...)\n"
            f"\t{dep_frame} +0x1d\n"
            "main.main()\n"
            "\t/home/u/src/app/main.go:6 +0x2c\n"
            "exit status 2\n")


def test_a_root_level_module_cache_frame_is_the_root_file_of_that_module(make_repo, trace_signal):
    repo = make_repo({"go.mod": "module example.com/y\n\ngo 1.21\n", "z.go": Z_ROOT, "cmd/tool/z.go": Z_CMD,
                      "internal/store/z.go": Z_INTERNAL})
    trace = trace_signal(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/z.go:5"))
    assert trace["z.go"] == 1.0
    assert trace.get("cmd/tool/z.go", 0.0) == trace.get("internal/store/z.go", 0.0) == 0.0


def test_a_root_level_module_cache_frame_of_a_dependency_names_no_file_here(make_repo, trace_signal):
    # the repository is the application; ``z.go`` of its dependency ``example.com/y`` is none of its files
    repo = make_repo({"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": APP_MAIN, "z.go": Z_ROOT,
                      "cmd/tool/z.go": Z_CMD, "internal/store/z.go": Z_INTERNAL})
    trace = trace_signal(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/z.go:5"))
    assert trace["main.go"] == 1.0  # the application's own frame is the evidence left
    assert {p: v for p, v in trace.items() if p.endswith("z.go") and v} == {}


def test_a_module_cache_frame_without_a_go_mod_names_no_root_file(make_repo, trace_signal):
    repo = make_repo({"main.go": APP_MAIN, "z.go": Z_ROOT, "cmd/tool/z.go": Z_CMD})
    trace = trace_signal(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/z.go:5"))
    assert trace.get("z.go", 0.0) == trace.get("cmd/tool/z.go", 0.0) == 0.0


def test_a_module_cache_path_with_escaped_capitals_and_a_major_version_is_its_module_s(make_repo, trace_signal):
    # the module cache writes ``BurntSushi`` as ``!burnt!sushi``; the repository has moved on to /v2 since
    repo = make_repo({"go.mod": "module github.com/BurntSushi/toml/v2\n\ngo 1.21\n",
                      "decode.go": "package toml\n\n// Decode decodes.\nfunc Decode(s string) error {\n"
                                   "\treturn nil\n}\n",
                      "internal/decode.go": "package internal\n\nfunc decode() {}\n"})
    text = ("panic: boom\n\ngoroutine 1 [running]:\ngithub.com/BurntSushi/toml.Decode(...)\n"
            "\t/home/u/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go:4 +0x1d\n")
    windows = text.replace("/home/u/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go",
                           r"C:\Users\u\go\pkg\mod\github.com\!burnt!sushi\toml@v1.3.2\decode.go")
    for t in (text, windows):
        trace = trace_signal(repo, t)
        assert trace["decode.go"] == 1.0
        assert trace.get("internal/decode.go", 0.0) == 0.0


def test_a_module_cache_frame_in_a_directory_is_that_file_only(make_repo, trace_signal):
    repo = make_repo({"go.mod": "module example.com/y\n\ngo 1.21\n", "z.go": Z_ROOT,
                      "internal/store/z.go": Z_INTERNAL, "cmd/tool/z.go": Z_CMD})
    trace = trace_signal(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/internal/store/z.go:4"))
    assert trace["internal/store/z.go"] == 1.0
    assert trace.get("z.go", 0.0) == trace.get("cmd/tool/z.go", 0.0) == 0.0


def test_a_module_cache_frame_of_a_nested_module_is_its_directory_s_file(make_repo, trace_signal):
    # ``example.com/y/tools`` is the module in the repository's ``tools/`` directory (its own go.mod)
    repo = make_repo({"go.mod": "module example.com/y\n\ngo 1.21\n", "z.go": Z_ROOT,
                      "tools/go.mod": "module example.com/y/tools\n\ngo 1.21\n", "tools/z.go": Z_CMD})
    trace = trace_signal(repo, _go_panic("/home/u/go/pkg/mod/example.com/y/tools@v0.1.0/z.go:4"))
    assert trace["tools/z.go"] == 1.0
    assert trace.get("z.go", 0.0) == 0.0


# --- Apple crash reports: ``Thread 0 Crashed:`` and numbered frames, frame 0 the one that crashed ------------

# files of one length, none saying more of the report than its names: the frames decide
PARSER_M = ("#import \"Parser.h\"\n\n@implementation Parser\n\n"
            + "".join(f"// line {n}\n" for n in range(5, 55))
            + "- (id)parse:(NSData *)data {\n    NSArray *items = @[];\n    return items[3];\n}\n\n@end\n")
LOADER_M = ("#import \"Loader.h\"\n\n@implementation Loader\n\n"
            + "".join(f"// line {n}\n" for n in range(5, 28))
            + "- (void)load {\n    [self reset];\n}\n\n@end\n" + "".join(f"// line {n}\n" for n in range(34, 61)))
MAIN_M = ("#import \"App.h\"\n\n\n"
          + "".join(f"// line {n}\n" for n in range(4, 11))
          + "int main(int argc, char *argv[]) {\n    return run(argc, argv);\n}\n"
          + "".join(f"// line {n}\n" for n in range(14, 61)))
VIEW_MODEL = ("import Foundation\n\nfinal class ViewModel {\n"
              + "".join(f"    // line {n}\n" for n in range(4, 38))
              + "    func load() {\n        DispatchQueue.main.async {\n            let items: [Int] = []\n"
                "            print(items[3])\n        }\n    }\n}\n")

CRASH = """Crash on launch

Exception Type:  EXC_CRASH (SIGABRT)
Triggered by Thread:  0

Thread 0 Crashed:
0   MyApp                         0x0000000100f2c3a4 -[Parser parse:] + 120 (Parser.m:57)
1   MyApp                         0x0000000100f2b111 -[Loader load] + 88 (Loader.m:30)
2   UIKitCore                     0x00000001a0b2c3d4 -[UIViewController loadViewIfRequired] + 172
3   MyApp                         0x0000000100f2e000 main + 24 (main.m:12)
"""
SWIFT_CRASH = """App crashes on launch

Thread 0 Crashed:
0   libswiftCore.dylib            0x00000001a1b2c3d4 _assertionFailure(_:_:file:line:flags:) + 312
1   MyApp                         0x0000000100f2d000 closure #1 in ViewModel.load() + 88 (ViewModel.swift:41)
2   MyApp                         0x0000000100f2b111 -[Loader load] + 88 (Loader.m:30)
3   MyApp                         0x0000000100f2e000 main + 24 (main.m:12)
"""


def _apple_repo(make_repo, first: str, text: str):  # type: ignore[no-untyped-def]
    return make_repo({f"MyApp/{first}": text, "MyApp/Loader.m": LOADER_M, "MyApp/main.m": MAIN_M})


def test_frame_0_of_an_apple_crash_report_counts_most(make_repo, trace_signal):
    repo = _apple_repo(make_repo, "Parser.m", PARSER_M)
    trace = trace_signal(repo, CRASH)
    assert trace["MyApp/Parser.m"] == 1.0
    assert trace["MyApp/Parser.m"] > trace["MyApp/Loader.m"] > trace["MyApp/main.m"] >= 0.5
    ix = RepoIndex.open(repo)
    try:
        parser = next(r for r in ix.search(CRASH, k=3) if r.path == "MyApp/Parser.m")
    finally:
        ix.close()
    assert parser.spans[0].start <= 57 <= parser.spans[0].end  # the place in ``(Parser.m:57)``


def test_the_first_frame_in_the_app_of_a_swift_crash_report_is_its_file_s(make_repo, trace_signal):
    repo = _apple_repo(make_repo, "ViewModel.swift", VIEW_MODEL)
    trace = trace_signal(repo, SWIFT_CRASH)
    assert trace["MyApp/ViewModel.swift"] == 1.0
    assert trace["MyApp/ViewModel.swift"] > trace["MyApp/Loader.m"] > trace["MyApp/main.m"]
    ix = RepoIndex.open(repo)
    try:
        results = ix.search(SWIFT_CRASH, k=2)
    finally:
        ix.close()
    assert results[0].path == "MyApp/ViewModel.swift"
    assert results[0].spans[0].start <= 41 <= results[0].spans[0].end


def test_renaming_the_module_in_go_mod_is_seen_by_the_next_refresh(make_repo):
    repo = make_repo({"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": APP_MAIN, "z.go": Z_ROOT})
    text = _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/z.go:5")
    ix = RepoIndex.open(repo)
    try:
        assert dict(ix.features(text)).get("z.go", {}).get("trace", 0.0) == 0.0
        (repo / "go.mod").write_text("module example.com/y\n\ngo 1.21\n")  # the same files: only go.mod says more
        ix.refresh()
        assert dict(ix.features(text))["z.go"]["trace"] == 1.0
    finally:
        ix.close()
