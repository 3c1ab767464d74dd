"""How near a definition is to the file that asks for it, for the languages whose names resolve by name: the
file's own package (its directory for Go and C#, its ``package`` line for Java, Kotlin and Scala), what it
includes or requires (C/C++ ``#include "x.h"``, Ruby's ``require_relative``), the package a Go import names, a
Java or Kotlin on-demand import's package. A definition the file can see comes before another elsewhere that
only has the same name."""

from __future__ import annotations

import posixpath
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from genie_tui.retrieval import files as F
from genie_tui.retrieval.modules import GO_MAJOR, ModuleMap
from genie_tui.retrieval.textutil import PACKAGE_HEAD, package_clause, source_lines

_BY_PACKAGE = ("java", "kotlin", "scala", "csharp")  # a package's classes see each other without an import
_GO_PACKAGE = re.compile(rb"^package[ \t]+(\w+)", re.MULTILINE)
_JVM = (".java", ".kt", ".kts", ".scala", ".sc")


def jvm_package(repo: Path, path: str) -> str | None:
    """The package a Java, Kotlin or Scala file declares, lower case (``''``: none, the default package), or
    None when it cannot be read. Read from its first lines: a file's package need not be its directory (Kotlin's
    files, a test source root beside the main one, generated sources)."""
    try:
        with open(repo / path, "rb") as fh:
            head = fh.read(PACKAGE_HEAD * 4).decode("utf-8-sig", "replace")  # up to 4 bytes a character
    except OSError:
        return None
    return (package_clause(head) or "").lower()


def _imports(c: sqlite3.Connection, path: str) -> list[tuple[str, str, str]]:
    return c.execute("SELECT module, imports.name, alias FROM imports JOIN files ON files.id = imports.file_id "
                     "WHERE files.path=?", (path,)).fetchall()


def go_dir_of(mods: ModuleMap, module: str, folder: str, known: dict[str, str | None]) -> bool | None:
    """Whether the Go import path ``module`` names the package in the repository's directory ``folder``: by the
    go.mod above it, else by the path's end; None (unknown) for the root directory without a go.mod. ``known``
    keeps the import paths of directories across calls."""
    if folder not in known:
        known[folder] = mods.go_import_path(folder)
    path = known[folder]
    if path is not None:
        return module == path
    return ("/" + module).endswith("/" + folder) if folder else None


def _go_qualifier(module: str, alias: str) -> str:
    """The name a Go import binds: its alias, else the import path's last part (``yaml.v3`` is ``yaml``)."""
    return alias or GO_MAJOR.sub("", module).rsplit("/", 1)[-1].split(".")[0]


def go_imports(c: sqlite3.Connection, path: str) -> dict[str, list[str]]:
    """The import paths that each qualifier of a Go file names (``pb`` of ``import pb "x/proto"``)."""
    out: dict[str, list[str]] = {}
    for module, _, alias in _imports(c, path):
        if alias not in (".", "_"):
            out.setdefault(_go_qualifier(module, alias), []).append(module)
    return out


def _included(mods: ModuleMap, path: str, module: str) -> list[str]:
    """The files a C/C++ ``#include`` or a Ruby ``require`` of ``path`` names: beside ``path`` first (``"x.h"``,
    ``require_relative``), else any whose path ends with it (an include directory, Ruby's load path)."""
    if F.language_of(path) == "ruby":
        if module.startswith("."):  # ``require_relative``, stored as ``./cart``
            hit = mods.resolve_import(path, module)
            return [hit] if hit else []
        module += ".rb"
    beside = posixpath.normpath(posixpath.join(posixpath.dirname(path), module))
    return [beside] if beside in mods.paths else mods.suffix(module)


