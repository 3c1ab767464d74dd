"""Which uses of a Go method's name are calls of that method. Go resolves ``s.Close()`` by the static type of
``s``, which the index does not record; it is read from the file's text where a reader would tie it at a
glance: ``s`` a receiver or parameter of the method's type (``func (s *Server) ...``, ``s *srv.Server``), a
variable declared with it (``var s Server``) or made from it (``s := &Server{}``, ``new(Server)``, ``s, err :=
srv.New()`` where the repository's ``New`` returns ``*Server`` first). A use tied to another type with a method
of that name of its own (``d *DB`` and ``func (d *DB) Close()``), or to a package (``os.Close()``), is another's;
the rest (a library's type, an interface, whose call may be ours, a field, ``New().Close()``) is a use by name
only."""

from __future__ import annotations

import posixpath
import re
import sqlite3
from pathlib import Path
from typing import NamedTuple

from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.nearby import go_dir_of, go_imports
from genie_tui.retrieval.textutil import decode_source, source_lines

Type = tuple[str, str]  # a type's package directory and name
Said = list[tuple[int, Type | str]]  # a variable's declarations: where each ends, the type it gives


class Function(NamedTuple):
    """A function's code (from its first line to its last use), where its lines begin and each word is."""

    start: int
    text: str
    offsets: dict[int, int]
    places: dict[str, list[int]]


def _function(start: int, text: str, offsets: dict[int, int]) -> Function:
    places: dict[str, list[int]] = {}
    for w in re.finditer(r"\w+", text):
        places.setdefault(w.group(), []).append(w.start())
    return Function(start, text, offsets, places)


