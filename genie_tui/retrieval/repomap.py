"""Token-budgeted outline of the most relevant definitions, for the model's system prompt.

Files are ranked by PageRank over the reference graph (file A -> file B when A uses a name B defines),
personalised to the files in play and the task's search hits, as Aider's repo map does.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genie_tui.printable import shown_path
from genie_tui.retrieval.extract import anonymous
from genie_tui.retrieval.files import language_of
from genie_tui.retrieval.rank import FileInfo
from genie_tui.retrieval.textutil import (
    decode_source,
    is_test_path,
    repo_path,
    split_lines,
)
from genie_tui.tokens import UNITS_PER_TOKEN, text_units

_MAX_DEFINERS = 8  # names defined in many files (``run``, ``get``) carry no signal
_ROWS = 40  # rows a file shows at most
_SMALLEST = 16  # a file's name and one row take more: with less left, the map is done
_MISSES = 10  # files in a row that could show nothing in what is left: the map is done (each is read)


@dataclass(slots=True)
class _Uses:
    """The files that use each name and the definitions it has, as the reference graph counts them."""

    ids: dict[str, int]
    files: Any  # by name id
    defs: Any

    def of(self, name: str, here: bool) -> float:
        """How many other files use ``name``, over its definitions (``here``: the file asked about uses it)."""
        i = self.ids.get(name)
        return 0.0 if i is None else (int(self.files[i]) - here) / int(self.defs[i])


def _graph(c: sqlite3.Connection) -> tuple[tuple[Any, Any, Any], _Uses]:
    """The reference graph as arrays ``(src, dst, weight)`` of file ids: a file that uses a name gets an edge to
    each definition of it elsewhere, weighted one over the name's definitions (a file defining it twice counts
    twice; names with over :data:`_MAX_DEFINERS` definitions, ``run`` and ``get``, make none). Built in numpy:
    on a 1.15M-line repository (70,000 definitions, 243,000 references) the dictionary version took 0.4-0.5 s.
    With it, the uses of each name (:class:`_Uses`), which rank the rows of a file that cannot show them all."""
    import numpy as np

    ids: dict[str, int] = {}
    def_name: list[int] = []
    def_file: list[int] = []
    for name, fid, lang in c.execute("SELECT defs.name, defs.file_id, files.lang FROM defs JOIN files ON "
                                     "files.id = defs.file_id WHERE length(defs.name) > 2"):
        if not anonymous(name, lang):  # a Python ``default=None`` is no use of ``export default function () {}``
            def_name.append(ids.setdefault(name, len(ids)))
            def_file.append(fid)
    ref_file: list[int] = []
    ref_name: list[int] = []
    get = ids.get
    for fid, name in c.execute("SELECT file_id, name FROM refs"):
        nid = get(name)
        if nid is not None:
            ref_file.append(fid)
            ref_name.append(nid)
    empty = np.zeros(0, dtype=np.int64)
    dn = np.asarray(def_name, dtype=np.int64)
    count = np.bincount(dn, minlength=len(ids))
    rn = np.asarray(ref_name, dtype=np.int64)
    uses = _Uses(ids, np.bincount(rn, minlength=len(ids)), count)
    if not ref_file:
        return (empty, empty, np.zeros(0)), uses
    order = np.argsort(dn, kind="stable")
    targets = np.asarray(def_file, dtype=np.int64)[order]  # definitions grouped by name
    first = np.concatenate(([0], np.cumsum(count)[:-1]))
    rf = np.asarray(ref_file, dtype=np.int64)
    n = count[rn]
    keep = n <= _MAX_DEFINERS
    rn, rf, n = rn[keep], rf[keep], n[keep]
    src = np.repeat(rf, n)  # one row per (use, definition of its name)
    # each use's definitions: its name's first one, then the next ones (a running index within each repeat)
    within = np.arange(len(src)) - np.repeat(np.cumsum(n) - n, n)
    dst = targets[np.repeat(first[rn], n) + within]
    weight = np.repeat(1.0 / n, n)
    other = src != dst
    return (src[other], dst[other], weight[other]), uses


def pagerank(edges: tuple[Any, Any, Any], nodes: list[int], seeds: dict[int, float],
             damping: float = 0.85, iters: int = 20) -> dict[int, float]:
    """PageRank over ``nodes`` personalised to ``seeds`` (file id -> weight; none: uniform). An edge's share is
    its weight over all of its file's edges (to files outside ``nodes`` too, whose share is lost); a file with no
    edge gives its rank back through the personalisation."""
    import numpy as np

    src, dst, weight = edges
    n = max(len(nodes), 1)
    pos = {k: i for i, k in enumerate(nodes)}
    total = sum(seeds.values())
    pers = np.zeros(n)
    if total > 0:
        for k, v in seeds.items():
            if k in pos:
                pers[pos[k]] = v / total
    else:
        pers[:] = 1.0 / n
    top = max(int(src.max()) if len(src) else 0, int(dst.max()) if len(dst) else 0, max(nodes, default=0)) + 1
    at = np.full(top, -1, dtype=np.int64)
    at[np.asarray(nodes, dtype=np.int64)] = np.arange(len(nodes))
    s, d = at[src], at[dst]
    out_w = np.bincount(s[s >= 0], weight[s >= 0], minlength=n)  # every edge of a node counts, in nodes or not
    inside = (s >= 0) & (d >= 0)
    s, d, share = s[inside], d[inside], weight[inside] / out_w[s[inside]]
    dangling = out_w == 0
    rank = np.full(n, 1.0 / n)
    for _ in range(iters):
        nxt = (1 - damping) * pers + np.bincount(d, damping * rank[s] * share, minlength=n)
        nxt += damping * rank[dangling].sum() * pers
        rank = nxt
    return dict(zip(nodes, rank.tolist()))


def _paths(repo: Path, paths: Iterable[str]) -> list[str]:
    """``paths`` as the index names files (``./src/app.py`` is ``src/app.py``), those outside the repository left
    out."""
    out = []
    for path in paths:
        try:
            out.append(repo_path(repo, path) or "")
        except ValueError:
            continue
    return out


def render(c: sqlite3.Connection, repo: Path, files: dict[int, FileInfo], hits: dict[str, float],
           budget_tokens: int, task: str = "", in_play: Iterable[str] = ()) -> str:
    """The outline text: ``path:`` then indented ``line: signature`` rows, best files first: the files
    ``in_play`` (paths as the tools take them), then the others by their rank, personalised to those and to the
    task's search ``hits`` (path -> score). A file's named values (``#define FLAG_7 ...``, Go's ``const``) are
    rows only where ``task`` names them or the file defines nothing else: a header's 50 macros would crowd its
    types out of the file's 40 rows."""
    named = set(re.findall(r"[\w$]+", task))
    by_path = {f.path: f.id for f in files.values()}
    play = {by_path[p] for p in _paths(repo, in_play) if p in by_path}
    seeds = {by_path[p]: w for p, w in hits.items() if p in by_path}
    for fid in play:
        seeds[fid] = seeds.get(fid, 0.0) + 1.0
    nodes = [fid for fid, f in files.items() if f.lang]
    edges, uses = _graph(c)
    ranks = pagerank(edges, nodes, seeds)

    def key(f: int) -> tuple[bool, float, str]:
        # the files in play come first, tests too; a search hit comes before the files it does not name
        score = ranks.get(f, 0.0) + (1.0 if f in seeds else 0.0)
        return f not in play, -score * (0.3 if f not in play and is_test_path(files[f].path) else 1.0), files[f].path

    order = sorted(nodes, key=key)
    play_uses: dict[str, set[int]] = {}  # name -> the files in play that use it
    for fid, name in c.execute(f"SELECT file_id, name FROM refs WHERE file_id IN ({','.join(map(str, play))})"):
        play_uses.setdefault(name, set()).add(fid)
    shown = _fill(c, repo, ((fid, files[fid].path) for fid in order), _Relevance(named, play_uses, uses),
                  budget_tokens * UNITS_PER_TOKEN)
    return "\n".join("\n".join([f"{shown_path(path)}:", *(r.text for r in rows)]) for path, rows in shown)


def _fill(c: sqlite3.Connection, repo: Path, order: Iterable[tuple[int, str]], rel: _Relevance,
          budget: int) -> list[tuple[str, list[_Row]]]:
    """The files of ``order`` (best first) with their rows, within ``budget``. A file that fits is shown whole
    (its 40 most relevant rows); one that does not is shortened to its most relevant rows: it holds half of what
    is left, the files after it share the other half, and what they leave goes back to it. So the budget is
    filled, and a large file neither hides the files after it nor is hidden."""
    left = budget  # what the files to come may take
    shown: dict[int, tuple[str, list[_Row]]] = {}  # by place in ``order``
    cut: list[tuple[int, str, list[_Row], list[_Row], int]] = []  # (place, path, rows, by relevance, held)
    misses = 0
    for at, (fid, path) in enumerate(order):
        if left < _SMALLEST or misses == _MISSES:
            break
        rows = _rows(c, repo, fid, path, rel.named)
        if not rows:
            continue
        head = _cost(f"{shown_path(path)}:")
        ordered = rows if len(rows) <= _ROWS else rel.order(c, fid, rows)
        whole = _pick(rows, ordered, 1 << 62)
        if head + sum(r.cost for r in whole) <= left:
            shown[at], misses = (path, whole), 0
            left -= head + sum(r.cost for r in whole)
            continue
        if ordered is rows:  # the rows that fit are taken most relevant first
            ordered = rel.order(c, fid, rows)
        first = _pick(rows, ordered, left - head, picks=1)
        if not first:  # not even its best row fits
            misses += 1
            continue
        held = max(left // 2, head + sum(r.cost for r in first))
        cut.append((at, path, rows, ordered, held))
        left -= held
        misses = 0
    for at, path, rows, ordered, held in cut:  # best first, each with what it held and what is left
        head = _cost(f"{shown_path(path)}:")
        shown[at] = path, _pick(rows, ordered, held + left - head)
        left += held - head - sum(r.cost for r in shown[at][1])
    return [shown[at] for at in sorted(shown)]


@dataclass(slots=True)
class _Row:
    """One row of a file's outline: a line that defines one or more names (``attr_reader :name, :email``)."""

    line: int
    text: str
    names: list[str]
    parent: int = 0  # the line of the row of the definition it is in (a method's class), 0 for none

    @property
    def cost(self) -> int:
        return _cost(self.text)


def _cost(text: str) -> int:
    """What a line of the map takes of its budget, with its newline: its units as genie counts tokens
    (genie_tui.tokens: a character of ASCII is one, of Chinese four, four to a token)."""
    return text_units(text) + 1


def _rows(c: sqlite3.Connection, repo: Path, fid: int, path: str, named: set[str]) -> list[_Row]:
    """The file's rows in line order. A file's named values are rows only where the task names them or the file
    defines nothing else."""
    defs = c.execute("SELECT kind, line, end_line, parent, name FROM defs WHERE file_id=? ORDER BY line",
                     (fid,)).fetchall()
    if any(kind != "value" for kind, *_ in defs):
        defs = [d for d in defs if d[0] != "value" or d[4] in named]
    if not defs:
        return []
    try:
        lines = split_lines(decode_source((repo / path).read_bytes(), language_of(path)))
    except OSError:
        return []
    rows: dict[int, _Row] = {}
    around: list[tuple[int, str, int]] = []  # the definitions a next one may be in: (end line, name, line)
    for _kind, line, end, parent, name in defs:
        around = [a for a in around if a[0] >= line]
        row = rows.get(line)
        if row is None:  # ``attr_reader :name, :email``, ``case north, south``: one line, one row
            sig = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            row = rows[line] = _Row(line, f"{'    ' if parent else '  '}{line}: {sig[:120]}", [])
            row.parent = next((at for _end, n, at in reversed(around) if n == parent and at < line), 0)
        row.names.append(name)
        around.append((end or line, name, line))
    return list(rows.values())


@dataclass(slots=True)
class _Relevance:
    """What makes a row of a file worth its place when the file cannot show them all."""

    named: set[str]  # the words of the task
    play_uses: dict[str, set[int]]  # name -> the files in play that use it
    uses: _Uses

    def order(self, c: sqlite3.Connection, fid: int, rows: list[_Row]) -> list[_Row]:
        """``rows`` most relevant first: those defining a name the task names, then those the other files in
        play use, then those the most other files use (each use shared among the name's definitions, as in the
        graph), then in line order."""
        here = {name for (name,) in c.execute("SELECT name FROM refs WHERE file_id = ?", (fid,))}

        def key(row: _Row) -> tuple[bool, bool, float, int]:
            return (not any(n in self.named for n in row.names),
                    not any(self.play_uses.get(n, set()) - {fid} for n in row.names),
                    -max(self.uses.of(n, n in here) for n in row.names), row.line)

        return sorted(rows, key=key)


def _pick(rows: list[_Row], ordered: list[_Row], room: int, picks: int = _ROWS) -> list[_Row]:
    """The first ``picks`` rows of ``ordered`` that fit in ``room``, each with the rows of the definitions it is
    in (a method with its class), :data:`_ROWS` at most; in line order."""
    by_line = {row.line: row for row in rows}
    chosen: dict[int, _Row] = {}
    for row in ordered:
        if len(chosen) >= _ROWS or picks == 0 or room <= 0:
            break
        need = [row] if row.line not in chosen else []
        up = row.parent
        while need and up and up not in chosen:  # a method without its class would read as a function
            need.append(by_line[up])
            up = by_line[up].parent
        cost = sum(r.cost for r in need)
        if need and len(chosen) + len(need) <= _ROWS and cost <= room:
            room -= cost
            picks -= 1
            chosen.update((r.line, r) for r in need)
    return sorted(chosen.values(), key=lambda r: r.line)
