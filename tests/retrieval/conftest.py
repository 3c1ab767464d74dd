from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from genie_tui.config.settings import user_config_file


@pytest.fixture
def configure() -> Callable[..., None]:
    """Write the user config file (this test's GENIE_HOME) from keyword values; retries are not waited for."""

    def _write(**values: object) -> None:
        path = user_config_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in {"backoff_base": 0.0, **values}.items()))

    return _write
