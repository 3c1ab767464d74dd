from __future__ import annotations

from pathlib import Path

import pytest


def playbook_text(name: str, body: str = "Do the thing carefully.", **fields: object) -> str:
    lines = ["---", f"name: {name}"]
    for key, value in fields.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = "[" + ", ".join(f'"{v}"' for v in value) + "]"
        lines.append(f"{key}: {value}")
    return "\n".join([*lines, "---", body, ""])


@pytest.fixture
def user_dir(genie_home: Path) -> Path:
    """The user's playbook dir under the per-test GENIE_HOME."""
    d = genie_home / "config" / "playbooks"
    d.mkdir(parents=True)
    return d


@pytest.fixture
def pb_text():
    return playbook_text
