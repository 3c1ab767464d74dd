"""The agent's index following the disk when lookups race (retrieval/follow.py): a catch-up another lookup starts
while a patch's files wait to be read, this process's build waiting for another genie's build lock when a patch
comes, and genie quitting under a lookup. Found by a stress run of lookups on three threads beside a patcher and
branch switches (5-20% of patches missed by the lookup after them); each race is made to happen here."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time

import pytest

from genie_tui.errors import GenieError
from genie_tui.retrieval import RepoIndex, build, follow
from genie_tui.retrieval.store import db_path


def _module(tag: str, i: int) -> str:
    return "".join(f"def f{tag}_{i}_{j}(x):\n    return x + {j}\n\n\n" for j in range(5))


def test_a_catch_up_started_while_a_patch_waits_is_handed_its_files(make_repo, monkeypatch):
    # another lookup, between this one finding no build running and taking the write lock, started a catch-up: this
    # lookup answered without the patch it was there to read
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({f"pkg{i % 6}/mod{i}.py": _module("a", i) for i in range(200)})
    ix = RepoIndex.open(repo, watch=True)
    real_write = build._write

    def slow_write(*args):  # type: ignore[no-untyped-def]
        time.sleep(0.03)  # a catch-up of the 200 files lasts 6 s
        return real_write(*args)

    monkeypatch.setattr(build, "_write", slow_write)
    for i in range(200):  # a branch switch, not looked at yet
        (repo / f"pkg{i % 6}/mod{i}.py").write_text(_module("b", i))
    real = follow.Following._hold
    raced: list[bool] = []

    def hold(self):  # type: ignore[no-untyped-def]
        if not raced:  # the other lookup's catch-up, in the window
            raced.append(True)
            self._catch_up()
        return real(self)

    monkeypatch.setattr(follow.Following, "_hold", hold)
    path = repo / "pkg0/mod0.py"
    path.write_text("def added_by_patch(x):\n    return x\n\n\n" + path.read_text())
    ix.refresh(["pkg0/mod0.py"], wait=False)
    assert [loc.path for loc in ix.definitions("added_by_patch")] == ["pkg0/mod0.py"]
    assert raced and ix.building  # the catch-up goes on
    ix.close()


def test_a_patch_waits_for_another_genies_build_lock_only_so_long(make_repo, monkeypatch):
    # this process's build waited for the lock to catch up, and the lookup after a patch waited for that build, as
    # long as the other genie held the lock (a `genie index` stopped with Ctrl+Z: forever)
    monkeypatch.setattr(follow, "PATCH_WAIT_S", 1.0)
    repo = make_repo({"a.py": "def alpha():\n    return 1\n"})
    RepoIndex.open(repo).close()
    lock = open(str(db_path(repo.resolve())) + ".lock", "a+b")  # noqa: SIM115 - closed below
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # another genie's build
    release = threading.Timer(8.0, lambda: fcntl.flock(lock.fileno(), fcntl.LOCK_UN))
    release.start()
    try:
        ix = RepoIndex.open(repo, watch=True, background=True)
        deadline = time.monotonic() + 5
        while not ix.building and time.monotonic() < deadline:
            time.sleep(0.01)
        (repo / "b.py").write_text("def beta_patched():\n    return 2\n")
        ix.refresh(["b.py"], wait=False)
        started = time.perf_counter()
        ix.definitions("beta_patched")
        took = time.perf_counter() - started
        assert took < 4.0, took  # about PATCH_WAIT_S; the lock's 8 s before
    finally:
        release.cancel()
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        lock.close()
    ix.close()


def test_a_lookup_when_genie_quits_under_it_says_so_without_a_database_error(make_repo, monkeypatch):
    # the store closed another thread's connection in use: sqlite3's "Cannot operate on a closed database" reached
    # the tool call as a traceback
    repo = make_repo({"a.py": "def alpha():\n    return 1\n"})
    ix = RepoIndex.open(repo, watch=True)

    def closed_under_it(*args, **kwargs):  # type: ignore[no-untyped-def]
        ix.close()  # genie quitting, on another thread, while this update runs
        raise sqlite3.ProgrammingError("Cannot operate on a closed database.")

    monkeypatch.setattr(build, "update", closed_under_it)
    ix.refresh(wait=False)
    with pytest.raises(GenieError, match="closed"):
        ix.definitions("alpha")


def test_a_patchs_files_that_cannot_be_read_are_left_to_the_scans_and_said_once(make_repo, monkeypatch):
    # a full disk: every lookup tried the patch's files again, warned again, and no catch-up could start
    repo = make_repo({"a.py": "def alpha():\n    return 1\n"})
    ix = RepoIndex.open(repo, watch=True)
    real = build.update

    def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("only"):
            raise GenieError("cannot update the code index: database or disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "update", full_disk)
    (repo / "a.py").write_text("def alpha_patched():\n    return 1\n")
    ix.refresh(["a.py"], wait=False)
    for _ in range(3):
        ix.definitions("alpha")
    assert ix.warnings.count("cannot update the code index: database or disk is full") == 1
    assert [loc.path for loc in ix.definitions("alpha_patched")] == ["a.py"]  # read by the scan after
    ix.close()
