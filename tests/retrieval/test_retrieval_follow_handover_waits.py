"""How long lookups wait for a patch's files handed to a background build (retrieval/inbox.py) when the build does
not look at them for a while, and the catch-ups that take changes in after a build. Real git repositories."""

from __future__ import annotations

import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from genie_tui.config.settings import Settings
from genie_tui.retrieval import RepoIndex, build, follow, inbox, snapshot, workers
from genie_tui.retrieval.store import Store, db_path
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext


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


def test_a_build_that_takes_no_file_for_long_is_waited_for_once(make_repo, monkeypatch):
    """A catch-up stuck in one file (a slow parse; a worker stopped, waited for up to workers.HANG_SECONDS): the
    lookup after a patch waits PATCH_WAIT_S for it and the next ones answer at once (each waited PATCH_WAIT_S
    again); the build reads the patch once it goes on."""
    monkeypatch.setattr(follow, "MAX_INLINE", 5)
    monkeypatch.setattr(follow, "PATCH_WAIT_S", 1.0)
    monkeypatch.setattr(build, "BATCH_FILES", 10)
    repo = _repo(make_repo, 60)
    ix = RepoIndex.open(repo, watch=True)
    release = threading.Event()
    real = build._analyse_job

    def stuck(job):  # type: ignore[no-untyped-def]
        if job[1] == "mod030.py":
            release.wait(60)
        return real(job)

    monkeypatch.setattr(build, "_analyse_job", stuck)
    for i in range(60):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    _until(lambda: bool(ix.definitions("fb_29_1")))  # committed with its batch: it is in mod030.py
    assert ix.building
    _patch(ix, repo, "patched.py", "def patched_now(x):\n    return x\n")
    waits = [_timed(lambda: ix.definitions("patched_now")) for _ in range(4)]
    assert [found for found, _ in waits] == [[]] * 4
    assert waits[0][1] > 0.8 and max(took for _, took in waits[1:]) < 0.5, waits
    release.set()
    _until(lambda: bool(ix.definitions("patched_now")))
    assert [d.path for d in ix.definitions("patched_now")] == ["patched.py"]
    assert ix.wait(60) and [d.path for d in ix.definitions("fb_59_4")] == ["mod059.py"]


def test_a_stale_end_of_a_wait_does_not_cut_a_later_one_short(make_repo, monkeypatch):
    """A lookup that found the build's update ending, then failed to read the patch itself (a full disk), left the
    end of its wait behind: the next patch's lookup, much later, gave up on the build after one look."""
    monkeypatch.setattr(follow, "MAX_INLINE", 5)
    monkeypatch.setattr(follow, "PATCH_WAIT_S", 3.0)
    repo = _repo(make_repo, 100)
    ix = RepoIndex.open(repo, watch=True)
    _slow(monkeypatch, "_write", 0.01)  # 1 s for the 100 files
    for i in range(100):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    assert ix.building
    real_put, real_update = inbox.Inbox.put, build.update

    def ending(self, paths) -> None:  # type: ignore[no-untyped-def]
        ix.wait(60)  # the lookup finds the catch-up's update ending

    def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("only") and threading.current_thread().name != "genie-index":
            raise sqlite3.OperationalError("database or disk is full")
        return real_update(*args, **kwargs)

    monkeypatch.setattr(inbox.Inbox, "put", ending)
    monkeypatch.setattr(build, "update", full_disk)
    _patch(ix, repo, "patched.py", "def patched_first(x):\n    return x\n")
    ix.definitions("patched_first")
    assert len(ix.warnings) == 1 and "full" in ix.warnings[0]
    monkeypatch.setattr(inbox.Inbox, "put", real_put)
    monkeypatch.setattr(build, "update", real_update)
    time.sleep(3.5)  # past that end
    monkeypatch.setattr(build, "BATCH_FILES", 5)
    release = threading.Event()
    real = build._analyse_job

    def stuck(job):  # type: ignore[no-untyped-def]
        if job[1] == "mod010.py":
            release.wait(60)
        return real(job)

    monkeypatch.setattr(build, "_analyse_job", stuck)
    for i in range(20):
        (repo / f"mod{i:03}.py").write_text(_module("c", i))
    ix.search("fc_7_3")
    _until(lambda: bool(ix.definitions("fc_9_1")))  # it is in mod010.py
    _patch(ix, repo, "patched.py", "def patched_again(x):\n    return x\n")
    threading.Timer(0.5, release.set).start()  # it goes on well within PATCH_WAIT_S
    assert [d.path for d in ix.definitions("patched_again")] == ["patched.py"] and ix.building
    ix.close()


