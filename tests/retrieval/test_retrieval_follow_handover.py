"""A patch applied while a background build runs (the first build, or a catch-up after a branch switch): the lookup
after it hands the patch's files to the build, which reads them at its next file and goes on (retrieval/inbox.py).
It was stopped for them and started again, which let ``IndexService.wait`` return before the first build's files
were in, and kept a catch-up from ever ending under a stream of patches. Real git repositories."""

from __future__ import annotations

import threading
import time

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.retrieval import RepoIndex, build, follow
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext


def _run(ctx: ToolContext, name: str, **args) -> str:  # type: ignore[no-untyped-def]
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


def _module(tag: str, i: int) -> str:
    return "".join(f"def f{tag}_{i}_{j}(x):\n    return x + {j}\n\n\n" for j in range(5))


def _slow(monkeypatch, name: str, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """``build.<name>`` (``_write``: each parsed file stored; ``blob_hash``: each file read) takes ``seconds`` more."""
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


def test_waiting_for_the_first_build_waits_for_its_files_when_a_patch_comes(make_repo, monkeypatch):
    """A patch during the first build: the build was stopped for it and the rest started again as a catch-up after
    the lookup had read the patch; in between nothing was building, and ``IndexService.wait`` (an agent's first
    search, the first turn's repository map) returned True with none of 600 files in."""
    repo = make_repo({f"mod{i:03}.py": _module("a", i) for i in range(300)})
    _slow(monkeypatch, "_write", 0.01)  # 3 s
    ctx = ToolContext(repo, load_settings(repo, {}))
    ix = ctx.index
    assert ix.building and ix.first_build
    waited: list[bool] = []
    waiter = threading.Thread(target=lambda: waited.append(ctx.service.wait(60)))
    waiter.start()
    time.sleep(0.3)
    _patch(ix, repo, "mod000.py", "def added_by_patch(x):\n    return x\n\n\n" + _module("a", 0))
    assert [d.path for d in ix.definitions("added_by_patch")] == ["mod000.py"]
    waiter.join(60)
    assert waited == [True]
    assert not ix.building and not ctx.service.status()[0]  # done when wait said so: no build went on after it
    assert [d.path for d in ix.definitions("fa_299_4")] == ["mod299.py"]


def test_a_catch_up_after_a_first_build_a_patch_came_into_is_not_the_first_build(make_repo, monkeypatch):
    """The rest of a first build stopped for a patch, when few files were left, was read by the lookup itself: the
    first build never ended, so the catch-up of a later branch switch counted as it (``first_build``): each search
    waited for it (TOOL_WAIT_S) and said the index was still being built."""
    monkeypatch.setattr(follow, "MAX_INLINE", 80)
    monkeypatch.setattr(build, "BATCH_FILES", 10)
    repo = make_repo({f"mod{i:03}.py": _module("a", i) for i in range(300)})
    _slow(monkeypatch, "_write", 0.01)
    ctx = ToolContext(repo, load_settings(repo, {}))
    ix = ctx.index
    _until(lambda: bool(ix.definitions("fa_229_1")))  # fewer than MAX_INLINE files left
    assert ix.first_build
    _patch(ix, repo, "mod000.py", "def added_by_patch(x):\n    return x\n")
    assert [d.path for d in ix.definitions("added_by_patch")] == ["mod000.py"]
    assert ctx.service.wait(60)
    for i in range(100):  # a branch switch
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    started = time.monotonic()
    out = _run(ctx, "search_code", query="fb_7_3")
    assert ix.building and not ix.first_build
    assert "catching up" in out and "still being built" not in out and time.monotonic() - started < 5


def test_a_catch_up_ends_while_patches_keep_coming(make_repo, monkeypatch):
    """A branch switch caught up while a patch is applied every 0.3 s: each patch stopped the catch-up and the next
    started from what was committed (every BATCH_FILES files), so it never ended (2,000 files of 30 functions with a
    patch every 0.5 s: not done after 90 s; 4.2 s without patches, now 5 s with them)."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    repo = make_repo({**{f"mod{i:03}.py": _module("a", i) for i in range(300)}, "patched.py": "def p0():\n  pass\n"})
    ix = RepoIndex.open(repo, watch=True)
    _slow(monkeypatch, "_write", 0.01)  # 3 s for the 300 files
    for i in range(300):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    assert ix.building
    started, n = time.monotonic(), 0
    while ix.building and time.monotonic() - started < 20:
        time.sleep(0.3)
        n += 1
        _patch(ix, repo, "patched.py", f"def p{n}():\n    return {n}\n")
        assert [d.path for d in ix.definitions(f"p{n}")] == ["patched.py"]  # each seen by the lookup after it
    took = time.monotonic() - started
    assert not ix.building and took < 15, (n, took)
    assert [d.path for d in ix.definitions("fb_299_4")] == ["mod299.py"] and ix.definitions("fa_299_4") == []


def test_a_patch_to_files_a_catch_up_read_as_they_were_wins(make_repo, monkeypatch):
    """The catch-up had read a file before the patch wrote it, or one the patch deleted: its result, parsed from
    what the file held then, must not be written after the patch's (lookups would find the file as it was until
    the catch-up ended)."""
    monkeypatch.setattr(follow, "MAX_INLINE", 20)
    monkeypatch.setattr(build, "BATCH_FILES", 10)
    repo = make_repo({f"mod{i:03}.py": _module("a", i) for i in range(300)})
    ix = RepoIndex.open(repo, watch=True)
    _slow(monkeypatch, "_write", 0.01)
    for i in range(300):
        (repo / f"mod{i:03}.py").write_text(_module("b", i))
    ix.search("fb_7_3")
    _until(lambda: bool(ix.definitions("fb_20_1")))  # its files are all read, the first parsed
    assert ix.building
    _patch(ix, repo, "mod150.py", "def patched_150(x):\n    return x\n")
    (repo / "mod151.py").unlink()
    ix.refresh(["mod151.py"], wait=False)
    assert [d.path for d in ix.definitions("patched_150")] == ["mod150.py"]
    _until(lambda: bool(ix.definitions("fb_200_1")))  # past them
    assert ix.building
    assert [d.path for d in ix.definitions("patched_150")] == ["mod150.py"]
    assert ix.definitions("fb_150_1") == [] and ix.definitions("fb_151_1") == [] and ix.definitions("fa_151_1") == []
    assert ix.wait(60) and ix.find_files("mod15?.py") == [f"mod15{i}.py" for i in range(10) if i != 1]


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_patch_while_the_first_build_reads_the_files_is_taken_in_once(make_repo, monkeypatch):
    """A patch while the first build still reads the files (before it parses any): the patch's files are written
    first, and the build, reaching them later in its listing, must leave them be (a second row for a new path)."""
    repo = make_repo({f"mod{i:03}.py": _module("a", i) for i in range(200)})
    _slow(monkeypatch, "blob_hash", 0.01)  # 2 s to read the 200 files
    ix = RepoIndex.open(repo, watch=True, background=True)
    time.sleep(0.3)
    _patch(ix, repo, "mod199.py", "def patched_199(x):\n    return x\n")
    assert [d.path for d in ix.definitions("patched_199")] == ["mod199.py"]
    assert ix.building and ix.wait(60) and ix.warnings == []
    assert [d.path for d in ix.definitions("patched_199")] == ["mod199.py"] and ix.definitions("fa_199_1") == []
    assert [d.path for d in ix.definitions("fa_198_1")] == ["mod198.py"]
