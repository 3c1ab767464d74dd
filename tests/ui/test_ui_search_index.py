"""The search pane keeps its index open between searches, and each search sees the files as they are saved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from genie_tui.retrieval import RepoIndex
from genie_tui.ui.search import search

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