def test_a_patch_noted_while_a_lookup_takes_out_the_last_one_is_read_by_the_next(make_repo, monkeypatch):
    """A patch noted (on the event loop) while a lookup on another thread took out the files it had read: the lookup
    put back the notes as they were before, without the new one, and during a catch-up no lookup read it. The window
    (a set's difference) is widened here to make it certain."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({**{f"mod{i:03}.py": _module("a", i) for i in range(300)}, "a.py": "def a0():\n    pass\n",
                      "b.py": "def b0():\n    pass\n"})
    ix = RepoIndex.open(repo, watch=True)
    _slow(monkeypatch, "_write", 0.01)  # 3 s for the 300 files
    for i in range(300):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    assert ix.building

    class SlowDifference(set):
        def __sub__(self, other):  # type: ignore[no-untyped-def]
            out = set(self) - other
            time.sleep(0.3)
            return out

    _patch(ix, repo, "a.py", "def patched_a(x):\n    return x\n")
    ix._written = SlowDifference(ix._written)
    later = threading.Timer(0.1, lambda: _patch(ix, repo, "b.py", "def patched_b(x):\n    return x\n"))
    later.start()
    assert [d.path for d in ix.definitions("patched_a")] == ["a.py"]
    later.join()
    assert [d.path for d in ix.definitions("patched_b")] == ["b.py"] and ix.building
    ix.close()


class _SlowEmbeddings(BaseHTTPRequestHandler):
    """An embeddings endpoint that answers nothing until released: an embedding pass in flight."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.server.released.wait(60)  # type: ignore[attr-defined]
        self.send_response(500)
        self.end_headers()


def test_a_patch_during_an_embedding_pass_a_catch_up_waits_for_is_read_at_once(make_repo, monkeypatch):
    """A branch switch while the first build's embedding pass runs is caught up after the pass: meanwhile a patch
    was waited for PATCH_WAIT_S and not seen until the pass ended (no build held the write lock), and the catch-up
    counted as the first build (each search waited TOOL_WAIT_S and said the index was still being built)."""
    monkeypatch.setattr(follow, "MAX_INLINE", 5)
    monkeypatch.setattr(follow, "PATCH_WAIT_S", 2.0)
    repo = _repo(make_repo, 60)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowEmbeddings)
    server.released = threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(embeddings_model="embed-a", embeddings_hypothetical=False, backoff_base=0.0,
                            embeddings_base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
        ctx = ToolContext(repo, settings)
        ix = ctx.index
        assert ctx.service.wait(30) and not ix.wait(0)  # its files are in; its embedding pass waits
        for i in range(30):
            (repo / f"mod{i:03}.py").write_text(_module("b", i))
        out = registry.run_simple(ctx, "search_code", {"query": "fb_7_3"}).text
        assert ix.building and "catching up" in out and "still being built" not in out
        _patch(ix, repo, "patched.py", "def patched_now(x):\n    return x\n")
        out, took = _timed(lambda: registry.run_simple(ctx, "go_to_definition", {"symbol": "patched_now"}).text)
        assert out.startswith("patched.py:1: def patched_now(x):") and took < 1.5, took
        assert ix.building
        server.released.set()  # type: ignore[attr-defined]
        assert ix.wait(60) and [d.path for d in ix.definitions("fb_29_4")] == ["mod029.py"]
    finally:
        server.released.set()  # type: ignore[attr-defined]
        server.shutdown()


def test_many_files_changed_during_the_first_build_are_caught_up_without_holding_lookups(make_repo, monkeypatch):
    """A patch during the first build (a refresh after it is asked for) and files changed after it had read them:
    the update after it took them all in holding the write lock, with ``building`` false, and each lookup waited
    for the whole of it (250 files changed: 2.8 s)."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    monkeypatch.setattr(build, "BATCH_FILES", 50)
    repo = _repo(make_repo, 300)
    _slow(monkeypatch, "_write", 0.01)  # 3 s for the 300 files, 2.5 s for the 250 changed
    parsed = threading.Event()

    def progress(done: int, total: int) -> None:
        if total and done == total:
            parsed.set()

    ix = RepoIndex.open(repo, watch=True, background=True, progress=progress)
    _until(lambda: bool(ix.definitions("fa_49_1")))  # it has read every file
    _patch(ix, repo, "patched.py", "def patched_now(x):\n    return x\n")
    assert [d.path for d in ix.definitions("patched_now")] == ["patched.py"]
    for i in range(250):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    assert parsed.wait(30)
    time.sleep(0.3)  # no lookup meanwhile: the update after it has begun
    waits: list[float] = []
    while not ix.wait(0) or not waits:
        waits.append(_timed(lambda: ix.find_files("mod001.py"))[1])
        time.sleep(0.05)
    assert max(waits) < 1.2, max(waits)
    assert [d.path for d in ix.definitions("fb_249_4")] == ["mod249.py"] and ix.definitions("fa_249_4") == []
