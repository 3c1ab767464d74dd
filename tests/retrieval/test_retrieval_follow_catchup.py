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


def test_another_genies_build_is_waited_for_once_and_not_under_the_write_lock(make_repo, monkeypatch):
    """After a patch, while another genie holds the build lock: the first lookup waits PATCH_WAIT_S, one on another
    thread meanwhile waits only for the same end, the next ones do not wait until the lock is seen free, and the
    note is told once (each lookup waited 10 s again, holding the write lock, and told it again)."""
    monkeypatch.setattr(follow, "PATCH_WAIT_S", 1.0)
    repo = make_repo({"a.py": "def alpha():\n    return 1\n", "b.py": "def beta():\n    return 2\n"})
    notes: list[str] = []
    ix = RepoIndex.open(repo, watch=True, on_wait=notes.append)
    lock = open(str(db_path(repo.resolve())) + ".lock", "a+b")  # noqa: SIM115 - closed below
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # another genie's `genie index`
    try:
        (repo / "a.py").write_text("def alpha_patched():\n    return 1\n")
        ix.refresh(["a.py"], wait=False)
        other: list[float] = []
        beside = threading.Timer(0.3, lambda: other.append(_timed(lambda: ix.definitions("beta"))[1]))
        beside.start()
        found, first = _timed(lambda: ix.definitions("alpha_patched"))
        beside.join()
        assert found == [] and 0.8 < first < 3.0
        assert other[0] < 1.5  # up to the same end, not 0.7 s behind the write lock and 1 s more of its own
        for _ in range(3):
            found, took = _timed(lambda: ix.definitions("alpha_patched"))
            assert found == [] and took < 0.5
        assert notes == [WAITING]
    finally:
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        lock.close()
    assert [d.path for d in ix.definitions("alpha_patched")] == ["a.py"]


def test_a_patch_during_a_catch_up_is_read_by_the_next_lookup_at_once(make_repo, monkeypatch):
    """A patch applied while a branch switch is caught up: the next tool call sees it without waiting for the
    catch-up (it waited up to 10 s, then answered without the patch), and no tool call waits for the catch-up."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({f"pkg{i % 6}/mod{i}.py": _module("a", i) for i in range(200)})
    ctx = ToolContext(repo, load_settings(repo, {}))
    assert _run(ctx, "find_files", pattern="mod7.py") == "pkg1/mod7.py"
    assert ctx.service.wait(60)
    _slow_writes(monkeypatch, 0.03)  # 6 s for the 200 files
    for i in range(200):
        (repo / f"pkg{i % 6}/mod{i}.py").write_text(_module("b", i))
    out, took = _timed(lambda: _run(ctx, "search_code", query="fb_7_3"))
    assert ctx.index.building and took < 1.5
    assert "catching up" in out and "still being built" not in out
    path = repo / "pkg0/mod0.py"
    path.write_text("def added_by_patch(x):\n    return x\n\n\n" + path.read_text())
    ctx.index.refresh(["pkg0/mod0.py"], wait=False)  # after_patch, on the event loop
    out, took = _timed(lambda: _run(ctx, "go_to_definition", symbol="added_by_patch"))
    assert out.startswith("pkg0/mod0.py:1: def added_by_patch(x):") and took < 1.5
    out, took = _timed(lambda: _run(ctx, "go_to_definition", symbol="fb_0_1"))
    assert out.startswith("pkg0/mod0.py:9: def fb_0_1(x):") and took < 1.5  # the patched file's lines
    assert ctx.index.building  # started again after making way


def test_a_catch_up_starts_its_progress_at_nothing(make_repo, monkeypatch):
    """The note and the status bar at a catch-up's start showed the last build's numbers (200 of 200 files)."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({f"mod{i}.py": _module("a", i) for i in range(120)})
    ctx = ToolContext(repo, load_settings(repo, {}))
    _run(ctx, "find_files", pattern="mod7.py")
    assert ctx.service.wait(60) and ctx.service.status() == (False, 120, 120)
    _slow_writes(monkeypatch, 0.03)
    for i in range(120):
        (repo / f"mod{i}.py").write_text(_module("b", i))
    out = _run(ctx, "search_code", query="fb_7_3")
    assert ctx.service.status() == (True, 0, 0) and "its first files" in out


