"""Result types of the retrieval engine: plain frozen dataclasses, cheap to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A line range (1-based, inclusive) of a result file, usually one definition; ``symbol`` may be empty."""

    start: int
    end: int
    symbol: str = ""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One ranked file: its score, its best spans (most relevant first) and a short reason it matched."""

    path: str
    score: float
    spans: list[Span] = field(default_factory=list)
    why: str = ""


@dataclass(frozen=True, slots=True)
class Location:
    """A definition or reference: where it is, what kind it is, and the first line of it as a snippet."""

    path: str
    line: int
    end_line: int
    kind: str
    snippet: str
