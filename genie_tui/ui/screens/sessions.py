"""Pick a saved session of this repository to resume (``/sessions``, or "Resume a session…" in the palette).

Newest first; Enter resumes the highlighted one, Esc closes. Sessions of other repositories cannot be resumed
here and are only counted; a damaged session file is named with its problem instead of silently left out.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from genie_tui.printable import printable
from genie_tui.ui.widgets.option_list import PagedOptionList


def this_repos_sessions(repo: Path, exclude: str | None = None) -> tuple[list[Any], int, list[str]]:
    """(this repository's sessions newest first, how many belong to other repositories, damaged-file lines)."""
    from genie_tui.core.restore import resolved, scan_sessions
    from genie_tui.core.session import sessions_dir

    found, damaged = scan_sessions()
    folder = f"{sessions_dir()}/"
    damaged = [line.replace(folder, "", 1) for line in damaged]  # the file's name is enough here
    here = repo.resolve()
    # a session whose repository path cannot be resolved (a loop of links) belongs to another repository
    mine = [s for s in found if s.id != exclude and s.repo and resolved(s.repo) == here]
    others = sum(1 for s in found if not (s.repo and resolved(s.repo) == here))
    return sorted(mine, key=lambda s: (s.started, s.id), reverse=True), others, damaged


def _label(s: Any) -> Text:
    """The task first (what the user recognises), then when, how it ended and how far it got."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started)) if s.started else "?"
    task = " ".join(printable(str(s.task)).split()) or "(no task)"
    text = Text(task, no_wrap=True, overflow="ellipsis")
    text.append(f"  · {when} · {s.status} · {s.steps} step{'s' if s.steps != 1 else ''}", style="dim")
    return text


class SessionPicker(ModalScreen[str | None]):
    """Dismisses with the chosen session's id, or ``None``."""

    DEFAULT_CSS = """
    SessionPicker { align: center middle; }
    SessionPicker > Vertical { width: 90%; max-width: 120; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    SessionPicker #sessions-title { text-style: bold; }
    SessionPicker OptionList { height: auto; max-height: 1fr; border: none; text-wrap: nowrap; text-overflow: ellipsis; }
    SessionPicker #sessions-notes { color: $text-muted; height: auto; max-height: 6; }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, sessions: list[Any], others: int = 0, damaged: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__()
        self.sessions = sessions
        notes = [f"{others} of another repository not shown (run genie there to resume them)"] if others else []
        notes += [f"not readable: {line}" for line in damaged]
        self.notes = "\n".join(printable(n) for n in notes)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Resume a session — {len(self.sessions)} of this repository, newest first "
                         "(Enter resumes, Esc closes)", id="sessions-title", markup=False)
            yield PagedOptionList(*[Option(_label(s), id=s.id) for s in self.sessions], id="sessions-list")
            notes = Static(self.notes, id="sessions-notes", markup=False)
            notes.display = bool(self.notes)
            yield notes

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_resume(self) -> None:
        """Enter, and the palette's "Sessions: resume the highlighted session" (the palette hides the list's keys)."""
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resume":
            return self.query_one(OptionList).highlighted is not None
        return True

    def action_close(self) -> None:
        self.dismiss(None)
