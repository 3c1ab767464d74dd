"""A watched index (``RepoIndex.open(watch=True)``, as the agent opens it) re-reads only the files that changed,
and ends up exactly where a scan of everything would: real git repositories, real inotify (Linux)."""

from __future__ import annotations

import ctypes
import errno
import os
import random
import shutil
import subprocess
import sys

import pytest

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval import watch as watch_mod

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")

FILES = {f"pkg/m{i}.py": f"def func_{i}():\n    return {i}\n" for i in range(12)}
FILES.update({"pkg/sub/deep.py": "class Deep:\n    pass\n", "README.md": "a package\n", ".gitignore": "*.swp\nbuild/\n"})


@pytest.fixture
def watched(make_repo):
    repo = make_repo(FILES)
    ix = RepoIndex.open(repo, watch=True)
    ix.refresh()  # the open's scan found every directory new: this scan is the one the watches cover
    yield repo, ix
    ix.close()


def _defs(ix: RepoIndex, name: str) -> list[str]:
    return [d.path for d in ix.definitions(name)]


def git(repo, *args: str) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def test_an_edit_is_reread_alone(watched):
    repo, ix = watched
    (repo / "pkg/m3.py").write_text("def func_3():\n    return 3\n\ndef added_later():\n    pass\n")
    ix.refresh()
    assert ix.last_build.files == 1 and ix.last_build.parsed == 1  # not the 15 files a scan looks at
    assert _defs(ix, "added_later") == ["pkg/m3.py"]


def test_a_search_takes_in_what_was_saved_since_the_last(watched):
    repo, ix = watched
    (repo / "pkg/m5.py").write_text("def reconcile_ledger_totals():\n    return 5\n")
    assert [r.path for r in ix.search("reconcile ledger totals", k=1)] == ["pkg/m5.py"]
    assert ix.last_build.files == 1
    assert _defs(ix, "func_5") == []


def test_new_deleted_renamed_and_ignored_files(watched):
    repo, ix = watched
    (repo / "pkg/fresh.py").write_text("def fresh_one():\n    pass\n")  # untracked, not ignored: indexed
    (repo / "pkg/.m1.py.swp").write_bytes(b"def swap_junk(): pass\n")  # ignored by .gitignore
    (repo / "pkg/m2.py").unlink()
    (repo / "pkg/m4.py").rename(repo / "pkg/renamed.py")
    ix.refresh()
    assert ix.last_build.files == 2  # fresh.py and renamed.py: the others are gone or ignored
    assert _defs(ix, "fresh_one") == ["pkg/fresh.py"]
    assert _defs(ix, "swap_junk") == [] and _defs(ix, "func_2") == []
    assert _defs(ix, "func_4") == ["pkg/renamed.py"]
    assert ix.find_files("m4.py") == []
    before = ix.last_build
    (repo / "pkg/.m1.py.swp").write_bytes(b"def swap_junk(): return 2\n")  # the editor saves its swap file again
    ix.search("func")
    assert ix.last_build is before  # git was asked once: no update for it


def test_a_new_directory_is_watched_from_its_creation(watched):
    repo, ix = watched
    (repo / "newpkg/inner").mkdir(parents=True)
    ix.refresh()  # a directory appeared: everything is scanned once (it holds no file yet)
    (repo / "newpkg/inner/late.py").write_text("def late_arrival():\n    pass\n")
    ix.refresh()
    assert ix.last_build.files == 1
    assert _defs(ix, "late_arrival") == ["newpkg/inner/late.py"]
    (repo / "build").mkdir()  # ignored: not watched, and no scan for it
    (repo / "build/out.py").write_text("def built_output():\n    pass\n")
    ix.refresh()
    assert ix.last_build.files == 0 and _defs(ix, "built_output") == []


