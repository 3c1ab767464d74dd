"""How long lookups wait for a patch's files handed to a background build (retrieval/inbox.py) when the build does
not look at them for a while, and the catch-ups that take changes in after a build. Real git repositories."""

from __future__ import annotations

import sqlite3
import threading
import time

from genie_tui.retrieval import RepoIndex, build, follow, inbox, snapshot, workers
from genie_tui.retrieval.store import Store, db_path


def _module(tag: str, i: int) -> str:
    return "".join(f"def f{tag}_{i}_{j}(x):\n    return x + {j}\n\n\n" for j in range(5))


def _slow(monkeypatch, name: str, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """``build.<name>`` takes ``seconds`` more (``_write``: each parsed file stored; ``_clear_file``: each file's
    rows taken out)."""
    real = getattr(build, name)

    def slow(*args):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        return real(*args)

    monkeypatch.setattr(build, name, slow)


def _patch(ix: RepoIndex, repo, rel: str, text: str) -> None:  # type: ignore[no-untyped-def]
    (repo / rel).write_text(text)
    ix.refresh([rel], wait=False)  # after_patch, on the event loop


def _until(check, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while not check() and time.monotonic() < end:
        time.sleep(0.02)


def _timed(call):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    out = call()
    return out, time.monotonic() - started


def _repo(make_repo, n: int):  # type: ignore[no-untyped-def]
    return make_repo({**{f"mod{i:03}.py": _module("a", i) for i in range(n)}, "patched.py": "def p0():\n    pass\n"})


def test_a_patch_is_read_while_a_catch_up_takes_out_deleted_files(make_repo, monkeypatch):
    """Files deleted by a branch switch are taken out one by one after the parse (thousands take seconds): a patch
    meanwhile was read only after all of them."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = _repo(make_repo, 300)
    ix = RepoIndex.open(repo, watch=True)
    _slow(monkeypatch, "_clear_file", 0.02)  # 5 s for the 250 files
    for i in range(250):
        (repo / f"mod{i:03}.py").unlink()
    ix.search("fb_7_3")
    assert ix.building
    time.sleep(0.5)
    _patch(ix, repo, "patched.py", "def patched_now(x):\n    return x\n")
    found, took = _timed(lambda: ix.definitions("patched_now"))
    assert found and took < 2.0 and ix.building, took
    assert ix.wait(60) and ix.find_files("mod*.py") == [f"mod{i:03}.py" for i in range(250, 300)]
    assert [d.path for d in ix.definitions("patched_now")] == ["patched.py"]


def test_patches_handed_over_read_only_their_rows_of_the_files_table(make_repo, monkeypatch):
    """After each patch the build read in, the whole files table was read again for the lookups (40 ms at 11,000
    files): only the rows the patch changed are."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    full_reads: list[str] = []
    real_connect = sqlite3.connect
    whole = f"SELECT {snapshot.COLUMNS} FROM files"

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        c = real_connect(*args, **kwargs)
        c.set_trace_callback(lambda sql: full_reads.append(threading.current_thread().name) if sql == whole else None)
        return c

    monkeypatch.setattr(sqlite3, "connect", connect)
    repo = _repo(make_repo, 300)
    ix = RepoIndex.open(repo, watch=True)
    _slow(monkeypatch, "_write", 0.01)
    for i in range(300):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    full_reads.clear()
    for n in range(6):
        _patch(ix, repo, "patched.py", f"def patched_{n}(x):\n    return x\n")
        assert [d.path for d in ix.definitions(f"patched_{n}")] == ["patched.py"] and ix.building
    assert full_reads.count("genie-index") <= 1, full_reads  # the first: its rows were read on another thread
    ix.close()


def test_files_handed_to_a_build_count_in_what_it_did_and_start_no_workers(make_repo, monkeypatch):
    """``build.update`` reading a patch's files handed to it: they were missing from its counts, and a patch of
    over workers.MIN_BYTES started workers of its own beside the build's."""
    repo = _repo(make_repo, 40)
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setattr(workers, "cpus", lambda: 4)
    started: list[int] = []
    me = threading.get_ident()
    real = workers.analysed

    def analysed(jobs, fn, n, *args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.get_ident() == me:  # not another test's build still running
            started.append(n)
        return real(jobs, fn, 0, *args, **kwargs)  # parsed here all the same

    monkeypatch.setattr(workers, "analysed", analysed)
    store = Store(db_path(repo.resolve()))
    store.init()
    handed = inbox.Inbox(lambda changed: None)
    handed.open()
    ticket = handed.put(["patched.py"])
    stats = build.update(store.conn(), repo, patches=handed)
    assert ticket is not None and ticket.ok
    assert (stats.parsed, stats.definitions) == (41, 201)
    assert started == [0, 4]  # the patch's, then the build's
    store.close()
