"""The plan as an editable checklist: add, edit, reorder, delete, tick.

Every user change posts ``PlanPane.Edited`` with the whole plan, steps marked ``origin="user"`` where the
user wrote or changed them; the screen hands it to the agent for its next turn.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static
from textual.widgets.option_list import Option

from genie_tui.core.events import PlanStep
from genie_tui.printable import printable
from genie_tui.ui.widgets import type_ahead
from genie_tui.ui.widgets.key_hint import KeyHint
from genie_tui.ui.widgets.option_list import PagedOptionList
from genie_tui.ui.widgets.prompt import JOINED_MAX, PromptInput

_MARK = {"todo": "[ ]", "doing": "[▸]", "done": "[✓]"}
_NEXT = {"todo": "doing", "doing": "done", "done": "todo"}
#: the plan's keys on one line, for terminals whose footer cannot show them all
KEY_HINT = ("space tick", "o add", "e edit", "x delete", "K/J move", "u undo")
UNDO_DEPTH = 50


class PlanPane(Vertical):
    """Owns the plan the user sees; ``show()`` replaces it with the agent's, user edits post ``Edited``."""

    BINDINGS = [
        Binding("space", "tick", "Tick"),
        Binding("o,plus", "add", "Add step", key_display="o"),
        Binding("e", "edit", "Edit step"),  # not F2: that is Search everywhere
        Binding("delete,x", "delete", "Delete step"),
        Binding("shift+up,K", "move(-1)", "Move up"),
        Binding("shift+down,J", "move(1)", "Move down"),
        Binding("u", "undo", "Undo edit"),
        Binding("escape", "close_editor", "Close", show=False),
    ]

    class Edited(Message):
        def __init__(self, steps: list[PlanStep]) -> None:
            super().__init__()
            self.steps = steps

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.steps: list[PlanStep] = []
        self.note = Static("No plan yet. o adds a step.", id="plan-note", markup=False)
        self.items = PagedOptionList(id="plan-list")
        self.key_hint = KeyHint(KEY_HINT, id="plan-keys")
        self.editor = PromptInput(placeholder="Step text (Enter saves, Esc cancels)", id="plan-editor", joined=True)
        self._editing: int | None = None  # index being edited; len(steps) means a new step
        self._editing_step: PlanStep | None = None  # the step as it was when its editor opened
        self._ahead = False  # the editor was opened and has not lost the focus since (type_ahead.py)
        self._user_texts: set[str] = set()  # steps the user wrote or changed, to see if the agent kept them
        self._undo: list[list[PlanStep]] = []  # the plan before each of the user's edits since the agent's last

    def compose(self) -> ComposeResult:
        yield self.note
        yield self.key_hint
        yield self.items
        yield self.editor

    def on_mount(self) -> None:
        self.editor.display = False

    def show(self, steps: tuple[PlanStep, ...] | list[PlanStep], source: str = "agent") -> None:
        """Replace the plan (the agent's ``update_plan``, or the echo of a user edit)."""
        echo = [(s.text, s.status) for s in steps] == [(s.text, s.status) for s in self.steps]
        if not echo:  # a plan the agent rewrote: undoing the user's edits would undo the agent's plan too
            self._undo.clear()
        self.steps = list(steps)
        followed = ""
        if source == "agent" and self._user_texts and not echo:
            texts = {s.text.strip().lower() for s in self.steps}
            kept = sum(t in texts for t in self._user_texts)
            followed = f" · kept {kept}/{len(self._user_texts)} of your edits"
            self._user_texts.clear()
        self.note.update(f"Plan ({source}{followed})" if self.steps else "No plan yet. o adds a step.")
        self._redraw(self.items.highlighted)

    def _redraw(self, highlight: int | None) -> None:
        self.items.clear_options()
        for step in self.steps:
            t = Text(f"{_MARK.get(step.status, '[ ]')} ", style="bold" if step.status == "doing" else "")
            t.append(printable(step.text), style="strike dim" if step.status == "done" else "")
            if step.origin == "user":
                t.append("  ✎ you", style="italic dim")
            elif step.origin.startswith("playbook:"):
                t.append(f"  ({step.origin})", style="italic dim")
            self.items.add_option(Option(t))
        if self.steps:
            self.items.highlighted = min(highlight or 0, len(self.steps) - 1)

    def _remember(self) -> None:
        """Called before each user edit: ``u`` goes back to this plan."""
        self._undo = [*self._undo[-(UNDO_DEPTH - 1):], list(self.steps)]

    def action_undo(self) -> None:
        if not self._undo:
            self.app.notify("Nothing to undo in the plan.", timeout=2)
            return
        self.steps = self._undo.pop()
        self._changed(self._cursor)

    def _changed(self, highlight: int | None) -> None:
        self._user_texts = {s.text.strip().lower() for s in self.steps if s.origin == "user"}
        self.note.update("Plan (edited by you)" if self.steps else "No plan yet. o adds a step.")
        self._redraw(highlight)
        self.post_message(self.Edited(list(self.steps)))

    @property
    def _cursor(self) -> int | None:
        h = self.items.highlighted
        return h if h is not None and 0 <= h < len(self.steps) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_editor":
            return bool(self.editor.display)
        if action == "undo":
            return not self.editor.display
        if action in ("tick", "edit", "delete", "move"):
            return self._cursor is not None and not self.editor.display
        return True

    def action_tick(self) -> None:
        if (i := self._cursor) is not None:
            self._remember()
            self.steps[i] = replace(self.steps[i], status=_NEXT.get(self.steps[i].status, "todo"))
            self._changed(i)

    def action_delete(self) -> None:
        if (i := self._cursor) is not None:
            self._remember()
            del self.steps[i]
            self._changed(max(0, i - 1))

    def action_move(self, delta: int) -> None:
        if (i := self._cursor) is None:
            return
        j = i + delta
        if 0 <= j < len(self.steps):
            self._remember()
            self.steps[i], self.steps[j] = self.steps[j], self.steps[i]
            self.steps[j] = replace(self.steps[j], origin="user")
            self._changed(j)

    def action_add(self) -> None:
        if self.editor.display:  # a step is being written (the user went to another pane): back to it, text kept
            self._back_to_editor()
            return
        self._open_editor(len(self.steps), "")

    def focus_keys(self) -> None:
        """F3: the step editor when one is open (left for another pane mid-edit), else the list."""
        if self.editor.display:
            self._back_to_editor()
        else:
            self.items.focus()

    def _back_to_editor(self) -> None:
        self.editor.select_on_focus = False  # what is typed next goes on from the text, not over it
        self.editor.focus()

    def add_step(self, text: str) -> bool:
        """A step of the user's at the end of the plan (``/plan STEP``), one line like one typed in the editor."""
        text = " ".join(text.split())
        if len(text) > JOINED_MAX:
            text = text[:JOINED_MAX - 1] + "…"
        if not text:
            return False
        self._remember()
        self.steps.append(PlanStep(text=text, status="todo", origin="user"))
        self._changed(len(self.steps) - 1)
        return True

    def action_edit(self) -> None:
        if (i := self._cursor) is not None:
            self._open_editor(i, printable(self.steps[i].text))  # the model's text: no control sequences

    def _open_editor(self, index: int, text: str) -> None:
        self._editing = index
        self._editing_step = self.steps[index] if index < len(self.steps) else None
        self.editor.value = text
        self.editor.display = True
        self.editor.select_on_focus = True
        self._ahead = True
        self.editor.focus()

    def on_key(self, event: events.Key) -> None:
        if self._ahead:  # keys typed right behind the one that opened the step editor: into it
            type_ahead.give(self.editor, event)
        elif self.items.has_focus:
            type_ahead.opens(self, event, {"o": "add", "e": "edit"})

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.control is self.editor:  # the box had the focus and lost it: keys elsewhere are meant there
            self._ahead = False

    def action_close_editor(self) -> None:
        self._editing, self._ahead = None, False
        self.editor.display = False
        self.items.focus()

    @on(Input.Submitted, "#plan-editor")
    def _saved(self, event: Input.Submitted) -> None:
        event.stop()
        text, index = event.value.strip(), self._editing
        self.action_close_editor()
        if not text or index is None:
            return
        edited, self._editing_step = self._editing_step, None
        if edited is None:  # a new step: it goes at the end, however the plan changed meanwhile
            index = len(self.steps)
        elif not (index < len(self.steps) and self.steps[index] == edited):
            # the agent rewrote the plan meanwhile: the same step, nearest to where it was
            same = [i for i, st in enumerate(self.steps) if st.text == edited.text]
            index = min(same, key=lambda i: abs(i - index)) if same else len(self.steps)
        self._remember()
        if index >= len(self.steps):
            self.steps.append(PlanStep(text=text, status="todo", origin="user"))
            index = len(self.steps) - 1
        else:
            self.steps[index] = replace(self.steps[index], text=text, origin="user")
        self._changed(index)
