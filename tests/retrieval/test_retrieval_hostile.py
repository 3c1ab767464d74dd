"""What an audit found: a hostile or broken environment (symlinked directories, git refusing to run, damaged or
racing caches, odd files and names) must give one clear line, never a traceback, a leak or wrong line numbers."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex

PY = {"pkg/core.py": "def parse_config(path):\n    return open(path).read()\n", "README.md": "# demo\n"}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_under_a_directory_symlinked_out_of_the_repository_is_not_indexed(make_repo, tmp_path, capsys):
    text = "topsecret token for the staging cluster\n"
    repo = make_repo({**PY, "conf/creds.txt": text, "conf/deep/more.txt": text})
    code, out, _ = _run(capsys, "search", "topsecret", "--repo", str(repo), "--json")
    assert {r["path"] for r in json.loads(out)["results"]} == {"conf/creds.txt", "conf/deep/more.txt"}
    # the tracked directory is replaced by a link to outside, holding files of the same size and mtime
    outside = tmp_path / "s"
    shutil.copytree(repo / "conf", outside)
    for rel in ("creds.txt", "deep/more.txt"):
        st = (repo / "conf" / rel).stat()
        os.utime(outside / rel, ns=(st.st_atime_ns, st.st_mtime_ns))
    shutil.rmtree(repo / "conf")
    (repo / "conf").symlink_to(outside)
    code, out, _ = _run(capsys, "search", "topsecret", "--repo", str(repo), "--json")
    assert (code, json.loads(out)["results"]) == (0, [])
    code, out, _ = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
    assert json.loads(out)["results"][0]["path"] == "pkg/core.py"
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "conf/creds.txt")
    assert (code, out) == (0, f"conf/creds.txt: not indexed: outside the repository {repo}\n")


def test_a_git_repository_that_git_cannot_list_is_an_error_not_a_walk_past_gitignore(make_repo, monkeypatch,
                                                                                      tmp_path, capsys):
    repo = make_repo({**PY, ".gitignore": "secrets.txt\n"})
    (repo / "secrets.txt").write_text("topsecret hunter2\n")
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")  # what a repository owned by another user gives
    for argv in (["index"], ["search", "topsecret"]):
        code, out, err = _run(capsys, *argv, "--repo", str(repo))
        assert (code, out) == (1, "")
        assert err == (f"genie: cannot list the files of {repo}: git refused: detected dubious ownership in "
                       f"repository at '{repo}'; run git config --global --add safe.directory {repo}\n")
    monkeypatch.delenv("GIT_TEST_ASSUME_DIFFERENT_OWNER")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    code, out, err = _run(capsys, "search", "topsecret", "--repo", str(repo))
    assert (code, out) == (1, "")
    assert err == f"genie: cannot list the files of {repo}: git is not installed (or not on PATH)\n"


def test_a_directory_outside_git_is_walked_and_a_bare_repository_is_refused(make_repo, tmp_path, capsys):
    plain = tmp_path / "plain"
    (plain / "src").mkdir(parents=True)
    (plain / "src/tool.py").write_text("def plain_tool():\n    pass\n")
    code, out, _ = _run(capsys, "search", "plain_tool", "--repo", str(plain), "--json")
    assert (code, [r["path"] for r in json.loads(out)["results"]]) == (0, ["src/tool.py"])
    # a checkout inside it is left out as git leaves a nested one out: walked, its ignored files were indexed
    (plain / "inner").mkdir()
    subprocess.run(["git", "init", "-q"], cwd=plain / "inner", check=True)
    (plain / "inner/.gitignore").write_text("secret.py\n")
    (plain / "inner/secret.py").write_text("plain_tool_key = 'hunter2'\n")
    (plain / ".github").mkdir()
    (plain / ".github/ci.yml").write_text("plain_tool: ci\n")
    code, out, _ = _run(capsys, "search", "plain_tool", "--repo", str(plain), "--json")
    assert (code, [r["path"] for r in json.loads(out)["results"]]) == (0, ["src/tool.py"])
    for rel, why in (("inner/secret.py", "inside another git repository (inner/, a submodule or nested checkout)"),
                     (".github/ci.yml", "inside a hidden directory (.github/), which is not walked")):
        code, out, _ = _run(capsys, "index", "--repo", str(plain), "--explain", rel)  # it said "not indexed yet"
        assert (code, out) == (0, f"{rel}: not indexed: {why}\n")
    repo = make_repo(PY)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    for verb, argv in (("index", ["index"]), ("search", ["search", "plain_tool"])):
        code, out, err = _run(capsys, *argv, "--repo", str(bare))
        assert (code, out) == (2, "")
        assert err == (f"genie: {bare} is a bare git repository (or inside a git directory): it has no working tree "
                       f"to {verb} (pass --repo a checkout of it)\n")
    from genie_tui.retrieval.store import db_path

    assert [p.name for p in db_path(bare).parent.iterdir() if p.name.startswith("bare.git")] == []  # no empty cache file


def test_form_feeds_and_other_unicode_line_breaks_do_not_shift_spans_or_line_numbers(make_repo, capsys):
    # \f between sections (as in GNU code), and the other characters str.splitlines() breaks at, in comments
    head = "".join(f"# section {i} \f\v\x1c\x1d\x1e\x85\u2028\u2029 end\n" for i in range(150))
    src = head + "x = 1\n\ndef rare_quokka_handler(arg):\n    return arg + 1\n"
    repo = make_repo({"mod.py": src, "crlf.py": "import os\r\n\r\ndef crlf_quokka():\r\n    return os\r\n",
                      "lone.py": "# old mac\rline\ndef lone_quokka():\n    return 2\n"})
    nlines = src.count("\n")
    ix = RepoIndex.open(repo)
    try:
        [hit] = [r for r in ix.search("rare_quokka_handler") if r.path == "mod.py"]
        assert (hit.spans[0].start, hit.spans[0].end) == (nlines - 1, nlines)
        assert all(s.end <= nlines for s in hit.spans)
        assert ix.explain("mod.py") == f"mod.py: indexed ({nlines} lines; parsed as python, 2 definitions)"  # x and the handler
        for symbol, path, line in (("rare_quokka_handler", "mod.py", nlines - 1), ("crlf_quokka", "crlf.py", 3),
                                   ("lone_quokka", "lone.py", 2)):
            [loc] = ix.definitions(symbol)
            assert (loc.path, loc.line, loc.snippet) == (path, line, f"def {symbol}():" if path != "mod.py"
                                                         else "def rare_quokka_handler(arg):")
    finally:
        ix.close()
    from genie_tui.config.settings import Settings
    from genie_tui.tools.base import ToolContext
    from genie_tui.tools.fs import read_file

    ctx = ToolContext(repo=repo, settings=Settings())
    shown = read_file(ctx, {"path": "mod.py", "start_line": nlines - 1, "end_line": nlines}).text
    assert shown.splitlines()[1:] == [f"{nlines - 1}| def rare_quokka_handler(arg):", f"{nlines}|     return arg + 1"]


_RACER = """
import sys, time
from pathlib import Path
from genie_tui.retrieval import RepoIndex
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
ix = RepoIndex.open(Path(sys.argv[1]))
print(ix.search("parse_config", k=1)[0].path)
"""


def _racers(repo: Path, n: int) -> list[tuple[int, str, str]]:
    """``n`` processes opening (building) the index of ``repo`` and searching it, all starting at one moment."""
    import subprocess
    import sys
    import time

    at = str(time.time() + 1.5)  # after every interpreter has started
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, str(repo), at], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=90)
        out.append((p.returncode, stdout.strip(), stderr.strip()[-300:]))
    return out


def test_processes_opening_a_new_index_at_once_wait_for_each_other(make_repo, genie_home):
    import sqlite3
    import threading

    from genie_tui.retrieval.store import db_path

    repo = make_repo(PY)
    # a writer holding the brand-new file while the others switch it to WAL, which SQLite refuses at once
    # (without its busy handler); the old code failed with "database is locked"
    db = db_path(repo)
    db.parent.mkdir(parents=True)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("SELECT * FROM sqlite_master").fetchall()
    threading.Timer(2.5, holder.execute, ("COMMIT",)).start()
    assert _racers(repo, 3) == [(0, "pkg/core.py", "")] * 3
    holder.close()
    for _ in range(3):  # and processes that really start together on a new index
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        assert _racers(repo, 4) == [(0, "pkg/core.py", "")] * 4


def _varint(b: bytes, i: int) -> tuple[int, int]:
    v = 0
    for k in range(8):
        v = (v << 7) | (b[i + k] & 0x7F)
        if b[i + k] < 0x80:
            return v, i + k + 1
    return (v << 8) | b[i + 8], i + 9


def _point_index_at_a_missing_row(db: Path, index: str) -> None:
    """Damage that PRAGMA quick_check does not see: the last entry of a one-page index gets a rowid that no row
    has (as a flipped bit would), so reading through the index fails with "database disk image is malformed"."""
    import sqlite3

    c = sqlite3.connect(db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = c.execute("PRAGMA page_size").fetchone()[0]
    root = c.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (index,)).fetchone()[0]
    c.close()
    data = bytearray(db.read_bytes())
    page = (root - 1) * size
    assert data[page] == 0x0A  # a leaf index page: the whole index
    ncells = int.from_bytes(data[page + 3:page + 5], "big")
    ptr = page + 8 + 2 * (ncells - 1)
    _, rec = _varint(data, page + int.from_bytes(data[ptr:ptr + 2], "big"))  # skip the payload size
    hsize, i = _varint(data, rec)
    types = []
    while i < rec + hsize:
        t, i = _varint(data, i)
        types.append(t)
    assert types[-1] == 1 and all(t in (1, 8, 9) for t in types)  # small integers: (file_id, rowid)
    data[rec + hsize + sum(t == 1 for t in types[:-1])] = 0x7F
    db.write_bytes(bytes(data))
    c = sqlite3.connect(db)
    assert c.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert "missing from index" in c.execute("PRAGMA integrity_check").fetchone()[0]
    c.close()


def test_damage_that_passes_the_quick_check_is_rebuilt_when_a_search_trips_over_it(make_repo):
    import subprocess
    import sys

    from genie_tui.retrieval.store import db_path

    repo = make_repo({"README.md": "# demo\n", "pkg/core.py": PY["pkg/core.py"] + "\n\nclass Loader:\n"
                      "    def load(self):\n        return parse_config('x')\n"})
    RepoIndex.open(repo).close()
    _point_index_at_a_missing_row(db_path(repo), "chunks_file")
    r = subprocess.run([sys.executable, "-m", "genie_tui.cli", "search", "parse_config", "--repo", str(repo),
                        "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0 and json.loads(r.stdout)["results"][0]["path"] == "pkg/core.py", r.stderr
    assert r.stderr == ("genie: warning: index cache was corrupt (database disk image is malformed); "
                        "rebuilding it\n")
    ix = RepoIndex.open(repo)  # rebuilt for good
    assert (ix.warnings, [r.path for r in ix.search("parse_config")]) == ([], ["pkg/core.py"])
    ix.close()
    _point_index_at_a_missing_row(db_path(repo), "chunks_file")
    r = subprocess.run([sys.executable, "-m", "genie_tui.cli", "index", "--repo", str(repo)], capture_output=True,
                       text=True, timeout=60, check=False)
    assert r.returncode == 0 and r.stdout.startswith("2 files, 3 definitions"), r.stderr
    assert r.stderr == ("genie: warning: index cache was unusable (index failed its integrity check); "
                        "rebuilding it\n")
    c = sqlite3.connect(db_path(repo))
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    c.close()


def test_a_cache_without_a_schema_row_or_with_text_that_is_not_utf8_is_rebuilt(make_repo, capsys):
    import subprocess
    import sys

    from genie_tui.retrieval.store import db_path

    repo = make_repo(PY)
    db = db_path(repo)
    db.parent.mkdir(parents=True)
    c = sqlite3.connect(db)  # an early genie's cache: no meta table, files without lang
    c.executescript("CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, size INT, mtime INT,"
                    " hash TEXT); INSERT INTO files(path) VALUES('pkg/core.py');")
    c.close()
    genie = [sys.executable, "-m", "genie_tui.cli", "search", "parse_config", "--repo", str(repo), "--json"]
    r = subprocess.run(genie, capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0 and json.loads(r.stdout)["results"][0]["path"] == "pkg/core.py", r.stderr
    assert r.stderr == ("genie: warning: index cache was unusable (it has tables but no schema version); "
                        "rebuilding it\n")
    c = sqlite3.connect(db)
    c.execute("UPDATE files SET hash=CAST(x'ff00fe' AS TEXT)")
    c.commit()
    c.close()
    (repo / "pkg/core.py").write_text(PY["pkg/core.py"] + "# touched\n")  # its stored hash is read again
    r = subprocess.run(genie, capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0 and json.loads(r.stdout)["results"][0]["path"] == "pkg/core.py", r.stderr
    assert r.stderr.startswith("genie: warning: index cache was corrupt (Could not decode to UTF-8 column 'hash'")
    assert r.stderr.endswith("); rebuilding it\n") and len(r.stderr.splitlines()) == 1
    r = subprocess.run([*genie[:3], "index", "--repo", str(repo)], capture_output=True, text=True, timeout=60,
                       check=False)
    assert (r.returncode, r.stderr) == (0, "")


class _Terminal:
    """stderr as a terminal would take it (isatty), recording what was written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal_and_a_cut_bar_is_ended_before_the_error(make_repo, monkeypatch,
                                                                                     capsys):
    from genie_tui.retrieval import build

    repo = make_repo({f"m/mod{i}.py": f"def func_{i}():\n    return {i}\n" for i in range(250)})
    analysed = []

    def interrupted(job):  # type: ignore[no-untyped-def]
        analysed.append(job)
        if len(analysed) == 150:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the build
        return real(job)

    real = build._analyse_job
    monkeypatch.setattr(build, "_analyse_job", interrupted)
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    assert main(["index", "--repo", str(repo)]) == 130
    assert term.text.endswith(" 100/250 files\ngenie: interrupted\n"), repr(term.text[-80:])
    monkeypatch.setattr(build, "_analyse_job", real)
    monkeypatch.undo()  # a pipe, not a terminal: no bar, the summary only
    code, out, err = _run(capsys, "index", "--repo", str(repo))
    assert (code, err) == (0, "") and out.startswith("250 files, 250 definitions")


