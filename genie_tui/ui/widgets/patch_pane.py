"""The patch pane: a streaming diff plus per-hunk approve / reject (with a comment) / edit / approve-all.

The pane owns the verdicts and resolves the ``PatchProposed.decision`` future itself; the screen only hears
``PatchPane.Decided`` (to log it). Streamed argument text is decoded incrementally and flushed at ~30 Hz.
"""

from __future__ import annotations

import asyncio

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from genie_tui.core.events import PatchDecision, PatchProposed
from genie_tui.printable import printable
from genie_tui.ui.bridge import JsonStringField
from genie_tui.ui.widgets import type_ahead
from genie_tui.ui.widgets.key_hint import KeyHint
from genie_tui.ui.widgets.patch_view import APPROVED, PENDING, REJECTED, PatchView
from genie_tui.ui.widgets.prompt import PromptInput

FLUSH_HZ = 30
#: the review keys on one line in the pane, for terminals whose footer cannot show them all
KEY_HINT = ("y approve", "n reject", "m comment", "a all", "r reject patch", "e edit", "⏎ submit")
#: after a review is decided from the keys, the prompt has them; for this long the review keys typed are dropped
#: there, being too soon to be meant for it (seeing the focus move and then typing takes longer)
REVIEW_ECHO_S = 0.5


