from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from genie_tui.config.settings import user_config_file
from genie_tui.retrieval import RepoIndex


@pytest.fixture
def configure() -> Callable[..., None]:
    """Write the user config file (this test's GENIE_HOME) from keyword values; retries are not waited for."""

    def _write(**values: object) -> None:
        path = user_config_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in {"backoff_base": 0.0, **values}.items()))

    return _write


@pytest.fixture
def definitions_of() -> Callable[..., dict[str, list[tuple[str, int, int]]]]:
    """Each of ``symbols`` with its definitions in ``repo`` as ``(path, line, end_line)``, through
    ``RepoIndex.definitions``."""

    def _found(repo: object, symbols: tuple[str, ...]) -> dict[str, list[tuple[str, int, int]]]:
        ix = RepoIndex.open(repo)  # type: ignore[arg-type]
        try:
            return {s: [(d.path, d.line, d.end_line) for d in ix.definitions(s)] for s in symbols}
        finally:
            ix.close()

    return _found


@pytest.fixture
def trace_signal() -> Callable[[object, str], dict[str, float]]:
    """The trace signal of each file ``text`` finds in ``repo`` (0 where no frame names it), through
    ``RepoIndex.features``."""

    def _trace(repo: object, text: str) -> dict[str, float]:
        ix = RepoIndex.open(repo)  # type: ignore[arg-type]
        try:
            return {path: feats.get("trace") or 0.0 for path, feats in ix.features(text)}
        finally:
            ix.close()

    return _trace


@pytest.fixture
def frame_places() -> Callable[[str], list[tuple[str, int]]]:
    """The file names and lines of the frames ``analyze`` reads in a text, weakest first."""
    from genie_tui.retrieval.query import analyze

    return lambda text: [(f.path.rsplit("/", 1)[-1], f.line) for f in analyze(text).frames]
