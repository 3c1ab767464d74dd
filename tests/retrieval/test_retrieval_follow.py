"""The agent's index follows the repository while genie runs (retrieval/follow.py): without a watcher too, when
git's HEAD moves without a file changing, a large change caught up in the background, and no watches spent on
vendored directories. Real git repositories; the agent's tools through their registry."""

from __future__ import annotations

import os
import sys

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.retrieval import RepoIndex, follow
from genie_tui.retrieval import watch as watch_mod
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext
from tests.conftest import git


def _run(ctx: ToolContext, name: str, **args) -> str:  # type: ignore[no-untyped-def]
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


def test_without_a_watcher_the_agents_tools_see_a_branch_switch(make_repo, monkeypatch):
    """macOS, Windows, no inotify instance left: each lookup looks at the files first (it did only in the pane)."""
    monkeypatch.setattr(watch_mod, "start", lambda root: None)  # what it answers where inotify is missing
    repo = make_repo({"pay.py": "def refund_order(order):\n    return order.total\n",
                      "shop.py": "def checkout_cart(cart):\n    return sum(cart)\n"})
    git(repo, "checkout", "-qb", "feature")
    git(repo, "mv", "pay.py", "billing.py")
    (repo / "shop.py").write_text("import logging\n\nLOG = logging.getLogger()\n\n\ndef checkout_cart(cart):\n"
                                  "    return sum(cart)\n")
    git(repo, "commit", "-qam", "feature")
    git(repo, "checkout", "-q", "main")
    ctx = ToolContext(repo, load_settings(repo, {}))
    assert _run(ctx, "go_to_definition", symbol="checkout_cart") == "shop.py:1: def checkout_cart(cart):"
    assert not ctx.index.watching

    git(repo, "checkout", "-q", "feature")  # the user switches branches while genie stays open
    assert _run(ctx, "go_to_definition", symbol="checkout_cart") == "shop.py:6: def checkout_cart(cart):"
    assert _run(ctx, "go_to_definition", symbol="refund_order").startswith("billing.py:1: def refund_order")
    assert _run(ctx, "find_files", pattern="*.py").splitlines() == ["billing.py", "shop.py"]
    (repo / "shop.py").write_text("def checkout_basket(cart):\n    return 0\n")  # and saves a file
    assert "shop.py" in _run(ctx, "search_code", query="checkout_basket")


@pytest.mark.parametrize("where", ["repository", "linked worktree"])
def test_a_commit_that_writes_no_file_reaches_the_history_signals(make_repo, tmp_path, where):
    """A commit, an amend: HEAD moves, no file of the work tree changes, and the watcher saw nothing."""
    repo = make_repo({f"{n}.py": f"def {n}():\n    return 1\n" for n in "abc"})
    if where == "linked worktree":  # .git is a file there, and the branch is in the repository's common directory
        git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
        repo = tmp_path / "side"
    ix = RepoIndex.open(repo, watch=True)
    (repo / "b.py").write_text("def b():\n    return 2\n")
    ix.search("b")  # the saved edit is taken in
    query = "zanzibar overflow frobnicator"
    git(repo, "commit", "-qam", "Fix the zanzibar overflow in the frobnicator")
    assert [r.path for r in ix.search(query)] == ["b.py"]
    git(repo, "commit", "-q", "--amend", "-m", "Refactor b")  # the message goes: it must stop voting
    assert [r.path for r in ix.search(query)] == []
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    git(repo, "commit", "-qm", "The frobnicator again")
    assert [r.path for r in ix.search("frobnicator")] == ["b.py"]


def _module(tag: str, i: int) -> str:
    return "".join(f"def f{tag}_{i}_{j}(x):\n    return x + {j}\n\n\n" for j in range(20))


def test_a_large_change_is_caught_up_in_the_background(make_repo, monkeypatch):
    """More files to parse than a lookup takes in itself: the tool answers at once from what is indexed, with a
    note that it is catching up, while they are parsed behind it."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({f"pkg{i % 6}/mod{i}.py": _module("a", i) for i in range(300)})
    ctx = ToolContext(repo, load_settings(repo, {}))
    assert "pkg1/mod7.py" in _run(ctx, "search_code", query="fa_7_3")
    for i in range(300):  # a branch switch, a formatter run
        (repo / f"pkg{i % 6}/mod{i}.py").write_text(_module("b", i))
    out = _run(ctx, "search_code", query="fb_7_3")
    assert "the code index is catching up" in out
    assert ctx.service.wait(60)
    out = _run(ctx, "search_code", query="fb_7_3")
    assert "pkg1/mod7.py" in out and "catching up" not in out
    assert _run(ctx, "go_to_definition", symbol="fa_7_3").startswith("no definitions")
    held = _index_files_open(ctx.index)
    for tag in "cdef":  # more catch-ups: each one's connection closes with its thread (one more stayed open each)
        for i in range(300):
            (repo / f"pkg{i % 6}/mod{i}.py").write_text(_module(tag, i))
        assert "catching up" in _run(ctx, "search_code", query=f"f{tag}_7_3")
        assert ctx.service.wait(60)
    assert "pkg1/mod7.py" in _run(ctx, "search_code", query="ff_7_3")
    assert _index_files_open(ctx.index) <= held


def _index_files_open(index) -> int:  # type: ignore[no-untyped-def]
    """How many files of ``index``'s store (its database, journal, shared memory) this process has open."""
    stem = os.path.basename(str(index._store.path))
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith(stem)
        except OSError:
            pass
    return n


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
