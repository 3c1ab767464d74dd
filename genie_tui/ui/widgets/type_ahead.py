"""Keys typed right after a key that opens a text box (``o`` for a plan step, ``m`` or ``r`` for a review
comment), before the box has taken the focus: a terminal delivers type-ahead at once, and the focus moves only
once the keys before it are handled, so they reached the list or diff the box opened from, where they were
dropped ("HELLO WORLD" saved as "WORLD"). And a key binding acts only once its key has gone up the whole chain of
widgets, after the keys typed behind it have reached the list too. So the pane acts on the opening key itself
as it goes by (:func:`opens`), and gives the keys that still come up from the list to the box (:func:`give`),
until the box loses the focus (a click on the list: keys typed there are meant for it) or closes."""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input

from genie_tui.ui.widgets.prompt import PromptInput


def opens(pane: Widget, event: events.Key, keys: dict[str, str]) -> bool:
    """Run the action that ``keys`` binds ``event``'s key to (one that opens a text box) now, if the pane allows
    it (``check_action``), instead of once the key has gone up: True when it ran."""
    action = keys.get(event.key)
    if action is None or not pane.check_action(action, ()):
        return False
    event.stop()
    event.prevent_default()
    getattr(pane, f"action_{action}")()
    return True


def give(box: PromptInput, event: events.Key) -> bool:
    """Type ``event``, a key that came up from another widget than ``box``, into the box: a character, Backspace,
    or Enter (which submits the box, as it would there). True when the key was taken."""
    if not box.display or event is box.last_key:
        return False
    if event.key == "enter":
        box.post_message(Input.Submitted(box, box.value))
    elif event.key == "backspace":
        box.action_delete_left()
    elif event.is_printable and event.character:
        if box.select_on_focus:  # the text the box opened with would be selected: the first key replaces it
            box.value, box.select_on_focus = "", False
        # before the keys typed into the box itself after this one (they can get there first: another queue)
        at = max(0, box.cursor_position - sum(t > event.time for t in box.typed))
        box.value = box.value[:at] + event.character + box.value[at:]
        box.cursor_position += 1
    else:
        return False
    event.stop()
    event.prevent_default()
    return True
