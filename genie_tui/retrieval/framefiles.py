"""The files of the repository that a query's stack frames are in, and how strong each frame is."""

from __future__ import annotations

from genie_tui.retrieval.modules import ModuleMap
from genie_tui.retrieval.query import Query


def repo_frames(q: Query, mods: ModuleMap) -> list[tuple[list[str], int, float]]:
    """The query's stack frames in files of the repository: those files, the line, and how strong the frame is,
    from 0.5 to 1 for the last (:attr:`Query.frames` lists them weakest first, the frame that raised or
    panicked last). The trace signal weighs files by it, and a file's spans their frame lines."""
    in_repo = [(hits, f.line) for f in q.frames
               if (hits := mods.go_files(f.module, f.path) if f.module else
                   mods.dart_files(f.package, f.path) if f.package else
                   mods.frame_files(f.path) or (mods.frame_files(f.name) if f.name else []))]
    n = len(in_repo)
    return [(hits, line, 0.5 + 0.5 * (i + 1) / n) for i, (hits, line) in enumerate(in_repo)]
