"""Bad input to ``genie index`` / ``genie search`` and a hostile environment (symlinks, odd cache files, an
unwritable cache dir): one clear line and an exit code, never a traceback, never a poisoned cache."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.store import SCHEMA_VERSION, db_path

PY = {"pkg/core.py": "def parse_config(path):\n    return open(path).read()\n", "README.md": "# demo\n"}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _genie(*argv: str) -> subprocess.CompletedProcess[str]:
    """A real process: pytest installs logging handlers that would hide a doubled warning in-process."""
    return subprocess.run([sys.executable, "-m", "genie_tui.cli", *argv], capture_output=True, text=True, check=False,
                          timeout=60)


def test_a_rebuilt_cache_is_one_warning_line_not_two(make_repo):
    repo = make_repo(PY)
    RepoIndex.open(repo).close()
    c = sqlite3.connect(db_path(repo))
    c.execute("UPDATE meta SET value='1' WHERE key='schema'")
    c.commit()
    c.close()
    r = _genie("search", "parse_config", "--repo", str(repo))
    assert r.returncode == 0 and "pkg/core.py" in r.stdout
    assert r.stderr.strip().splitlines() == [
        f"genie: warning: index cache was unusable (index schema 1 != {SCHEMA_VERSION}); rebuilding it"]


def test_k_zero_is_refused_like_a_negative_k(make_repo, capsys):
    repo = make_repo(PY)
    for k in ("0", "-3"):
        code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo), "-k", k)
        assert (code, out, err) == (2, "", "genie: -k must be at least 1\n")


def test_a_binary_query_file_is_a_one_line_error(make_repo, tmp_path, capsys):
    repo = make_repo(PY)
    blob = tmp_path / "a.out"
    blob.write_bytes(b"\x7fELF\x02\x01\x00\x00parse_config\x00" * 100)
    code, out, err = _run(capsys, "search", f"@{blob}", "--repo", str(repo))
    assert code == 2 and out == ""
    assert err == f"genie: query file {blob} is binary (it contains NUL bytes); give a text file\n"


def test_query_text_that_is_not_utf8_is_read_from_a_strict_stdin_and_from_a_file(make_repo, tmp_path):
    repo = make_repo(PY)
    text = "parse_config fails on caf\xe9\n".encode("latin-1")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}  # what a en_US.UTF-8 locale gives
    r = subprocess.run([sys.executable, "-m", "genie_tui.cli", "search", "@-", "--repo", str(repo), "--json"],
                       input=text, capture_output=True, env=env, timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["results"][0]["path"] == "pkg/core.py"
    (tmp_path / "issue.txt").write_bytes(text)
    r = _genie("search", f"@{tmp_path / 'issue.txt'}", "--repo", str(repo), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["results"][0]["path"] == "pkg/core.py"


def test_a_symlink_out_of_the_repository_is_not_indexed(make_repo, tmp_path, capsys):
    text = "hunter2 password for the production database\n"
    secret = tmp_path / "secret.txt"
    secret.write_text(text)
    # at first a link to a file that is indexed under no name of its own (vendored), so the link stands in for it
    repo = make_repo({**PY, "vendor/db.txt": text})
    os.utime(repo / "vendor/db.txt", ns=(secret.stat().st_mtime_ns,) * 2)
    (repo / "link.txt").symlink_to("vendor/db.txt")
    ix = RepoIndex.open(repo)
    assert "link.txt" in [r.path for r in ix.search("hunter2 password")]
    ix.close()
    # pointed out of the repository at a file of the same size and mtime: the link's verdict changes anyway
    (repo / "link.txt").unlink()
    (repo / "link.txt").symlink_to(secret)
    ix = RepoIndex.open(repo)
    assert "link.txt" not in [r.path for r in ix.search("hunter2 password")]
    assert ix.explain("link.txt") == "link.txt: not indexed: a symlink to outside the repository"
    ix.close()
    # a link to a file inside the repository is that file, indexed once under its own name
    (repo / "alias.py").symlink_to("pkg/core.py")
    code, out, _ = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
    paths = [r["path"] for r in json.loads(out)["results"]]
    assert code == 0 and "pkg/core.py" in paths and "alias.py" not in paths
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "alias.py")
    assert (code, out) == (0, "alias.py: not indexed: a symlink to pkg/core.py, which is indexed under its own name\n")


def test_explain_never_raises_on_odd_paths(make_repo, tmp_path, capsys):
    repo = make_repo(PY)
    os.symlink("loop-b", repo / "loop-a")
    os.symlink("loop-a", repo / "loop-b")
    os.symlink(".", repo / "self")
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", repo / "escape_dir")
    os.symlink("pkg", repo / "pkg_alias")
    cases = {"loop-a": "loop-a: not indexed: a broken symlink or a symlink loop",
             "escape_dir": "escape_dir: not indexed: a symlink to a directory outside the repository",
             "pkg_alias": "pkg_alias: not indexed: a symlink to a directory in the repository; --explain pkg for its files",
             "self/pkg/core.py": "pkg/core.py: indexed (2 lines; parsed as python, 1 definition)",
             "x" * 5000: "x" * 5000 + ": not indexed: File name too long",
             "../..": f"../..: not indexed: outside the repository {repo}"}
    for path, expected in cases.items():
        code, out, err = _run(capsys, "index", "--repo", str(repo), "--explain", path)
        assert (code, out.strip(), err) == (0, expected, "")
    assert _run(capsys, "index", "--repo", str(repo), "--explain", "") == (2, "", "genie: --explain needs a path\n")


def test_an_unwritable_cache_is_a_one_line_error(make_repo, genie_home, capsys):
    repo = make_repo(PY)
    path = db_path(repo)
    path.mkdir(parents=True)  # SQLite cannot open a directory, as it cannot open a file in a read-only dir
    for argv in (["index"], ["search", "parse_config"]):
        code, out, err = _run(capsys, *argv, "--repo", str(repo))
        assert (code, out) == (1, "")
        assert err == f"genie: cannot use the index cache {path}: unable to open database file\n"
    path.rmdir()
    path.parent.rmdir()
    path.parent.write_text("")  # a file where the cache dir should be
    code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo))
    assert (code, out, err) == (1, "", f"genie: cannot use the index cache {path.parent}: File exists\n")


def test_an_index_from_a_newer_version_with_other_tables_is_rebuilt(make_repo):
    repo = make_repo(PY)
    path = db_path(repo)
    path.parent.mkdir(parents=True)
    c = sqlite3.connect(path)
    c.executescript("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema', '999');"
                    "CREATE TABLE postings(term TEXT, doc INT, tf INT);")  # no ``fid`` column for our index
    c.commit()
    c.close()
    r = _genie("search", "parse_config", "--repo", str(repo), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["results"][0]["path"] == "pkg/core.py"
    assert r.stderr == f"genie: warning: index cache was unusable (index schema 999 != {SCHEMA_VERSION}); " \
                       "rebuilding it\n"


def test_a_file_name_that_is_not_utf8_is_left_out_instead_of_failing_every_index(make_repo, capsys):
    repo = make_repo(PY)
    with open(os.fsencode(repo) + b"/caf\xe9.py", "w") as fh:  # untracked, then tracked
        fh.write("def latin_name():\n    pass\n")
    for step in ("untracked", "tracked"):
        code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
        assert (code, err) == (0, ""), step
        assert json.loads(out)["results"][0]["path"] == "pkg/core.py"
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", os.fsdecode(b"caf\xe9.py"))
    assert (code, out) == (0, "caf\\xe9.py: not indexed: its name is not valid UTF-8\n")


def test_a_build_killed_part_way_is_finished_by_the_next_one(make_repo):
    files = {f"m/mod{i}.py": f"def func_{i}():\n    return {i}\n" for i in range(1200)}
    repo = make_repo(files)
    # progress comes every 100 files and the build commits every 1,000: die just after the first commit
    code = ("import os, sys; from pathlib import Path; from genie_tui.retrieval import RepoIndex\n"
            "RepoIndex.open(Path(sys.argv[1]), progress=lambda done, total: done >= 1100 and os._exit(9))\n")
    r = subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True, text=True, timeout=120,
                       check=False)
    assert r.returncode == 9, r.stderr
    ix = RepoIndex.open(repo)
    assert ix.stats["definitions"] == 1200
    assert ix.search("func_1199", k=1)[0].path == "m/mod1199.py"
    ix.close()


def test_a_bad_size_limit_in_the_environment_is_a_one_line_error(make_repo, monkeypatch, capsys):
    repo = make_repo(PY)
    for raw, problem in (("-5", "must be positive"), ("0", "must be positive"),
                         ("1MB", "has the wrong type: expected an integer, not '1MB'")):
        monkeypatch.setenv("GENIE_INDEX_MAX_BYTES", raw)
        for argv in (["index"], ["search", "parse_config"]):
            code, out, err = _run(capsys, *argv, "--repo", str(repo))
            assert (code, out) == (2, "")
            assert err == f"genie: env GENIE_INDEX_MAX_BYTES: max_file_bytes {problem}\n"
    monkeypatch.setenv("GENIE_INDEX_MAX_BYTES", "20")
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "pkg/core.py")
    assert out.startswith("pkg/core.py: not indexed: too large (53 bytes > 20;")


def test_a_repository_directory_whose_name_is_not_utf8_is_indexed(make_repo, capsys):
    repo = make_repo(PY, name=os.fsdecode(b"r\xe9po"))
    code, out, err = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
    assert (code, err) == (0, "") and json.loads(out)["results"][0]["path"] == "pkg/core.py"
    assert db_path(repo).name.startswith("r\ufffdpo-")


def test_a_missing_query_file_says_how_to_search_for_an_at_sign(make_repo, tmp_path, capsys):
    repo = make_repo({"m.py": "class Model:\n    @property\n    def size(self):\n        return 1\n"})
    code, out, err = _run(capsys, "search", "@property", "--repo", str(repo))
    assert (code, out) == (2, "")
    assert err == ("genie: cannot read query file property: No such file or directory (to search for text that "
                   "starts with @, begin the query with a space)\n")
    code, out, _ = _run(capsys, "search", " @property", "--repo", str(repo))
    assert code == 0 and out.split()[1] == "m.py"
    code, _, err = _run(capsys, "search", f"@{tmp_path}", "--repo", str(repo))
    assert (code, err) == (2, f"genie: cannot read query file {tmp_path}: Is a directory\n")


def test_a_bare_at_sign_asks_for_a_file_name(make_repo, capsys):
    repo = make_repo(PY)
    code, out, err = _run(capsys, "search", "@", "--repo", str(repo))
    assert (code, out) == (2, "")
    assert err.startswith("genie: @ needs a file name (@FILE, or @- for stdin") and len(err.splitlines()) == 1


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """A 400 KB tmpfs as GENIE_HOME: the index cannot fit. Needs root (mount), else the test is skipped."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)],
                                           capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    monkeypatch.setenv("GENIE_HOME", str(mnt))
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_is_a_warning_in_the_background_and_a_one_line_error(make_repo, full_disk, capsys):
    repo = make_repo({f"m/mod{i}.py": "".join(f"def fn_{i}_{j}(arg_{j}):\n    return arg_{j} * {j}\n"
                                              for j in range(40)) for i in range(60)})
    full = f"cannot use the index cache {db_path(repo)}: database or disk is full"
    ix = RepoIndex.open(repo, background=True)
    try:
        assert ix.wait(30)
        assert ix.warnings == [full]  # the build thread did not die with a traceback
    finally:
        ix.close()
    code, out, err = _run(capsys, "index", "--repo", str(repo))
    assert (code, out) == (1, "")
    assert err.splitlines()[-1].endswith(f"genie: {full}")


