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
