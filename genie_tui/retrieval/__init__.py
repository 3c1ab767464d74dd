"""Code retrieval: index a repository (files, tree-sitter definitions and references, history), then search
it, jump to definitions and references, and outline it for the model.

Imports are lazy so ``genie search`` starts fast and importing the package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from genie_tui.retrieval.model import Location, SearchResult, Span

if TYPE_CHECKING:
    from genie_tui.retrieval.index import RepoIndex

__all__ = ["Location", "RepoIndex", "SearchResult", "Span"]


def __getattr__(name: str) -> Any:
    if name == "RepoIndex":
        from genie_tui.retrieval.index import RepoIndex

        return RepoIndex
    raise AttributeError(name)
