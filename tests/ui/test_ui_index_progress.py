"""The app builds the code index in the background from launch: its progress in the status bar, what it has to say
as a notice, the user's and the agent's searches answering meanwhile, and quitting not waiting for it."""

from __future__ import annotations

import time
from typing import Any

from genie_tui.core import indexing
from tests.core.test_index_service import another_genie_building, many_files


async def test_the_status_bar_shows_the_build_and_quitting_does_not_wait_for_it(make_repo, helpers: Any) -> None:
    repo = many_files(make_repo, 30)
    with another_genie_building(repo):
        app = helpers.make_app(repo, None, welcome=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await helpers.wait_until(pilot, lambda: "indexing" in app.screen.status.indexing)
            await helpers.wait_until(pilot, lambda: any("another genie process is updating this repository's index"
                                                        in n.message for n in app._notifications))
            t0 = time.monotonic()
        assert time.monotonic() - t0 < 3.0  # the build waiting on the lock stopped with the app
        assert app.index_service.status()[0] is False


async def test_the_build_ends_and_the_bar_says_nothing_more(make_repo, helpers: Any) -> None:
    repo = many_files(make_repo, 30)
    app = helpers.make_app(repo, None, welcome=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await helpers.wait_until(pilot, lambda: app.index_service is not None and app.index_service.wait(0)
                                 and app.screen.status.indexing == "")
        assert app.index_service.status() == (False, 30, 30)
        assert indexing.shared(repo, None) is app.index_service  # the agent's tools and the pane use this one
        assert "indexing" not in helpers.screen_text(app)


async def test_the_pane_searches_again_after_an_app_on_the_same_repository_quit(make_repo, helpers: Any) -> None:
    from genie_tui.ui.search import search

    repo = many_files(make_repo, 30)
    for _ in range(2):  # the second app's pane used the index the first one closed: "search failed"
        app = helpers.make_app(repo, None, welcome=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await helpers.wait_until(pilot, lambda: app.index_service.wait(0))
            assert [h.path for h in search(repo, "func_7")][:1] == ["pkg0/mod7.py"]


async def test_a_search_before_the_index_has_files_answers_from_git_and_says_so(make_repo, helpers: Any) -> None:
    # the first search after launch in a large repository found nothing in the few files indexed by then and
    # showed "(no matches)" for a query that matched: git reads every file meanwhile, and the pane says it answered
    repo = many_files(make_repo, 30)
    with another_genie_building(repo):  # the build waits: nothing is indexed while the user searches
        app = helpers.make_app(repo, None, welcome=False)
        async with app.run_test(size=(120, 30)) as pilot:
            pane = app.screen.search

            def rows() -> list[str]:
                return [str(pane.results.get_option_at_index(i).prompt) for i in range(pane.results.option_count)]

            for query, found in (("func_7", "pkg0/mod7.py"), ("mod2?.py", "pkg0/mod20.py")):
                shown = len(rows())
                pane.query_box.value = ""
                await pilot.press("f2", *query, "enter")
                source = "git grep" if query == "func_7" else "git ls-files"
                note = f"  index still building: results from {source}"  # once git answered
                await helpers.wait_until(pilot, lambda n=shown, note=note: rows()[n + 1:n + 2] == [note])
                assert rows()[shown] == f"⌕ {query}"  # not "(no matches)"
                await helpers.wait_until(pilot, lambda: pane.results.has_focus)  # c and Enter act on its hit
                assert pane._current().path == found
            assert app.index_service.status()[0]  # all of it while the build had not started
