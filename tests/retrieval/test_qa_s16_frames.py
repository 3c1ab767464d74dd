"""A Go frame in the module cache, read through a search: a file of the module it names (the repository's own
file only when the repository is that module)."""

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


def _traced(repo: object, text: str) -> dict[str, float]:
    """The trace signal of each file ``text`` finds in ``repo`` (0 where no frame names it)."""
    ix = RepoIndex.open(repo)  # type: ignore[arg-type]
    try:
        return {path: feats.get("trace") or 0.0 for path, feats in ix.features(text)}
    finally:
        ix.close()


def test_a_root_level_module_cache_frame_is_the_root_file_of_that_module(make_repo):
    repo = make_repo({"go.mod": "module example.com/y\n\ngo 1.21\n", "z.go": Z_ROOT, "cmd/tool/z.go": Z_CMD,
                      "internal/store/z.go": Z_INTERNAL})
    trace = _traced(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/z.go:5"))
    assert trace["z.go"] == 1.0
    assert trace.get("cmd/tool/z.go", 0.0) == trace.get("internal/store/z.go", 0.0) == 0.0


def test_a_root_level_module_cache_frame_of_a_dependency_names_no_file_here(make_repo):
    # the repository is the application; ``z.go`` of its dependency ``example.com/y`` is none of its files
    repo = make_repo({"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": APP_MAIN, "z.go": Z_ROOT,
                      "cmd/tool/z.go": Z_CMD, "internal/store/z.go": Z_INTERNAL})
    trace = _traced(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/z.go:5"))
    assert trace["main.go"] == 1.0  # the application's own frame is the evidence left
    assert {p: v for p, v in trace.items() if p.endswith("z.go") and v} == {}


def test_a_module_cache_frame_without_a_go_mod_names_no_root_file(make_repo):
    repo = make_repo({"main.go": APP_MAIN, "z.go": Z_ROOT, "cmd/tool/z.go": Z_CMD})
    trace = _traced(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/z.go:5"))
    assert trace.get("z.go", 0.0) == trace.get("cmd/tool/z.go", 0.0) == 0.0


def test_a_module_cache_path_with_escaped_capitals_and_a_major_version_is_its_module_s(make_repo):
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
        trace = _traced(repo, t)
        assert trace["decode.go"] == 1.0
        assert trace.get("internal/decode.go", 0.0) == 0.0


def test_a_module_cache_frame_in_a_directory_is_that_file_only(make_repo):
    repo = make_repo({"go.mod": "module example.com/y\n\ngo 1.21\n", "z.go": Z_ROOT,
                      "internal/store/z.go": Z_INTERNAL, "cmd/tool/z.go": Z_CMD})
    trace = _traced(repo, _go_panic("/home/u/go/pkg/mod/example.com/y@v1.2.3/internal/store/z.go:4"))
    assert trace["internal/store/z.go"] == 1.0
    assert trace.get("z.go", 0.0) == trace.get("cmd/tool/z.go", 0.0) == 0.0


def test_a_module_cache_frame_of_a_nested_module_is_its_directory_s_file(make_repo):
    # ``example.com/y/tools`` is the module in the repository's ``tools/`` directory (its own go.mod)
    repo = make_repo({"go.mod": "module example.com/y\n\ngo 1.21\n", "z.go": Z_ROOT,
                      "tools/go.mod": "module example.com/y/tools\n\ngo 1.21\n", "tools/z.go": Z_CMD})
    trace = _traced(repo, _go_panic("/home/u/go/pkg/mod/example.com/y/tools@v0.1.0/z.go:4"))
    assert trace["tools/z.go"] == 1.0
    assert trace.get("z.go", 0.0) == 0.0

