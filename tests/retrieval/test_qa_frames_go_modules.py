"""A Go frame's package is looked for in every module of the repository (each go.mod's: kubernetes'
``staging/src/k8s.io/client-go``, a ``services/api`` module), and a package of a module the repository does not
name (the repository's by an old path, a fork's) is found by the frame's path, as any frame is."""

from __future__ import annotations

GO = "package x\n\n" + "".join(f"func F{i}() {{}}\n" for i in range(60))
STAGED = "staging/src/k8s.io/client-go/tools/cache/reflector.go"


def test_a_frame_of_a_nested_module_is_its_file(make_repo, trace_signal):
    repo = make_repo({"go.mod": "module k8s.io/kubernetes\n\nreplace k8s.io/client-go => ./staging/src/k8s.io/client-go\n",
                      "pkg/kubelet/kubelet.go": GO, "staging/src/k8s.io/client-go/go.mod": "module k8s.io/client-go\n",
                      STAGED: GO, "services/api/go.mod": "module github.com/acme/api\n",
                      "services/api/handlers/h.go": GO})
    panic = ("goroutine 1 [running]:\nk8s.io/client-go/tools/cache.(*Reflector).ListAndWatch(0x0)\n"
             "\t{root}/k8s.io/client-go/tools/cache/reflector.go:30 +0x1d\n"
             "k8s.io/kubernetes/pkg/kubelet.F3()\n\t/go/src/k8s.io/kubernetes/pkg/kubelet/kubelet.go:10 +0x2a\n")
    for root in ("/go/src/k8s.io/kubernetes/vendor", "/home/u/kubernetes/staging/src"):
        assert (root, trace_signal(repo, panic.format(root=root))[STAGED]) == (root, 1.0)
    api = "goroutine 7 [running]:\ngithub.com/acme/api/handlers.(*H).Serve(0xc000)\n\t/srv/x/handlers/h.go:12 +0x1d\n"
    assert trace_signal(repo, api)["services/api/handlers/h.go"] == 1.0


def test_a_package_of_a_module_the_repository_does_not_name_is_found_by_its_path(make_repo, trace_signal):
    moved = make_repo({"go.mod": "module github.com/moby/moby/v2\n", "daemon/daemon.go": GO}, name="moby")
    text = ("goroutine 1 [running]:\ngithub.com/docker/docker/daemon.(*Daemon).F3(0x0)\n"
            "\t/go/src/github.com/docker/docker/daemon/daemon.go:10 +0x1d\n")
    assert trace_signal(moved, text)["daemon/daemon.go"] == 1.0
    # a fork of a module of a major version past 1
    kv = make_repo({"go.mod": "module example.com/kv/v2\n", "store/compact.go": GO}, name="kv")
    text = ("goroutine 1 [running]:\ngithub.com/other/kv/store.(*DB).Compact(0x0)\n"
            "\t/home/u/kv/store/compact.go:10 +0x1d\n")
    assert trace_signal(kv, text)["store/compact.go"] == 1.0
