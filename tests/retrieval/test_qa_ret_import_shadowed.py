"""A Python module that imports a name and then defines it again (``from app.core import Engine`` then
``def Engine():``) uses its own definition after it: go_to_definition from that file listed only the import's."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

SHADOW = "from app.core import Engine\n\n\ndef Engine():  # replaces the import\n    return None\n\n\nEngine()\n"


def test_a_name_imported_then_defined_again_finds_the_files_own_definition(make_repo):
    repo = make_repo({"app/__init__.py": "", "app/core.py": "class Engine:\n    pass\n", "app/shadow.py": SHADOW,
                      "app/user.py": "from app.core import Engine\n\nEngine()\n"})
    ix = RepoIndex.open(repo)
    try:
        shadowed = [(d.path, d.line) for d in ix.definitions("Engine", "app/shadow.py")]
        imported = [(d.path, d.line) for d in ix.definitions("Engine", "app/user.py")]
    finally:
        ix.close()
    assert shadowed[0] == ("app/shadow.py", 4) and ("app/core.py", 1) in shadowed
    assert imported == [("app/core.py", 1)]  # a file that only imports it still finds the import's alone
