"""The agent's index follows the repository while genie runs: no watches spent on vendored directories. Real git
repositories, real inotify (Linux)."""

from __future__ import annotations

import os
import sys

import pytest

from genie_tui.retrieval import RepoIndex


def _watches() -> int:
    """The inotify watches this process holds (every instance's, as /proc lists them)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify":
                with open(f"/proc/self/fdinfo/{fd}") as info:
                    n += sum(line.startswith("inotify wd:") for line in info)
        except OSError:
            pass
    return n


def _packages(repo, first: int, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(first, first + n):
        lib = repo / "node_modules" / f"pkg{i}" / "lib"
        lib.mkdir(parents=True)
        (lib / "index.js").write_text("module.exports = 1\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
def test_vendored_directories_git_does_not_ignore_are_not_watched(make_repo):
    """An ``npm install`` in a project whose .gitignore lacks node_modules/: nothing under it is indexed, so none
    of its directories is watched (one watch each came near fs.inotify.max_user_watches)."""
    repo = make_repo({"app.js": "function main() {}\n", "src/util.js": "function helper() {}\n"})
    _packages(repo, 0, 60)  # there before genie starts
    before = _watches()
    ix = RepoIndex.open(repo, watch=True)
    ix.refresh()
    opened = _watches() - before
    assert ix.watching and opened < 10
    _packages(repo, 60, 60)  # and installed while it runs
    (repo / "src" / "more").mkdir()
    (repo / "src" / "more" / "late.js").write_text("function lateComer() {}\n")
    ix.search("main")
    ix.search("main")
    assert _watches() - before <= opened + 1  # src/more
    assert [d.path for d in ix.definitions("lateComer")] == ["src/more/late.js"]
    assert "node_modules/pkg90/lib/index.js" in ix.find_files("pkg90")  # listed, left out as vendored
    (repo / "src" / "util.js").write_text("function helperRenamed() {}\n")  # the watcher still sees edits
    assert [d.path for d in ix.definitions("helperRenamed")] == ["src/util.js"]
    assert ix.last_build.files == 1