def test_two_lookups_at_once_start_one_catch_up(make_repo, monkeypatch):
    """The agent's tool and the search pane look up at the same moment after a branch switch: the second one,
    queued on the write lock, scanned again and started a second catch-up."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({f"mod{i}.py": _module("a", i) for i in range(100)})
    ix = RepoIndex.open(repo, watch=True)
    started: list[str] = []
    real = follow.Following._catch_up

    def counted(self, quick: bool = True) -> None:  # type: ignore[no-untyped-def]
        started.append(threading.current_thread().name)
        time.sleep(0.2)  # the other lookup queues on the write lock meanwhile
        real(self, quick)

    monkeypatch.setattr(follow.Following, "_catch_up", counted)
    for i in range(100):
        (repo / f"mod{i}.py").write_text(_module("b", i))
    lookups = [threading.Thread(target=ix.search, args=("fb_7_3",)) for _ in range(2)]
    t = time.perf_counter()
    for lookup in lookups:
        lookup.start()
    for lookup in lookups:
        lookup.join()
    assert len(started) == 1 and time.perf_counter() - t < 2.0
    assert ix.wait(60) and [d.path for d in ix.definitions("fb_7_3")] == ["mod7.py"]


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


def test_a_catch_up_that_fails_is_not_started_again_by_every_lookup(make_repo, monkeypatch):
    """A full disk under the cache: each lookup started another catch-up that failed alike (a warning each), with
    the note of a build that never finished; lookups answer from what is indexed until RETRY_S has passed."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({f"mod{i}.py": _module("a", i) for i in range(60)})
    ix = RepoIndex.open(repo, watch=True)

    def full(*args):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(build, "_write", full)
    for i in range(60):
        (repo / f"mod{i}.py").write_text(_module("b", i))
    for _ in range(3):
        assert [d.path for d in ix.definitions("fa_7_3")] == ["mod7.py"]  # as indexed
        assert ix.wait(30)
    assert len(ix.warnings) == 1 and "disk is full" in ix.warnings[0]
    monkeypatch.undo()  # the disk has room again, and RETRY_S has passed
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    monkeypatch.setattr(follow, "RETRY_S", 0.0)
    ix.search("fb_7_3")
    assert ix.wait(30) and [d.path for d in ix.definitions("fb_7_3")] == ["mod7.py"]


class _SlowEmbedding:
    """Semantic search whose background pass lasts until ``done`` is set (a slow endpoint)."""

    def __init__(self) -> None:
        self.done = threading.Event()

    def sync(self, *args) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "genie-index":
            self.done.wait(30)

    def hits(self, *args) -> None:  # type: ignore[no-untyped-def]
        return None

    def summary(self) -> dict:
        return {}

    def close(self) -> None:
        self.done.set()


def test_lookups_follow_again_once_a_catch_ups_files_are_in(make_repo, monkeypatch):
    """Semantic search on: after a catch-up's files are in, its thread embeds them; lookups skipped following for
    all that time (a file saved then was not seen, and no note said so)."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({f"mod{i}.py": _module("a", i) for i in range(60)})
    ix = RepoIndex.open(repo, watch=True)
    ix._sem = embedding = _SlowEmbedding()  # type: ignore[assignment]
    for i in range(60):
        (repo / f"mod{i}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    end = time.monotonic() + 30
    while ix.building and time.monotonic() < end:
        time.sleep(0.02)
    assert ix._busy()  # embedding
    (repo / "mod1.py").write_text("def saved_by_user():\n    pass\n")
    assert [d.path for d in ix.definitions("saved_by_user")] == ["mod1.py"]
    embedding.done.set()
    assert ix.wait(30)


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


def test_a_file_a_catch_up_has_not_read_again_yet_is_found_as_it_was(make_repo, monkeypatch):
    """The note during a catch-up says a file not read again yet is found as it was before: once the catch-up had
    committed its first batch, the files it had not parsed yet had no definitions at all (a branch switch of 2,500
    files: 1,500 found neither as they were nor as they are, for 2 s)."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    monkeypatch.setattr(build, "BATCH_FILES", 10)
    repo = make_repo({f"mod{i:03}.py": _module("a", i) for i in range(100)})
    ix = RepoIndex.open(repo, watch=True)
    _slow_writes(monkeypatch, 0.03)  # 3 s for the 100 files, in the order git lists them
    for i in range(100):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    end = time.monotonic() + 30
    while not ix.definitions("fb_20_1") and time.monotonic() < end:  # its first batches are committed
        time.sleep(0.05)
    assert ix.building
    assert [d.path for d in ix.definitions("fa_99_1")] == ["mod099.py"]  # its last file, as it was
    assert ix.wait(60) and [d.path for d in ix.definitions("fb_99_1")] == ["mod099.py"]
    assert ix.definitions("fa_99_1") == []


def test_a_build_failing_on_a_bug_is_one_warning_not_a_thread_traceback(make_repo, monkeypatch):
    """An error no build expects (a bug, a library's RuntimeError) in the background build: one line among the
    index's warnings, searches answered from what is indexed, and no thread traceback over the app's screen."""
    repo = make_repo({f"mod{i}.py": _module("a", i) for i in range(5)})
    uncaught: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", uncaught.append)

    def buggy(*args):  # type: ignore[no-untyped-def]
        raise RuntimeError("dictionary changed size during iteration")

    monkeypatch.setattr(build, "_write", buggy)
    ix = RepoIndex.open(repo, background=True)
    assert ix.wait(30)
    assert not uncaught
    told = "the index could not be built (RuntimeError: dictionary changed size during iteration); searches answer"
    assert ix.warnings == [f"{told} from what is indexed"]
    monkeypatch.undo()
    ix.close()
