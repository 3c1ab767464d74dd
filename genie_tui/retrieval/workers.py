"""Analyse the files of a large build in worker processes while this process writes the index.

A cold index of a 1M-line repository spent 25 s on one core, four fifths of it parsing and tokenizing
(``build.analyse``) and the rest writing SQLite. The workers are plain child processes running this module
(``python -I -c ...`` calling :func:`main`), not ``multiprocessing``: its spawn and forkserver methods
re-import the caller's ``__main__``, which a library must not do, and forking a process that runs threads
(the app's) is unsafe. Each worker reads pickled batches of jobs on stdin and writes the pickled results on
stdout, in order; a feeder thread per worker writes its batches and a reader thread reads its results, so
neither side blocks the other on a full pipe, and the caller gets the results in the jobs' order.

A worker that cannot start or dies (killed, out of memory) costs nothing but time: its batches are analysed
in this process, so the index is the same either way; so does one that hangs (stopped, or stuck): one that
gives no result for :data:`HANG_SECONDS` is killed, and its batches are analysed here. A build that stops
early (an error, the app quitting) kills the workers, and a worker whose parent died finds its pipes closed
and ends.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

#: Below this much source the workers' start (about 0.3 s each, importing the grammars) costs more than
#: they save: 2 MB is about 60k lines.
MIN_BYTES = 2_000_000
#: A batch is about this much source (0.1-0.2 s of work), so the workers stay busy to the end.
BATCH_BYTES = 256_000
#: What analysing a file costs besides its bytes, as so many bytes of source: a two-line file took 0.08 ms, a byte
#: of source 0.44 us. A repository of 50,000 tiny files (1.5 MB) is 11.5 MB of work, and gets its workers.
FILE_BYTES = 200
MAX_AUTO = 4
#: How long this process waits for a worker's result for a batch (for each 256 kB of source in it, so a batch
#: holding a 2 MB file gets 8 times as long) before it takes the worker for hung, kills it and analyses its
#: batches itself. A batch is 0.1-0.2 s of work: this allows for a start under load (0.3 s alone) and a worker 10
#: nice steps down on busy cores; a file tree-sitter struggles with is given up in the worker itself
#: (langs.PARSE_SECONDS: 10 s of processor time per MB).
HANG_SECONDS = 60.0
_HANG_UNIT = 256_000  # bytes per HANG_SECONDS: BATCH_BYTES as shipped (tests lower that one)

Job = tuple[int, str, Any, bytes]
_DONE = object()
_CHILD = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
          "from genie_tui.retrieval.workers import main; main()")


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def work(jobs: list[Job]) -> int:
    """How much analysing ``jobs`` costs, in bytes of source (see :data:`FILE_BYTES`)."""
    return sum(len(job[3]) for job in jobs) + FILE_BYTES * len(jobs)


def count(setting: int, total_bytes: int) -> int:
    """How many workers a build of ``total_bytes`` of work (see :func:`work`) uses: ``setting`` (the
    ``index_workers`` config; 0 is one per core, at most 4; never more than the cores), none below :data:`MIN_BYTES`
    or with one core (1 means none: this process)."""
    n = min(setting or MAX_AUTO, cpus())  # never more than the cores: a repository's config may set it
    return n if n > 1 and total_bytes >= MIN_BYTES and sys.executable else 0


def batches(jobs: list[Job]) -> list[list[Job]]:
    out: list[list[Job]] = [[]]
    size = 0
    for job in jobs:
        if size >= BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append(job)
        size += len(job[3]) + FILE_BYTES
    return out if out[0] else []


class _Worker:
    def __init__(self, batches: list[list[Job]], nice: int) -> None:
        # -I: the child puts neither its working directory (the user's repository, whose ``queue.py`` or
        # ``signal.py`` would shadow the standard library's) nor PYTHON* variables on its path; it takes this
        # process's path instead, so it imports this copy of genie and its dependencies
        path = [p or os.getcwd() for p in sys.path]
        self.proc = subprocess.Popen([sys.executable, "-I", "-c", _CHILD, json.dumps(path), str(nice)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.results: queue.Queue[Any] = queue.Queue(maxsize=8)
        self.dead = False
        self.hung = False  # killed for giving no result in time
        self.told = False  # the caller has been told it was lost
        self._threads = [threading.Thread(target=self._feed, args=(batches,), daemon=True, name="genie-index-feed"),
                         threading.Thread(target=self._read, daemon=True, name="genie-index-read")]
        for t in self._threads:
            t.start()

    def _feed(self, batches: list[list[Job]]) -> None:
        pipe = self.proc.stdin
        assert pipe is not None
        try:
            for batch in batches:
                pickle.dump(batch, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            pipe.flush()
        except (OSError, ValueError):  # the worker died (a broken pipe) or was stopped (a closed pipe)
            pass
        finally:
            try:
                pipe.close()
            except OSError:
                pass

    def _read(self) -> None:
        pipe = self.proc.stdout
        assert pipe is not None
        try:
            while True:
                self.results.put(pickle.load(pipe))
        except Exception:  # noqa: BLE001 - its end (EOF), or what a dying worker left half-written
            return
        finally:
            self.results.put(_DONE)  # after which its batches are analysed in the parent

    def next(self, timeout: float) -> list | None:
        """The next batch's results, or None when the worker has died (and will give no more) or gave none within
        ``timeout`` seconds, when it is killed. The wait is all the worker's own: a worker waits only on a full
        pipe, and this one's results are all taken."""
        if self.dead:
            return None
        try:
            got = self.results.get(timeout=timeout)
        except queue.Empty:  # hung: stopped (SIGSTOP), or stuck; its reader ends with it
            self.dead = self.hung = True
            self.proc.kill()
            return None
        if got is _DONE:
            self.dead = True
            return None
        return got

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for t in self._threads:  # a killed worker's pipes end, and its threads with them
            while t.is_alive():
                self._drain()  # a reader waiting to put a result that nobody will take
                t.join(timeout=0.05)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass

    def _drain(self) -> None:
        try:
            while True:
                self.results.get_nowait()
        except queue.Empty:
            pass


