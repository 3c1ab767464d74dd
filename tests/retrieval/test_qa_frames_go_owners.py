"""A Go frame is a file of the repository only where its package is the repository's: Go's own library (under
GOROOT, ``/usr/local/go/src/net/http/server.go``, or a call of ``net/http``) and a file of another module in Go's
module cache are none of its files, whatever their paths end with; the repository's own package is its directory,
also where a binary built from a vendored copy or GOPATH prints it
(``/go/src/k8s.io/kubernetes/vendor/github.com/acme/cli/``)."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

FILES = {"go.mod": "module example.com/kv\n\ngo 1.21\n",
         "http/server.go": "package http\n\n// Server serves the store.\ntype Server struct{}\n" + "\n" * 3000,
         "store/compact.go": "package store\n\nfunc (d *DB) Compact() {\n\tfor k := range d.m {\n\t\t_ = k\n\t}\n}\n",
         "store/db.go": "package store\n\ntype DB struct{ m map[string]string }\n"}
PANIC = """nil pointer dereference during compaction

```
goroutine 35 [running]:
net/http.(*conn).serve.func1()
	{goroot}/src/net/http/server.go:1868 +0xb9
panic({{0x6c2e40?, 0x9a5f70?}})
	{goroot}/src/runtime/panic.go:920 +0x270
example.com/kv/store.(*DB).Compact(0x0)
	{own}/store/compact.go:4 +0x1d
net/http.HandlerFunc.ServeHTTP(0xc000112000?, {{0x7a1c38?, 0xc0001260e0?}}, 0xc00010c000?)
	{goroot}/src/net/http/server.go:2136 +0x29
github.com/jdoe/app/http.Handler.Serve(0x0)
	/home/jdoe/go/pkg/mod/github.com/jdoe/app@v1.4.0/http/server.go:12 +0x29
net/http.(*conn).serve(0xc0000f2000, {{0x7a2258, 0xc0000a4ea0}})
	{goroot}/src/net/http/server.go:2009 +0x5f4
```
"""


def test_go_s_own_library_and_another_module_s_package_are_no_files_of_the_repository(make_repo, trace_signal):
    repo = make_repo(FILES)
    for goroot, own in (("/usr/local/go", "/home/u/kv"), ("/usr/lib/go-1.21", "/home/u/kv"),
                        ("/opt/goroot", "/home/u/kv"), ("/usr/local/go", "/go/src/k8s.io/x/vendor/example.com/kv")):
        trace = trace_signal(repo, PANIC.format(goroot=goroot, own=own))
        assert (goroot, own, trace["http/server.go"], trace["store/compact.go"]) == (goroot, own, 0.0, 1.0)
    # the go repository's own library is its src/
    go = make_repo({"src/net/http/server.go": "package http\n" + "\n" * 3000, "src/go.mod": "module std\n"}, name="go")
    assert trace_signal(go, PANIC.format(goroot="/usr/local/go", own="/home/u/kv"))["src/net/http/server.go"] > 0


def test_the_repository_s_vendored_package_is_its_file_by_its_module_path(make_repo, trace_signal):
    repo = make_repo({"go.mod": "module github.com/acme/cli\n\ngo 1.20\n",
                      "command.go": "package cli\n\ntype Command struct{}\n" + "\n" * 30,
                      "args.go": "package cli\n\nfunc NoArgs() error { return nil }\n"})
    text = ("panic: group management missing\n\ngoroutine 1 [running]:\n"
            "github.com/acme/cli.(*Command).AddCommand(0xc0003b2000, {0xc00063fe38, 0x1, 0x1})\n"
            "\t/go/src/k8s.io/kubernetes/vendor/github.com/acme/cli/command.go:15 +0x2a4\n"
            "k8s.io/kubernetes/cmd/kubectl-lite/app.init.0()\n"
            "\t/go/src/k8s.io/kubernetes/cmd/kubectl-lite/app/get.go:23 +0x58\n")
    assert trace_signal(repo, text)["command.go"] == 1.0
    ix = RepoIndex.open(repo)
    try:
        assert ix.search(text, k=1)[0].path == "command.go"
    finally:
        ix.close()
