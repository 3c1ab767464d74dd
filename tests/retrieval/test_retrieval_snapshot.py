"""After an update the index answers as if it had been opened afresh, though it reads only the rows that changed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading

import pytest

from genie_tui.retrieval import RepoIndex, build, history
from genie_tui.retrieval.snapshot import Snapshot
from genie_tui.retrieval.store import CacheUnusable, db_path

QUERIES = ("parse the config file", "loader load settings", "render the page title", "utils helpers", "App")


def _answers(ix: RepoIndex) -> list:
    out: list = [ix.find_files("*"), ix.stats["files"], ix.definitions("load_config"), ix.definitions("Page"),
                 ix.definitions("helper", "web/page.ts")]
    for q in QUERIES:
        out.append([(r.path, round(r.score, 9), [(s.start, s.end, s.symbol) for s in r.spans], r.why)
                    for r in ix.search(q, k=10)])
    return out


def _df_matches_postings(ix: RepoIndex) -> bool:
    """The stored document frequencies are the postings' counts (what a query's idf reads)."""
    c = ix._store.conn()
    return dict(c.execute("SELECT term, n FROM df")) == dict(
        c.execute("SELECT term, COUNT(*) FROM postings GROUP BY term"))


def _fresh(repo) -> list:
    ix = RepoIndex.open(repo)
    try:
        return _answers(ix)
    finally:
        ix.close()


def test_an_updated_index_answers_as_one_opened_afresh(make_repo, monkeypatch):
    repo = make_repo({
        "app/config.py": "def load_config(path):\n    '''Parse the config file.'''\n    return open(path).read()\n",
        "app/loader.py": "from app.config import load_config\n\n\nclass Loader:\n    def load(self):\n"
                         "        return load_config('settings.toml')\n",
        "web/page.ts": "import { helper } from '@lib/utils';\nexport class Page {\n  title() { return helper(); }\n}\n",
        "lib/utils.ts": "export function helper() { return 'render'; }\n",
        "web/utils.ts": "export function helper() { return 'page'; }\n",
        "tsconfig.json": json.dumps({"compilerOptions": {"paths": {"@lib/*": ["lib/*"]}}}),
        "README.md": "# demo\nRender the page title.\n",
    })
    ix = RepoIndex.open(repo)
    steps = [
        lambda: (repo / "app/config.py").write_text("def load_config(path, strict=False):\n"
                                                    "    '''Parse the config file, strictly.'''\n"
                                                    "    return open(path).read().strip()\n"),
        lambda: (repo / "app/extra.py").write_text("def parse_config_text(text):\n    return text.split()\n"),
        lambda: (repo / "tsconfig.json").write_text(json.dumps({"compilerOptions": {"paths": {"@lib/*": ["web/*"]}}})),
        lambda: (repo / "lib/utils.ts").unlink(),
        lambda: (repo / "app/loader.py").rename(repo / "app/loaders.py"),
        lambda: monkeypatch.setenv("GENIE_INDEX_MAX_BYTES", "60"),  # config.py is now too large: left out
        lambda: monkeypatch.delenv("GENIE_INDEX_MAX_BYTES"),  # and indexed again, under its old id
        lambda: (repo / "lib/utils.ts").write_text("export function helper() { return 'render the title'; }\n"),
        lambda: None,  # nothing changed
    ]
    for n, step in enumerate(steps):
        step()
        ix.refresh()
        assert _answers(ix) == _fresh(repo), f"after step {n}"
        assert _df_matches_postings(ix), f"after step {n}"
    ix.close()


def test_an_update_made_by_another_process_is_seen_by_the_next_refresh(make_repo):
    repo = make_repo({"a.py": "def alpha():\n    pass\n", "b.py": "def beta():\n    pass\n"})
    mine, theirs = RepoIndex.open(repo), RepoIndex.open(repo)  # two connections, as two processes would have
    (repo / "a.py").write_text("def alpha():\n    pass\n\n\ndef gamma():\n    return 'config'\n")
    theirs.refresh()  # stores the edit: my update finds nothing to do
    mine.refresh()
    assert mine.last_build.parsed == 0
    assert [d.path for d in mine.definitions("gamma")] == ["a.py"]
    assert _answers(mine) == _answers(theirs) == _fresh(repo)
    (repo / "c.py").write_text("def delta():\n    pass\n")  # a new file and a gone one, stored by them
    (repo / "b.py").unlink()
    theirs.refresh()
    mine.refresh()
    assert not mine.last_build.changed
    assert _answers(mine) == _answers(theirs) == _fresh(repo)
    assert _df_matches_postings(mine)
    mine.close()
    theirs.close()


def test_a_touched_file_is_read_again_but_not_parsed(make_repo):
    # a refresh takes the stored rows from the snapshot, which has no content hashes: the hash is read when needed
    repo = make_repo({"a.py": "def alpha():\n    pass\n", "b.py": "def beta():\n    pass\n"})
    ix = RepoIndex.open(repo)
    ix.refresh()
    st = (repo / "a.py").stat()
    os.utime(repo / "a.py", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    ix.refresh()
    assert ix.last_build.parsed == 0
    assert len(ix.last_build.changed) == 1  # its new mtime is stored
    ix.refresh()
    assert not ix.last_build.changed
    assert _answers(ix) == _fresh(repo)
    ix.close()


def test_a_stopped_update_keeps_what_it_committed_and_the_next_one_does_the_rest(make_repo, monkeypatch):
    # an update commits every 1,000 files; stopped after that (Ctrl-C), what it wrote since is rolled back, so
    # the index is as that commit left it (postings and document frequencies agreeing) and the next update,
    # taking the stored rows from its snapshot, finds the rest to do
    repo = make_repo({"a.py": "def alpha():\n    pass\n"})
    ix = RepoIndex.open(repo)
    ix.refresh()
    for i in range(1003):
        (repo / f"m{i:04d}.py").write_text(f"def mod{i}():\n    return {i}\n")
    real = build._write
    calls = []

    def stopped(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1002:  # the 1,001st file was written, not committed
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(build, "_write", stopped)
    with pytest.raises(KeyboardInterrupt):
        ix.refresh()
    monkeypatch.setattr(build, "_write", real)
    c = ix._store.conn()
    assert not c.in_transaction
    stored = c.execute("SELECT COUNT(*) FROM files WHERE hash IS NOT NULL").fetchone()[0]
    assert stored == 1001  # a.py and the first batch
    assert _df_matches_postings(ix)
    ix.refresh()
    assert ix.last_build.parsed == 3  # the one written after the commit, the one stopped, the last
    assert [d.path for d in ix.definitions("mod1002")] == ["m1002.py"]
    assert _answers(ix) == _fresh(repo)
    assert _df_matches_postings(ix)
    ix.close()


def test_an_update_that_fails_after_its_files_were_stored_leaves_the_next_one_correct(make_repo, monkeypatch):
    # the files were committed, then storing the new history failed (a lock held too long): the snapshot was not
    # read again, so the next update must read the stored rows, not take the snapshot's
    repo = make_repo({"a.py": "def alpha():\n    pass\n"})
    ix = RepoIndex.open(repo)
    (repo / "b.py").write_text("def beta():\n    return 'config'\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "beta"], cwd=repo, check=True)
    real = history.update

    def locked(*args):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(history, "update", locked)
    with pytest.raises(CacheUnusable):
        ix.refresh()
    monkeypatch.setattr(history, "update", real)
    ix.refresh()
    assert [d.path for d in ix.definitions("beta")] == ["b.py"]
    assert _answers(ix) == _fresh(repo)
    assert _df_matches_postings(ix)
    ix.close()


def test_a_search_during_a_background_build_finds_what_its_first_batches_stored(make_repo, monkeypatch):
    # the build commits every 1,000 files with their document frequencies: a search meanwhile ranks those files
    def word(i: int) -> str:  # a plain word of this file alone, found by keywords only (no definition, no path)
        return "zq" + "".join(chr(97 + i // 26**k % 26) for k in range(3))

    repo = make_repo({f"m{i:04d}.py": f"def handler(request):\n    # {word(i)}\n    return request\n"
                      for i in range(1003)})
    reached, release = threading.Event(), threading.Event()
    real = build._write
    calls = []

    def held(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1002:  # after the first commit
            reached.set()
            release.wait(60)
        return real(*args)

    monkeypatch.setattr(build, "_write", held)
    ix = RepoIndex.open(repo, background=True)
    try:
        assert reached.wait(60)
        assert [r.path for r in ix.search(word(5), k=3)] == ["m0005.py"]
        assert not ix.search(word(1002), k=3)  # not stored yet
    finally:
        release.set()
    assert ix.wait(60)
    assert [r.path for r in ix.search(word(1002), k=3)] == ["m1002.py"]
    ix.close()


def test_an_update_reads_its_files_once_however_many_batches_it_commits(make_repo, monkeypatch):
    # each read takes in every stored row: one after each batch made a cold build of 50,000 files quadratic
    # (51 reads, half of its time). An update on the caller's thread has no searches waiting for its partial
    # progress; the background build's reads are spaced by a quarter of the rows, so a few in all
    monkeypatch.setattr(build, "BATCH_FILES", 10)
    real = Snapshot.read.__func__  # type: ignore[attr-defined]
    reads = []

    def counted(cls, *args, **kw):  # type: ignore[no-untyped-def]
        reads.append(threading.current_thread().name)
        return real(cls, *args, **kw)

    monkeypatch.setattr(Snapshot, "read", classmethod(counted))
    repo = make_repo({f"m{i:03d}.py": f"def handler_{i}(request):\n    return request\n" for i in range(300)})
    ix = RepoIndex.open(repo)
    assert ix.last_build.parsed == 300 and len(reads) == 1  # at its end
    for i in range(300, 600):
        (repo / f"m{i:03d}.py").write_text(f"def handler_{i}(request):\n    return request\n")
    ix.refresh()
    assert ix.last_build.parsed == 300 and len(reads) == 2
    assert [d.path for d in ix.definitions("handler_599")] == ["m599.py"]
    ix.close()
    reads.clear()
    db_path(repo).unlink()  # a cold build, in the background
    ix = RepoIndex.open(repo, background=True)
    assert ix.wait(60)
    assert ix.last_build.parsed == 600
    # the (empty) stored index as it opens; after the first batch, at 160, 310 and 460 files (600 rows); the end
    assert reads == ["MainThread"] + ["genie-index"] * 5
    assert [d.path for d in ix.definitions("handler_599")] == ["m599.py"]
    assert _answers(ix) == _fresh(repo)
    ix.close()


def test_a_file_written_back_with_its_size_and_mtime_is_read_again_without_a_watcher(make_repo):
    # ``touch -r``, ``rsync -t``, ``cp -p``: size and mtime as before, new content; its change time moved
    repo = make_repo({"a.py": "def parse_header(x):\n    return x\n", "b.py": "def beta():\n    pass\n"})
    ix = RepoIndex.open(repo)
    try:
        ix.refresh()
        st = (repo / "a.py").stat()
        (repo / "a.py").write_text("def fetch_record(z):\n    return z\n")  # the same size
        os.utime(repo / "a.py", ns=(st.st_atime_ns, st.st_mtime_ns))
        ix.refresh()
        assert [d.path for d in ix.definitions("fetch_record")] == ["a.py"] and not ix.definitions("parse_header")
        assert _answers(ix) == _fresh(repo)
    finally:
        ix.close()


def test_files_of_equal_score_come_in_path_order_whatever_the_index_s_history(make_repo):
    from tests.conftest import git

    repo = make_repo({f"mod{i}.py": "def compute_value(x):\n    return x + 1\n" for i in range(1, 7)})
    ix = RepoIndex.open(repo)
    try:
        git(repo, "checkout", "-q", "-b", "other")
        git(repo, "rm", "-q", "mod1.py", "mod2.py")
        git(repo, "commit", "-q", "-m", "other")
        ix.refresh()
        git(repo, "checkout", "-q", "main")  # mod1.py and mod2.py come back, with new ids in the index
        ix.refresh()
        assert [r.path for r in ix.search("compute value", k=3)] == ["mod1.py", "mod2.py", "mod3.py"]
    finally:
        ix.close()
