"""Playbooks as a session goes: those whose globs match the files the agent touches join it, the user's
toggles become notes to the model, and a resumed session's choices are checked against the playbooks there are
now."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from genie_tui.core.events import ErrorOccurred, PlaybooksActivated
from genie_tui.playbooks.library import rendered_names

if TYPE_CHECKING:
    from genie_tui.core.agent import Agent


def notice_files(agent: Agent, files: list[str]) -> None:
    """Playbooks whose globs match files the agent reads or patches become active as the session goes.

    It runs after a tool has done its work (a patch is on disk by then), so a failure here is reported as a
    warning and never turns the tool's result into an error.
    """
    new = set(files) - agent.files_seen
    if not new or agent.library is None:
        return
    agent.files_seen |= new
    try:
        _activate_playbooks(agent)
    except Exception as exc:  # noqa: BLE001 - the tool succeeded; only the playbook update did not
        agent.emit(ErrorOccurred(f"playbooks not updated after touching {', '.join(sorted(new))}: "
                                 f"{type(exc).__name__}: {exc}"))


def _activate_playbooks(agent: Agent) -> None:
    active = agent.library.select(agent.task, files=sorted(agent.files_seen), explicit=agent.explicit_playbooks,
                                  disabled=agent.disabled_playbooks)
    pairs = tuple((a.playbook.name, a.reason) for a in active)
    added = [a for a in active if a.playbook.name not in {n for n, _ in agent.active_playbooks}]
    agent.active_playbooks = pairs
    if added:
        agent.emit(PlaybooksActivated(pairs))
        agent.session.record("playbooks", active=[list(p) for p in pairs], files=sorted(agent.files_seen))
        for a in added:
            # a playbook joining mid-session gets a share of the playbook budget; larger ones are read on demand
            section = agent.library.prompt_section([a], _playbook_tokens(agent) // 3)
            scope = a.playbook.name.rpartition("/")[0] if a.playbook.source == "AGENTS.md" else ""
            wins = f"; for files under {scope}/ it wins over the AGENTS.md files above it" if scope else ""
            agent.add_note(f"[genie] Playbook {a.playbook.name} now applies ({a.reason}{wins}):\n{section.text}")


def _playbook_tokens(agent: Agent) -> int:
    from genie_tui.core.prompt import prompt_shares

    return prompt_shares(agent.settings.context_budget, agent.settings.playbook_budget)[0]


def turned_on_note(agent: Agent, name: str) -> str:
    """What the model is told when the user turns playbook ``name`` on, with its text (a share of the budget)."""
    section = agent.library.prompt_section(agent.library.select("", explicit=[name])[:1],
                                           _playbook_tokens(agent) // 3)
    return f"[The user turned on playbook {name}; follow it.]\n{section.text}"


def notes_not_in_prompt(notes: list[dict[str, Any]], playbooks: str, off: Collection[str]) -> list[dict[str, Any]]:
    """The unsent ``notes`` without the playbook toggles the first system prompt already reflects: a playbook
    turned on before the first task is in ``playbooks`` (the prompt's section), one turned off is left out of
    it, so its note would only repeat it."""
    shown = rendered_names(playbooks)

    def reflected(note: dict[str, Any]) -> bool:
        key = note.get("key") or ""
        if not key.startswith("playbook:"):
            return False
        name = key.removeprefix("playbook:")
        return name in off or name in shown

    return [n for n in notes if not reflected(n)]


def restore_playbooks(agent: Agent) -> list[str]:
    """A resumed session's playbooks: the user's choices on record checked against the playbooks there are now,
    and the active ones as the session left them. An unsent note about a playbook that no longer exists is
    dropped (the notice says so instead).

    Returns a one-line notice for each chosen playbook that no longer exists.
    """
    from genie_tui.playbooks import PlaybookLibrary

    agent.library = agent.ctx.playbooks = library = PlaybookLibrary.load(agent.repo)
    notices = [f"playbook {name}, turned on in this session, no longer exists; going on without it"
               for name in agent.explicit_playbooks if library.get(name) is None]
    # a playbook turned off stays off (also if it comes back later); only the notice says it is gone
    notices += [f"playbook {name}, turned off in this session, no longer exists"
                for name in sorted(agent.disabled_playbooks) if library.get(name) is None]
    agent.explicit_playbooks = [n for n in agent.explicit_playbooks if library.get(n) is not None]
    agent.active_playbooks = tuple(p for p in agent.active_playbooks if library.get(p[0]) is not None)
    if not agent.active_playbooks:  # none recorded after the start: the conversation has them already
        chosen = library.select(agent.task, files=sorted(agent.files_seen), explicit=agent.explicit_playbooks,
                                disabled=agent.disabled_playbooks)
        agent.active_playbooks = tuple((a.playbook.name, a.reason) for a in chosen)
    agent._notes = [n for n in agent._notes if not (str(n["key"] or "").startswith("playbook:")
                                                     and library.get(n["key"].partition(":")[2]) is None)]
    return notices
