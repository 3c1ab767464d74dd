"""The layering rules, checked: the core never imports Textual; fast commands import neither Textual nor the SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import genie_tui

CORE = ["genie_tui.core.agent", "genie_tui.core.session_cli", "genie_tui.core.transcript", "genie_tui.headless",
        "genie_tui.providers.client", "genie_tui.providers.scripted", "genie_tui.tools.registry", "genie_tui.config.cli", "genie_tui.retrieval",
        "genie_tui.patching", "genie_tui.playbooks"]


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module):
    code = f"import sys, {module}; bad = [m for m in sys.modules if m.split('.')[0] == 'textual']; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_no_textual_import_statement_outside_ui():
    root = Path(genie_tui.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "ui" not in p.relative_to(root).parts[:1]
                 and any(line.lstrip().startswith(("import textual", "from textual"))
                         for line in p.read_text().splitlines())]
    assert offenders == []


@pytest.mark.parametrize("argv", [["--help"], ["apply", "--help"], ["search", "--help"]])
def test_fast_commands_import_neither_sdk_nor_textual(argv):
    code = (f"import sys; from genie_tui.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'openai', 'git', 'tree_sitter', 'httpx'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_no_module_is_past_the_house_size_limit():
    """STYLE.md: modules are split past 400 lines."""
    root = Path(genie_tui.__file__).parent
    sizes = {str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines()) for p in root.rglob("*.py")}
    assert {path: n for path, n in sizes.items() if n > 400} == {}
