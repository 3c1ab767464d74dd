"""The search pane keeps its index open between searches, and each search sees the files as they are saved; while
the index builds, a search shows the index's hits at once, git grep's when they come, and is run again once the
build's files are in."""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from genie_tui.retrieval import RepoIndex
from genie_tui.ui.search import search
from tests.core.test_index_service import another_genie_building

FILES = {"pkg/alpha.py": "def alpha_handler():\n    return 1\n", "pkg/beta.py": "def beta_handler():\n    return 2\n"}


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The repositories an index was opened for."""
    seen: list[Path] = []
    real = RepoIndex.open.__func__  # type: ignore[attr-defined]

    def counting(cls: type, repo: Path, **kw: Any) -> RepoIndex:
        seen.append(Path(repo))
        return real(cls, repo, **kw)

    monkeypatch.setattr(RepoIndex, "open", classmethod(counting))
    return seen


def _paths(repo: Path, query: str) -> list[str]:
    return [h.path for h in search(repo, query)]


@pytest.mark.parametrize("platform", ["linux", "darwin"])  # watched through inotify, or not watched at all
def test_later_searches_reuse_the_index_and_see_saved_files(make_repo, opens, monkeypatch, platform: str) -> None:
    if platform == "linux" and not sys.platform.startswith("linux"):
        pytest.skip("inotify is Linux's")
    monkeypatch.setattr(sys, "platform", platform)
    repo = make_repo(FILES, name=f"repo-{platform}")
    assert _paths(repo, "alpha handler")[0] == "pkg/alpha.py"
    (repo / "pkg/beta.py").write_text("def beta_handler():\n    return 2\n\ndef reconcile_ledger():\n    pass\n")
    (repo / "pkg/gamma.py").write_text("def ledger_gamma():\n    pass\n")
    assert _paths(repo, "reconcile_ledger")[0] == "pkg/beta.py"
    assert "pkg/gamma.py" in _paths(repo, "*.py")
    assert opens == [repo]  # opened once, by the first search


def test_another_repository_gets_its_own_index(make_repo, opens) -> None:
    one = make_repo(FILES, name="one")
    two = make_repo({"lib/other.py": "def alpha_handler():\n    return 3\n"}, name="two")
    assert _paths(one, "alpha handler")[0] == "pkg/alpha.py"
    assert _paths(two, "alpha handler")[0] == "lib/other.py"
    assert _paths(one, "alpha handler")[0] == "pkg/alpha.py"
    assert opens[:2] == [one, two] and set(opens) == {one, two}  # each its own (``one``'s may still be open)


async def test_the_pane_finds_what_was_saved_after_its_first_search(make_repo, helpers: Any) -> None:
    repo = make_repo(FILES, name="app-repo")
    app = helpers.make_app(repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.screen.search
        await pilot.press("f2", *"alpha handler", "enter")
        await helpers.wait_until(pilot, lambda: any(h and h.path == "pkg/alpha.py" for h in pane.hits))
        (repo / "pkg/delta.py").write_text("def settle_invoices():\n    pass\n")
        await pilot.press("f2")
        pane.query_one("Input").value = ""
        await pilot.press(*"settle invoices", "enter")
        await helpers.wait_until(pilot, lambda: any(h and h.path == "pkg/delta.py" for h in pane.hits))


def test_a_query_shaped_like_a_glob_that_lists_no_file_searches_the_code(make_repo, monkeypatch) -> None:
    repo = make_repo({**FILES, "pkg/typed.py": "from typing import Optional\n\ndef parse_name(x: Optional[str]):\n    return x\n"},
                     name="globby")
    assert set(_paths(repo, "Optional[str]")) == {"pkg/typed.py"}
    assert _paths(repo, "*alpha*") == ["pkg/alpha.py"]  # a glob that lists files still lists them
    import genie_tui.ui.search as pane

    def no_index(repo: Path) -> Any:
        raise ImportError("retrieval unavailable")

    monkeypatch.setattr(pane, "_index", no_index)  # the git fallback reads it the same way
    assert set(_paths(repo, "Optional[str]")) == {"pkg/typed.py"}
    assert _paths(repo, "*alpha*") == ["pkg/alpha.py"]


def test_git_s_answer_keeps_a_name_holding_a_colon_or_a_line_break(make_repo, monkeypatch) -> None:
    # git grep's "path:line:text" was cut at the first colon ("notes" for notes:v2.py) and a quoted name kept
    # its quotes; read with -z, each name is whole. A Latin-1 line in its output raised UnicodeDecodeError.
    repo = make_repo({"notes:v2.py": "QUARTZ = 1\nQUARTZ_TOO = 2\n", "a\nb.py": "QUARTZ = 3\n"}, name="odd-names")
    (repo / "pkg").mkdir()
    (repo / "pkg/latin.py").write_bytes(b"QUARTZ = '\xe9'\n")
    import genie_tui.ui.search as pane

    def no_index(repo: Path) -> Any:
        raise ImportError("retrieval unavailable")

    monkeypatch.setattr(pane, "_index", no_index)
    hits = [(h.path, h.start, h.end) for h in search(repo, "quartz")]
    assert hits[0] == ("notes:v2.py", 1, 2) and sorted(hits[1:]) == [("a\nb.py", 1, 1), ("pkg/latin.py", 1, 1)]
    assert {h.path for h in search(repo, "*.py")} == {"notes:v2.py", "a\nb.py", "pkg/latin.py"}

LEDGER = {"pkg/alpha.py": "def settle_ledger():\n    return 'ledger'\n",
          "pkg/beta.py": "def ledger_total():\n    return 2\n",
          "pkg/gamma.py": "def close_ledger():\n    return 3\n",
          **{f"pkg/other{i}.py": f"def other_{i}():\n    return {i}\n" for i in range(20)}}

GREP_NOTE = "  index still building: results from git grep"


def _rows(pane: Any) -> list[str]:
    return [str(pane.results.get_option_at_index(i).prompt) for i in range(pane.results.option_count)]


async def test_a_search_answered_while_the_index_built_is_run_again_once_its_files_are_in(
        make_repo, helpers: Any) -> None:
    # its rows stayed partial ("results from git grep") after the build; now they are the index's, the user's
    # hit still highlighted and the keys left where the user is
    repo = make_repo(LEDGER, name="rerun")
    with ExitStack() as held:
        held.enter_context(another_genie_building(repo))  # the build waits: git grep answers the search
        app = helpers.make_app(repo, None, welcome=False)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.screen.search
            await pilot.press("f2", *"ledger", "enter")
            await helpers.wait_until(pilot, lambda: _rows(pane)[1:2] == [GREP_NOTE])
            await helpers.wait_until(pilot, lambda: pane.results.has_focus)
            await pilot.press("down")
            mine = pane._current()
            assert mine is not None and mine != pane.hits[2]  # the user chose a hit other than the first
            await pilot.press("f2")  # back in the box, about to type another query
            held.close()  # the build goes on and ends
            await helpers.wait_until(pilot, lambda: _rows(pane)[1:2] == ["  index built: searched again"])
            assert not any("git grep" in row or "matches" in row for row in _rows(pane))  # the index's hits
            assert pane._current() is not None and pane._current().path == mine.path
            assert app.focused is pane.query_box
            rows = _rows(pane)
            await pilot.press("f2")
            pane.query_box.value = ""
            await pilot.press(*"close_ledger", "enter")  # the index is built: answered in full, not run again
            await helpers.wait_until(pilot, lambda: len(_rows(pane)) > len(rows))
            shown = _rows(pane)[len(rows):]
            await pilot.pause(1.0)
            assert _rows(pane)[len(rows):] == shown and shown[1] == "  pkg/gamma.py:1-2  close_ledger"  # no note


@pytest.fixture
def grep_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A slow ``git grep`` (a large repository's): it answers once the returned file exists (at most 10 s)."""
    gate, bin_dir = tmp_path / "grep-may-answer", tmp_path / "bin"
    bin_dir.mkdir()
    git = bin_dir / "git"
    git.write_text(f'#!/bin/sh\nif [ "$1" = grep ]; then\n  for i in $(seq 200); do [ -e "{gate}" ] && break; '
                   f'sleep 0.05; done\nfi\nexec "{shutil.which("git")}" "$@"\n')
    git.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return gate


