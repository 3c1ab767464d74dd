"""Directories named like build output (``build/``, ``dist/``, ``target/``, ``venv/``...) are left out only where git
does not track their files: tracked, they are a project's own code (pip's ``operations/build/``, Go's
``src/cmd/dist/``, Sphinx's ``target/`` test package). Vendored directories stay out, tracked or not."""

from __future__ import annotations

import subprocess
import sys

import pytest

from genie_tui.retrieval import RepoIndex

FILES = {
    "src/pip/_internal/operations/build/wheel.py": "def build_wheel_pep517(name):\n    return name\n",
    "src/pip/_internal/install.py": ("from pip._internal.operations.build.wheel import build_wheel_pep517\n\n"
                                     "def install(req):\n    return build_wheel_pep517(req)\n"),
    "src/cmd/dist/buildtool.go": "package main\n\nfunc bootstrapBuildTools() {}\n",
    "tests/roots/autodoc/target/classes.py": "class AutodocTarget:\n    pass\n",
    "build/gen_version.py": "def write_version_file():\n    pass\n",  # a tracked build script at the root
    "Lib/venv/__init__.py": "class EnvBuilder:\n    pass\n",
    "vendor/lib.py": "def vendored_helper():\n    pass\n",
}


def _where(ix: RepoIndex, *names: str) -> dict[str, list[str]]:
    return {n: [d.path for d in ix.definitions(n)] for n in names}


def test_tracked_code_under_build_like_directories_is_indexed(make_repo):
    repo = make_repo(FILES)
    (repo / "build/lib/pkg").mkdir(parents=True)  # `setup.py build` in a repository that does not ignore build/
    (repo / "build/lib/pkg/core.py").write_text("def write_version_file():\n    pass\n")
    (repo / "dist").mkdir()
    (repo / "dist/bundle.js").write_text("function bootstrapBundle() {}\n")
    ix = RepoIndex.open(repo)
    try:
        assert _where(ix, "build_wheel_pep517", "bootstrapBuildTools", "AutodocTarget", "write_version_file",
                      "EnvBuilder", "vendored_helper", "bootstrapBundle") == {
            "build_wheel_pep517": ["src/pip/_internal/operations/build/wheel.py"],
            "bootstrapBuildTools": ["src/cmd/dist/buildtool.go"],
            "AutodocTarget": ["tests/roots/autodoc/target/classes.py"],
            "write_version_file": ["build/gen_version.py"], "EnvBuilder": ["Lib/venv/__init__.py"],
            "vendored_helper": [], "bootstrapBundle": []}
        assert ix.explain("src/cmd/dist/buildtool.go").startswith("src/cmd/dist/buildtool.go: indexed (3 lines")
        assert ix.explain("vendor/lib.py") == "vendor/lib.py: not indexed: vendored (inside vendor/)"
        assert ix.explain("build/lib/pkg/core.py") == (
            "build/lib/pkg/core.py: not indexed: build output or a tool's cache (inside build/, and git does not "
            "track it; tracked files there are indexed)")
        subprocess.run(["git", "add", "dist/bundle.js"], cwd=repo, check=True)
        ix.refresh()
        assert _where(ix, "bootstrapBundle") == {"bootstrapBundle": ["dist/bundle.js"]}
    finally:
        ix.close()


def test_cli_search_and_explain(make_repo, capsys):
    from genie_tui.cli import main

    repo = make_repo(FILES)
    assert main(["search", "--repo", str(repo), "build_wheel_pep517", "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert "src/pip/_internal/operations/build/wheel.py" in out
    assert main(["index", "--repo", str(repo), "--explain", "tests/roots/autodoc/target/classes.py"]) == 0
    assert "not indexed" not in capsys.readouterr().out


def test_a_directory_that_is_no_repository_is_walked_without_them(tmp_path):
    (tmp_path / "build").mkdir()
    (tmp_path / "build/out.py").write_text("def compiled_copy():\n    pass\n")
    (tmp_path / "app.py").write_text("def compiled_copy():\n    pass\n")
    ix = RepoIndex.open(tmp_path)
    try:
        assert _where(ix, "compiled_copy") == {"compiled_copy": ["app.py"]}
        assert ix.explain("build/out.py") == ("build/out.py: not indexed: build output or a tool's cache "
                                               "(inside build/, which is not walked)")
    finally:
        ix.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
def test_a_watched_index_leaves_out_new_untracked_build_output(make_repo):
    repo = make_repo(FILES)
    ix = RepoIndex.open(repo, watch=True)
    try:
        ix.refresh()
        (repo / "build/copy.py").write_text("def copied_by_the_build():\n    pass\n")  # beside a tracked file
        ix.refresh()
        assert _where(ix, "copied_by_the_build") == {"copied_by_the_build": []}
        assert "git does not track it" in ix.explain("build/copy.py")
    finally:
        ix.close()
