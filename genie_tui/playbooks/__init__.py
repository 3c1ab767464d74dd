"""Playbooks: a team's way of working, written in markdown, selected per task and put in the system prompt.

Import cost is small (no YAML until a library loads), so the agent and the CLI can import this freely.
"""

from __future__ import annotations

from genie_tui.playbooks.library import PlaybookLibrary, estimate_tokens
from genie_tui.playbooks.model import ActivePlaybook, Playbook, PromptSection

__all__ = ["ActivePlaybook", "Playbook", "PlaybookLibrary", "PromptSection", "estimate_tokens"]