_SIGTERM_AT = """
import os, signal, sys
from genie_tui.cli import main
from genie_tui.retrieval import build
real, seen = build._analyse_job, []
def job(j):
    seen.append(j)
    if len(seen) == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGTERM)  # a CI job's timeout in the middle of the build
    return real(j)
build._analyse_job = job
code = main(["index", "--repo", sys.argv[1]])
print(f"analysed {len(seen)}", file=sys.stderr)
sys.exit(code)
"""


def test_sigterm_stops_an_index_build_that_the_next_run_finishes(make_repo):
    # the build commits every 1,000 files: stopped at 1,500, it has kept 1,000
    repo = make_repo({f"m/mod{i}.py": f"def func_{i}():\n    return {i}\n" for i in range(2500)})

    def index(kill_at: int) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", _SIGTERM_AT, str(repo), str(kill_at)], capture_output=True,
                              text=True, timeout=120, check=False)

    first = index(1500)
    assert first.returncode == 143 and first.stderr.startswith("genie: stopped by SIGTERM\n"), first.stderr
    second = index(0)
    assert second.returncode == 0 and second.stdout.startswith("2500 files, 2500 definitions"), second.stderr
    assert "(1500 parsed" in second.stdout  # it went on from what the first run kept


def test_a_repository_with_a_long_directory_name_is_indexed(make_repo, capsys):
    from genie_tui.retrieval.store import db_path

    for name in ("r" * 250, "\u00e9" * 127):  # 250 bytes, and two-byte characters cut in no half
        repo = make_repo(PY, name=name)
        code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
        assert (code, err) == (0, "") and json.loads(out)["results"][0]["path"] == "pkg/core.py"
        assert len(os.fsencode(db_path(repo).name + ".embed.lock")) <= 255
        assert db_path(repo).name.startswith(name[:50])
    assert db_path(repo) != db_path(repo.parent / ("\u00e9" * 126 + "x"))


