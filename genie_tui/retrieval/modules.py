"""Map module names and import statements to files (Python, JS/TS, Ruby's require_relative), for paths
mentioned in a query, go-to-definition through imports, and import-graph expansion."""

from __future__ import annotations

import functools
import posixpath
import re
import sys
from collections.abc import Callable

from genie_tui.retrieval.installs import (
    CARGO_PACKAGE,
    PACKAGE_DIR,
    STDLIB,
    STORE,
    TOOLCHAIN,
)
from genie_tui.retrieval.jsconfig import JsLayout

_JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
# TypeScript with ES modules imports a file by the name it compiles to: './widget.js' is widget.ts
_TS_SOURCES = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
_REL_EXTS = (*_JS_EXTS, ".rb")  # Ruby's require_relative is stored as a ./ path
_IMPORTERS = (*_JS_EXTS, ".vue", ".svelte")  # files whose imports tsconfig paths and packages resolve
_SRC_ROOTS = ("src.", "lib.", "python.", "source.")
_SRC_DIRS = tuple(r.rstrip(".") for r in _SRC_ROOTS)
_PY_SOURCES = (".py", ".pyi", ".pyx", ".pxd")  # files an absolute Python import may load (Cython's too)
_INITS = ("__init__.py", "__init__.pyi")
_LEADING_DOTS = re.compile(r"^(?:\.{1,2}/|/)+")  # ``./``, ``../`` and ``/`` at a path's start
_GO_MODULE_LINE = re.compile(r'^[ \t]*module[ \t]+"?([^\s"/]+(?:/[^\s"/]+)*)', re.MULTILINE)  # go.mod's
GO_MAJOR = re.compile(r"/v\d+$")  # a module path's major version: ``github.com/x/y/v2``
_PUBSPEC_NAME = re.compile(r"""^name:[ \t]*["']?([\w\-]+)""", re.MULTILINE)  # a Dart package's, in its pubspec.yaml