def test_a_deleted_directory_or_a_gitignore_change_scans_everything(watched):
    repo, ix = watched
    shutil.rmtree(repo / "pkg/sub")
    ix.refresh()
    assert ix.last_build.files == len(FILES) - 1 and _defs(ix, "Deep") == []
    (repo / "pkg/fresh.py").write_text("def fresh_one():\n    pass\n")
    ix.refresh()
    assert _defs(ix, "fresh_one") == ["pkg/fresh.py"]
    with (repo / ".gitignore").open("a") as fh:
        fh.write("pkg/fresh.py\n")
    ix.refresh()
    assert _defs(ix, "fresh_one") == [] and ix.find_files("fresh.py") == []


def test_a_moved_directory_is_followed_under_its_new_name(watched):
    repo, ix = watched
    (repo / "pkg/sub").rename(repo / "pkg/moved")
    ix.refresh()
    assert _defs(ix, "Deep") == ["pkg/moved/deep.py"]
    (repo / "pkg/moved/later.py").write_text("def in_moved():\n    pass\n")
    (repo / "pkg/sub").mkdir()
    ix.refresh()
    (repo / "pkg/sub/again.py").write_text("def in_recreated():\n    pass\n")
    ix.refresh()
    assert ix.last_build.files == 1
    assert _defs(ix, "in_moved") == ["pkg/moved/later.py"] and _defs(ix, "in_recreated") == ["pkg/sub/again.py"]