async def test_the_index_s_hits_show_while_git_grep_still_reads_the_rest(
        make_repo, helpers: Any, grep_gate: Path) -> None:
    # git grep's fill-in delayed what the index already had: a first search in a 20,000-file repository showed
    # its rows 1.9-3.1 s after Enter instead of 1.1 s
    repo = make_repo(LEDGER, name="fill")
    RepoIndex.open(repo).close()  # built: the app's index has these files at once
    (repo / "pkg/delta.py").write_text("LEDGER_LIMIT = 4  # the ledger's\n")  # not indexed yet: git grep's
    with another_genie_building(repo):  # its catch-up waits
        app = helpers.make_app(repo, None, welcome=False)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.screen.search
            state = "  index still building: "  # its catch-up, not begun: it cannot tell yet
            await pilot.press("f2", *"ledger", "enter")
            await helpers.wait_until(pilot, lambda: _rows(pane)[1:2] == [
                state + "its hits so far; git grep is searching the files not indexed yet"], timeout=8)
            assert {h.path for h in pane.hits if h} == {"pkg/alpha.py", "pkg/beta.py", "pkg/gamma.py"}
            await helpers.wait_until(pilot, lambda: pane.results.has_focus)  # to its hits, as a search that answered
            await pilot.press("down")
            mine = pane._current()
            grep_gate.touch()
            await helpers.wait_until(pilot, lambda: _rows(pane)[1:2] == [state + "its hits, then git grep's"])
            assert [h.path for h in pane.hits if h][-1] == "pkg/delta.py"
            assert pane._current() == mine and pane.results.has_focus


