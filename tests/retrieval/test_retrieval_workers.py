"""A large build parses in worker processes: the same index as one process builds, whatever the workers do.

The thresholds (how much source makes a build large, how big a batch is) are lowered so a small repository
spreads over several batches; everything else, the child processes included, is the real thing.
"""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from genie_tui.retrieval import RepoIndex, workers
from genie_tui.retrieval.build import _analyse_job
from genie_tui.retrieval.files import content_language
from genie_tui.retrieval.store import db_path

FILES = 240


def _sources() -> dict[str, str]:
    out = {}
    for i in range(FILES):
        kind = i % 4
        if kind == 0:
            out[f"pkg/mod{i}.py"] = (f'"""Module {i}: parses widget{i} settings."""\n\nimport os\n\n\n'
                                     f"class Widget{i}:\n    def render_{i}(self, value):\n"
                                     f"        return os.path.join('w{i}', str(value))\n\n\n"
                                     f"def load_widget{i}(path):\n    raise ValueError('bad widget {i}')\n")
        elif kind == 1:
            out[f"web/part{i}.js"] = (f"import {{ helper{i - 1} }} from './util';\n"
                                      f"export function draw{i}(ctx) {{\n  return helper{i - 1}(ctx, {i});\n}}\n"
                                      f"export class Panel{i} {{\n  open() {{ return draw{i}(this); }}\n}}\n")
        elif kind == 2:
            out[f"svc/file{i}.go"] = (f"package svc\n\n// Serve{i} answers requests for shard {i}.\n"
                                      f"func Serve{i}(n int) int {{\n\treturn n * {i}\n}}\n")
        else:
            out[f"docs/page{i}.md"] = f"# Page {i}\n\nHow to configure widget{i} and serve{i - 1}.\n" * 3
    out["web/util.js"] = "".join(f"export function helper{i}(c, n) {{ return c + n; }}\n" for i in range(FILES))
    out["notes/caf\u00e9.txt"] = "caf\u00e9 cr\u00e8me\n"
    return out


def _tables(repo: Path) -> dict[str, list[str]]:
    with sqlite3.connect(db_path(repo)) as c:
        names = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(map(repr, c.execute(f"SELECT * FROM {t}"))) for t in names}


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setattr(workers, "BATCH_BYTES", 500)  # 1-2 files: the workers are still busy at the 100th file
    monkeypatch.setattr(workers, "cpus", lambda: 4)  # the same test on any machine


