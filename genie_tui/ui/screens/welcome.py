"""First run: no model configured. Says how to configure one and offers the demo."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown

WELCOME = """\
# Welcome to genie

No model is configured yet. genie talks to any **OpenAI-compatible** endpoint:

* **OpenAI** — `export OPENAI_API_KEY=sk-...` (optionally `--model gpt-4.1`)
* **A local server** (Ollama, llama.cpp, vLLM, LM Studio) —
  `genie --base-url http://localhost:11434/v1 --model qwen2.5-coder`
* or put `model`, `base_url` and `api_key` in `{config}` (see `genie config show`).

Without a model you can still **search** the code, **preview** files, browse **playbooks** (`/playbook`),
**apply** a patch file (`/apply FILE`) and **undo** (`/undo`).

Want to see it work first? **Run the demo**: a scripted model fixes a bug in a sample repository —
search, plan, a question, streamed patches to approve and tests going from red to green. No key needed.
"""


def welcome_text() -> str:
    """The welcome text, naming the config file genie reads here (it moves with XDG_CONFIG_HOME, GENIE_HOME and
    the platform: ``~/Library/Application Support/genie`` on macOS)."""
    from genie_tui.config.settings import user_config_file

    return WELCOME.replace("{config}", str(user_config_file()).replace("`", "'"))


class WelcomeScreen(ModalScreen[str]):
    """Dismisses with ``"demo"`` or ``"continue"``."""

    # The choices sit below the text, outside its scroll area: at 80x24 the text does not fit, and the
    # choices (and their keys) were below the fold.
    DEFAULT_CSS = """
    WelcomeScreen { align: center middle; }
    WelcomeScreen > VerticalScroll { width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    WelcomeScreen #welcome-choices { dock: bottom; height: auto; align: center middle; padding: 1 0 0 0; }
    WelcomeScreen Button { margin: 0 1; }
    """
    BINDINGS = [Binding("d", "choose('demo')", "Run demo"), Binding("escape,c", "choose('continue')", "Continue")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(welcome_text())
            with Horizontal(id="welcome-choices"):  # docked: it stays in sight while the text scrolls
                yield Button("Run the demo (d)", id="demo", variant="primary", compact=True)
                yield Button("Continue (c)", id="continue", compact=True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(str(event.button.id))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