def test_without_inotify_each_lookup_scans(make_repo, monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    repo = make_repo(FILES)
    ix = RepoIndex.open(repo, watch=True)
    try:
        (repo / "pkg/m1.py").write_text("def on_another_system():\n    pass\n")
        assert _defs(ix, "on_another_system") == ["pkg/m1.py"]  # every file's size and ctime looked at first
        assert ix.last_build.files == len(FILES) and not ix.watching
        (repo / "pkg/m2.py").write_text("def and_a_refresh():\n    pass\n")
        ix.refresh()
        assert ix.last_build.files == len(FILES) and _defs(ix, "and_a_refresh") == ["pkg/m2.py"]
    finally:
        ix.close()


def test_a_watch_that_cannot_be_added_is_said_once_and_updates_scan(make_repo, monkeypatch):
    real = watch_mod._libc()

    class NoWatchesLeft:  # as when fs.inotify.max_user_watches is reached
        inotify_init1 = real.inotify_init1

        @staticmethod
        def inotify_add_watch(*_args: object) -> int:
            ctypes.set_errno(errno.ENOSPC)
            return -1

    monkeypatch.setattr(watch_mod, "_libc", lambda: NoWatchesLeft)
    repo = make_repo(FILES)
    ix = RepoIndex.open(repo, watch=True)
    try:
        assert len(ix.warnings) == 1 and "max_user_watches" in ix.warnings[0]
        (repo / "pkg/m1.py").write_text("def still_found():\n    pass\n")
        assert _defs(ix, "still_found") == ["pkg/m1.py"]  # a lookup scans first
        assert ix.last_build.files == len(FILES)
        assert len(ix.warnings) == 1
    finally:
        ix.close()


def test_many_changes_at_once_are_scanned(watched, monkeypatch):
    repo, ix = watched
    monkeypatch.setattr(watch_mod, "MAX_CHANGES", 3)
    for i in range(4):
        (repo / f"pkg/m{i}.py").write_text(f"def renamed_{i}():\n    return {i}\n")
    ix.refresh()
    assert ix.last_build.files == len(FILES)
    assert all(_defs(ix, f"renamed_{i}") == [f"pkg/m{i}.py"] for i in range(4))


def test_a_failed_update_leaves_its_changes_for_the_next(watched, monkeypatch):
    repo, ix = watched
    (repo / "pkg/m6.py").write_text("def after_failure():\n    pass\n")
    from genie_tui.retrieval import build

    real = build.update
    monkeypatch.setattr(build, "update", lambda *a, **k: (_ for _ in ()).throw(OSError("disk trouble")))
    with pytest.raises(OSError):
        ix.refresh()
    monkeypatch.setattr(build, "update", real)
    ix.refresh()
    assert _defs(ix, "after_failure") == ["pkg/m6.py"]


def _state(ix: RepoIndex, names: list[str]) -> tuple:
    paths = ix.find_files("*", limit=100_000)
    defs = {n: sorted((d.path, d.line, d.end_line) for d in ix.definitions(n)) for n in names}
    hits = [(r.path, r.score) for r in ix.search("func word deep alpha", k=50)]
    return paths, defs, hits, ix.stats["definitions"]


def test_random_edits_leave_what_a_full_scan_finds(watched, tmp_path, monkeypatch):
    repo, ix = watched
    rng = random.Random(7)
    names = [f"func_{i}" for i in range(12)] + ["Deep"]
    for step in range(60):
        live = sorted(p for p in ix.find_files("*.py", limit=1000) if (repo / p).exists())
        op = rng.choice(["edit", "edit", "new", "newdir", "delete", "rename", "swap", "touch", "same"])
        name = f"gen_{step}"
        if op in ("edit", "same", "touch", "delete", "rename") and not live:
            op = "new"
        target = repo / rng.choice(live) if live else None
        if op == "edit":
            target.write_text(target.read_text() + f"\ndef {name}():\n    return 'word alpha {step}'\n")
        elif op == "new":
            (repo / f"pkg/new_{step}.py").write_text(f"def {name}():\n    pass\n")
        elif op == "newdir":
            d = repo / f"dir_{step}" / "inner"
            d.mkdir(parents=True)
            (d / "mod.py").write_text(f"def {name}():\n    pass\n")
        elif op == "delete":
            target.unlink()
        elif op == "rename":
            target.rename(target.with_name(f"moved_{step}.py"))
        elif op == "swap":
            (repo / f"pkg/.x{step}.swp").write_text(f"def {name}():\n    pass\n")
        elif op == "touch":
            os.utime(target, ns=(step * 10**9, step * 10**9))
        else:
            target.write_text(target.read_text())
        names.append(name)
        if rng.random() < 0.5:
            ix.refresh()
        if op in ("edit", "new", "newdir"):  # a search takes in what was saved (with or without a refresh)
            assert _defs(ix, name), (step, op)
    ix.refresh()
    got = _state(ix, names)
    monkeypatch.setenv("GENIE_HOME", str(tmp_path / "elsewhere"))  # a fresh cache: a scan of everything
    fresh = RepoIndex.open(repo)
    try:
        assert got == _state(fresh, names)
    finally:
        fresh.close()


def _as_a_scan_finds(ix: RepoIndex, repo, names: list[str], tmp_path, monkeypatch) -> bool:  # type: ignore[no-untyped-def]
    ix.search("func")
    got = _state(ix, names)
    monkeypatch.setenv("GENIE_HOME", str(tmp_path / f"scan-{len(list(tmp_path.iterdir()))}"))
    fresh = RepoIndex.open(repo)
    try:
        return got == _state(fresh, names)
    finally:
        fresh.close()


def test_a_directory_whose_name_is_not_utf8_is_passed_over(watched, tmp_path, monkeypatch):
    repo, ix = watched
    staging = os.path.join(os.fsencode(tmp_path), b"staging")
    os.makedirs(os.path.join(staging, b"bad\xff"))
    os.rename(staging, os.path.join(os.fsencode(repo), b"vendor"))  # a tree unpacked or moved in
    ix.refresh()
    bad = os.path.join(os.fsencode(repo), b"vendor/bad\xff")
    with open(os.path.join(bad, b"x.py"), "w") as fh:
        fh.write("def in_bad_dir():\n    pass\n")
    assert [r.path for r in ix.search("in_bad_dir")] == []  # no UnicodeEncodeError: the index cannot name it
    os.mkdir(os.path.join(bad, b"sub"))
    (repo / "pkg/m1.py").write_text("def edited_beside():\n    pass\n")  # in the same batch of events
    assert _defs(ix, "edited_beside") == ["pkg/m1.py"]
    assert _as_a_scan_finds(ix, repo, ["in_bad_dir", "edited_beside"], tmp_path, monkeypatch)


def test_a_file_written_back_with_its_size_and_mtime_is_read_again(watched):
    repo, ix = watched
    p = repo / "pkg/m1.py"
    assert [s.symbol for s in ix.search("func_1", k=1)[0].spans] == ["func_1"]  # its chunks now in memory
    st = p.stat()
    p.write_text(p.read_text().replace("func_1", "zzzz_1"))  # the same size
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # and its mtime put back: touch -r, rsync -t, tar x
    assert _defs(ix, "zzzz_1") == ["pkg/m1.py"] and _defs(ix, "func_1") == []
    # and its spans are the new chunks', not those kept from before (the same path, size and mtime)
    assert [s.symbol for s in ix.search("zzzz_1", k=1)[0].spans] == ["zzzz_1"]


def test_a_repository_cloned_inside_is_left_out_as_git_leaves_it(watched, make_repo, tmp_path, monkeypatch):
    repo, ix = watched
    other = make_repo({"lib.py": "def vendored_lib():\n    pass\n"}, name="other")
    git(repo, "clone", "-q", str(other), "tools/other")
    ix.refresh()
    (repo / "tools/other/lib.py").write_text("def vendored_edited():\n    pass\n")
    (repo / "tools/other/new.py").write_text("def vendored_new():\n    pass\n")
    assert _defs(ix, "vendored_new") == [] and _defs(ix, "vendored_edited") == []
    (repo / "pkg/nested").mkdir()
    ix.refresh()
    git(repo / "pkg/nested", "init", "-q")  # a repository of its own made in a watched directory
    (repo / "pkg/nested/inner.py").write_text("def nested_inner():\n    pass\n")
    assert _defs(ix, "nested_inner") == []
    assert _as_a_scan_finds(ix, repo, ["vendored_lib", "vendored_new", "nested_inner"], tmp_path, monkeypatch)


def test_git_add_force_and_info_exclude_are_followed(watched, tmp_path, monkeypatch):
    repo, ix = watched
    (repo / ".gitignore").write_text("*.swp\nbuild/\nlocal_*.py\n")
    ix.refresh()
    (repo / "pkg/local_notes.py").write_text("def forced_in():\n    pass\n")
    assert _defs(ix, "forced_in") == []  # ignored, and remembered as such
    git(repo, "add", "-f", "pkg/local_notes.py")  # git's index replaced: what it ignored is asked again
    assert _defs(ix, "forced_in") == ["pkg/local_notes.py"]
    (repo / "pkg/local_notes.py").write_text("def forced_edited():\n    pass\n")
    assert _defs(ix, "forced_edited") == ["pkg/local_notes.py"]
    with open(repo / ".git/info/exclude", "a") as fh:
        fh.write("pkg/m7.py\n")  # untracked, and now excluded; .git/info/exclude only applies to untracked files
    git(repo, "rm", "-q", "--cached", "pkg/m7.py")
    (repo / "pkg/m7.py").write_text("def excluded_now():\n    pass\n")  # the rm put git's index back: no scan yet
    ix.search("func")
    assert _defs(ix, "excluded_now") == [] and ix.find_files("m7.py") == []
    assert _as_a_scan_finds(ix, repo, ["forced_in", "forced_edited", "excluded_now"], tmp_path, monkeypatch)


def test_a_directory_made_while_ignored_is_watched_once_it_is_not(make_repo, tmp_path, monkeypatch):
    repo = make_repo({**FILES, ".gitignore": "*.swp\nout/\n"})
    ix = RepoIndex.open(repo, watch=True)
    try:
        ix.refresh()
        (repo / "out").mkdir()
        ix.search("func")
        (repo / ".gitignore").write_text("*.swp\n")
        ix.search("func")  # a scan: out/ holds nothing, but it is watched now
        (repo / "out/gen.py").write_text("def generated_here():\n    pass\n")
        assert _defs(ix, "generated_here") == ["out/gen.py"]
        assert ix.last_build.files == 1
    finally:
        ix.close()


def test_an_event_the_watcher_trips_over_loses_no_edit(watched, monkeypatch):
    repo, ix = watched

    def broken(root, rels):  # type: ignore[no-untyped-def]
        raise RuntimeError("unexpected")

    monkeypatch.setattr(watch_mod, "ignored_dirs", broken)
    (repo / "pkg/newdir").mkdir()  # read in the same batch of events as the edit after it
    (repo / "pkg/m2.py").write_text("def edited_after_the_trip():\n    pass\n")
    assert _defs(ix, "edited_after_the_trip") == ["pkg/m2.py"]


def test_a_directory_that_held_no_indexed_file_at_the_start_is_watched(make_repo, tmp_path, monkeypatch):
    repo = make_repo({**FILES, ".gitignore": "*.log\nout/\n"})
    (repo / "empty/inner").mkdir(parents=True)  # made before genie started: git lists nothing in it
    (repo / "pkg/logs").mkdir()
    (repo / "pkg/logs/run.log").write_text("def not_code(): pass\n")  # only an ignored file in it
    (repo / "out").mkdir()  # ignored: stays unwatched
    (repo / "clone").mkdir()
    git(repo / "clone", "init", "-q")  # a repository of its own inside, which git passes over
    ix = RepoIndex.open(repo, watch=True)
    try:
        ix.refresh()
        (repo / "empty/inner/late.py").write_text("def made_in_an_empty_dir():\n    pass\n")
        (repo / "pkg/logs/tool.py").write_text("def beside_the_logs():\n    pass\n")
        (repo / "out/gen.py").write_text("def ignored_output():\n    pass\n")
        (repo / "clone/lib.py").write_text("def in_the_clone():\n    pass\n")
        ix.refresh()
        assert ix.last_build.files == 2  # the two it saw, not a scan of everything
        assert _defs(ix, "made_in_an_empty_dir") == ["empty/inner/late.py"]
        assert _defs(ix, "beside_the_logs") == ["pkg/logs/tool.py"]
        assert _defs(ix, "ignored_output") == [] and _defs(ix, "in_the_clone") == []
        names = ["made_in_an_empty_dir", "beside_the_logs", "ignored_output", "in_the_clone"]
        assert _as_a_scan_finds(ix, repo, names, tmp_path, monkeypatch)
    finally:
        ix.close()


def test_a_linked_worktree_follows_the_repository_s_info_exclude(make_repo, tmp_path, monkeypatch):
    repo = make_repo(FILES)
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"))
    wt = tmp_path / "wt"
    (wt / "scratch_notes.py").write_text("def scratch_helper():\n    pass\n")  # untracked
    ix = RepoIndex.open(wt, watch=True)
    try:
        ix.refresh()
        assert _defs(ix, "scratch_helper") == ["scratch_notes.py"]
        with open(repo / ".git/info/exclude", "a") as fh:  # git reads it from the common directory, not .git/worktrees/wt
            fh.write("scratch_*.py\n")
        assert _defs(ix, "scratch_helper") == []
        assert _as_a_scan_finds(ix, wt, ["scratch_helper"], tmp_path, monkeypatch)
    finally:
        ix.close()


@pytest.mark.parametrize("where", ["core.excludesFile", "XDG_CONFIG_HOME"])
def test_a_change_of_the_global_excludes_file_is_followed(make_repo, tmp_path, monkeypatch, where):
    # git's ignore rules of the user, outside the repository: the watched index kept a file it newly ignores
    config = tmp_path / "config"
    (config / "git").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    excludes = config / "git/ignore"
    repo = make_repo(FILES)
    if where == "core.excludesFile":
        excludes = tmp_path / "elsewhere/global-ignore"
        excludes.parent.mkdir()
        git(repo, "config", "core.excludesFile", str(excludes))
    (repo / "pkg/scratch_notes.py").write_text("def scratch_helper():\n    pass\n")  # untracked
    ix = RepoIndex.open(repo, watch=True)
    try:
        ix.refresh()
        assert _defs(ix, "scratch_helper") == ["pkg/scratch_notes.py"]
        new = excludes.with_name(excludes.name + ".tmp")  # as an editor saves it: a new file renamed over
        new.write_text("scratch_*.py\n")
        new.rename(excludes)
        assert _defs(ix, "scratch_helper") == []
        excludes.write_text("")  # written in place
        assert _defs(ix, "scratch_helper") == ["pkg/scratch_notes.py"]
    finally:
        ix.close()
