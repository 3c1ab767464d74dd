"""The garbage collector's policy while the app runs (``genie_tui.ui.collector``).

Full collections walk only what was made since the last one (their survivors are frozen); removed widgets and
the compositor's lines are freed by reference counting instead of waiting for one; and what died while frozen is
still freed: at the end of a turn, or by a later full collection if no turn ends.
"""

from __future__ import annotations

import gc
import sys
import weakref
from pathlib import Path
from typing import Any

from rich.segment import Segment
from textual.strip import Strip

from genie_tui.providers.scripted import Reply
from genie_tui.ui import collector
from genie_tui.ui.widgets.conversation import BATCH, LIVE_ITEMS

FINISH = Reply(tool_calls=[("finish", {"summary": "done"})])
ALWAYS = 10**9  # thresholds of minus this many objects are passed whatever the frozen count did


class Cycle:
    def __init__(self) -> None:
        self.me = self


async def _settled(app: Any, pilot: Any, helpers: Any) -> None:
    await app.workers.wait_for_complete()  # the import warm-up, after which the collector settles
    await helpers.wait_until(pilot, lambda: app.collector.active)


async def test_widgets_moved_into_the_history_are_not_kept_by_their_own_styles(
        sample_repo: Path, helpers: Any) -> None:
    # each removed widget stayed in a cycle with its styles (Styles.node): only a full collection freed it, with
    # the ~100-400 objects it holds
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(app, pilot, helpers)
        app.collector.close()  # gc.get_referrers sees no frozen object: nothing is frozen from here
        gc.unfreeze()
        conv = app.screen.conversation
        for i in range(LIVE_ITEMS + BATCH - 1):  # one short of moving a batch into the history
            if i % 2:
                await conv.text_delta(f"model text **{i}**")
                await conv.end_text()
            else:
                await conv.add_note(f"note {i}")
        await pilot.pause()
        first = [w for w in conv.children if w is not conv.history][:BATCH]
        nodes = [n for w in first for n in w.walk_children(with_self=True)]
        del first
        assert all(_styles_refer_to(n) for n in nodes)  # while mounted they do
        await conv.add_note("the one that moves a batch")
        await pilot.pause()
        assert conv.item_count == LIVE_ITEMS + BATCH and not any(n.is_attached for n in nodes)
        kept = [n for n in nodes if _styles_refer_to(n)]
        assert not kept, f"{len(kept)} of {len(nodes)} removed nodes kept by their styles: {kept[:3]}"


def _styles_refer_to(node: Any) -> bool:
    from textual.css.styles import Styles

    return any(isinstance(r, Styles) or (isinstance(r, dict) and r.get("node") is node)
               for r in gc.get_referrers(node))


def test_a_strip_divided_at_its_end_does_not_keep_itself() -> None:
    # Textual cached [strip] in the strip itself: every line the compositor drew outlived its use in a cycle
    # (strip, cache, list, strip) that only a full collection could free
    strip = Strip([Segment("hello")])
    refs = sys.getrefcount(strip)
    assert strip.divide([5]) == [strip]
    assert sys.getrefcount(strip) == refs
    assert [s.text for s in strip.divide([2, 5])] == ["he", "llo"]
    assert [s.text for s in strip.divide([2, 9])] == ["he"]


async def test_garbage_that_died_frozen_is_freed_when_a_turn_ends(
        sample_repo: Path, serve: Any, helpers: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(collector, "REST_SCAN", -ALWAYS)  # the end of a turn collects everything, due or not
    server = serve([FINISH])
    app = helpers.make_app(sample_repo, server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(app, pilot, helpers)
        cycle = Cycle()
        ref = weakref.ref(cycle)
        gc.collect()  # a full collection: its survivors, the cycle among them, are frozen
        del cycle
        gc.collect()
        assert ref() is not None  # it died frozen: full collections no longer look at it
        scans = app.collector.complete_collections
        prompt = app.screen.query_one("#prompt")
        prompt.value = "finish"
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: server.requests and not app.screen.turn_running)
        await helpers.wait_until(pilot, lambda: app.collector.complete_collections > scans)
        assert ref() is None


async def test_garbage_that_died_frozen_is_freed_without_a_quiet_moment(
        sample_repo: Path, helpers: Any, monkeypatch: Any) -> None:
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(app, pilot, helpers)
        cycle = Cycle()
        ref = weakref.ref(cycle)
        gc.collect()
        del cycle
        gc.collect()
        assert ref() is not None
        monkeypatch.setattr(collector, "MAX_FROZEN_GROWTH", -ALWAYS)  # as if a long turn had frozen too much
        gc.collect()  # it notices and unfreezes: the next full collection walks everything
        gc.collect()
        assert ref() is None
        assert app.collector.complete_collections >= 1


async def test_a_due_full_collection_runs_on_its_own_from_the_event_loop(sample_repo: Path, helpers: Any) -> None:
    # CPython starts it inside whatever allocation made it due (a batch moving into the history, a layout), its
    # pause added to that work's; the app starts it a moment later from the event loop
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(app, pilot, helpers)
        full = gc.get_stats()[2]["collections"]
        for _ in range(collector.FULL_EVERY):
            gc.collect(1)
        assert gc.get_stats()[2]["collections"] == full  # due, not started
        await helpers.wait_until(pilot, lambda: gc.get_stats()[2]["collections"] > full)


async def test_the_collector_is_removed_when_the_app_ends(sample_repo: Path, helpers: Any) -> None:
    hooks = len(gc.callbacks)
    thresholds = gc.get_threshold()
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(app, pilot, helpers)
        assert len(gc.callbacks) == hooks + 1
        assert gc.get_freeze_count() > 0
    assert len(gc.callbacks) == hooks
    assert gc.get_freeze_count() == 0  # what the app froze is the collector's again once it has ended
    assert gc.get_threshold() == thresholds


async def test_on_an_incremental_collector_only_start_up_is_frozen(sample_repo: Path, helpers: Any,
                                                                     monkeypatch: Any) -> None:
    """CPython 3.14 collects the old generation a piece at a time: the policy, which reads the generational
    collector's events, stays out of it (only 3.11 runs here, so the switch is flipped by hand)."""
    monkeypatch.setattr(collector, "INCREMENTAL", True)
    hooks, thresholds = len(gc.callbacks), gc.get_threshold()
    app = helpers.make_app(sample_repo, None, welcome=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(app, pilot, helpers)
        assert len(gc.callbacks) == hooks and gc.get_threshold() == thresholds
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