class ModuleMap:
    """Dotted module name -> path, and path lookups by suffix, built from the list of indexed files."""

    def __init__(self, paths: list[str], read: Callable[[str], str | None] | None = None,
                 names: Callable[[], frozenset[str]] | None = None) -> None:
        """``read``: a repository file's text (for tsconfig.json and package.json, see jsconfig.py), or None;
        ``names``: what the repository is called (see snapshot.repo_names), asked when a frame needs it."""
        self.paths = set(paths)
        self._read = read
        self._names = functools.cache(names) if names is not None else None  # asked once per map
        self.modules: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        self._roots: dict[str, list[str]] = {}  # see _py_roots
        self._resolved: dict[tuple[str, str, str], str | None] = {}  # see _python
        for p in paths:
            self.by_name.setdefault(posixpath.basename(p), []).append(p)
            if p.endswith((".py", ".pyi")):
                mod = p.rsplit(".", 1)[0].replace("/", ".")
                mod = mod.removesuffix(".__init__")
                self.modules.setdefault(mod, p)
                for root in _SRC_ROOTS:
                    if mod.startswith(root):
                        self.modules.setdefault(mod[len(root):], p)

    def module(self, dotted: str) -> tuple[str, int] | None:
        """The file of the longest importable prefix of ``dotted`` and how many parts matched."""
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            p = self.modules.get(".".join(parts[:n]))
            if p is not None:
                return p, n
        return None

    def run_file(self, dotted: str) -> str | None:
        """The file ``python -m dotted`` runs: a package's ``__main__.py``, else the module's own file; only the
        whole name (``python -m pytest`` runs no file of a repository without a ``pytest`` module, and
        ``python -m http.server`` none of its ``http`` package's)."""
        return self.modules.get(dotted + ".__main__") or self.modules.get(dotted)

    def suffix(self, path: str) -> list[str]:
        """Indexed files that ``path`` names: equal, a suffix of it (absolute/site-packages paths), or ending
        with it (a path given relative to some sub-directory)."""
        # ``./src/x.py``, ``../x.py`` and ``/abs/x.py`` lose their start, a dot file or directory keeps its dot
        path = _LEADING_DOTS.sub("", path.replace("\\", "/"))
        if path in self.paths:
            return [path]
        out = []
        for cand in self.by_name.get(posixpath.basename(path), ()):
            if path.endswith("/" + cand) or cand.endswith("/" + path):
                out.append(cand)
        return out

    def frame_files(self, path: str) -> list[str]:
        """The indexed files a stack frame's ``path`` (from another machine) is. In a directory of installed
        packages (see STORE), only the repository's own package: the whole path after ``site-packages/`` (or
        ``node_modules/``, ``vendor/``...) from its package on, as the installed copy of a ``src/`` layout has it
        (``site-packages/pkg/core.py`` is ``pkg/core.py`` or ``src/pkg/core.py``; ``site-packages/django/db/models/
        base.py`` no ``shop/models/base.py``), or the file in the directory of the package of that name (a
        package.json's ``name``, ``<name>.gemspec``, a crate's directory or its Cargo.toml's ``name``); in Python's own
        library none but CPython's ``Lib/`` (``lib/python3.11/logging/__init__.py`` is no ``logging`` package
        here), in Rust's and Go's none but their own repository's (``/rustc/<commit>/library/std/src/io/mod.rs``,
        ``/usr/local/go/src/net/http/server.go``); a Go file whose path holds the root go.mod's module path is that
        module's (see _go_own). Elsewhere
        :meth:`suffix`'s, else the files of that name sharing the longest tail of at least two parts with it (a
        build directory's ``build/lib/pkg/core.py`` is ``src/pkg/core.py``)."""
        path = _LEADING_DOTS.sub("", path.replace("\\", "/"))
        name = posixpath.basename(path)
        if path.endswith(".go") and (own := self._go_own(path)) is not None:
            return own
        if (store := STORE.match(path)) is not None:
            return self._installed(path[store.end():], store.lastgroup)
        if (lib := STDLIB.match(path)) is not None:
            return [c for c in self.by_name.get(name, ()) if ("/" + c).endswith("/Lib/" + path[lib.end():])]
        if (own := TOOLCHAIN.match(path)) is not None:
            rest = ("src/" if own.group("go") else "") + path[own.end():]
            return [rest] if rest in self.paths else []
        hits = self.suffix(path)
        if hits:
            return hits
        parts = path.split("/")
        best, found = 1, []
        for cand in self.by_name.get(name, ()):
            common = 0
            for a, b in zip(reversed(parts), reversed(cand.split("/")), strict=False):
                if a != b:
                    break
                common += 1
            if common > best:
                best, found = common, [cand]
            elif common == best and common >= 2:
                found.append(cand)
        return found

    def _installed(self, rest: str, kind: str | None) -> list[str]:
        """The indexed files that are ``rest``, a path in a directory of installed packages of ``kind`` (see
        STORE): those it is the whole end of, from a directory that no Python package holds (``site-packages/
        decorator.py`` is ``src/decorator.py``, never the ``decorator.py`` of a package ``src/app/``), or
        ``<dir>/<path in the package>`` where ``<dir>`` holds the repository's package of that name."""
        hits = [c for c in self.by_name.get(posixpath.basename(rest), ()) if c == rest or
                (c.endswith("/" + rest) and c[:-len(rest)] + "__init__.py" not in self.paths)]
        m = PACKAGE_DIR[kind].fullmatch(rest) if kind in PACKAGE_DIR else None
        if hits or m is None:
            return hits
        package, inner = m.groups()
        if kind == "node":
            found = self._js.packages.get(package) if self._read is not None else None
            roots = [found[0]] if found else []
        elif kind == "gem":
            roots = [posixpath.dirname(p) for p in self.by_name.get(package + ".gemspec", ())]
        elif kind == "crate_git" and inner in self.paths and self._names is not None and \
                package.lower() in self._names():
            return [inner]  # a checkout of this repository: a path from its root
        else:  # a crate of a workspace in a directory of its name, or the one its Cargo.toml names so
            roots = [d for p in self.by_name.get("Cargo.toml", ()) if posixpath.join(d := posixpath.dirname(p), inner)
                     in self.paths and (posixpath.basename(d) in (package, package.replace("_", "-")) or
                                        self._cargo_package(p) == package)]
        return [p for root in roots if (p := posixpath.join(root, inner)) in self.paths]

    def _go_own(self, path: str) -> list[str] | None:
        """The file a Go frame's ``path`` is by the module path of the root go.mod in it, a path of a domain
        (``/go/src/k8s.io/kubernetes/vendor/github.com/acme/cli/command.go``, GOPATH's ``src/github.com/acme/cli/
        command.go``: ``command.go`` of module ``github.com/acme/cli``; ``v2`` left out as GOPATH does), or None."""
        root = self._go_module
        if root is None or "." not in root.split("/")[0]:
            return None  # ``module app`` may be any directory's name
        for module in dict.fromkeys((root, GO_MAJOR.sub("", root))):
            at = ("/" + path).rfind("/" + module + "/")
            if at >= 0:
                rest = path[at + len(module) + 1:]
                return [rest] if rest in self.paths else []
        return None

    @property
    def go_module(self) -> str | None:
        """The module path of the repository's root go.mod, or None (see _go_module)."""
        return self._go_module

    def _cargo_package(self, path: str) -> str | None:
        """The package name in the Cargo.toml at ``path``, read when asked (as a pubspec is: see dart_files)."""
        m = CARGO_PACKAGE.search(self.read(path) or "")
        return m.group(1) if m else None

    def read(self, path: str) -> str | None:
        """A repository file's text as the map reads its config files, or None."""
        return self._read(path) if self._read is not None else None

    def go_files(self, module: str, path: str) -> list[str]:
        """The indexed files a stack frame's ``path`` in Go's module cache, a file of ``module``, is. The
        repository's own file only where the repository is that module, by the module path of its root go.mod:
        the same (a major version apart: ``github.com/x/y/v2`` is ``github.com/x/y``), a module nested in it
        (``example.com/y/tools`` is its ``tools/`` directory), or one of the same name (a fork's, a moved
        repository's: ``github.com/fork/y`` is ``github.com/x/y``); another module's file is a dependency's,
        none of the repository's, whatever its name. Without a root go.mod, a file in a directory counts as
        :meth:`frame_files` finds it, a root-level one never (``y@v1.2.3/z.go`` is no evidence for any ``z.go``)."""
        root = self._go_module
        if root is None:
            return [p for p in self.frame_files(path) if "/" in p] if "/" in path else []
        bare, bare_root = GO_MAJOR.sub("", module), GO_MAJOR.sub("", root)
        if bare != bare_root:
            if module.startswith(root + "/"):
                path = f"{module[len(root) + 1:]}/{path}"
            elif bare.rsplit("/", 1)[-1] != bare_root.rsplit("/", 1)[-1]:
                return []
        return [path] if path in self.paths else []

    def dart_files(self, package: str, path: str) -> list[str]:
        """The indexed files a Dart frame's ``package:<package>/<path>`` is: ``<path>`` in the ``lib/`` beside
        the ``pubspec.yaml`` that names ``package`` (``lib/src/x.dart``, ``packages/myapp/lib/src/x.dart`` in a
        monorepo), none for another package's (``package:flutter/...`` where the repository is not Flutter).
        The pubspecs are read when asked (a frame's file name rarely has more than a few candidates), so an edit
        of a package's name counts at once; one that cannot be read names its package by its directory."""
        out = []
        tail = "lib/" + path
        for cand in self.by_name.get(posixpath.basename(path), ()):
            root = cand[:-len(tail)]
            if (cand == tail or cand.endswith("/" + tail)) and root + "pubspec.yaml" in self.paths:
                m = _PUBSPEC_NAME.search((self._read(root + "pubspec.yaml") if self._read else None) or "")
                if (m.group(1) if m else posixpath.basename(root.rstrip("/"))) == package:
                    out.append(cand)
        return out

    @functools.cached_property
    def _go_module(self) -> str | None:
        """The module path in the repository's root go.mod (not indexed: read when first asked, and kept while
        the map is), or None."""
        text = self._read("go.mod") if self._read is not None else None
        m = _GO_MODULE_LINE.search(text or "")
        return m.group(1) if m else None

    def go_import_path(self, folder: str) -> str | None:
        """The Go import path of the package in the directory ``folder``: the module path of the nearest go.mod up
        from it (the root's as read when first asked, a nested module's read now: no map depends on it) and the
        directories below that one; None without a go.mod that names its module."""
        d = folder
        while True:
            if not d:
                module = self._go_module
            elif d + "/go.mod" in self.paths:
                m = _GO_MODULE_LINE.search((self._read(d + "/go.mod") if self._read else None) or "")
                module = m.group(1) if m else None
            else:
                d = posixpath.dirname(d)
                continue
            rest = folder[len(d):].lstrip("/")
            return None if module is None else f"{module}/{rest}" if rest else module

    def _file(self, base: str) -> str | None:
        """The indexed file a JS/TS import of ``base`` (a repository path, extension optional) loads."""
        stem, ext = posixpath.splitext(base)
        compiled = tuple(stem + e for e in _TS_SOURCES.get(ext, ()))
        for cand in (base, *compiled, *(base + e for e in _REL_EXTS), *(base + "/index" + e for e in _JS_EXTS)):
            if cand in self.paths:
                return cand
        return None

    @functools.cached_property
    def _js(self) -> JsLayout:
        assert self._read is not None
        return JsLayout(self.paths, self._read)

    def external(self, module: str, importer: str = "") -> bool:
        """An import from outside the repository: not relative, and no part of its name (``sqlalchemy``,
        ``@scope/pkg``, ``github.com/x/y``; ``#widgets`` and ``~/lib`` are path aliases) is a directory or file
        stem here, so no import path setting could lead it into the repository. In a Python ``importer``, only
        the first part counts, and only as a module or package a source root may hold (see :meth:`_py_tops`); a
        standard library module's name only where the importer's own roots have it (:meth:`_py_roots`):
        ``import json`` in package ``app`` is the library's, whatever ``app/json.py`` or ``tools/json.py`` is."""
        if module.startswith("."):
            return False
        if importer.endswith(_PY_SOURCES):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names:  # only a directory on sys.path before the library can hold it
                return self._python(importer, top, "") is None
            return top not in self._py_tops
        return not any(part in self._parts for part in re.split(r"[./:@#~]+", module) if part)

    @functools.cached_property
    def _packages(self) -> frozenset[str]:
        """The directories that are Python packages (hold an ``__init__.py``); never the repository's root, which
        is where a checkout is run from whatever it holds."""
        return frozenset(d for p in self.paths if posixpath.basename(p) in _INITS and (d := posixpath.dirname(p)))

    @functools.cached_property
    def _py_tops(self) -> frozenset[str]:
        """The names an absolute Python import can find in the repository: each module, package or directory (a
        namespace package) right under a directory that is no package, as a sys.path entry is. A package's own
        modules (``app/json.py`` in package ``app``) are only importable through it (``app.json``)."""
        out: set[str] = set()
        dirs: set[str] = set()
        for p in self.paths:
            if not p.endswith(_PY_SOURCES):
                continue
            d, _, leaf = p.rpartition("/")
            if d not in self._packages:
                out.add(leaf.split(".")[0])
            while d and d not in dirs:  # each directory once: its name, if its parent is no package
                dirs.add(d)
                parent, _, leaf = d.rpartition("/")
                if parent not in self._packages:
                    out.add(leaf)
                d = parent
        return frozenset(out)

    @functools.cached_property
    def _package_roots(self) -> dict[str, list[str]]:
        """Top-level package name -> the directories (no packages themselves) that hold a package of that name:
        where an installed copy of it is (``packages/acme/src`` for ``acme``)."""
        out: dict[str, list[str]] = {}
        for d in sorted(self._packages):
            parent, _, leaf = d.rpartition("/")
            if parent not in self._packages:
                out.setdefault(leaf, []).append(parent)
        return out

    def _py_roots(self, folder: str) -> list[str]:
        """The directories an absolute import of a module in ``folder`` is looked for in, closest first: the
        first one up that is no package (a script's own directory, which Python puts on sys.path; the directory
        above a package, as a Django project's ``backend/`` above ``backend/shop/``), each one up from there that
        is no package either, the repository's root, then ``src/``, ``lib/``, ``python/`` and ``source/``."""
        roots = self._roots.get(folder)
        if roots is None:
            roots, d = [], folder
            while d:
                if d not in self._packages:
                    roots.append(d)
                d = posixpath.dirname(d)
            roots = self._roots[folder] = [*roots, "", *(r for r in _SRC_DIRS if r not in roots)]
        return roots

    def _python(self, importer: str, module: str, name: str) -> str | None:
        """The file of an absolute Python import (``from module import name``) in ``importer``: under the first
        of its roots (:meth:`_py_roots`) that has it, else under the closest directory elsewhere that holds a
        package named as the import's first part (not for a standard library module's name: the library comes
        before any installed package), so the closest copy wins over one that only has the same name."""
        key = (posixpath.dirname(importer), module, name)
        if key in self._resolved:
            return self._resolved[key]
        top, rel = module.split(".")[0], module.replace(".", "/")
        folder = key[0]
        near = self._py_roots(folder)
        elsewhere = () if top in sys.stdlib_module_names else self._package_roots.get(top, ())
        others = sorted((r for r in elsewhere if r not in near),
                        key=lambda r: (-_shared(r, folder), r.count("/"), r))
        hit = None
        for root in (*near, *others):
            base = f"{root}/{rel}" if root else rel
            for stem in ((f"{base}/{name}", base) if name else (base,)):
                hit = next((c for c in (stem + ".py", stem + "/__init__.py", stem + ".pyi", stem + "/__init__.pyi")
                            if c in self.paths), None)
                if hit:
                    break
            if hit:
                break
        self._resolved[key] = hit
        return hit

    @functools.cached_property
    def _parts(self) -> set[str]:
        """Every directory name and file stem in the repository (made when first asked: the map is rebuilt
        after each batch of an index build)."""
        return {part.split(".")[0] for p in self.paths for part in p.split("/")}

    def resolve_import(self, importer: str, module: str, name: str = "") -> str | None:
        """The file an import in ``importer`` refers to (``from module import name``), if it is in the repo."""
        if not module:  # a JS/TS file's export of its own definition (see imports.reexports)
            return None
        # ``from '.'`` in JS/TS is the directory's index file; in Python ``from . import x`` is the package
        if module.startswith(("./", "../")) or (module in (".", "..") and importer.endswith(_REL_EXTS)):
            return self._file(posixpath.normpath(posixpath.join(posixpath.dirname(importer), module)))
        if importer.endswith(_IMPORTERS) and self._read is not None and not module.startswith(("/", ".")):
            return self._js.resolve(importer, module, self._file)  # a path alias or a workspace package
        if module.startswith("."):
            level = len(module) - len(module.lstrip("."))
            pkg = posixpath.dirname(importer)
            for _ in range(level - 1):
                pkg = posixpath.dirname(pkg)
            rest = module.lstrip(".")
            base = (pkg + "/" + rest.replace(".", "/")).strip("/") if rest else pkg
            cands = [base + "/" + name + ".py", base + "/" + name + "/__init__.py"] if name else []
            cands += [base + ".py", base + "/__init__.py"]
            for cand in cands:
                if cand in self.paths:
                    return cand
            return None
        if importer.endswith(_PY_SOURCES):
            return self._python(importer, module, name)
        if name:
            hit = self.modules.get(module + "." + name)
            if hit:
                return hit
        return self.modules.get(module)


def _shared(a: str, b: str) -> int:
    """How many leading directories the paths ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n