class PatchPane(Vertical, can_focus=False):
    """Shows the patch being written and collects the user's verdict on each hunk."""

    BINDINGS = [
        Binding("j,down", "move(1)", "Next hunk", show=False),
        Binding("k,up", "move(-1)", "Prev hunk", show=False),
        Binding("y", "verdict('approved')", "Approve hunk"),
        Binding("n", "verdict('rejected')", "Reject hunk"),
        Binding("m", "comment", "Reject+comment"),
        Binding("a", "approve_all", "Approve all"),
        Binding("enter", "submit", "Submit"),
        Binding("r", "reject_all", "Reject patch"),
        Binding("e", "edit", "Edit diff"),
        Binding("escape", "close_comment", "Close", show=False),
    ]

    class Decided(Message):
        """The user sent a verdict on the shown patch."""

        def __init__(self, decision: PatchDecision) -> None:
            super().__init__()
            self.decision = decision

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = PatchView(id="patch-view")
        self.title = Static("No patch yet.", id="patch-title", markup=False)
        self.key_hint = KeyHint(KEY_HINT, id="patch-keys")
        self.comment_box = PromptInput(placeholder="Review comment for the model (Enter to send, Esc to cancel)",
                                 id="patch-comment")
        self._decoder: JsonStringField | None = None
        self._future: asyncio.Future[PatchDecision] | None = None
        self._local: asyncio.Future[PatchDecision] | None = None  # a review of the user's own diff (/apply)
        self._summary = ""
        self._timer: Timer | None = None
        self._comment_target: int | None = None
        self._ahead = False  # the comment box was opened and has not lost the focus since (type_ahead.py)
        #: the box that has the keys after a decision (the screen's prompt), and whether keys typed behind the one
        #: that decided still come up from the diff, which has not lost the focus yet: they go to that box
        self.after: PromptInput | None = None
        self._handing = False

    def compose(self) -> ComposeResult:
        yield self.title
        yield self.key_hint
        yield self.view
        yield self.comment_box

    def on_mount(self) -> None:
        self.comment_box.display = False
        self._timer = self.set_interval(1 / FLUSH_HZ, self._tick, pause=True)

    # --- events from the agent ----------------------------------------------------------------------
    def stream_started(self) -> None:
        self._decoder = JsonStringField("diff")
        self._close_open_review()
        self.view.clear()
        self._titled("✎ The model is writing a patch…")
        self.remove_class("-awaiting")
        if self._timer:
            self._timer.resume()

    def stream_delta(self, fragment: str) -> None:
        if self._decoder is None:
            self.stream_started()
        assert self._decoder is not None
        text = self._decoder.feed(fragment)
        if text:
            self.view.feed(text)

    def _tick(self) -> None:
        self.view.flush()

    def proposed(self, event: PatchProposed) -> None:
        """The whole patch is known; from here on it awaits a verdict (if the approval mode asks)."""
        self._decoder = None
        if self._timer:
            self._timer.pause()
        self.view.flush(final=True)
        if self.view.text.rstrip("\n") != event.diff.rstrip("\n"):
            self.view.set_text(event.diff)
        self.view.number_hunks()  # the rows decided are the hunks the patcher applies
        self._summary = event.summary
        if event.decision is not self._future:
            self._close_open_review()
        self._future = event.decision
        if self._future is not None:
            self.add_class("-awaiting")
            self.view.select(0)
        self._retitle()

    def applied(self, applied: bool, result: dict[str, object]) -> None:
        """Show how each hunk applied (exact/offset/whitespace/fuzzy) or why it was refused."""
        self.remove_class("-awaiting")
        hunks = result.get("hunks") or []
        for i, h in enumerate(hunks if isinstance(hunks, list) else []):
            if not isinstance(h, dict):
                continue
            status = str(h.get("status", ""))
            ok = status in ("applied", "ok", "already_applied")
            detail = str(h.get("method") or "") if ok else str(h.get("reason") or status)
            line = h.get("line")
            if ok and line:
                detail += f" @ line {line}"
            self.view.set_outcome(int(h.get("index", i)), ok, printable(f"{status}: {detail}" if detail else status))
        reason = result.get("reason") or ""
        self._titled(("✓ Patch applied" if applied else f"✗ Patch not applied {reason}").strip()
                          + "  ·  Ctrl+U undo")

    def _titled(self, text: str) -> None:
        """Every title goes through here: it quotes the model (a summary) and the repository (a file name)."""
        self.title.update(printable(text))

    def undone(self, label: str = "") -> None:
        """The last applied patch was undone: say so instead of "applied"."""
        if self.awaiting:  # another patch is under review here: the conversation's note tells of the undo
            return
        self.remove_class("-awaiting")
        self._titled(f"↶ Patch undone {label}".strip())

    def show_diff(self, diff: str, title: str) -> None:
        """Show a diff read-only (``/diff``)."""
        self._future = None
        self.remove_class("-awaiting")
        self.view.set_text(diff)
        self.view.number_hunks()
        self._titled(title)

    def await_local(self, diff: str, summary: str) -> asyncio.Future[PatchDecision]:
        """Put a user-supplied diff up for per-hunk approval (``/apply FILE``); the caller applies it."""
        future: asyncio.Future[PatchDecision] = asyncio.get_running_loop().create_future()
        self.view.set_text(diff)
        self.proposed(PatchProposed(patch_id="local", diff=diff, summary=summary, decision=future))
        self._local = future
        self.view.focus()  # the user asked for this review
        return future

    def _close_open_review(self) -> None:
        """A newer patch takes the pane: a review still open is ended, never left for a worker to await.

        Only an ``/apply`` review can still be open here (the agent awaits its verdict before it writes again):
        it is cancelled, and its worker says the file was not applied. Any other is rejected, as on Esc.
        """
        future, self._future = self._future, None
        if future is not None and not future.done():
            if future is self._local:
                future.cancel()
            else:
                future.set_result(PatchDecision(hunks=frozenset()))
        self._drop_comment()
        self._local = None

    def _drop_comment(self) -> None:
        """The review a comment was being written for is over: the comment must not land on the next one."""
        self._ahead = False
        self.comment_box.display = False
        self.comment_box.value = ""
        self._comment_target = None

    def abandon(self) -> None:
        """The turn was cancelled: the patch is rejected, nothing is applied."""
        future, self._future = self._future, None
        if future is not None and not future.done():
            future.set_result(PatchDecision(hunks=frozenset()))
        self._drop_comment()
        if self._timer:
            self._timer.pause()
        self.view.flush(final=True)
        self.remove_class("-awaiting")
        self._titled("✗ Cancelled — nothing applied")
        self.screen.refresh_bindings()

    @property
    def empty(self) -> bool:
        """Nothing to show: no patch has been written, streamed or loaded (``/diff``) yet."""
        return self._decoder is None and not self.view.text

    @property
    def awaiting(self) -> bool:
        return self._future is not None and not self._future.done()

    def on_key(self, event: events.Key) -> None:
        if self._ahead:  # keys typed right behind the one that opened the comment box: into it
            type_ahead.give(self.comment_box, event)
        elif self._handing and self.after is not None and self.view.has_focus and not self.awaiting:
            if not self.after.echo(event):  # a review key pressed twice is dropped as in the box itself
                type_ahead.give(self.after, event)
        elif self.view.has_focus:
            type_ahead.opens(self, event, {"m": "comment", "r": "reject_all"})

    def on_descendant_focus(self) -> None:
        self.screen.add_class("-patch-focus")  # a small terminal gives the pane the room while it has the keys
        if self.awaiting:
            self._retitle()  # "F4 to review" becomes "keys below"
            self.app.clear_notifications()  # the "awaits your review" toast has done its job

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.control is self.comment_box:  # the box had the focus and lost it: keys elsewhere are meant there
            self._ahead = False
        elif event.control is self.view:
            self._handing = False
        self.call_after_refresh(self._focus_moved)

    def _focus_moved(self) -> None:
        # the blur of the view comes before the focus of the comment box: decide once the focus has landed
        self.screen.set_class(self.has_focus_within, "-patch-focus")
        if self.awaiting:
            self._retitle()

    # --- user actions -------------------------------------------------------------------------------
    def _retitle(self) -> None:
        rows = self.view.hunks
        if not self.awaiting:
            self._titled(f"Patch: {self._summary or 'proposed'} ({len(rows)} hunks)")
            return
        ok = sum(r.verdict == APPROVED for r in rows)
        no = sum(r.verdict == REJECTED for r in rows)
        keys = "keys below" if self.has_focus_within else "F4 to review"
        self._titled(f"Review: {self._summary or 'patch'} — {len(rows)} hunks · {ok} ✓ · {no} ✗ ({keys})")

    def action_move(self, delta: int) -> None:
        self.view.select(self.view.selected + delta)

    def action_verdict(self, verdict: str, comment: str = "") -> None:
        if not self.awaiting or not self.view.hunks:
            return
        self.view.set_verdict(self.view.selected, verdict, comment)
        self.view.select(self.view.selected + 1)
        self._retitle()

    def action_comment(self) -> None:
        if not self.awaiting or not self.view.hunks:
            return
        self._comment_target = self.view.selected
        self.comment_box.placeholder = "Review comment for the model (Enter to send, Esc to cancel)"
        self.comment_box.display = True
        self.comment_box.value = ""
        self.comment_box.forget()
        self._ahead = True
        self.comment_box.focus()

    @on(Input.Submitted, "#patch-comment")
    def _comment_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.comment_box.display = False
        comment = self.comment_box.take(event.value)
        target, self._comment_target = self._comment_target, None
        if target is None:  # the whole patch rejected: the comments on its hunks go with the reason
            self._resolve(PatchDecision(hunks=frozenset(), comment="; ".join(filter(None, (comment, self._hunk_notes())))
                                        or None))
        else:
            self.view.select(target)
            self.action_verdict(REJECTED, comment)
        self.view.focus()

    def focus_review(self) -> None:
        """F4: back to the review comment being written, if one is (its text is kept), else to the hunks."""
        (self.comment_box if self.comment_box.display else self.view).focus()

    def action_close_comment(self) -> None:
        self.comment_box.display = False
        self.view.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Review keys exist only while a patch awaits a verdict; otherwise they fall through to the screen."""
        if action == "close_comment":
            return bool(self.comment_box.display)
        if action in ("verdict", "comment", "approve_all", "submit", "reject_all", "edit"):
            # not while a comment is being written: the decision would go without it (F4 returns to it)
            return self.awaiting and not self.comment_box.display
        return True

    def action_approve_all(self) -> None:
        if self.awaiting:  # the comments written on hunks go with it (they were lost)
            self._resolve(PatchDecision(hunks=None, comment=self._hunk_notes() or None))

    def _hunk_notes(self) -> str:
        return "; ".join(f"hunk {r.index + 1} ({r.file}): {r.comment}" for r in self.view.hunks if r.comment)

    def action_reject_all(self) -> None:
        if self.awaiting:
            self._comment_target = None
            self.comment_box.display = True
            self.comment_box.value = ""
            self.comment_box.forget()
            self.comment_box.placeholder = "Why reject the patch? (Enter sends; empty = no comment)"
            self._ahead = True
            self.comment_box.focus()

    def action_submit(self) -> None:
        """Send the verdict; hunks the user left pending count as approved."""
        if not self.awaiting:
            return
        rows = self.view.hunks
        approved = frozenset(r.index for r in rows if r.verdict in (APPROVED, PENDING))
        hunks = None if len(approved) == len(rows) else approved
        self._resolve(PatchDecision(hunks=hunks, comment=self._hunk_notes() or None))

    def action_edit(self) -> None:
        """Edit the patch before applying it: the hunks not rejected (pending ones count as approved, as Enter
        has them), or all of them when every one is. The hunks' comments go with the decision, as with Enter."""
        if not self.awaiting:
            return
        from genie_tui.patching import only_hunks
        from genie_tui.ui.screens.edit import EditDiffScreen

        rows = self.view.hunks
        keep = frozenset(r.index for r in rows if r.verdict in (APPROVED, PENDING))
        partial = bool(keep) and len(keep) < len(rows)
        shown = only_hunks(self.view.text, keep) if partial else self.view.text
        if partial and not shown.strip():  # the diff cannot be split as the rows are: edit all of it
            shown, partial = self.view.text, False

        def done(text: str | None) -> None:
            if text is None or not text.strip():
                return
            notes = self._hunk_notes() or None
            if text == shown:  # saved without a change: the hunks shown approved, no edit to tell of
                self._resolve(PatchDecision(hunks=keep if partial else None, comment=notes))
                return
            self._resolve(PatchDecision(hunks=None, comment=notes,
                                        edited_diff=text if text.endswith("\n") else text + "\n"))

        self.app.push_screen(EditDiffScreen(shown), done)

    def _resolve(self, decision: PatchDecision) -> None:
        future, self._future = self._future, None
        if future is not None and not future.done():
            future.set_result(decision)
        self.remove_class("-awaiting")
        self._titled("Applying…" if not decision.rejected else "✗ Patch rejected")
        self.screen.refresh_bindings()
        message = self.Decided(decision)
        if self.after is not None:
            # a review key pressed twice ('a a', Enter Enter) or typed in the burst that decided: its second press
            # comes after the decision, meant for the pane (where it does nothing now)
            self.after.drop_keys(REVIEW_KEYS, message.time, REVIEW_ECHO_S)
            self._handing = self.view.has_focus
        self.post_message(message)


#: the keys of a review (not Escape, which closes a comment)
REVIEW_KEYS = frozenset(key for b in PatchPane.BINDINGS if isinstance(b, Binding) and b.action != "close_comment"
                        for key in b.key.split(","))