async def test_typing_in_the_box_while_git_grep_answers_keeps_the_keys_and_the_rows(
        make_repo, helpers: Any, grep_gate: Path) -> None:
    # the keys went to the hits when git grep answered, though the user had typed in the box since; and a search
    # the user has moved on from is not run again when the build's files are in
    repo = make_repo(LEDGER, name="typed")
    with ExitStack() as held:
        held.enter_context(another_genie_building(repo))
        app = helpers.make_app(repo, None, welcome=False)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.screen.search
            await pilot.press("f2", *"ledger", "enter", *" total")  # typed on while it searches
            await pilot.pause(1.5)
            grep_gate.touch()
            await helpers.wait_until(pilot, lambda: _rows(pane)[1:2] == [GREP_NOTE])
            await pilot.press("s")
            assert app.focused is pane.query_box and pane.query_box.value == "ledger totals"
            held.close()
            await helpers.wait_until(pilot, lambda: app.index_service.wait(0))
            rows = _rows(pane)
            await pilot.pause(1.0)
            assert _rows(pane) == rows and rows[1] == GREP_NOTE


async def test_git_grep_taking_too_long_leaves_the_index_s_hits_and_says_so(
        make_repo, helpers: Any, grep_gate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a git grep past its timeout (a huge repository) was a "search failed" notice, the note under the query still
    # saying that git grep was searching
    from genie_tui.ui import search as engine

    monkeypatch.setattr(engine, "GIT_TIMEOUT_S", 0.5)
    repo = make_repo(LEDGER, name="slowgrep")
    RepoIndex.open(repo).close()
    (repo / "pkg/delta.py").write_text("LEDGER_LIMIT = 4  # the ledger's\n")
    with another_genie_building(repo):
        app = helpers.make_app(repo, None, welcome=False)
        notices: list[str] = []
        monkeypatch.setattr(app, "notify", lambda message, **kw: notices.append(str(message)))
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.screen.search
            await pilot.press("f2", *"ledger", "enter")
            state = "  index still building: "
            await helpers.wait_until(pilot, lambda: _rows(pane)[1:2] == [
                state + "its hits so far; git grep took over 0.5 s"], timeout=8)
            assert {h.path for h in pane.hits if h} == {"pkg/alpha.py", "pkg/beta.py", "pkg/gamma.py"}
            assert not [n for n in notices if "search failed" in n]
