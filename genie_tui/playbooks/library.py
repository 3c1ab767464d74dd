"""The playbook library: load every source, pick the playbooks a task needs, and render them for the prompt.

The agent calls :meth:`PlaybookLibrary.select` again as the session touches more files, so a playbook whose
globs match a file read or patched later joins then (the UI shows the change and the reason).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from genie_tui.errors import GenieError, UsageError
from genie_tui.playbooks.loader import load_all
from genie_tui.playbooks.match import (
    ancestors,
    first_glob_match,
    keyword_in,
    normalize_path,
)
from genie_tui.playbooks.model import (
    SOURCE_RANK,
    ActivePlaybook,
    Playbook,
    PromptSection,
)
from genie_tui.tokens import estimate_tokens

if TYPE_CHECKING:
    from genie_tui.core.events import PlanStep

# No heading of its own: the system prompt puts this under its "## Playbooks" heading.
_HEADER = "Active playbooks for this task, most important first. If two conflict, follow the one listed first."
_OVERFLOW_HEADER = (
    "Also active, but left out to save space. Call read_playbook with the name to read one before you act on it:"
)




class PlaybookLibrary:
    """Every playbook available for one repo (after overrides), plus the warnings loading produced."""

    def __init__(
        self,
        playbooks: Iterable[Playbook],
        warnings: Iterable[str] = (),
        repo: Path | None = None,
        shadowed: dict[str, list[Playbook]] | None = None,
        broken: dict[str, str] | None = None,
    ) -> None:
        self.playbooks: list[Playbook] = list(playbooks)
        self.warnings: list[str] = list(warnings)
        self.repo = repo
        #: Playbooks overridden by a later source with the same name (``list`` says "overrides bundled").
        self.shadowed: dict[str, list[Playbook]] = shadowed or {}
        self._by_name = {pb.name: pb for pb in self.playbooks}
        #: The warning of each file that failed to load, by the name it declares (``migrations.md`` declaring
        #: ``db-migrations``), so asking for that name says why it is not there.
        self.broken: dict[str, str] = broken or {}

    @classmethod
    def load(cls, repo: Path | None) -> PlaybookLibrary:
        """Load bundled, user and repo playbooks and the repo's instruction files; bad files become warnings."""
        repo = repo.resolve() if repo is not None else None
        loaded = load_all(repo)
        return cls(loaded.playbooks.values(), loaded.warnings, repo, loaded.shadowed, loaded.broken)

    def get(self, name: str) -> Playbook | None:
        return self._by_name.get(name)

    @property
    def names(self) -> list[str]:
        return [pb.name for pb in self.playbooks]

    def close_names(self, name: str) -> list[str]:
        """Up to three known names resembling ``name``, for "did you mean" messages."""
        import difflib

        lowered = {n.lower(): n for n in self._by_name}
        hits = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.5)
        hits += [n for n in lowered if name.lower() in n and n not in hits]
        return [lowered[h] for h in hits[:3]]

    def select(
        self,
        task: str,
        files: Iterable[str] = (),
        explicit: Iterable[str] = (),
        disabled: Iterable[str] = (),
    ) -> list[ActivePlaybook]:
        """The playbooks that apply, most important first, each with the reason it is active.

        Explicit names come first, then by ``priority`` (higher first), then more local sources. ``disabled``
        (the user toggled them off) wins over every other reason. An unknown explicit name is a usage error.
        """
        # A bare string is one name (or file), not a sequence of one-letter names.
        files, explicit, disabled = ([x] if isinstance(x, str) else x for x in (files, explicit, disabled))
        explicit = list(dict.fromkeys(explicit))
        for name in explicit:
            if name not in self._by_name:
                raise UsageError(self._unknown(name))
        off = set(disabled)
        repo = str(self.repo) if self.repo else None
        paths = [p for p in (normalize_path(_real(f), repo) for f in files if f) if p]
        reasons = self._agents_reasons(paths)
        chosen: list[tuple[tuple[int, int, int, int, str], ActivePlaybook]] = []
        for pb in self.playbooks:
            if pb.name in off:
                continue
            reason = "explicit" if pb.name in explicit else self._reason(pb, task, paths, reasons)
            if reason is None:
                continue
            # a nested AGENTS.md goes ahead of the ones above it: the nearest one wins where they conflict
            depth = pb.name.count("/") if pb.source == "AGENTS.md" else 0
            key = (0 if reason == "explicit" else 1, -pb.priority, -SOURCE_RANK.get(pb.source, 0), -depth, pb.name)
            chosen.append((key, ActivePlaybook(pb, reason)))
        return [active for _, active in sorted(chosen, key=lambda kv: kv[0])]

    def _reason(self, pb: Playbook, task: str, paths: list[str], agents: dict[str, str]) -> str | None:
        if pb.source == "AGENTS.md":
            return agents.get(pb.name)
        if pb.always:
            return "always"
        hit = first_glob_match(pb.applies_to, paths)
        if hit:
            return f"glob {hit[0]} matches {hit[1]}"
        for kw in pb.keywords:
            if keyword_in(kw, task):
                return f"keyword '{kw}'"
        return None

    def _agents_reasons(self, paths: list[str]) -> dict[str, str]:
        """The root AGENTS.md always applies; a nested one joins for the files it is the nearest AGENTS.md to.

        Files seen only accumulate, so a nested one, once active, stays active: nothing leaves and comes back.
        """
        by_dir = {pb.name.rpartition("/")[0]: pb.name for pb in self.playbooks if pb.source == "AGENTS.md"}
        reasons = {by_dir[""]: "always"} if "" in by_dir else {}
        for path in paths:
            nearest = next((by_dir[d] for d in ancestors(path) if d in by_dir), None)
            if nearest is not None and nearest not in reasons:
                reasons[nearest] = f"nearest AGENTS.md to {path}"
        return reasons

    def prompt_section(self, active: Sequence[ActivePlaybook], budget_tokens: int = 3000) -> PromptSection:
        """Render active playbooks for the system prompt within ``budget_tokens``.

        Playbooks are taken in order; one that does not fit is listed by name and description instead, so
        the model knows it exists and can call ``read_playbook``. Later, smaller ones may still fit.
        """
        if not active:
            return PromptSection("", [], [])
        included: list[ActivePlaybook] = []
        overflow: list[ActivePlaybook] = []
        for item in active:
            trial = _render([*included, item], overflow)
            (included if estimate_tokens(trial) <= budget_tokens else overflow).append(item)
        text = _render(included, overflow)
        while estimate_tokens(text) > budget_tokens and included:
            overflow.append(included.pop())
            overflow.sort(key=active.index)
            text = _render(included, overflow)
        return PromptSection(text, [a.name for a in included], [a.name for a in overflow])

    def plan_steps(self, active: Sequence[ActivePlaybook]) -> tuple[PlanStep, ...]:
        """The ``## Steps`` of the active playbooks as plan steps whose origin names the playbook."""
        from genie_tui.core.events import PlanStep

        return tuple(PlanStep(text=s, origin=f"playbook:{a.name}") for a in active for s in a.playbook.steps)

    def read(self, name: str) -> str:
        """The body of playbook ``name``: what the ``read_playbook`` tool returns to the model."""
        pb = self._by_name.get(name)
        if pb is None:
            raise GenieError(self._unknown(name))
        return pb.body

    def why(self, pb: Playbook) -> str:
        """When ``pb`` would apply, in words (``genie playbooks list``)."""
        if pb.source == "AGENTS.md":
            directory = pb.name.rpartition("/")[0]
            return f"nearest AGENTS.md for {directory}/**" if directory else "always (root AGENTS.md)"
        if pb.always:
            return "always"
        parts = []
        if pb.applies_to:
            parts.append("files " + ", ".join(pb.applies_to))
        if pb.keywords:
            parts.append("keywords " + ", ".join(pb.keywords))
        return "; ".join(parts) or "only when asked (--playbook NAME)"

    def _unknown(self, name: str) -> str:
        # a file of that name that failed to load is what the user meant: say why it is not there (an
        # instruction file's name is its path in the repo, CLAUDE.md or services/api/AGENTS.md)
        broken = [w for w in self.warnings if w.endswith("; skipped")
                  and name in (where := w.split(":", 1)[0].replace("\\", "/"), PurePosixPath(where).stem)]
        if broken or name in self.broken:
            return f"playbook '{name}' is not loaded: {broken[0] if broken else self.broken[name]}"
        close = self.close_names(name)
        if close:
            return f"unknown playbook '{name}' (did you mean {', '.join(close)}?)"
        known = ", ".join(sorted(self._by_name)) or "none"
        return f"unknown playbook '{name}' (known: {known})"


