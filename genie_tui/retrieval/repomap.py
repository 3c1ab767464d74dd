"""Token-budgeted outline of the most relevant definitions, for the model's system prompt.

Files are ranked by PageRank over the reference graph (file A -> file B when A uses a name B defines),
personalised to the files in play and the task's search hits, as Aider's repo map does.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from genie_tui.printable import shown_path
from genie_tui.retrieval.extract import anonymous
from genie_tui.retrieval.files import language_of
from genie_tui.retrieval.rank import FileInfo
from genie_tui.retrieval.textutil import decode_source, is_test_path, split_lines

_MAX_DEFINERS = 8  # names defined in many files (``run``, ``get``) carry no signal


def _graph(c: sqlite3.Connection) -> dict[int, dict[int, float]]:
    definers: dict[str, list[int]] = {}
    for name, fid, lang in c.execute("SELECT defs.name, defs.file_id, files.lang FROM defs JOIN files ON "
                                     "files.id = defs.file_id WHERE length(defs.name) > 2"):
        if not anonymous(name, lang):  # a Python ``default=None`` is no use of ``export default function () {}``
            definers.setdefault(name, []).append(fid)
    edges: dict[int, dict[int, float]] = {}
    for fid, name in c.execute("SELECT file_id, name FROM refs"):
        targets = definers.get(name)
        if not targets or len(targets) > _MAX_DEFINERS:
            continue
        w = 1.0 / len(targets)
        row = edges.setdefault(fid, {})
        for t in targets:
            if t != fid:
                row[t] = row.get(t, 0.0) + w
    return edges


def pagerank(edges: dict[int, dict[int, float]], nodes: list[int], seeds: dict[int, float],
             damping: float = 0.85, iters: int = 20) -> dict[int, float]:
    n = max(len(nodes), 1)
    total = sum(seeds.values())
    pers = {k: v / total for k, v in seeds.items()} if total > 0 else {k: 1.0 / n for k in nodes}
    rank = {k: 1.0 / n for k in nodes}
    out_w = {k: sum(v.values()) for k, v in edges.items()}
    for _ in range(iters):
        nxt = {k: (1 - damping) * pers.get(k, 0.0) for k in nodes}
        dangling = 0.0
        for k in nodes:
            r = rank.get(k, 0.0)
            row = edges.get(k)
            if not row:
                dangling += r
                continue
            scale = damping * r / out_w[k]
            for t, w in row.items():
                if t in nxt:
                    nxt[t] += scale * w
        for k, v in pers.items():
            if k in nxt:
                nxt[k] += damping * dangling * v
        rank = nxt
    return rank


def render(c: sqlite3.Connection, repo: Path, files: dict[int, FileInfo], seeds: dict[str, float],
           budget_tokens: int, task: str = "") -> str:
    """The outline text: ``path:`` then indented ``line: signature`` rows, best files first. A file's named values
    (``#define FLAG_7 ...``, Go's ``const``) are rows only where ``task`` names them or the file defines nothing
    else: a header's 50 macros would crowd its types out of the file's 40 rows."""
    named = set(re.findall(r"[\w$]+", task))
    by_path = {f.path: f.id for f in files.values()}
    seed_ids = {by_path[p]: w for p, w in seeds.items() if p in by_path}
    nodes = [fid for fid, f in files.items() if f.lang]
    ranks = pagerank(_graph(c), nodes, seed_ids)
    for fid in seed_ids:
        ranks[fid] = ranks.get(fid, 0.0) + 1.0  # the files in play always come first
    order = sorted(nodes, key=lambda f: (-ranks.get(f, 0.0) * (0.3 if is_test_path(files[f].path) else 1.0),
                                         files[f].path))
    budget = budget_tokens * 4
    parts: list[str] = []
    used = 0
    for fid in order:
        defs = c.execute("SELECT kind, line, parent, name FROM defs WHERE file_id=? ORDER BY line", (fid,)).fetchall()
        if any(kind != "value" for kind, *_ in defs):
            defs = [d for d in defs if d[0] != "value" or d[3] in named]
        if not defs:
            continue
        path = files[fid].path
        try:
            lines = split_lines(decode_source((repo / path).read_bytes(), language_of(path)))
        except OSError:
            continue
        block = [f"{shown_path(path)}:"]  # a newline in a name must not read as two rows
        shown: set[int] = set()
        for _kind, line, parent, _name in defs:
            if line in shown:  # ``attr_reader :name, :email``, ``case north, south``: one line, one row
                continue
            if len(shown) == 40:
                break
            shown.add(line)
            sig = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            indent = "    " if parent else "  "
            block.append(f"{indent}{line}: {sig[:120]}")
        text = "\n".join(block)
        if used + len(text) + 1 > budget:
            if not parts:  # always show something of the best file
                parts.append(text[:budget].rsplit("\n", 1)[0])
            break
        parts.append(text)
        used += len(text) + 1
    return "\n".join(parts)