def test_with_json_an_error_is_a_json_object_on_stdout_too(make_repo, tmp_path, capsys):
    repo = make_repo(PY)
    for argv, message in ((["-k", "0"], "-k must be at least 1"),
                          (["--repo", str(tmp_path / "nowhere")], f"--repo {tmp_path / 'nowhere'}: no such directory")):
        code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo), *argv, "--json")
        assert (code, err) == (2, f"genie: {message}\n")
        assert json.loads(out) == {"error": message, "results": [], "elapsed_ms": 0}
    code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
    assert code == 0 and "error" not in json.loads(out)


def test_with_json_an_interrupted_search_is_a_json_object_too(make_repo, monkeypatch, capsys):
    from genie_tui.retrieval import build

    repo = make_repo(PY)

    def interrupted(job):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # Ctrl-C while the index is built

    monkeypatch.setattr(build, "_analyse_job", interrupted)
    code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
    assert (code, err) == (130, "genie: interrupted\n")
    assert json.loads(out) == {"error": "interrupted", "results": [], "elapsed_ms": 0}


def test_a_query_file_must_be_a_regular_file_and_is_read_up_to_a_limit(make_repo, tmp_path, capsys):
    repo = make_repo(PY)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # no writer: opening it for reading used to block forever
    for name, kind in ((str(fifo), "a named pipe"), ("/dev/zero", "a device")):
        code, out, err = _run(capsys, "search", f"@{name}", "--repo", str(repo))
        assert (code, out) == (2, "")
        assert err == f"genie: query file {name} is not a regular file ({kind}); give a text file\n"
    big = tmp_path / "huge.log"
    big.write_text("parse_config fails\n" + "x" * 3_000_000)
    code, out, err = _run(capsys, "search", f"@{big}", "--repo", str(repo))
    assert code == 0 and out.split()[1] == "pkg/core.py"
    assert err == f"genie: warning: query file {big} is larger than 1,000,000 bytes; searching with its beginning and its end\n"


