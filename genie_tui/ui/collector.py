"""The garbage collector's policy while the app runs, and the reference cycles of Textual's it works around.

A full (generation 2) collection walks every object the collector tracks, so its pause grows with the session;
over a 500-turn session of ``tools/bench_tui.py memory`` those pauses (5-6 of them, up to 101-118 ms) were the
event loop's only stalls over 50 ms. Four things make them short:

* ``Collector.settle`` freezes what start-up built (it lives as long as the app), and from then on the survivors
  of every full collection: the next one walks only what was made since (and young collections run every 5,000
  net allocations instead of 700: a repaint allocates thousands of short-lived objects).
* A full collection that falls due is started from the event loop ``FULL_DELAY_S`` later, on its own, instead of
  inside the allocation that made it due (a batch of widgets moving into the history, a layout), where its pause
  added to that work's: those stalls were 56-70 ms with a 26-32 ms collection in them.
* ``release`` breaks the cycle each removed widget keeps with its styles (``Styles.node``), so reference
  counting frees it at once, with the ~100-400 objects it holds, instead of the next full collection (the
  conversation removes 20 widgets at each batch it moves into the history): that was half of what each full
  collection freed (80-90k objects).
* Textual's ``Strip.divide`` caches ``[self]`` in the strip when the only cut is the strip's end, which the
  compositor asks for on most lines it draws: each such line then outlived its use in a cycle (strip, cache,
  dict, list, strip) with its seven small caches. That trivial case is answered without the cache.

Frozen objects are never collected, so what was alive at a freeze and dies later in a reference cycle stays
(virtual nodes Textual makes for component classes, an old compositor map and the widgets it holds). That stays
bounded: 1 s after a turn ends, once ``REST_SCAN`` objects have been frozen since the last complete collection,
everything is unfrozen and collected while the user reads (one pause of 140-150 ms after a 500-turn session, as
long as a full collection was before, when nothing streams); and once ``MAX_FROZEN_GROWTH`` have been frozen
without a turn ending, the next full collection walks everything.

Measured (4 runs each, alternating with the code before, load 0.8-1.0, medians; ranges in README): full
collections 29 ms at worst instead of 108 (18-27 ms each instead of 47-118), the worst stall 32 ms instead of
119, no stall over 50 ms instead of 5, p99 18.5 ms (18.8), RSS +67 MB instead of +70 MB.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterable, Sequence
from typing import Any

YOUNG_THRESHOLD = 5000  # net allocations between young collections (CPython's default 700)
REST_SCAN = 50_000  # objects frozen since the last complete collection that make a turn's end run one
MAX_FROZEN_GROWTH = 500_000  # ... that make the next automatic full collection one, idle or not
REST_DELAY_S = 1.0  # after a turn's end, when nothing has started since: the user is reading
FULL_EVERY = 10  # generation-1 collections between full ones (CPython's threshold2)
FULL_DELAY_S = 0.02  # a full collection that is due waits this long: not on top of the work that made it due
# CPython 3.14's collector is incremental (a young and an old generation, no generation 1, an old one scanned a
# piece at a time: its pauses are short already), and the policy below reads the generational collector's
# events: there, start-up is frozen and nothing more (3.15 goes back to generations)
INCREMENTAL = sys.version_info[:2] == (3, 14)


class Collector:
    """Installed by the app once start-up has settled; removed when the app ends."""

    def __init__(self) -> None:
        self.active = False
        self.complete_collections = 0  # collections that walked everything (unfrozen first), for tests
        self._frozen = 0  # objects frozen since the last complete collection (some died since: an upper bound)
        self._walk_all = False  # the next full collection walks everything
        self._full_pending = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hook = self._after_collection
        self._thresholds = gc.get_threshold()  # what the process had: restored when the app ends

    def settle(self) -> None:
        """Everything imported or built so far lives for the whole session: out of the collector's sight."""
        if self.active:
            return
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop: CPython starts full collections itself
            self._loop = None
        self._thresholds = gc.get_threshold()
        gc.freeze()
        self.active = True
        if INCREMENTAL:
            return
        # with a loop, full collections are started from it (``_after_collection``); CPython's own, 10 times
        # later, are the safety net if that never gets to run
        gc.set_threshold(YOUNG_THRESHOLD, 10, FULL_EVERY * (10 if self._loop is not None else 1))
        gc.callbacks.append(self._hook)

    def close(self) -> None:
        if self._hook in gc.callbacks:
            gc.callbacks.remove(self._hook)
        if self.active:
            gc.set_threshold(*self._thresholds)
            gc.unfreeze()  # the app's objects die with it: the collector may have them again
        self.active = False

    def frozen_since_scan(self) -> int:
        return self._frozen

    def _collect_full(self) -> None:
        self._full_pending = False
        if self.active:
            gc.collect()

    def at_rest(self) -> None:
        """A quiet moment (a turn has ended): collect everything if enough has been frozen since the last time."""
        if self.active and self.frozen_since_scan() > REST_SCAN:
            self._walk_all = True
            gc.unfreeze()
            gc.collect()

    def _after_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop":
            return
        if info.get("generation") == 1:
            if not self._full_pending and self._loop is not None and gc.get_count()[2] >= FULL_EVERY:
                self._full_pending = True
                try:  # this may run in any thread; the loop's own ``call_later`` is not thread-safe
                    self._loop.call_soon_threadsafe(self._loop.call_later, FULL_DELAY_S, self._collect_full)
                except RuntimeError:  # the loop is closed
                    self._full_pending = False
            return
        if info.get("generation") != 2:
            return
        self._full_pending = False
        # the survivors (all in generation 2 now; counting them is cheap, unlike the frozen set, whose
        # ``gc.get_freeze_count`` walks 0.2-0.4M objects): the next full collection walks only what is made now
        survivors = len(gc.get_objects(2))
        gc.freeze()
        if self._walk_all:
            self._walk_all = False
            self.complete_collections += 1
            self._frozen = 0
        else:
            self._frozen += survivors
        if self._frozen > MAX_FROZEN_GROWTH:
            gc.unfreeze()
            self._walk_all = True


def release(nodes: Iterable[Any]) -> None:
    """Break the cycle between removed DOM nodes and their styles, so reference counting frees them.

    ``nodes`` must be removed already (with their descendants listed too, as ``walk_children`` gives them
    before the removal): a node's two ``Styles`` refer back to it (``RenderStyles`` and the node lists use weak
    references). A detached node's styles need no node: ``Styles.refresh`` does nothing without one.
    """
    for node in nodes:
        for styles in (node._css_styles, node._inline_styles):
            styles.node = None


def _divide_without_cycle() -> None:
    """Answer ``Strip.divide([len])`` with ``[strip]`` without caching it in the strip (a reference cycle)."""
    try:
        from textual.strip import Strip
    except ImportError:  # pragma: no cover - Textual is a dependency
        return
    divide = getattr(Strip, "divide", None)
    if divide is None or getattr(divide, "_genie_no_cycle", False):
        return

    def divide_strip(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
        length = self.cell_length
        cuts = [cut for cut in cuts if cut <= length]
        if len(cuts) == 1 and cuts[0] == length:
            return [self]
        return divide(self, cuts)

    divide_strip._genie_no_cycle = True  # type: ignore[attr-defined]
    divide_strip.__doc__ = divide.__doc__
    Strip.divide = divide_strip  # type: ignore[method-assign]


_divide_without_cycle()
