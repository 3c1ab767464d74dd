"""The files of the repository that a query's stack frames are in, and how strong each frame is."""

from __future__ import annotations

import functools
import posixpath
import re

from genie_tui.retrieval.frames import Frame
from genie_tui.retrieval.installs import GO_STD
from genie_tui.retrieval.modules import GO_MAJOR, ModuleMap
from genie_tui.retrieval.query import Query
from genie_tui.retrieval.textutil import package_clause

# the directories of a Cargo package whose files are crates of their own, named after them, and any name a
# Cargo.toml gives (its package's, its targets')
_TARGETS = ("tests", "examples", "benches", "src/bin")
_READ_MAX = 20  # files of a frame's name whose package lines are read, at most
_CARGO_NAME = re.compile(r"""^[ \t]*name[ \t]*=[ \t]*["']([\w\-]+)["']""", re.MULTILINE)


def repo_frames(q: Query, mods: ModuleMap) -> list[tuple[list[str], int, float]]:
    """The query's stack frames in files of the repository: those files, the line, and how strong the frame is,
    from 0.5 to 1 for the last (:attr:`Query.frames` lists them weakest first, the frame that raised or
    panicked last). The trace signal weighs files by it, and a file's spans their frame lines."""
    seen = _Seen(mods)
    in_repo = [(hits, f.line) for f in q.frames if (hits := _files(f, seen))]
    n = len(in_repo)
    return [(hits, line, 0.5 + 0.5 * (i + 1) / n) for i, (hits, line) in enumerate(in_repo)]


class _Seen:
    """What the frames of one query ask of the repository, read once for all of them."""

    def __init__(self, mods: ModuleMap) -> None:
        self.mods = mods
        self.crates: dict[str, bool | None] = {}  # what :func:`has_crate` said, by crate

    @functools.cached_property
    def go_modules(self) -> list[tuple[str, str]]:
        """See :func:`go_modules`."""
        return go_modules(self.mods)


def _files(f: Frame, seen: _Seen) -> list[str]:
    """The repository's files that the frame ``f`` is in."""
    mods = seen.mods
    if f.crate and theirs(mods, f.crate, seen.crates):
        return []
    if f.module:
        return mods.go_files(f.module, f.path)
    if f.package:
        return mods.dart_files(f.package, f.path)
    if f.go_package and (by_package := go_package_files(mods, f.go_package, posixpath.basename(f.path),
                                                        seen.go_modules)) is not None:
        return by_package
    hits = mods.frame_files(f.path)
    if hits or not f.name or f.name == f.path:
        return hits
    # a Java or Kotlin file where its directories do not follow its package (Kotlin's ``app/Util.kt`` of ``package
    # com.acme.util``): by its name, where its package line is the frame's (``JsonParser.java`` of Jackson's
    # ``com.fasterxml.jackson.core`` is not gson's ``com/google/gson/JsonParser.java``)
    package = posixpath.dirname(f.path).replace("/", ".")
    named = mods.frame_files(f.name)
    return [c for c in named[:_READ_MAX] if package_clause(mods.read(c) or "") == package]


def go_modules(mods: ModuleMap) -> list[tuple[str, str]]:
    """The Go modules of the repository, as each of its go.mod files names one (the root's, a nested module's:
    kubernetes' ``staging/src/k8s.io/client-go``, a ``replace ... => ./lib`` module's), with its directory; the
    longest module path first, so that a package is its innermost module's."""
    found = [(module, posixpath.dirname(p)) for p in mods.by_name.get("go.mod", ())
             if (module := mods.go_import_path(posixpath.dirname(p))) is not None]
    if mods.go_module is not None and "go.mod" not in mods.paths:
        found.append((mods.go_module, ""))
    return sorted(found, key=lambda m: (-len(m[0]), m[1]))


def go_package_files(mods: ModuleMap, package: str, name: str, modules: list[tuple[str, str]]) -> list[str] | None:
    """The file ``name`` of the Go package ``package`` (the import path of a frame's function) in the repository,
    by the module paths of its go.mod files (``modules``, see :func:`go_modules`): a package of one of them is a
    directory in that module's (``example.com/kv/store`` ``store/``, also of another major version:
    ``example.com/kv/v2``'s), a package of Go's own library (``net/http``: a first part of no dot, see
    installs.GO_STD) none of its files, but the go repository's (its ``src/go.mod`` names module ``std``).
    None where the frame's path decides: no go.mod, ``main``'s frames, a package of its module whose file is not
    there, one of a module it does not name (a fork's, the repository's by an old path: moby's
    ``github.com/docker/docker/daemon``, now ``github.com/moby/moby/v2``; or a dependency's)."""
    for module, folder in modules:
        for path in dict.fromkeys((module, GO_MAJOR.sub("", module))):
            if package == path or package.startswith(path + "/"):
                file = posixpath.join(folder, package[len(path) + 1:], name)
                return [file] if file in mods.paths else None
    if not modules or package.split("/")[0] not in GO_STD:
        return None
    std = [folder for module, folder in modules if module == "std"]
    if not std:
        return []
    return [file] if (file := posixpath.join(std[0], package, name)) in mods.paths else None


def theirs(mods: ModuleMap, crate: str, known: dict[str, bool | None] | None = None) -> bool:
    """Whether a Rust frame's crates (:attr:`Frame.crate`: one, or a type's and its trait's, ``alloc mc`` of
    ``<alloc::string::String as mc::ext::Ext>::ext``) are all another's than the repository's (``known``: what
    :func:`has_crate` said, by crate)."""
    known = {} if known is None else known
    return all((known[c] if c in known else known.setdefault(c, has_crate(mods, c))) is False for c in crate.split())


def has_crate(mods: ModuleMap, crate: str) -> bool | None:
    """Whether a crate of the repository is named ``crate`` (``_`` for ``-``): a Cargo.toml's directory, a
    target's file in its ``tests/``, ``examples/``, ``benches/`` or ``src/bin/``, its build script's
    ``build_script_build``, or a ``name`` it gives (its package's, ``[lib]``'s, a ``[[bin]]``'s...). None without a
    Cargo.toml: any crate may be the repository's then (a ``-->`` place of ``could not compile `gateway``` is not
    the ``src/lib.rs`` of a repository whose crate is ``tinyjson``)."""
    manifests = mods.by_name.get("Cargo.toml", [])
    if not manifests:
        return None
    names = {crate, crate.replace("_", "-")}
    for manifest in manifests:
        root = posixpath.dirname(manifest)
        if posixpath.basename(root) in names or (crate == "build_script_build" and
                                                   posixpath.join(root, "build.rs") in mods.paths):
            return True
        for target in _TARGETS:
            for name in names:
                if {posixpath.join(root, target, name + ".rs"), posixpath.join(root, target, name, "main.rs")} & \
                        mods.paths:
                    return True
    return any(m.group(1) in names for manifest in manifests for m in _CARGO_NAME.finditer(mods.read(manifest) or ""))