def nearness(c: sqlite3.Connection, repo: Path, mods: ModuleMap, path: str | None, head: str,
             qualified: bool) -> Callable[[str, str | None], int]:
    """A sort key of definitions (file, parent) for a name asked from ``path`` (``head``: its first part,
    ``qualified`` when there are more): 0 for what ``path`` sees first (a Go package that ``head`` names by an
    import; for an unqualified name the top-level definitions of ``path``'s own Go, Java or Kotlin package, whose
    members are no more visible than another's; a file it includes or requires), 1 for its neighbours (a Go dot
    import's package, a Java or Kotlin on-demand import's, the directory of a C, C++ or Ruby file it includes or
    requires or its own), 2 for the rest, and for the languages that import by name (Python, JavaScript: their
    imports rank)."""
    lang = F.language_of(path) if path else None
    if not path or lang not in ("go", "c", "cpp", "ruby", *_BY_PACKAGE):
        return lambda p, parent: 2
    folder = posixpath.dirname(path)
    rows = _imports(c, path) if lang in ("go", "c", "cpp", "ruby", *_BY_PACKAGE) else []
    if lang == "go":
        known: dict[str, str | None] = {}
        if qualified:  # ``pb.Decode``: the package that ``pb`` names, whatever its directory
            bound = [m for m, _, alias in rows if _go_qualifier(m, alias) == head]
            return lambda p, parent: 0 if any(go_dir_of(mods, m, posixpath.dirname(p), known) for m in bound) else 2
        dots = [m for m, _, alias in rows if alias == "."]
        return lambda p, parent: (2 if parent else 0 if posixpath.dirname(p) == folder else
                                  1 if any(go_dir_of(mods, m, posixpath.dirname(p), known) for m in dots) else 2)
    if lang in _BY_PACKAGE:  # an on-demand import (``com.acme.*``) names a package
        return _by_package(repo, path, rows, qualified)
    first: set[str] = set()
    if lang in ("c", "cpp", "ruby"):
        for module, _, _ in rows:
            first.update(_included(mods, path, module))
    near = {folder} | {posixpath.dirname(p) for p in first}
    return lambda p, parent: 0 if p in first else 1 if posixpath.dirname(p) in near else 2


def _by_package(repo: Path, path: str, rows: list[tuple[str, str, str]],
                qualified: bool) -> Callable[[str, str | None], int]:
    """:func:`nearness` for a Java, Kotlin, Scala or C# file: its package's top-level definitions, then an
    on-demand import's; a package by the files' ``package`` lines, else (C#, a file that cannot be read) by
    their directories."""
    dotted = {s for m, _, _ in rows if (s := m.removeprefix("static ").strip().rstrip("*_").rstrip(".").lower())}
    dirs = [s.replace(".", "/") for s in dotted]
    packages: dict[str, str | None] = {}  # each file's, read once

    def package(p: str) -> str | None:
        if not p.endswith(_JVM):
            return None
        if p not in packages:
            packages[p] = jvm_package(repo, p)
        return packages[p]

    def near(p: str, parent: str | None) -> int:
        if parent or qualified:
            return 2
        own, theirs = package(path), package(p)
        if own is not None and theirs is not None:
            return 0 if theirs == own else 1 if theirs in dotted else 2
        d = posixpath.dirname(p)
        return 0 if d == posixpath.dirname(path) else 1 if any(("/" + d.lower()).endswith("/" + s) for s in dirs) else 2

    return near


def go_uses(c: sqlite3.Connection, repo: Path, mods: ModuleMap, uses: dict[str, dict[str, set[int]]],
            names: set[str], targets: set[tuple[str, str]]) -> dict[str, set[int] | None]:
    """For top-level Go definitions ``targets``, which of ``uses`` (file -> name -> lines) in Go files are
    theirs, as Go decides it: in the definitions' own package (directory) every use of the name (None: all of
    them); in a file that imports that package, the lines that name the package's qualifier too (``cfg.Parse``);
    elsewhere none (an empty set), as an unqualified ``Parse`` there is another package's. A file whose imports
    may or may not name the package (the root directory's, without a go.mod) is left out, to be judged by name."""
    homes = {posixpath.dirname(f) for _, f in targets}
    qualifiers: dict[str, str] = {}  # the package name each home directory declares
    for _, f in targets:
        try:
            with open(repo / f, "rb") as fh:
                m = _GO_PACKAGE.search(fh.read(8192))
        except OSError:
            m = None
        qualifiers.setdefault(posixpath.dirname(f), m.group(1).decode() if m else posixpath.basename(
            posixpath.dirname(f)))
    out: dict[str, set[int] | None] = {}
    known: dict[str, str | None] = {}
    for p, used in uses.items():
        if not p.endswith(".go"):
            continue
        if posixpath.dirname(p) in homes:
            out[p] = None
            continue
        lines = set().union(*(ls for n, ls in used.items() if n in names))
        sure: set[int] = set()
        quals: set[str] = set()
        unknown = False
        for module, _, alias in _imports(c, p):
            for home in homes:
                ours = go_dir_of(mods, module, home, known)
                unknown = unknown or ours is None
                if ours and alias == ".":
                    sure |= lines
                elif ours:
                    quals.add(alias if alias not in ("", "_") else qualifiers[home])
        if quals:  # read from the lines: the index records no use of a package in a type (``*cobra.Command``)
            said = re.compile(rf"\b(?:{'|'.join(map(re.escape, quals))})\s*\.\s*(?:{'|'.join(map(re.escape, names))})\b")
            sure |= {ln for ln, text in source_lines(repo, p, lines, "go").items() if said.search(text)}
        if sure or not unknown:
            out[p] = sure
    return out
