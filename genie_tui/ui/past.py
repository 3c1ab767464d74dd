"""A resumed session on screen: its conversation as history lines, its plan and its last patch.

The core reads the session (``core.transcript``, what ``genie replay`` prints); this module only turns those
items into ``History`` entries, never live widgets, so a session of hundreds of turns shows at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from genie_tui.printable import printable
from genie_tui.ui.widgets.history import Entry, ToolRecord

if TYPE_CHECKING:
    from genie_tui.core.transcript import PastItem
    from genie_tui.ui.screens.main import MainScreen


def entries(items: list[PastItem]) -> list[Entry]:
    """History entries for a saved session's conversation (text without terminal control sequences)."""
    out: list[Entry] = []
    for item in items:
        if item.tool is None:
            text = printable(item.text)
            # the error that ended a run, then the run's end saying it again: one line, as the live view shows it
            if (item.kind == "note" and text.startswith("session failed: ") and out and out[-1].tool is None
                    and out[-1].text == "error: " + text.removeprefix("session failed: ")):
                out.pop()
            out.append(Entry(item.kind, text, item.tone))
            continue
        call = item.tool
        record = ToolRecord(call.call_id, call.name)
        record.set_args(call.arguments, printable(call.raw))
        if call.result is not None:
            record.finish(call.ok, printable(call.result), None)
        else:
            record.meta = "not run: the session stopped first"
        out.append(Entry("tool", tool=record))
    return out


async def show_session(screen: MainScreen, items: list[PastItem], agent: Any) -> None:
    """Replace what the panes show with the resumed session: conversation, plan and last patch."""
    await screen.conversation.show_past(entries(items))
    screen.plan.show(agent.plan, "agent")
    patches = list(getattr(agent, "patches", None) or [])
    undecided = _undecided_patch(items)
    if undecided is not None:  # the session stopped (a quit) while it awaited review: its last patch, not applied
        patches.append(undecided)
    if patches:
        last = patches[-1]
        files = ", ".join(map(str, last.get("files") or [])) or "no files"
        state = ("↶ undone" if last.get("undone") else "✓ applied" if last.get("applied")
                 else "✗ not applied" + (f": {last['reason']}" if last.get("reason") else ""))
        screen.patch.show_diff(printable(str(last.get("diff") or "")),
                               f"Last patch{' ' + str(last['id']) if last.get('id') else ''} ({files}): {state}  ·  from the resumed session")
        screen.show_patch_pane(True)
    else:
        screen.patch.show_diff("", "")
        screen.show_patch_pane(False)


def _undecided_patch(items: list[PastItem]) -> dict[str, Any] | None:
    """The session's last proposed patch when the session stopped before it was decided (no result), else ``None``."""
    from genie_tui.patching import split_hunks

    for item in reversed(items):
        call = item.tool
        if call is None or call.name != "propose_patch":
            continue
        diff = (call.arguments or {}).get("diff")
        if call.result is not None and not call.result.startswith("not run") or not isinstance(diff, str):
            return None
        try:
            files = sorted({h.file for h in split_hunks(diff)})
        except Exception:  # noqa: BLE001 - a diff the reader cannot split still shows, without its files
            files = []
        return {"id": "", "files": files, "diff": diff, "applied": False,
                "reason": "the session stopped before it was decided"}
    return None