def test_a_newline_in_a_file_name_is_quoted_in_plain_output_and_a_fifo_is_explained(make_repo, capsys):
    repo = make_repo({**PY, "odd\nname.py": "def weird_quokka():\n    pass\n"})
    code, out, _ = _run(capsys, "search", "weird_quokka", "--repo", str(repo))
    assert code == 0
    assert out.splitlines()[0].split()[1] == '"odd\\nname.py"'
    assert out.splitlines()[1].strip() == '"odd\\nname.py":1-2  weird_quokka'
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "odd\nname.py")
    assert out == '"odd\\nname.py": indexed (2 lines; parsed as python, 1 definition)\n'
    from genie_tui.config.settings import Settings
    from genie_tui.tools.base import ToolContext
    from genie_tui.tools.code import go_to_definition, search_code

    ctx = ToolContext(repo=repo, settings=Settings())
    assert search_code(ctx, {"query": "weird_quokka"}).text.splitlines()[0].startswith('"odd\\nname.py"  [1-2 ')
    assert go_to_definition(ctx, {"symbol": "weird_quokka"}).text == '"odd\\nname.py":1: def weird_quokka():'
    ctx.index.close()
    os.mkfifo(repo / "events.txt")
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "events.txt")
    assert (code, out) == (0, "events.txt: not indexed: not a regular file (a named pipe)\n")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped by its new parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_a_git_ls_files_that_never_answers_is_one_line_and_leaves_nothing_running(make_repo, tmp_path, monkeypatch,
                                                                                 capsys):
    """A git that hangs (a stuck network filesystem, a wrapper waiting on something) stops at the timeout with
    the user's one line, and whatever it started is stopped with it."""
    import time

    import pytest

    from genie_tui.retrieval import files

    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see whether the hung git is still running")
    real = shutil.which("git")
    repo = make_repo(PY)
    pids = tmp_path / "pids"
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    # a wrapper, as a shim or a corporate git wrapper is: the hanging process is git's child, not git itself
    fake.write_text(f'#!/bin/sh\nif [ "$1" = ls-files ]; then\n  sleep 300 &\n  echo $! >> "{pids}"\n  wait\nfi\n'
                    f'exec "{real}" "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(files, "GIT_TIMEOUT", 0.5)
    try:
        for argv in (["index"], ["search", "parse_config"]):
            started = time.monotonic()
            code, out, err = _run(capsys, *argv, "--repo", str(repo))
            assert (code, out) == (1, "")
            assert err == f"genie: cannot list the files of {repo}: git ls-files took more than 0.5 s\n"
            assert time.monotonic() - started < 30
        hung = [int(pid) for pid in pids.read_text().split()]
        assert len(hung) == 2
        deadline = time.monotonic() + 5  # SIGKILL is immediate; reaping by the new parent may take a moment
        while any(map(_alive, hung)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(_alive, hung)), "the hung git's child is still running"
    finally:  # a failing run must not leave its sleepers behind
        for pid in (int(p) for p in pids.read_text().split()) if pids.exists() else ():
            if _alive(pid):
                os.kill(pid, 9)


def test_opening_an_index_does_not_read_all_of_it_and_damage_is_repaired_where_a_search_finds_it(make_repo):
    """A warm start reads what it needs (``genie index`` checks the whole file): on a 1M-line repository SQLite's
    quick_check alone was half of the 0.5 s a warm start may take. A damaged page is rebuilt when it is read."""
    from genie_tui.retrieval.store import db_path

    repo = make_repo({"README.md": "# demo\n", "pkg/core.py": PY["pkg/core.py"]})
    RepoIndex.open(repo).close()
    db = db_path(repo)
    c = sqlite3.connect(db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = c.execute("PRAGMA page_size").fetchone()[0]
    root = c.execute("SELECT rootpage FROM sqlite_master WHERE name='chunks'").fetchone()[0]
    c.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * size:root * size] = b"\x55" * size  # not a b-tree page at all
    db.write_bytes(bytes(data))
    ix = RepoIndex.open(repo)
    assert ix.warnings == []
    assert [r.path for r in ix.search("parse_config")] == ["pkg/core.py"]
    assert ix.warnings == ["index cache was corrupt (database disk image is malformed); rebuilding it"]
    ix.close()
    c = sqlite3.connect(db)
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    c.close()


def test_explain_names_a_file_git_does_not_list_instead_of_a_stale_index(make_repo, capsys):
    # core.ignorecase on a case-sensitive file system: a file renamed only in case is listed by its old name
    repo = make_repo(PY)
    subprocess.run(["git", "config", "core.ignorecase", "true"], cwd=repo, check=True)
    (repo / "pkg/core.py").rename(repo / "pkg/Core.py")
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "pkg/Core.py")
    assert code == 0 and out.startswith("pkg/Core.py: not indexed: git does not list it (`git status`"), out


def test_a_directory_replaced_by_a_symlink_into_the_repository_is_indexed_once(make_repo, capsys):
    # mv src real; ln -s real src: git lists src/a.py (still in its index) and real/a.py, the same file twice
    repo = make_repo({"src/a.py": "def moved_quokka():\n    pass\n", "b.py": "x = 1\n"})
    code, out, _ = _run(capsys, "search", "moved_quokka", "--repo", str(repo), "--json")
    assert (code, [r["path"] for r in json.loads(out)["results"]]) == (0, ["src/a.py"])
    (repo / "src").rename(repo / "real")
    (repo / "src").symlink_to("real")
    ix = RepoIndex.open(repo)  # an index built before the move, brought up to date
    try:
        assert [r.path for r in ix.search("moved_quokka")] == ["real/a.py"]
        assert [d.path for d in ix.definitions("moved_quokka")] == ["real/a.py"]
    finally:
        ix.close()
