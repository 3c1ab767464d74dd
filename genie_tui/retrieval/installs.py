"""Where languages install packages, and their own libraries: the directories a stack frame's path from another
machine may pass through, which say whose file it is (see ModuleMap.frame_files)."""

from __future__ import annotations

import re

# Python's own library: ``lib/python3.11/`` (``lib64/`` on Fedora and RHEL, ``lib/pypy3.10/``) and a Windows
# install's ``Lib\`` (``C:\Program Files\Python311\Lib\http\client.py``); never its ``site-packages``
STDLIB = re.compile(r"^(?:.*/)?(?:lib(?:32|64)?/(?:pypy|python)\d[\d.]*t?|Lib)/(?!(?:site|dist)-packages/)(?=.*\.py$)")
# a directory of packages installed from elsewhere, its last in a path: Python's ``site-packages/`` and
# ``dist-packages/`` (an egg's directory in it too), ``node_modules/``, RubyGems' and Bundler's ``gems/``, Cargo's
# registry and git checkouts (in ``~/.cargo``, or any cargo home by its index's directory, ``/usr/local/cargo/registry/
# src/index.crates.io-6f17d22bba15001f/``, OSS-Fuzz's ``/rust/registry/...``), ``vendor/`` (Composer, Go, Bundler),
# ``bower_components/``
STORE = re.compile(r"^(?:.*/)?(?:(?P<py>(?:site|dist)-packages(?:/[^/]+\.egg)?)|(?P<node>node_modules)|(?P<gem>gems)|"
                   r"(?P<crate>\.cargo/registry/src/[^/]+|registry/src/[^/]+-[0-9a-f]{16})|"
                   r"(?P<crate_git>\.cargo/git/checkouts|git/checkouts(?=/[^/]+-[0-9a-f]{16}/))|vendor|bower_components)/")
# a language's own library, as its frames name it: Rust's (``/rustc/<commit>/library/std/src/io/mod.rs``, before 1.47
# ``src/libstd/``; a toolchain's ``lib/rustlib/src/rust/library/``; the sanitizers' ``/rustc/llvm/src/``), the path
# after it the rust repository's, and Go's, a package of its own (GO_STD) under GOROOT's ``src/`` (``/usr/local/go/
# src/net/http/server.go``, ``/usr/lib/go-1.21/src/``, ``~/sdk/go1.21.5/src/``, Fedora's ``golang/src/``, Homebrew's
# ``libexec/src/``, Bazel's ``GOROOT/src/``), the path after it the go repository's ``src/`` (GOPATH's ``/go/src/
# k8s.io/...`` is none)
# the first part of the import path of each package of Go's own library
GO_STD = frozenset(("archive", "bufio", "builtin", "bytes", "cmp", "compress", "container", "context", "crypto",
                   "database", "debug", "embed", "encoding", "errors", "expvar", "flag", "fmt", "go", "hash", "html",
                   "image", "index", "internal", "io", "iter", "log", "maps", "math", "mime", "net", "os", "path",
                   "plugin", "reflect", "regexp", "runtime", "slices", "sort", "strconv", "strings", "structs",
                   "sync", "syscall", "testing", "text", "time", "unicode", "unique", "unsafe", "weak", "cmd"))
TOOLCHAIN = re.compile(r"^(?:.*/)?(?:(?:rustc/(?:[0-9a-f]{7,40}|llvm)|lib/rustlib/src/rust)/|"
                       r"(?:go|golang|go-?\d[\w.\-]*|libexec|GOROOT)"
                       rf"(?:/\d[\w.\-]*/(?:x64|arm64|x86))?/(?P<go>src/)(?=(?:{'|'.join(sorted(GO_STD))})/.*\.go$))")
# a Cargo.toml's package name (its ``[package]`` table's)
CARGO_PACKAGE = re.compile(r'^\[package\][ \t]*\r?\n(?:(?!\[)[^\n]*\n)*?[ \t]*name[ \t]*=[ \t]*["\']([\w\-]+)', re.MULTILINE)
# an installed package's directory in such a store and the file's path in the package: ``@scope/ui/lib/x.js``,
# ``activerecord-7.0.4/lib/active_record/base.rb``, ``serde-1.0.190/src/de.rs`` (a version or a git commit after the name)
PACKAGE_DIR = {"node": re.compile(r"((?:@[^/]+/)?[^/]+)/(.+)"),
               "gem": re.compile(r"([^/]+?)-(?:\d[^/]*|[0-9a-f]{7,40})/(.+)")}
PACKAGE_DIR["crate"] = PACKAGE_DIR["gem"]
# a git dependency's checkout: ``<repository>-<hash of its url>/<commit>/`` (``regex-1a2b.../9f8e7d6/src/lib.rs``)
PACKAGE_DIR["crate_git"] = re.compile(r"([^/]+?)-[0-9a-f]{16}/[^/]+/(.+)")