def test_explain_says_a_file_of_a_nested_repository_is_not_indexed_rather_than_not_yet(make_repo, capsys):
    repo = make_repo(PY)
    (repo / "plugins").mkdir()
    make_repo({"lib.py": "def nested_helper():\n    pass\n"}, name="repo/plugins/extra")
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "plugins/extra/lib.py")
    assert (code, out) == (0, ("plugins/extra/lib.py: not indexed: inside another git repository (plugins/extra/, a "
                              "submodule or nested checkout)\n"))
    for asked in ("plugins/extra", "plugins/extra/"):  # the nested repository's own directory
        code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", asked)
        assert (code, out) == (0, ("plugins/extra: not indexed: another git repository (plugins/extra/, a submodule or "
                                  "nested checkout)\n"))
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "plugins")
    assert out == "plugins: a directory (files under it are indexed one by one)\n"
    code, out, _ = _run(capsys, "search", "nested_helper", "--repo", str(repo), "--json")
    assert "plugins/extra/lib.py" not in out


def test_a_cache_another_process_replaced_is_a_clear_error_not_a_mix_of_both(make_repo):
    # a genie of another version (or `genie index` finding damage) deletes the cache and builds a new one while
    # this one has it open: a thread connecting now would read the new file's ids with the old snapshot's paths
    import threading

    from genie_tui.errors import GenieError
    from genie_tui.retrieval.store import db_path

    repo = make_repo({f"{n}.py": f"def {n}_handler(x):\n    return x\n" for n in ("alpha", "beta", "gamma")})
    ix = RepoIndex.open(repo)
    try:
        assert ix.search("gamma handler", k=1)[0].path == "gamma.py"
        (repo / "aardvark.py").write_text("def aardvark_handler(x):\n    return x\n")  # other ids in the new file
        db = db_path(repo)
        for suffix in ("", "-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        RepoIndex.open(repo).close()  # as the other process would
        errors: list[BaseException] = []

        def search() -> None:
            try:
                ix.search("gamma handler", k=1)
            except BaseException as exc:  # noqa: BLE001 - the test looks at what it was
                errors.append(exc)

        t = threading.Thread(target=search)
        t.start()
        t.join()
        assert len(errors) == 1 and isinstance(errors[0], GenieError)
        assert "another genie process replaced it" in str(errors[0]) and "\n" not in str(errors[0])
        assert ix.search("gamma handler", k=1)[0].path == "gamma.py"  # this thread's answers stay its file's
    finally:
        ix.close()


def test_an_update_held_up_by_another_genie_process_says_so_and_a_watched_search_does_not_wait(make_repo):
    # a `genie index` stopped with Ctrl+Z holds the build lock until it goes on: `genie search` waited without a
    # word, and so did the agent's searches
    import fcntl
    import threading
    import time

    repo = make_repo({"a.py": "def alpha():\n    pass\n"})
    RepoIndex.open(repo).close()
    watched = RepoIndex.open(repo, watch=True)
    try:
        watched.refresh()
        lock = open(str(db_path(repo)) + ".lock", "a+b")  # noqa: SIM115 - closed below
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # the other process
        (repo / "a.py").write_text("def alpha():\n    pass\n\ndef added_meanwhile():\n    pass\n")
        t0 = time.perf_counter()
        assert watched.search("alpha", k=1)[0].path == "a.py"  # what is indexed, at once
        assert time.perf_counter() - t0 < 5 and not watched.definitions("added_meanwhile")
        proc = subprocess.Popen([sys.executable, "-m", "genie_tui.cli", "search", "alpha", "--repo", str(repo)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threading.Timer(3.0, lambda: (fcntl.flock(lock.fileno(), fcntl.LOCK_UN), lock.close())).start()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "a.py" in out
        assert "another genie process is updating this repository's index; waiting for it" in err
        assert [d.path for d in watched.definitions("added_meanwhile")] == ["a.py"]  # taken in once free
    finally:
        watched.close()