@pytest.fixture
def held_workers(monkeypatch):
    """Workers that stay alive until they are stopped: each is given all its batches but its stdin is kept open,
    so one that has finished them waits for more instead of ending on its own (which a fast worker may do before
    the 100th file's progress, where the tests look for it)."""
    def feed(self, batches):
        pipe = self.proc.stdin
        try:
            for batch in batches:
                pickle.dump(batch, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            pipe.flush()
            self.proc.wait()  # until the build stops it
        except (OSError, ValueError):
            pass

    monkeypatch.setattr(workers._Worker, "_feed", feed)


def _build(repo: Path, monkeypatch, n: int, **kw) -> RepoIndex:
    monkeypatch.setenv("GENIE_INDEX_WORKERS", str(n))
    db_path(repo).unlink(missing_ok=True)
    return RepoIndex.open(repo, **kw)


def _reference(repo: Path, monkeypatch) -> dict[str, list[str]]:
    ix = _build(repo, monkeypatch, 1)
    assert ix.last_build.workers == 0 and ix.last_build.in_workers == 0
    ix.close()
    return _tables(repo)


def _own_workers() -> list[int]:
    """Live children of this process running a worker (from /proc: Linux)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rpartition(")")[2].split()[1])
            cmd = (d / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"genie_tui.retrieval.workers" in cmd:
            found.append(int(d.name))
    return found


def test_workers_build_the_same_index(make_repo, monkeypatch, small_batches):
    repo = make_repo(_sources())
    expected = _reference(repo, monkeypatch)
    ix = _build(repo, monkeypatch, 3)
    assert ix.last_build.workers == 3
    assert ix.last_build.in_workers == ix.last_build.parsed == FILES + 2
    assert ix.search("ValueError in load_widget8")[0].path == "pkg/mod8.py"
    assert ix.definitions("Panel9")[0].path == "web/part9.js"
    ix.close()
    assert _tables(repo) == expected
    assert _own_workers() == []


def test_small_builds_and_one_core_stay_in_process(make_repo, monkeypatch):
    repo = make_repo(_sources())
    ix = _build(repo, monkeypatch, 0)  # 60 kB of source: below the real threshold
    assert ix.last_build.workers == 0 and ix.last_build.parsed == FILES + 2
    ix.close()
    assert workers.count(0, 10**9) == min(workers.cpus(), workers.MAX_AUTO) or workers.cpus() == 1
    assert workers.count(1, 10**9) == 0


def test_many_small_files_are_work_for_the_workers_too(make_repo, monkeypatch):
    # a file costs its parse and its rows whatever its size: 50,000 two-line files (1.5 MB) were parsed in this
    # process alone, as below the threshold of 2 MB of source, though they are about 12 MB's work
    monkeypatch.setattr(workers, "MIN_BYTES", 100_000)
    monkeypatch.setattr(workers, "BATCH_BYTES", 50_000)  # three batches
    monkeypatch.setattr(workers, "cpus", lambda: 4)
    repo = make_repo({f"m{i:03d}.py": f"def f{i}(x):\n    return x\n" for i in range(600)})  # 17 kB
    expected = _reference(repo, monkeypatch)
    ix = _build(repo, monkeypatch, 2)
    assert ix.last_build.workers == 2 and ix.last_build.in_workers == ix.last_build.parsed == 600
    ix.close()
    assert _tables(repo) == expected


def test_never_more_workers_than_cores_or_batches(make_repo, monkeypatch, small_batches):
    """A repository's config may set ``index_workers``: 200 must not start a process per batch."""
    assert workers.count(200, 10**9) == 4  # the cores (4 here)
    repo = make_repo({f"m{i}.py": f"def f{i}():\n    return {i}\n" * 20 for i in range(3)})
    (repo / ".genie").mkdir()
    (repo / ".genie" / "config.toml").write_text("index_workers = 200\n")
    monkeypatch.delenv("GENIE_INDEX_WORKERS", raising=False)
    ix = RepoIndex.open(repo)
    b = ix.last_build
    assert b.workers == 3 and b.in_workers == b.parsed == 4  # three batches (the config joins one): three started
    ix.close()


def test_no_interpreter_to_start_means_this_process_parses(make_repo, monkeypatch, small_batches, tmp_path):
    repo = make_repo(_sources())
    expected = _reference(repo, monkeypatch)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    ix = _build(repo, monkeypatch, 2)
    assert ix.last_build.workers == 0 and ix.last_build.in_workers == 0  # none started
    ix.close()
    assert _tables(repo) == expected


def _answers_one_batch(tmp_path: Path, name: str, then: str) -> Path:
    """An interpreter whose worker answers one batch, then runs ``then`` (a line of Python)."""
    script = tmp_path / name
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, pickle, signal, sys\n"
        "sys.path[:] = json.loads(sys.argv[-2])\n"  # then the priority
        "from genie_tui.retrieval.build import _analyse_job\n"
        "batch = pickle.load(sys.stdin.buffer)\n"
        "pickle.dump([_analyse_job(j) for j in batch], sys.stdout.buffer)\n"
        f"{then}\n"
        "os._exit(9)\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _dies_after_one_batch(tmp_path: Path) -> Path:
    """An interpreter whose worker answers one batch, then dies as a killed process would."""
    return _answers_one_batch(tmp_path, "python-dies",
                              "sys.stdout.buffer.write(b'\\x80\\x05half a res'); sys.stdout.flush()")


def test_a_worker_that_dies_costs_only_time(make_repo, monkeypatch, small_batches, tmp_path):
    repo = make_repo(_sources())
    expected = _reference(repo, monkeypatch)
    monkeypatch.setattr(sys, "executable", str(_dies_after_one_batch(tmp_path)))
    ix = _build(repo, monkeypatch, 2)
    b = ix.last_build
    assert 0 < b.in_workers < b.parsed == FILES + 2  # each worker's first batch, the rest here
    assert (b.died, b.hung) == (2, 0)
    ix.close()
    assert _tables(repo) == expected


def _stops_after_one_batch(tmp_path: Path) -> Path:
    """An interpreter whose worker answers one batch, then hangs: stopped, as by SIGSTOP (or a debugger); if
    continued, it dies."""
    return _answers_one_batch(tmp_path, "python-hangs", "sys.stdout.flush(); os.kill(os.getpid(), signal.SIGSTOP)")


@contextmanager
def _killed_after(seconds: float):
    """Kills this process's workers once ``seconds`` have passed: a build that waits for a hung worker forever
    then ends (and its test fails on the time it took) instead of hanging the suite."""
    done = threading.Event()

    def watch() -> None:
        if not done.wait(seconds):
            for pid in _own_workers():
                os.kill(pid, signal.SIGKILL)

    watchdog = threading.Thread(target=watch, daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        watchdog.join()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc")
def test_a_hung_worker_costs_only_time(make_repo, monkeypatch, small_batches, tmp_path):
    repo = make_repo(_sources())
    expected = _reference(repo, monkeypatch)
    monkeypatch.setattr(sys, "executable", str(_stops_after_one_batch(tmp_path)))
    monkeypatch.setattr(workers, "HANG_SECONDS", 1.0)
    with _killed_after(30):
        start = time.monotonic()
        ix = _build(repo, monkeypatch, 2)
        took = time.monotonic() - start
    b = ix.last_build
    assert b.workers == 2 and b.in_workers < b.parsed == FILES + 2
    assert (b.hung, b.died) == (2, 0)  # each stopped itself after its first batch
    ix.close()
    assert took < 20  # a second for each worker's batch, then its batches here
    assert _own_workers() == []  # killed, not left stopped
    assert _tables(repo) == expected


def _rows(fid: int, fd: tuple) -> tuple:
    """A file's analysis as the index stores it: tree-sitter yields the captures in no stable order."""
    return fid, [sorted(map(repr, part)) if isinstance(part, list) else part for part in fd]


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="stops a process")
def test_a_stopped_worker_is_killed_and_its_batches_analysed_here(small_batches):
    jobs = [(i, path, content_language(path, text.encode()), text.encode())
            for i, (path, text) in enumerate(sorted(_sources().items()))]
    expected = [_rows(*_analyse_job(job)) for job in jobs]
    pids: list[int] = []

    def stop_the_first(started: list[int]) -> None:
        pids.extend(started)
        os.kill(started[0], signal.SIGSTOP)  # before it can answer: it takes 0.3 s to start

    lost: list[tuple[int, bool]] = []
    start = time.monotonic()
    got = list(workers.analysed(jobs, _analyse_job, 2, started=stop_the_first, hang_seconds=2.0,
                                lost=lambda pid, hung: lost.append((pid, hung))))
    took = time.monotonic() - start
    assert len(pids) == 2 and lost == [(pids[0], True)]  # told once, of the stopped one only
    assert [_rows(fid, fd) for fid, fd, _ in got] == expected  # the same results, in the jobs' order
    first = {job[0] for batch in workers.batches(jobs)[::2] for job in batch}  # the stopped worker's
    assert not any(remote for fid, _, remote in got if fid in first)
    assert took < 20
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)  # killed, and reaped


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc")
def test_a_stopped_build_stops_its_workers(make_repo, monkeypatch, small_batches, held_workers):
    repo = make_repo(_sources())
    expected = _reference(repo, monkeypatch)

    def stop(done: int, total: int) -> None:
        if done < total:
            assert _own_workers(), "the workers should be running"
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _build(repo, monkeypatch, 2, progress=stop)
    assert _own_workers() == []
    RepoIndex.open(repo).close()
    assert _tables(repo) == expected


