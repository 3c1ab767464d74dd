"""The Textual application: themes, the agent's lifetime, the command palette, first-run welcome.

The app owns what outlives a screen (settings, repo, the agent, the theme); ``MainScreen`` owns the panes.
Agents are made by ``agent_factory`` so tests and the demo inject their own (a real ``Agent`` on a scripted
server, or a fake that yields events).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.screen import Screen

from genie_tui.ui.bridge import AgentPort
from genie_tui.ui.collector import Collector
from genie_tui.ui.themes import DEFAULT_THEME, apply_problem, load_themes
from genie_tui.ui.widgets.option_list import page

AgentFactory = Callable[[], AgentPort | None]

class GenieApp(App[str | None]):
    """``genie`` in a repository. Exits with ``"demo"`` when the welcome screen's demo button is chosen."""

    TITLE = "genie"
    ENABLE_COMMAND_PALETTE = True
    # Textual wraps each palette command to the list's width less its padding: at exactly 0 (a terminal of 4 or
    # 6 columns) rich's line splitter raised ValueError and ended the app. Cut, not wrapped, there is no split.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [(0, "-few-columns"), (12, "-columns")]
    CSS = "CommandPalette.-few-columns CommandList { text-wrap: nowrap; text-overflow: ellipsis; }"
    # over every screen, dialogs included: the main screen's Ctrl+C (stop, then quit) must work in them too
    BINDINGS = [Binding("ctrl+c", "interrupt", "Stop/quit", show=False, priority=True),
                Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
                # in every command palette (genie's, Textual's theme search): a page that never fails
                Binding("pagedown", "palette_page(1)", "Next page", show=False, priority=True),
                Binding("pageup", "palette_page(-1)", "Previous page", show=False, priority=True)]

    def __init__(self, settings: Any, repo: Path | None, agent_factory: AgentFactory | None = None, *,
                 demo: bool = False, theme: str | None = None, animate: bool = True,
                 welcome: bool | None = None, playbooks: Iterable[str] = (), first_task: str | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.repo = repo
        self.agent_factory = agent_factory
        self.demo = demo
        self.spinner = animate
        self.requested_theme = theme or getattr(settings, "theme", None)
        self.model_ready = bool(demo or getattr(settings, "model_configured", False))
        self.show_welcome = (not self.model_ready) if welcome is None else welcome
        self.agent: AgentPort | None = None
        self.pending_plan: list[Any] | None = None  # a plan the user wrote before the first task
        self.pending_context: list[str] = []
        self.playbooks: list[str] = list(playbooks)
        #: (name, why) of the active playbooks, as the agent last reported them
        self.active_playbooks: tuple[tuple[str, str], ...] = tuple((n, "explicit") for n in self.playbooks)
        self.theme_problems: list[str] = []
        self.first_task = first_task
        #: models the endpoint lists, for the palette (None: not asked yet)
        self.palette_models: tuple[str, ...] | None = None
        self._last_quit = 0.0
        self.index_service: Any = None  # the repository's code index (core/indexing.py), started at mount
        #: the garbage collector's policy (see ``genie_tui.ui.collector``), settled once start-up is done
        self.collector = Collector()
        self._register_themes()

    def _register_themes(self) -> None:
        found = load_themes()
        for theme in found.themes.values():
            self.register_theme(theme)
        self.theme_problems = found.problems
        wanted = self.requested_theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            self.theme_problems.append(f"unknown theme {wanted!r}; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted

    def on_mount(self) -> None:
        from genie_tui.ui.screens.main import MainScreen

        if self.model_ready:
            self.run_worker(self._warm_up, group="warm-up", exit_on_error=False)
        else:
            self.call_after_refresh(self.collector.settle)
        self.push_screen(MainScreen())
        if self.repo is not None:  # built while the user types the first task; searches answer meanwhile
            from genie_tui.core import indexing

            self.index_service = indexing.shared(self.repo, self.settings)
            self.index_service.start()
            self.set_interval(0.5, self._index_tick)
        for problem in self.theme_problems:
            self.notify(problem, severity="warning", timeout=8, markup=False)
        if self.show_welcome:
            from genie_tui.ui.screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen(), self._welcomed)

    async def _warm_up(self) -> None:
        await asyncio.to_thread(_warm_up)
        self.collector.settle()

    def _index_tick(self) -> None:
        """The index's build in the status bar while it runs, and what it has to say (a damaged cache rebuilt,
        a watcher limit, a cache it cannot write) as a notice."""
        from genie_tui.ui.widgets.status_bar import StatusBar

        busy, done, total = self.index_service.status()
        text = (f"indexing {done:,}/{total:,}" if total else "indexing") if busy else ""
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                if bar.indexing != text:
                    bar.update_fields(indexing=text)
        for warning in self.index_service.news():
            self.notify(f"index: {warning}", severity="warning", timeout=8, markup=False)

    def on_unmount(self) -> None:
        from genie_tui.core import indexing

        indexing.stop_all()  # a build stops at its next file; what it stored stays for the next start
        self.collector.close()

    def _welcomed(self, choice: str | None) -> None:
        if choice == "demo":
            self.exit("demo")

    def action_interrupt(self) -> None:
        """Ctrl+C on every screen: copy the selected text if there is any; else the main screen's stop-then-quit,
        also while a dialog is open (a dialog that belongs to the running turn closes with the turn)."""
        from textual.screen import ModalScreen
        from textual.widgets import Input, TextArea

        from genie_tui.ui.screens.main import MainScreen

        main = next((s for s in reversed(self.screen_stack) if isinstance(s, MainScreen)), None)
        if main is None:
            self.exit()
            return
        focused = self.screen.focused  # on any screen, copying a selection comes first
        selected = focused.selected_text if isinstance(focused, Input | TextArea) else ""
        selected = selected or self.screen.get_selected_text() or ""
        if selected:
            self.copy_to_clipboard(selected)
            self.notify("Copied.", timeout=1)
            return
        if self.screen is not main and isinstance(self.screen, ModalScreen) and main.turn_running:
            self.pop_screen()
        main.action_interrupt()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "palette_page":  # elsewhere the key goes on to the focused widget as usual
            return CommandPalette.is_open(self)
        return True

    def action_palette_page(self, direction: int) -> None:
        """PageDown/PageUp in the palette's list: Textual's own raised KeyError in a terminal with no row or
        column for the list (see ``widgets/option_list.py``)."""
        page(self.screen.query_one(CommandList), 1 if direction > 0 else -1)

    async def action_quit(self) -> None:
        """Ctrl+Q and the palette's Quit quit at once when genie is idle; while a turn runs they ask for a
        second press, as Ctrl+C does (a stray Ctrl+Q should not cut off work in flight; the session is saved
        either way)."""
        from genie_tui.ui.screens.main import QUIT_WINDOW_S, MainScreen

        main = next((s for s in reversed(self.screen_stack) if isinstance(s, MainScreen)), None)
        now = time.monotonic()
        if main is None or not main.turn_running or now - self._last_quit < QUIT_WINDOW_S:
            self.exit()
            return
        self._last_quit = now
        self.notify("A turn is running: press Ctrl+Q again to quit (the session is saved).", timeout=QUIT_WINDOW_S)

    # --- agent --------------------------------------------------------------------------------------
    def get_agent(self) -> AgentPort | None:
        """The conversation's agent, made on first use (with any context the user added before)."""
        if not self.model_ready:
            return None  # a resumed session too: without a model there is nothing to send it to
        if self.agent is None and self.agent_factory is not None:
            self.agent = self.agent_factory()
            if self.agent is not None:
                for text in self.pending_context:
                    self.agent.add_context(text)
                self.pending_context.clear()  # the agent's now: sent once, never again by a /resume
                if self.pending_plan is not None:
                    self.agent.user_plan_edit(self.pending_plan)
                    self.pending_plan = None
        return self.agent

    def reset_agent(self) -> None:
        from genie_tui.ui.session_commands import close_session

        close_session(self.agent)
        self.agent = None
        self.pending_context.clear()
        self.pending_plan = None

    def set_approval_mode(self, mode: str) -> None:
        self.settings.approve = mode
        left = self.agent.set_approval_mode(mode) if self.agent is not None else 0
        from genie_tui.ui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.status.update_fields(approve=mode)
        self.notify(f"Approval mode: {mode}" + (f" ({left} patch{'es' * (left > 1)} recorded under never left "
                                                 "unapplied; the agent is told)" if left else ""), timeout=4 if left else 2)

    def set_theme(self, name: str) -> bool:
        if name not in self.available_themes:
            self.notify(f"unknown theme {name!r}; known: {', '.join(sorted(self.available_themes))}",
                        severity="error", markup=False)
            return False
        self.theme = name
        return self.theme == name

    def validate_theme(self, name: str) -> str:
        """Keep the current theme, with a notice, when Textual could not apply ``name`` (it would crash)."""
        problem = apply_problem(self, name)
        if problem is None:
            return name
        self.notify(f"{problem}; keeping {self.theme!r}", severity="error", timeout=8, markup=False)
        return self.theme

    # --- palette ------------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Quit":  # the same action as Ctrl+Q, and the palette says what it does
                command = SystemCommand("Quit", "Ctrl+Q: quit (while a turn runs, press Ctrl+Q again to confirm)",
                                        self.action_quit)
            yield command
        from textual.screen import ModalScreen

        from genie_tui.ui.palette import commands, dialog_commands
        from genie_tui.ui.screens.main import MainScreen

        if isinstance(screen, ModalScreen):  # a dialog's keys, while it is open (not commands acting behind it)
            yield from dialog_commands(screen)
            return
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is not None:
            yield from commands(self, main)


def _warm_up() -> None:
    """Import the model client and agent stack off the event loop while the user types the first task.

    ``import openai`` alone takes ~0.3-0.9 s on these machines; done lazily inside the first turn it froze
    the screen for that long (measured with tools/bench_tui.py).
    """
    import importlib

    for name in ("openai", "genie_tui.core.agent", "genie_tui.patching", "rich.syntax", "pygments.lexers.python"):
        try:
            importlib.import_module(name)
        except Exception:  # warm-up is an optimisation; the real import reports real problems later
            pass
    from genie_tui.ui.widgets.patch_view import lexer_for

    lexer_for("x.py")
