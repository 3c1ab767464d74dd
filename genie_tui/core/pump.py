"""Runs the agent's work as cancellable tasks while streaming the events that work emits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from genie_tui.core.events import Event


class Cancelled(Exception):
    """The user stopped the current turn."""


class EventPump:
    """``drive(coro)`` yields the events ``coro`` emits as they happen, then its result.

    ``cancel()`` cancels the running task (closing a model stream, stopping a test run, abandoning a wait for
    the user) and makes ``drive`` raise :class:`Cancelled`.
    """

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._inflight: asyncio.Future[Any] | None = None
        self.cancelled = False

    def emit(self, event: Event) -> None:
        self._queue.put_nowait(event)

    def cancel(self) -> None:
        self.cancelled = True
        if self._inflight is not None and not self._inflight.done():
            self._inflight.cancel()

    async def drive(self, coro: Awaitable[Any]) -> AsyncIterator[Any]:
        if self.cancelled:
            if asyncio.iscoroutine(coro):
                coro.close()
            raise Cancelled
        task = asyncio.ensure_future(coro)
        self._inflight = task
        getter: asyncio.Future[Event] | None = None
        try:
            while True:
                getter = asyncio.ensure_future(self._queue.get())
                done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                    continue
                getter.cancel()
                while not self._queue.empty():
                    yield self._queue.get_nowait()
                break
            try:
                result = task.result()
            except asyncio.CancelledError:
                raise Cancelled from None
            if self.cancelled:
                raise Cancelled
            yield result
        finally:
            self._inflight = None
            if getter is not None and not getter.done():
                getter.cancel()  # an orphaned getter would swallow the next event
            if not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - unwinding already
                    pass