def test_the_worker_setting_is_checked(make_repo, monkeypatch):
    repo = make_repo({"a.py": "x = 1\n"})
    monkeypatch.setenv("GENIE_INDEX_WORKERS", "-1")
    out = subprocess.run([sys.executable, "-m", "genie_tui", "index", "--repo", str(repo)],
                         capture_output=True, text=True, check=False)
    assert out.returncode != 0
    assert "index_workers must not be negative" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_workers_end_when_their_parent_is_killed(make_repo, tmp_path):
    """The app killed mid-build (SIGKILL: no cleanup runs) leaves no worker behind eating a core."""
    repo = make_repo(_sources())
    tag = str(tmp_path / "worker-tag")  # on the child's path, so in its workers' command lines
    # The parent is killed while its workers wait for their batches: a worker that had been given all its
    # batches would finish them and end on its own (stdin closed), whether its parent died or not.
    code = (f"import sys, time; sys.path.append({tag!r})\n"
            "from pathlib import Path\nfrom genie_tui.retrieval import RepoIndex, workers\n"
            "workers.MIN_BYTES, workers.BATCH_BYTES = 0, 500\n"
            "def hang(self, batches):\n    print('building', flush=True)\n    time.sleep(600)\n"
            "workers._Worker._feed = hang\n"
            f"RepoIndex.open(Path({str(repo)!r}))\n")
    env = {**os.environ, "GENIE_INDEX_WORKERS": "2"}
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline() == "building\n"
        started = time.monotonic() + 60  # the second worker may still be starting on a loaded machine (load 8: >20 s)
        while len(set(_tagged(tag)) - {child.pid}) < 2 and time.monotonic() < started:
            time.sleep(0.05)
        assert len(set(_tagged(tag)) - {child.pid}) == 2
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 60
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _tagged(tag) == []


def _tagged(tag: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and tag.encode() in (d / "cmdline").read_bytes():
                state = (d / "stat").read_text().rpartition(")")[2].split()[0]
                if state != "Z":  # a zombie has ended; only its parent's wait is missing
                    found.append(int(d.name))
        except OSError:
            continue
    return found


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[16])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("background", [False, True])
def test_a_background_build_yields_the_cores_to_the_app(make_repo, monkeypatch, small_batches, background):
    repo = make_repo(_sources())
    monkeypatch.setenv("GENIE_INDEX_WORKERS", "2")
    seen: list[int] = []

    def look(done: int, total: int) -> None:
        if done < total and not seen:
            for pid in _own_workers():
                try:
                    seen.append(_nice(pid) - _nice(os.getpid()))
                except OSError:  # it ended meanwhile
                    pass

    ix = RepoIndex.open(repo, progress=look, background=background)
    assert ix.wait(60)
    assert ix.last_build.in_workers == FILES + 2
    ix.close()
    assert seen and set(seen) == {10 if background else 0}  # a worker may have ended early
