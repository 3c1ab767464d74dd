"""The files of the repository that a query's stack frames are in, and how strong each frame is."""

from __future__ import annotations

import posixpath
import re

from genie_tui.retrieval.frames import Frame
from genie_tui.retrieval.installs import GO_STD
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.query import Query

# the directories of a Cargo package whose files are crates of their own, named after them, and any name a
# Cargo.toml gives (its package's, its targets')
_TARGETS = ("tests", "examples", "benches", "src/bin")
_PACKAGE = re.compile(r"^[ \t]*package[ \t]+(?!object\b)([\w.]+)", re.MULTILINE)  # a Java, Kotlin or Scala file's
_READ_MAX = 20  # files of a frame's name whose package lines are read, at most
_CARGO_NAME = re.compile(r"""^[ \t]*name[ \t]*=[ \t]*["']([\w\-]+)["']""", re.MULTILINE)


def repo_frames(q: Query, mods: ModuleMap) -> list[tuple[list[str], int, float]]:
    """The query's stack frames in files of the repository: those files, the line, and how strong the frame is,
    from 0.5 to 1 for the last (:attr:`Query.frames` lists them weakest first, the frame that raised or
    panicked last). The trace signal weighs files by it, and a file's spans their frame lines."""
    crates: dict[str, bool | None] = {}
    in_repo = [(hits, f.line) for f in q.frames if (hits := _files(f, mods, crates))]
    n = len(in_repo)
    return [(hits, line, 0.5 + 0.5 * (i + 1) / n) for i, (hits, line) in enumerate(in_repo)]


def _files(f: Frame, mods: ModuleMap, crates: dict[str, bool | None]) -> list[str]:
    """The repository's files that the frame ``f`` is in (``crates``: what :func:`has_crate` said, by crate)."""
    if f.crate and crates.setdefault(f.crate, has_crate(mods, f.crate)) is False:
        return []
    if f.module:
        return mods.go_files(f.module, f.path)
    if f.package:
        return mods.dart_files(f.package, f.path)
    if f.go_package and (by_package := go_package_files(mods, f.go_package, posixpath.basename(f.path))) is not None:
        return by_package
    hits = mods.frame_files(f.path)
    if hits or not f.name or f.name == f.path:
        return hits
    # a Java or Kotlin file where its directories do not follow its package (Kotlin's ``app/Util.kt`` of ``package
    # com.acme.util``): by its name, where its package line is the frame's (``JsonParser.java`` of Jackson's
    # ``com.fasterxml.jackson.core`` is not gson's ``com/google/gson/JsonParser.java``)
    package = posixpath.dirname(f.path).replace("/", ".")
    named = mods.frame_files(f.name)
    return [c for c in named[:_READ_MAX] if (m := _PACKAGE.search((mods.read(c) or "")[:4000])) and
            m.group(1) == package]


def go_package_files(mods: ModuleMap, package: str, name: str) -> list[str] | None:
    """The file ``name`` of the Go package ``package`` (the import path of a frame's function) in the repository,
    by the module path of its root go.mod: a package of that module is its directory (``example.com/kv/store``
    ``store/``, also of another major version), a package of Go's own library (``net/http``: a first part of no
    dot, see installs.GO_STD) or of another module (``github.com/jdoe/app/cmd``) none of its files, whatever
    the frame's path. None where that cannot tell: no root go.mod, ``main``'s frames, a package of its module whose
    file is not there, one of a module of the same last name (a fork's), whose path decides."""
    root = mods.go_module
    if root is None:
        return None
    top = package.split("/")[0]
    for module in dict.fromkeys((root, root.rsplit("/v", 1)[0] if root.rsplit("/", 1)[-1][1:].isdigit() else root)):
        if package == module or package.startswith(module + "/"):
            path = posixpath.join(package[len(module) + 1:], name)
            return [path] if path in mods.paths else None
    if top in GO_STD and top != root.split("/")[0]:
        return []
    if "." not in top:
        return None
    return None if f"/{root.rsplit('/', 1)[-1]}/" in f"/{package}/" else []


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
