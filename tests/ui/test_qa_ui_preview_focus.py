"""What a review of the search pane and the preview found: a search ending while the user typed in the prompt took
the keys (each ``c`` typed added a hit to the agent's context); Ctrl+C over a hit's preview copied the hit's line,
which the preview had selected, instead of stopping and quitting; ``c`` sent a binary file's raw bytes, and an empty
span for a hit past the 2 MB a preview reads."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from genie_tui.ui import search as search_mod


async def test_a_search_that_ends_while_the_user_types_in_the_prompt_leaves_the_keys_there(
        make_repo: Any, helpers: Any, monkeypatch: Any) -> None:
    repo = make_repo({"pkg/widget.py": "def widget():\n    return 1\n"})
    real = search_mod.search

    def slow(*args: Any, **kwargs: Any) -> Any:  # a first search, building a large index
        time.sleep(0.8)
        return real(*args, **kwargs)

    monkeypatch.setattr(search_mod, "search", slow)
    app = helpers.make_app(repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen
        await pilot.press("f2", *"widget", "enter")
        await pilot.press("f5", *"please fix the code")
        await helpers.wait_until(pilot, lambda: any(main.search.hits))
        await pilot.press(*" carefully")
        await pilot.pause(0.2)
        assert main.query_one("#prompt").value == "please fix the code carefully"
        assert app.pending_context == []


async def test_ctrl_c_over_a_hits_preview_stops_and_quits(make_repo: Any, helpers: Any) -> None:
    repo = make_repo({"a.py": "x = 1\nhello = 2\ny = 3\n"})
    app = helpers.make_app(repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen
        await pilot.press("f2", *"hello", "enter")
        await helpers.wait_until(pilot, lambda: any(main.search.hits))
        await pilot.pause(0.2)
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: type(app.screen).__name__ == "PreviewScreen"
                                 and app.screen.text is not None)
        await pilot.pause(0.2)
        assert app.screen.focused.selected_text == ""  # the hit's line has the cursor, not a selection
        await pilot.press("ctrl+c", "ctrl+c")
        await helpers.wait_until(pilot, lambda: not app.is_running)


async def test_c_refuses_a_binary_file_and_a_span_past_what_a_preview_reads(make_repo: Any, helpers: Any,
                                                                           tmp_path: Path) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    (repo / "blob.bin").write_bytes(b"\x7fELF\x02\x01\x00\x00\x1b[2J" * 50)
    (repo / "gen.py").write_text("".join(f"def filler_{i}(x):\n    return x + {i}  # padding\n"
                                         for i in range(60_000)))
    app = helpers.make_app(repo, None, welcome=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        main = app.screen
        from genie_tui.ui.search import Hit

        for hit, said in ((Hit("blob.bin", 0, 0, "file"), "blob.bin is a binary file"),
                          (Hit("gen.py", 110_001, 110_002, "lines"), "lines 110001-110002 lie past the first 2 MB")):
            main.post_message(main.search.ContextRequested(hit))
            await helpers.wait_until(pilot, lambda said=said: any(said in t.render().plain
                                                                  for t in app.screen.query("Toast")))
        assert app.pending_context == []
