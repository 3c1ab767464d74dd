"""The agent's index following the disk while another genie holds the build lock, while a large change is caught
up in the background, when genie quits meanwhile, and where git's directories are not above the work tree
(retrieval/follow.py). Real git repositories; the agent's tools through their registry."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time

from genie_tui.config.settings import load_settings
from genie_tui.retrieval import RepoIndex, build, follow
from genie_tui.retrieval.store import WAITING, db_path
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext
from tests.conftest import git


def _run(ctx: ToolContext, name: str, **args) -> str:  # type: ignore[no-untyped-def]
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


def _module(tag: str, i: int) -> str:
    return "".join(f"def f{tag}_{i}_{j}(x):\n    return x + {j}\n\n\n" for j in range(5))


def _timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _slow_writes(monkeypatch, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Each parsed file takes ``seconds`` more to store: a catch-up of a few hundred files lasts seconds."""
    real = build._write

    def slow(*args):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        return real(*args)

    monkeypatch.setattr(build, "_write", slow)


def test_a_lookup_in_flight_when_the_index_closes_opens_no_connection(make_repo):
    """genie quitting while a lookup runs on another thread: its connection was opened again and never closed."""
    repo = make_repo({"a.py": "def alpha():\n    return 1\n"})
    ix = RepoIndex.open(repo, watch=True)
    ix.close()
    errors: list[BaseException] = []

    def lookup() -> None:
        try:
            ix.search("alpha")
        except Exception as exc:  # noqa: BLE001 - what the tool would get
            errors.append(exc)

    worker = threading.Thread(target=lookup)
    worker.start()
    worker.join()
    assert [str(e) for e in errors] == ["the code index was closed (genie is quitting)"]
    assert ix._store._conns == []


def test_head_moves_are_seen_with_git_dir_and_work_tree_set(tmp_path, monkeypatch):
    """A dotfiles setup: GIT_DIR and GIT_WORK_TREE set, no .git above the work tree; a commit that writes no file
    of it was never seen (git rev-parse ran at every update before HEAD was looked at directly)."""
    work, store = tmp_path / "wt", tmp_path / "store.git"
    work.mkdir()
    monkeypatch.setenv("GIT_DIR", str(store))
    monkeypatch.setenv("GIT_WORK_TREE", str(work))
    git(work, "init", "-q", "-b", "main")
    (work / "b.py").write_text("def b():\n    return 1\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "initial")
    ix = RepoIndex.open(work, watch=True)
    (work / "b.py").write_text("def b():\n    return 2\n")
    ix.search("b")
    git(work, "commit", "-qam", "Fix the zanzibar overflow in the frobnicator")
    assert [r.path for r in ix.search("zanzibar overflow frobnicator")] == ["b.py"]


def test_paths_a_refresh_is_given_name_the_files_the_index_stores(make_repo, tmp_path):
    """``./d.py`` was indexed as a second file beside d.py; a path outside the repository is ignored."""
    repo = make_repo({"d.py": "def delta():\n    return 1\n"})
    (tmp_path / "outside.py").write_text("def outsider():\n    pass\n")
    ix = RepoIndex.open(repo, watch=True)
    for n, paths in enumerate([["./d.py"], [str(repo / "d.py")], ["sub/../d.py"]]):
        (repo / "d.py").write_text(f"def delta_{n}():\n    return 2\n")
        ix.refresh(paths, wait=False)
        assert [d.path for d in ix.definitions(f"delta_{n}")] == ["d.py"]
    ix.refresh(["../outside.py", str(tmp_path / "outside.py")], wait=False)
    assert ix.find_files("*.py") == ["d.py"] and ix.definitions("outsider") == []


def test_deleting_many_files_is_caught_up_in_the_background(make_repo, monkeypatch):
    """A branch without a directory of thousands of files: nothing to parse, so the removal ran on the lookup's
    thread (6,000 files took 1.7 s); deleted files count toward MAX_INLINE as files to parse do."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({**{f"old/mod{i}.py": _module("a", i) for i in range(40)}, "keep.py": "def keep():\n  pass\n"})
    ix = RepoIndex.open(repo, watch=True)
    removed_by: list[str] = []
    real = build.update

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        stats = real(*args, **kwargs)
        removed_by.extend([threading.current_thread().name] if stats.removed else [])
        return stats

    monkeypatch.setattr(build, "update", spy)
    git(repo, "rm", "-rq", "old")
    assert [d.path for d in ix.definitions("keep")] == ["keep.py"]
    assert ix.wait(30) and removed_by == ["genie-index"]
    assert ix.find_files("*.py") == ["keep.py"]
