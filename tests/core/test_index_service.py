"""The code index as sessions use it (core/indexing.py): built in the background from when genie starts, shared by
the agent's tools and the search pane, stopped at once when genie quits, and saying what it has to say."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from genie_tui.config.settings import Settings
from genie_tui.core import indexing
from genie_tui.errors import GenieError
from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.store import db_path
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext


def many_files(make_repo, n: int) -> Path:
    return make_repo({f"pkg{i // 100}/mod{i}.py": f"def func_{i}(x):\n    return x + {i}\n" for i in range(n)})


@contextmanager
def another_genie_building(repo: Path):
    """Hold the index's build lock, as another genie process's build does."""
    path = db_path(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def test_a_stopped_background_build_keeps_what_it_stored_and_the_next_open_goes_on(make_repo):
    repo = many_files(make_repo, 3000)
    past_a_commit = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 1100:  # a batch of 1,000 files was committed
            past_a_commit.set()
            time.sleep(0.05)  # slowly from here, so that the close below comes before the build's end

    ix = RepoIndex.open(repo, background=True, progress=progress)
    assert past_a_commit.wait(60)
    t0 = time.monotonic()
    ix.close()
    assert time.monotonic() - t0 < 2.0
    again = RepoIndex.open(repo)
    try:
        assert 0 < again.last_build.parsed <= 2000  # the rest, not all of it again
        assert again.stats["files"] == 3000
    finally:
        again.close()


def test_a_build_waiting_for_another_genie_is_shown_said_and_stopped_at_once(make_repo):
    repo = many_files(make_repo, 20)
    with another_genie_building(repo):
        service = indexing.shared(repo, Settings())
        service.start()
        index = service.get()  # open: searches answer (from nothing yet) while the build waits
        assert index.search("func_3") == []
        assert service.status()[0] is True
        deadline = time.monotonic() + 10
        news: list[str] = []
        while not news and time.monotonic() < deadline:
            news = service.news()
            time.sleep(0.05)
        assert news == ["another genie process is updating this repository's index; waiting for it"]
        assert service.news() == []  # said once
        t0 = time.monotonic()
        indexing.stop_all()
        assert time.monotonic() - t0 < 2.0
        assert service.status()[0] is False


def test_one_index_per_repository_and_its_build_goes_on_once_the_lock_is_free(make_repo, monkeypatch):
    monkeypatch.setattr(indexing, "TOOL_WAIT_S", 0.5)  # an agent's search waits this long for the build
    repo = many_files(make_repo, 20)
    with another_genie_building(repo):
        service = indexing.shared(repo, Settings())
        assert indexing.shared(repo / "pkg0" / "..", Settings()) is service
        ctx = ToolContext(repo, Settings())
        out = registry.run_simple(ctx, "search_code", {"query": "func_3"})
        assert "the code index is still being built" in out.text
        assert ctx.index is service.get()
    assert service.wait(30)
    out = registry.run_simple(ctx, "search_code", {"query": "func_3"})
    assert out.text.startswith("pkg0/mod3.py") and "still being built" not in out.text
    assert service.status() == (False, 20, 20)


def test_an_index_that_cannot_open_says_so_once_and_is_not_retried_at_every_call(make_repo, genie_home):
    repo = make_repo({"a.py": "x = 1\n"})
    cache = db_path(repo).parent
    os.makedirs(cache.parent, exist_ok=True)
    cache.write_text("a file where the cache directory goes")
    service = indexing.shared(repo, Settings())
    with pytest.raises(GenieError, match="cannot use the index cache"):
        service.get()
    assert [n for n in service.news() if "cannot use the index cache" in n]
    assert service.news() == []
    cache.unlink()  # usable now: a retry would open it, and none is made within RETRY_S
    with pytest.raises(GenieError, match="cannot use the index cache"):
        service.get()
    ctx = ToolContext(repo, Settings())
    with pytest.raises(GenieError):
        registry.run_simple(ctx, "find_files", {"pattern": "*.py"})


def test_stopping_while_the_index_opens_leaves_no_build_running(make_repo):
    # `genie run` failing at once (an unknown playbook) stopped it mid-open: the build it then started outlived
    # genie's exit and printed a traceback ("cannot schedule new futures after interpreter shutdown")
    repo = many_files(make_repo, 200)
    service = indexing.shared(repo, Settings())
    service.start()
    service.stop()
    assert [t.name for t in threading.enumerate() if t.name.startswith("genie-index")] == []
    with pytest.raises(GenieError, match="closed"):
        service.get()


def test_a_patch_applied_during_the_build_does_not_wait_for_it_and_is_read_after_it(make_repo):
    # a patch's refresh waited for the whole background build on the app's event loop: the app froze (24 s
    # behind another genie's build) and `genie run` did not take its SIGTERM
    repo = many_files(make_repo, 20)
    with another_genie_building(repo):
        index = RepoIndex.open(repo, background=True)
        assert index.building
        (repo / "pkg0" / "mod3.py").write_text("def reconcile_ledger(x):\n    return x\n")
        t0 = time.monotonic()
        index.refresh()
        assert time.monotonic() - t0 < 0.5
    try:
        assert index.wait(30)
        assert [r.path for r in index.search("reconcile_ledger")][:1] == ["pkg0/mod3.py"]
    finally:
        index.close()


class _SlowEmbeddings(BaseHTTPRequestHandler):
    """An embeddings endpoint that answers nothing for a minute: an embedding pass in flight."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.server.released.wait(60)  # type: ignore[attr-defined]
        self.send_response(500)
        self.end_headers()


def test_an_embedding_pass_after_the_files_is_no_build_to_wait_for_and_stops_with_genie(make_repo):
    repo = many_files(make_repo, 20)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowEmbeddings)
    server.released = threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(embeddings_model="embed-a", embeddings_hypothetical=False,
                            embeddings_base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
        service = indexing.shared(repo, settings)
        service.start()
        assert service.wait(30)  # the files: the embedding request is still on the wire
        assert service.status() == (False, 20, 20)
        ctx = ToolContext(repo, settings)
        t0 = time.monotonic()
        out = registry.run_simple(ctx, "search_code", {"query": "func_3"})
        assert time.monotonic() - t0 < 2.0 and "still being built" not in out.text
        t0 = time.monotonic()
        indexing.stop_all()
        assert time.monotonic() - t0 < 3.0
    finally:
        server.released.set()  # type: ignore[attr-defined]
        server.shutdown()


def test_a_cache_failing_alike_at_each_retry_is_said_once(make_repo, monkeypatch):
    monkeypatch.setattr(indexing, "RETRY_S", 0.0)
    repo = make_repo({"a.py": "x = 1\n"})
    cache = db_path(repo).parent
    os.makedirs(cache.parent, exist_ok=True)
    cache.write_text("a file where the cache directory goes")
    service = indexing.shared(repo, Settings())
    for _ in range(3):
        with pytest.raises(GenieError, match="cannot use the index cache"):
            service.get()
    assert len(service.news()) == 1
    with pytest.raises(GenieError):
        service.get()
    assert service.news() == []


def test_an_unexpected_failure_to_open_is_one_error_not_a_thread_traceback(make_repo, monkeypatch, capsys):
    repo = make_repo({"a.py": "x = 1\n"})

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RepoIndex, "open", broken)
    service = indexing.shared(repo, Settings())
    with pytest.raises(GenieError, match="cannot open the code index: .*No space left on device"):
        service.get()
    assert service.news() == ["cannot open the code index: [Errno 28] No space left on device"]
    assert "Traceback" not in capsys.readouterr().err