# comments and literals, blanked without moving a line or a column (``// s.Close()`` is no call)
_NOISE = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|`[^`]*`|\'(?:\\.|[^\'\\\n])*\'', re.DOTALL)
_NAME = r"\w+(?:[ \t]*\.[ \t]*\w+)?"  # a type's or a function's: ``Server``, ``srv.Server``
_TYPE = f"({_NAME})"
_NOT_NAMED = r"(?!(?:chan|func|map|struct|interface|range)\b)"  # type literals: no type a method is declared on
# what a function or a method returns first: ``func New(addr string) *Server {``, ``... (*srv.Server, error) {``
_RETURNS = r"\w+[ \t]*(?:\[[^\]]*\])?\((?:[^()]|\([^()]*\))*\)[ \t]*\(?[ \t]*\*?[ \t]*" + _TYPE
_RESULT = re.compile(r"func[ \t]+" + _RETURNS)
_METHOD_RESULT = re.compile(r"\s*func[ \t]*\([^)]*\)[ \t]*" + _RETURNS)
# what a declaration's right side makes: ``&T{``, ``T{``, ``new(T)``, ``v.(*T)``; or a function's result, ``F(``
_MADE = re.compile(r"[ \t]*(?:&?[ \t]*(?P<lit>" + _NAME + r")[ \t]*(?:\[[^\]\n]*\][ \t]*)?\{|new\([ \t]*\*?"
                   r"(?P<new>" + _NAME + r")[ \t]*\)|[\w.]+[ \t]*\.\([ \t]*\*?(?P<cast>" + _NAME
                   + r")[ \t]*\)|(?P<call>" + _NAME + r")[ \t]*\()")


_VARS = re.compile(r"^var .*", re.MULTILINE)
# a variable's declarations, matched where its name is: ``x T``, ``x, y *T``; ``x := ``, ``x, err := ``; ``var x = ``
_TYPED = re.compile(rf"\w+(?:[ \t]*,[ \t]*\w+)*[ \t]+\*?[ \t]*{_NOT_NAMED}{_TYPE}")
_MADE_BY = re.compile(r"\w+(?:[ \t]*,[ \t]*\w+)*[ \t]*:=")
_ASSIGNED = re.compile(r"\w+(?:[ \t]*,[ \t]*\w+)*[ \t]*=")
_VAR = re.compile(r"\bvar[ \t]+$")
_AFTER_COMMA = re.compile(r",\s*$")  # ``a, x := ...``: x is not the first


def _spaces(m: re.Match[str]) -> str:
    text = m.group(0)
    return " " * len(text) if "\n" not in text else re.sub(r"[^\n]", " ", text)


def _blank(text: str) -> str:
    return _NOISE.sub(_spaces, text)


class Screen:
    """Ties the uses of a Go method named ``name`` to types, the method's own being ``owners``."""

    def __init__(self, c: sqlite3.Connection, repo: Path, mods: ModuleMap, name: str, owners: set[Type]) -> None:
        self.c, self.repo, self.mods, self.name, self.owners = c, repo, mods, name, owners
        self._known: dict[str, str | None] = {}  # import paths of directories, see go_dir_of
        self._returns: dict[tuple[str, str, str], Type | None] = {}  # see _returned
        self._members: dict[tuple[Type, str, bool], Type | None] = {}  # see _member
        # the types with a method of this name of their own; not an interface's (inside its type), whose call
        # may be ours
        self.others = {(posixpath.dirname(path), parent) for path, parent in c.execute(
            "SELECT files.path, m.parent FROM defs AS m JOIN files ON files.id = m.file_id WHERE m.name=? AND "
            "m.parent != '' AND files.path LIKE '%.go' AND NOT EXISTS (SELECT 1 FROM defs AS t WHERE t.file_id = "
            "m.file_id AND t.name = m.parent AND t.parent = '' AND t.line <= m.line AND t.end_line >= m.line)",
            (name,))} - owners

    def names(self, module: str, folder: str) -> bool:
        """Whether the import path ``module`` is the package in the directory ``folder``."""
        return bool(go_dir_of(self.mods, module, folder, self._known))

    def lines(self, path: str, lines: set[int]) -> tuple[set[int], set[int]]:
        """Of ``lines`` of the Go file ``path`` that use the name: those that use one of ``owners``' method, and
        those that use none (each use tied to another type or a package); the rest are unknown."""
        try:
            text = decode_source((self.repo / path).read_bytes(), "go")
        except OSError:
            return set(), set()
        imports = go_imports(self.c, path)
        spans = self.c.execute("SELECT defs.line, defs.end_line FROM defs JOIN files ON files.id = defs.file_id "
                               "WHERE files.path=? AND defs.kind IN ('function', 'method')", (path,)).fetchall()
        raw = text.split("\n")
        tops = _function(0, "\n".join(_VARS.findall(text)) if "\nvar " in text else "", {})  # package variables
        # each line's function from its first line on (where no comment or string is open), blanked once
        starts = {ln: max((s for s, e in spans if s <= ln <= e), default=ln) for ln in lines if 0 < ln <= len(raw)}
        code: dict[int, str] = {}
        for start in sorted(set(starts.values())):
            last = max(ln for ln, s in starts.items() if s == start)
            code.update(enumerate(_blank("\n".join(raw[start - 1:last])).split("\n"), start))
        ours: set[int] = set()
        others: set[int] = set()
        functions: dict[int, Function] = {}
        said: dict[tuple[int, str], Said] = {}  # (function, variable): its declarations
        for ln, start in sorted(starts.items()):
            if start not in functions:  # its code to its last use, where its lines begin, and each word is
                last = max(x for x, s in starts.items() if s == start)
                at, offsets = 0, {}
                for i in range(start, last + 1):
                    offsets[i] = at
                    at += len(code[i]) + 1
                functions[start] = _function(start, "\n".join(code[i] for i in range(start, last + 1)), offsets)
            f = functions[start]
            verdicts = [self._use(path, code[ln][:m.start()].rstrip(), f, f.offsets[ln] + m.start(), said, tops,
                                  imports) for m in re.finditer(rf"(?<!\w){re.escape(self.name)}(?!\w)", code[ln])]
            if True in verdicts:
                ours.add(ln)
            elif verdicts and False in verdicts and None not in verdicts:
                others.add(ln)
        return ours, others

    def _use(self, path: str, head: str, f: Function, at: int, memo: dict[tuple[int, str], Said], tops: Function,
             imports: dict[str, list[str]]) -> bool | None:
        """Whether the use at ``at`` of the function ``f`` (``head``: its line's code before it) is a call of
        ours (None: unknown). A variable's declarations in a function are read once (``memo``)."""
        if not head.endswith("."):
            return False  # ``Close()``: a function's, ``Close:`` a field's key, no method's
        m = re.search(r"(?<![\w.)\]])(\w+)[ \t]*(?:\.[ \t]*(\w+)[ \t]*(\([ \t]*\))?[ \t]*)?$", head[:-1])
        if not m or head[:m.start(1)].rstrip().endswith("."):
            return None  # ``a.b.c.Close()``, ``New().Close()``
        x = m.group(1)
        if (f.start, x) not in memo:
            memo[f.start, x] = self._declarations(path, x, f, imports)
        before = [kind for end, kind in memo[f.start, x] if end <= at]
        if not before:  # the package's variables
            if (tops.start, x) not in memo:
                memo[tops.start, x] = self._declarations(path, x, tops, imports)
            before = [kind for _, kind in memo[0, x]]
        said = before[-1] if before else None
        if said is None:
            return None if m.group(2) or x not in imports else False  # ``os.Close()``: a package's function
        if m.group(2):  # ``c.parent.Close()``, ``c.Root().Close()``: the field's or the method's type
            said = self._member(said, m.group(2), bool(m.group(3))) if isinstance(said, tuple) else ""
        return True if said in self.owners else False if said in self.others else None

    def _member(self, owner: Type, member: str, call: bool) -> Type | None:
        """The type of the field ``member`` of the repository's type ``owner`` (its struct's line ``member
        *T``), or what its method ``member`` returns first (``call``)."""
        key = (owner, member, call)
        if key not in self._members:
            self._members[key] = None
            folder, name = owner
            rows = self.c.execute("SELECT files.path, defs.line, defs.end_line FROM defs JOIN files ON files.id = "
                                  "defs.file_id WHERE defs.name=? AND defs.parent=? AND files.path LIKE ?",
                                  (member, name, "%.go") if call else (name, "", "%.go")).fetchall()
            for file, line, end in rows:  # the method on the type, or the type's struct
                if posixpath.dirname(file) != folder:
                    continue
                if call:
                    text = source_lines(self.repo, file, {line}, "go").get(line, "")
                    m = _METHOD_RESULT.match(text)
                else:
                    body = source_lines(self.repo, file, set(range(line, end + 1)), "go")
                    m = next(filter(None, (re.match(rf"[ \t]*{re.escape(member)}(?:[ \t]*,[ \t]*\w+)*[ \t]+\*?"
                                                     rf"[ \t]*{_NOT_NAMED}{_TYPE}", t) for t in body.values())), None)
                if m:
                    self._members[key] = self._resolve(file, m.group(1), go_imports(self.c, file))
                    break
        return self._members[key]

    def _declarations(self, path: str, x: str, f: Function, imports: dict[str, list[str]]) -> Said:
        """The declarations of ``x`` in the code of ``f``, in their order: where each ends and the type it gives
        (``""``: one whose type this cannot tell or that is none of ours nor another's that has the method). Only
        the places of ``x`` are tried, with patterns compiled once: a function's uses of many variables each
        scanned all of it, with patterns made for each variable."""
        text = f.text
        found: list[tuple[int, int, Type | str]] = []
        for at in f.places.get(x, ()):
            if at and text[at - 1] == ".":
                continue
            m = _TYPED.match(text, at)
            if m:  # a receiver, a parameter, ``var x T``, ``x, y *T``
                found.append((at, m.end(), self._resolve(path, m.group(1), imports) or ""))
            lead = _VAR.search(text, max(0, at - 40), at)
            m = _MADE_BY.match(text, at) or (_ASSIGNED.match(text, at) if lead else None)
            if m:  # ``x := ...``, ``x, err := ...``, ``var x = ...``: what the right side makes, if x is its first
                start = lead.start() if lead and m.re is _ASSIGNED else at
                made = None if _AFTER_COMMA.search(text, max(0, start - 200), start) else _MADE.match(text, m.end())
                kind = None
                if made and made["call"]:
                    kind = self._returned(path, made["call"], imports)
                elif made:
                    kind = self._resolve(path, made["lit"] or made["new"] or made["cast"], imports)
                found.append((start, made.end() if made else m.end(), kind or ""))
        found.sort(key=lambda d: d[0])
        return [(end, kind) for _, end, kind in found]

    def _resolve(self, path: str, written: str, imports: dict[str, list[str]]) -> Type | None:
        """The type ``written`` in ``path`` names (``srv.Server``: in a directory that the import ``srv``
        names), when it is an owner's or another's with the method; None when not."""
        qual, _, name = re.sub(r"\s+", "", written).rpartition(".")
        if not qual:
            return posixpath.dirname(path), name
        for folder in {f for f, t in self.owners | self.others if t == name}:
            if any(self.names(module, folder) for module in imports.get(qual, ())):
                return folder, name
        return None

    def _returned(self, path: str, written: str, imports: dict[str, list[str]]) -> Type | None:
        """The type that a function of the repository (``New``, ``srv.New``) returns first, if :meth:`_resolve`
        knows it."""
        qual, _, func = re.sub(r"\s+", "", written).rpartition(".")
        key = (posixpath.dirname(path), qual, func) if not qual else (path, qual, func)
        if key in self._returns:
            return self._returns[key]
        self._returns[key] = None
        for file, line in self.c.execute("SELECT files.path, defs.line FROM defs JOIN files ON files.id = "
                                         "defs.file_id WHERE defs.name=? AND defs.parent='' AND defs.kind="
                                         "'function' AND files.path LIKE '%.go'", (func,)):
            folder = posixpath.dirname(file)
            if not qual:
                mine = folder == posixpath.dirname(path)
            else:
                mine = any(self.names(module, folder) for module in imports.get(qual, ()))
            m = _RESULT.match(source_lines(self.repo, file, {line}, "go").get(line, "").strip()) if mine else None
            if m:
                self._returns[key] = self._resolve(file, m.group(1), go_imports(self.c, file))
                break
        return self._returns[key]


def sort(c: sqlite3.Connection, repo: Path, mods: ModuleMap, name: str, owners: set[Type],
         resolved: dict[str, set[int]], by_name: dict[str, set[int]]) -> set[str]:
    """Sorts the uses in Go files of a method named ``name`` (``owners``: its types) between ``resolved`` (tied
    to an owner), ``by_name`` (unknown) and neither (another's), in place; returns the Go files whose uses by
    name come first: those of the owners' packages and those that import one."""
    screen = Screen(c, repo, mods, name, owners)
    homes = {folder for folder, _ in owners}
    near: set[str] = set()
    for p in sorted(set(resolved) | set(by_name)):
        if not p.endswith(".go"):
            continue
        ls = resolved.pop(p, set()) | by_name.pop(p, set())
        ours, others = screen.lines(p, ls)
        if ours:
            resolved[p] = ours
        if ls - ours - others:
            by_name[p] = ls - ours - others
            if posixpath.dirname(p) in homes or any(screen.names(module, home) for modules in go_imports(c, p).values()
                                                    for module in modules for home in homes):
                near.add(p)
    return near
