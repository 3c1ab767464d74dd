"""The files of the repository that a query's stack frames are in, and how strong each frame is."""

from __future__ import annotations

import posixpath

from genie_tui.retrieval.frames import Frame
from genie_tui.retrieval.installs import GO_STD
from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.query import Query


def repo_frames(q: Query, mods: ModuleMap) -> list[tuple[list[str], int, float]]:
    """The query's stack frames in files of the repository: those files, the line, and how strong the frame is,
    from 0.5 to 1 for the last (:attr:`Query.frames` lists them weakest first, the frame that raised or
    panicked last). The trace signal weighs files by it, and a file's spans their frame lines."""
    in_repo = [(hits, f.line) for f in q.frames if (hits := _files(f, mods))]
    n = len(in_repo)
    return [(hits, line, 0.5 + 0.5 * (i + 1) / n) for i, (hits, line) in enumerate(in_repo)]


def _files(f: Frame, mods: ModuleMap) -> list[str]:
    """The repository's files that the frame ``f`` is in."""
    if f.module:
        return mods.go_files(f.module, f.path)
    if f.package:
        return mods.dart_files(f.package, f.path)
    if f.go_package and (by_package := go_package_files(mods, f.go_package, posixpath.basename(f.path))) is not None:
        return by_package
    return mods.frame_files(f.path) or (mods.frame_files(f.name) if f.name else [])


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