def _real(path: str) -> str:
    """Absolute paths through a symlinked repo location (``/tmp`` on macOS) still land inside the repo."""
    return str(Path(path).resolve()) if Path(path).is_absolute() else path


def _render(included: Sequence[ActivePlaybook], overflow: Sequence[ActivePlaybook]) -> str:
    parts = [_HEADER]
    for item in included:
        pb = item.playbook
        why = item.reason.replace('"', "'")
        parts.append(f'<playbook name="{pb.name}" why="{why}">\n{pb.body}\n</playbook>')
    if overflow:
        lines = [f"- {a.name}: {a.playbook.description}" if a.playbook.description else f"- {a.name}"
                 for a in overflow]
        parts.append(_OVERFLOW_HEADER + "\n" + "\n".join(lines))
    return "\n\n".join(parts)


_BLOCK = re.compile(r'<playbook name="([^"]*)" why="[^"]*">\n.*?\n</playbook>', re.DOTALL)


def rendered_names(text: str) -> set[str]:
    """The playbooks ``text`` carries as rendered by :meth:`PlaybookLibrary.prompt_section`: in full or listed by
    name for ``read_playbook``."""
    names = set(_BLOCK.findall(text))
    _, found, rest = text.partition(_OVERFLOW_HEADER + "\n")
    if found:
        for line in rest.split("\n"):
            if not line.startswith("- "):
                break
            names.add(line[2:].split(": ", 1)[0])
    return names


def turned_off(text: str, names: Collection[str]) -> str:
    """``text`` (a system prompt, or a note that brought playbooks in) without the playbooks ``names``: one
    rendered in full becomes a line saying the user turned it off, one listed by name leaves the list."""
    if not names or not rendered_names(text) & set(names):
        return text
    text = _BLOCK.sub(lambda m: f"(playbook {m[1]} was turned off by the user; do not follow it)"
                      if m[1] in names else m[0], text)
    head, found, rest = text.partition(_OVERFLOW_HEADER + "\n")
    if not found:
        return text
    lines = rest.split("\n")
    listed = next((i for i, line in enumerate(lines) if not line.startswith("- ")), len(lines))
    kept = [line for line in lines[:listed] if line[2:].split(": ", 1)[0] not in names]
    if kept:
        return head + found + "\n".join(kept + lines[listed:])
    tail = "\n".join(lines[listed:])  # nothing left to read: the header goes too
    return head.removesuffix("\n\n") + ("\n" + tail if lines[listed:] else "")