def analysed(jobs: list[Job], analyse: Callable[[Job], tuple[int, Any]], n: int, nice: int = 0,
             started: Callable[[list[int]], None] | None = None,
             hang_seconds: float | None = None,
             lost: Callable[[int, bool], None] | None = None) -> Iterator[tuple[int, Any, bool]]:
    """``map(analyse, jobs)`` with the work shared by ``n`` worker processes (none when ``n`` < 2), which
    run ``nice`` steps below this process's priority: each result with True when a worker made it. ``started``
    is told the process ids of the workers that did start (fewer when there are fewer batches, or a start
    failed). ``hang_seconds`` (default :data:`HANG_SECONDS`): how long a worker may take over a batch of up
    to 256 kB before it is killed and its batches are analysed here. ``lost`` is told of each worker that died
    or hung (its process id, and True when it hung) when its batches start to be analysed here."""
    if n < 2:
        yield from ((*analyse(job), False) for job in jobs)
        return
    todo = batches(jobs)
    workers: list[_Worker] = []
    try:
        for w in range(min(n, len(todo))):
            try:
                workers.append(_Worker(todo[w::n], nice))
            except OSError:  # no interpreter to run (an embedded Python), no processes left: this process does it
                break
        if started is not None:
            started([w.proc.pid for w in workers])
        limit = HANG_SECONDS if hang_seconds is None else hang_seconds
        for i, batch in enumerate(todo):
            w = workers[i % n] if i % n < len(workers) else None
            size = sum(len(job[3]) for job in batch)
            got = w.next(limit * max(1.0, size / _HANG_UNIT)) if w is not None else None
            if got is None:
                if w is not None and not w.told:
                    w.told = True
                    if lost is not None:
                        lost(w.proc.pid, w.hung)
                yield from ((*analyse(job), False) for job in batch)
            else:
                yield from ((fid, fd, True) for fid, fd in got)
    finally:
        for worker in workers:
            worker.stop()


def _serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    from genie_tui.retrieval.build import _analyse_job

    while True:
        try:
            batch = pickle.load(stdin)
        except EOFError:
            return
        pickle.dump([_analyse_job(job) for job in batch], stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


def main() -> None:
    """A worker's loop (see the module's doc), until its stdin ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops its workers
    if len(sys.argv) > 2 and sys.argv[2] != "0" and hasattr(os, "nice"):
        try:
            os.nice(int(sys.argv[2]))
        except (OSError, ValueError):  # priority is a courtesy: the work is the same without it
            pass
    try:
        _serve(sys.stdin.buffer, sys.stdout.buffer)
    except OSError:  # the parent went away (a broken pipe)
        pass
