"""The README stays true: its config table, its command reference and the CI test command."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from genie_tui.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_config_table_is_current():
    spec = importlib.util.spec_from_file_location("config_reference", ROOT / "tools" / "config_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    block = README.split("<!-- config-table")[1].split("-->", 1)[1].split("<!-- /config-table -->")[0]
    assert block.strip() == module.table().strip(), "run `python tools/config_reference.py` and paste the table"


def test_every_command_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        assert f"genie {name}" in README, f"`genie {name}` is not in the README"


def test_quick_start_is_two_commands_and_ci_runs_the_readme_test_command():
    quick = README.split("## Quick start")[1].split("\n## ")[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2
    test_command = commands[1].split("&&")[-1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text()
