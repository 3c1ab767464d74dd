"""Applying a patch does not read the code index on the event loop: a refresh there froze the app for as long as
another genie held the index's build lock and a branch switch's files took to parse (seconds); the agent's next
lookup still sees the patched file."""

from __future__ import annotations

import asyncio
import fcntl
import threading
import time

from genie_tui.core import events as ev
from genie_tui.providers.scripted import Reply, ScriptedServer
from genie_tui.retrieval.store import db_path

PATCH = """--- a/core.py
+++ b/core.py
@@ -1,2 +1,2 @@
-def settle_invoice():
+def settle_invoice_in_full():
     return 1
"""


def _module(tag: str, i: int) -> str:
    return "".join(f"def f{tag}_{i}_{j}(x):\n    return x + {j}\n\n\n" for j in range(20))


async def test_a_patch_leaves_the_event_loop_running_and_the_next_lookup_sees_it(make_repo, make_agent, collect,
                                                                                finish):
    files = {f"pkg{i % 10}/mod{i}.py": _module("a", i) for i in range(260)}
    repo = make_repo({**files, "core.py": "def settle_invoice():\n    return 1\n"})
    late, measuring, stop = [0.0], [False], [False]

    async def ticker() -> None:
        while not stop[0]:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            if measuring[0]:
                late[0] = max(late[0], time.perf_counter() - t - 0.01)

    def react(agent, event):  # type: ignore[no-untyped-def]
        if isinstance(event, ev.ToolFinished) and event.name == "search_code":  # the index is built
            for i in range(260):  # the user switches branches in a terminal: more than a lookup parses itself
                (repo / f"pkg{i % 10}/mod{i}.py").write_text(_module("b", i))
            lock = open(str(db_path(repo.resolve())) + ".lock", "a+b")  # noqa: SIM115 - closed by the timer
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # and a `genie index` of theirs updates the index
            threading.Timer(2.5, lambda: (fcntl.flock(lock.fileno(), fcntl.LOCK_UN), lock.close())).start()
            measuring[0] = True

    script = [Reply(tool_calls=[("search_code", {"query": "settle invoice"})]),
              Reply(tool_calls=[("propose_patch", {"diff": PATCH})]),
              Reply(tool_calls=[("go_to_definition", {"symbol": "settle_invoice_in_full"})]),
              finish()]
    task = asyncio.create_task(ticker())
    try:
        with ScriptedServer(script) as server:
            seen = await collect(make_agent(repo, server, approve="auto"), "rename it", react)
            requests = server.requests
    finally:
        stop[0] = True
        await task
    assert any(isinstance(e, ev.PatchApplied) and e.applied for e in seen)
    assert late[0] < 1.0, f"the event loop stalled {late[0]:.2f} s"  # 2.5 s and more when the refresh ran on it
    assert requests[3]["messages"][-1]["content"].startswith("core.py:1: def settle_invoice_in_full():")
