"""Playbook value types: what the loader produces and what selection hands to the agent and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Source = Literal["bundled", "user", "repo", "AGENTS.md", "CLAUDE.md", ".cursorrules", "CONVENTIONS.md"]

#: Instruction files teams already keep, read as always-on repo playbooks (AGENTS.md may also be nested).
INSTRUCTION_FILES: tuple[str, ...] = ("AGENTS.md", "CLAUDE.md", ".cursorrules", "CONVENTIONS.md")

#: Later sources override earlier ones by name; ties in the prompt go to the later (more local) source.
SOURCE_RANK: dict[str, int] = {"bundled": 0, "user": 1, "repo": 2, **{name: 3 for name in INSTRUCTION_FILES}}


@dataclass(frozen=True, slots=True)
class Playbook:
    """One playbook: front matter fields plus the markdown body that steers the model.

    ``steps`` is the ``## Steps`` checklist of the body, one item per entry; when the playbook is active
    they seed the plan so the team's procedure is visible and checkable.
    """

    name: str
    description: str
    source: Source
    path: Path
    applies_to: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    always: bool = False
    priority: int = 0
    body: str = ""
    steps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActivePlaybook:
    """A playbook selected for the current task and the reason, shown to the user (``keyword 'bug'``)."""

    playbook: Playbook
    reason: str

    @property
    def name(self) -> str:
        return self.playbook.name


@dataclass(frozen=True, slots=True)
class PromptSection:
    """The system-prompt text for the active playbooks.

    ``included`` fit in the token budget; ``overflow`` did not and are listed by name in ``text`` so the
    model can fetch them with the ``read_playbook`` tool.
    """

    text: str
    included: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)
