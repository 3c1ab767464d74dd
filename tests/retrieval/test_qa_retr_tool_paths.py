"""go_to_definition and find_references take the file they are asked from as models write it: ``./src/x.py``,
the absolute path, ``src//x.py``; a path outside the repository is an error, not a silent miss."""

from __future__ import annotations

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError

FILES = {
    "pkg/__init__.py": "",
    "pkg/core.py": "class Engine:\n    def start(self):\n        return 1\n",
    "pkg/use.py": "from .core import Engine as Z\n\n\ndef run():\n    return Z().start()\n",
}


def _run(ctx: ToolContext, name: str, **args):  # type: ignore[no-untyped-def]
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


@pytest.mark.parametrize("form", ["./pkg/use.py", "{root}/pkg/use.py", "pkg//use.py", "{root}/pkg/../pkg/use.py"])
def test_the_asking_file_may_be_written_as_models_write_it(make_repo, form):
    repo = make_repo(FILES)
    ctx = ToolContext(repo, load_settings(repo, {}))
    path = form.format(root=repo)
    assert _run(ctx, "go_to_definition", symbol="Z", path=path) == "pkg/core.py:1: class Engine:"
    refs = _run(ctx, "find_references", symbol="Z", path=path).splitlines()
    assert refs[:2] == ["pkg/use.py:1: from .core import Engine as Z", "pkg/use.py:5: return Z().start()"]


def test_a_path_outside_the_repository_is_an_error(make_repo, tmp_path):
    repo = make_repo(FILES)
    ctx = ToolContext(repo, load_settings(repo, {}))
    with pytest.raises(ToolError, match="outside the repository"):
        _run(ctx, "go_to_definition", symbol="Z", path=str(tmp_path / "elsewhere.py"))
