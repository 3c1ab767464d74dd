"""Edge cases of the code tools' arguments that models write."""

from __future__ import annotations

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError

FILES = {"pkg/core.py": "class Engine:\n    def start(self):\n        return 1\n"}


def _run(ctx: ToolContext, name: str, **args: object) -> str:
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


@pytest.mark.parametrize("path", ["../elsewhere.py", "pkg/../../elsewhere.py", ".."])
def test_a_relative_path_out_of_the_repository_is_an_error_too(make_repo, path):
    repo = make_repo(FILES)
    ctx = ToolContext(repo, load_settings(repo, {}))
    for tool in ("go_to_definition", "find_references"):
        with pytest.raises(ToolError, match="outside the repository; give a path relative to its root"):
            _run(ctx, tool, symbol="Engine", path=path)
