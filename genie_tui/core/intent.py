"""What front ends may ask of a running agent: stop, edit the plan, add context, switch approval mode,
model or playbooks. Each change reaches the model at its next turn as a marked user note."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from genie_tui.core import playbook_notes
from genie_tui.core.events import PlanStep
from genie_tui.core.plan_edit import plan_edit_note

if TYPE_CHECKING:
    from genie_tui.config.settings import Settings
    from genie_tui.core.pump import EventPump
    from genie_tui.core.session import Session
    from genie_tui.tools.base import ToolContext


class UserIntent:
    """Mixed into :class:`genie_tui.core.agent.Agent`; the attributes below are the agent's."""

    settings: Settings
    session: Session | None
    plan: list[PlanStep]
    client: Any
    library: Any
    ctx: ToolContext
    task: str
    repo: Any
    explicit_playbooks: list[str]
    disabled_playbooks: set[str]
    files_seen: set[str]
    active_playbooks: tuple[tuple[str, str], ...]
    approval_mode: str
    _pump: EventPump
    _notes: list[dict[str, Any]]
    stop_reason: str
    patches: list[dict[str, Any]]
    tests: dict[str, Any] | None
    patch_count: int
    record_patch: Any
    after_patch: Any
    resume_notices: list[str]
    commit_stop: Any = None  # the stop of the commit being made (``core/commits.py``), if one is
    commit_stopped = False  # whether the last commit was stopped by a cancel

    def cancel(self, why: str = "stopped by the user") -> None:
        """Stop the current turn: the stream is closed; a running tool finishes (tests are stopped; a commit
        being made is stopped, its hooks too). ``why`` starts the summary of the session's end."""
        self.stop_reason = why
        self._pump.cancel()
        if self.commit_stop is not None:  # also the commit at the run's end, which no task of the turn covers
            self.commit_stop.set()

    def user_plan_edit(self, steps: Sequence[PlanStep]) -> None:
        """The user's plan replaces the agent's; the next request tells the model."""
        before = {s.text: s.origin for s in self.plan}  # a step the user left alone keeps its origin
        self.plan = [PlanStep(s.text, s.status, s.origin if s.origin != "agent" else before.get(s.text, "user"))
                     for s in steps]
        if self.session:
            self.session.record("plan", source="user", steps=[{"text": s.text, "status": s.status,
                                                               "origin": s.origin} for s in self.plan])
        self.add_note(plan_edit_note(self.plan), key="plan")

    def add_note(self, text: str, key: str | None = None) -> None:
        """Something the model must read at its next request (sent as a user message). A note with a ``key``
        replaces the unsent one with that key (the latest plan edit, the last toggle of a playbook).

        Unsent notes are kept in the session: a session that ends before its next request (the user edits the
        plan, then quits) delivers them, once, when it is resumed.
        """
        self._notes = [n for n in self._notes if key is None or n["key"] != key] + [{"text": text, "key": key}]
        self.record_notes()

    def record_notes(self) -> None:
        if self.session:
            self.session.record("notes", pending=self._notes)

    def pending_notes(self) -> list[str]:
        """Notes the model has not been sent yet (they go with its next request)."""
        return [n["text"] for n in self._notes]

    def user_undid(self, files: list[str], label: str, tag: str = "") -> None:
        """The user undid a patch (the app's Ctrl+U or /undo): its files are as they were before it. ``tag`` says
        which (``session:patch id``); only a patch of this session with that id is marked undone."""
        mine = next((p for p in self.patches if self.session and tag == f"{self.session.id}:{p['id']}"), None)
        if mine is not None:
            mine["undone"] = True
        if self.tests:  # the last test run was of the code before the undo
            self.tests["stale"] = True
        if self.session:
            self.session.record("undo", files=files, label=label, patch_id=mine["id"] if mine else None)
        whose = f"your patch {mine['id']}" if mine else "a patch" + (f" ({label})" if label else "")
        self.add_note(f"[The user undid {whose}: {', '.join(files) or 'its files'} are back as they were "
                      "before it. Read them again before you patch them.]")

    def add_context(self, text: str) -> None:
        """A file, span or note the user wants the model to see at its next turn."""
        self.add_note(f"[The user added this to your context]\n{text}")

    def set_approval_mode(self, mode: str) -> int:
        """The user's switch; how many patches recorded for review under ``never`` it leaves behind (not applied:
        the model is told so at its next turn, and later patches are checked against the files on disk again)."""
        if mode not in ("ask", "auto", "never"):
            raise ValueError(f"approval mode must be ask, auto or never, not {mode!r}")
        was, self.approval_mode = self.approval_mode, mode
        if self.session:
            self.session.record("approval_mode", mode=mode)
        from genie_tui.core.recorded import leave_never

        left = leave_never(self.patches) if was == "never" != mode else []
        if left:
            self.add_note(f"The user switched the approval mode from 'never' to {mode!r}. The patches recorded for "
                          f"review ({', '.join(p['id'] for p in left)}) were never applied: the files are as they are on "
                          "disk, and read_file shows them so. Propose again, against those files, what is still wanted.",
                          key="recorded")  # replaced by the outcome of a review of them that was open then
        return len(left)

    def resumed_in(self, mode: str) -> None:
        """A session resumed under another approval mode than the one it was left in (``RestoredState.approve``):
        the user switched it, as with Ctrl+T (patches recorded under never are left, and the model told)."""
        if mode != self.approval_mode:
            self.approval_mode, now = mode, self.approval_mode
            left = self.set_approval_mode(now)
            if left:
                self.resume_notices.append(f"{left} patch{'es' * (left > 1)} recorded for review under approval mode "
                                           f"never left unapplied (resumed under {now}); the model is told")

    def new_patch_id(self) -> str:
        """An id no patch of the session has had (for a patch the user applies for the agent)."""
        self.patch_count += 1
        return f"p{self.patch_count}"

    async def user_reviewed_recorded(self, ids: list[str], stale: list[tuple[str, str]], patch_id: str = "",
                                     files: Sequence[str] = (), diff: str = "", how: str = "",
                                     comment: str | None = None) -> list[Any]:
        """The user reviewed the patches ``ids`` recorded under never as one diff and applied ``how`` much of it
        (``diff``, to ``files``) as ``patch_id``, or rejected it (no ``patch_id``); ``stale`` (id, why) no longer
        applied to the files on disk. None of them is recorded for review any more, and the model is told (with
        the user's ``comment``). Returns what committing the applied patch gave (config ``commit``), as events."""
        from genie_tui.core.context import REVIEW_COMMENT
        from genie_tui.core.recorded import reviewed

        rec = {"ids": ids, "patch_id": patch_id or None, "how": how, "stale": [list(s) for s in stale],
               "comment": comment}
        reviewed(self.patches, rec)
        if self.session:
            self.session.record("recorded_review", **rec)
        said = [f"The user reviewed the patches recorded for review ({', '.join(ids)}) as one diff and "
                + (f"applied {how} as {patch_id}: {', '.join(files)}. The files on disk have it now, and read_file "
                   "shows them so; later patches are checked against them." if patch_id else
                   "rejected it: nothing of it was applied, and the patches are no longer recorded.")] if ids else []
        said += [f"{i} no longer applies to the files as they are now ({why}): it was not applied and is no longer "
                 "recorded; propose again, against the files, what is still wanted." for i, why in stale]
        if comment:
            said.append(f"{REVIEW_COMMENT} (respond to it and address it): {comment}")
        self.add_note(f"[{' '.join(said)}]", key="recorded")
        if not patch_id:
            return []
        message = f"genie: recorded patches {', '.join(ids)} ({patch_id})"
        self.record_patch(patch_id, list(files), True, None, diff)
        if self.tests:  # the last test run was of the code before it
            self.tests["stale"] = True
        self.after_patch(list(files), message)
        if self.settings.commit == "off":
            return []
        from genie_tui.core.commits import commit

        return await commit(self, message)  # type: ignore[arg-type]

    def set_playbook(self, name: str, active: bool) -> tuple[tuple[str, str], ...]:
        """Turn a playbook on or off (the user's toggle); the model hears of it at its next turn.

        Returns the active playbooks and why, as ``PlaybooksActivated`` carries them.
        """
        if self.library is None:
            from genie_tui.playbooks import PlaybookLibrary

            self.library = PlaybookLibrary.load(self.repo)
            self.ctx.playbooks = self.library
        playbook = self.library.get(name)
        if playbook is None:
            from genie_tui.errors import UsageError

            close = self.library.close_names(name)
            raise UsageError(f"no playbook {name!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
        if active:
            self.disabled_playbooks.discard(name)
            if name not in self.explicit_playbooks:
                self.explicit_playbooks.append(name)
            self.add_note(playbook_notes.turned_on_note(self, name), key=f"playbook:{name}")  # type: ignore[arg-type]
        else:
            self.disabled_playbooks.add(name)
            self.explicit_playbooks = [n for n in self.explicit_playbooks if n != name]
            self.add_note(f"[The user turned off playbook {name}; stop following it.]", key=f"playbook:{name}")
        chosen = self.library.select(self.task, files=sorted(self.files_seen), explicit=self.explicit_playbooks,
                                     disabled=self.disabled_playbooks)
        self.active_playbooks = tuple((a.playbook.name, a.reason) for a in chosen)
        if self.session:
            self.session.record("playbooks", active=[list(p) for p in self.active_playbooks], toggled=name, on=active,
                                files=sorted(self.files_seen))
        return self.active_playbooks

    def set_model(self, model: str) -> None:
        """Use ``model`` from the next request on (same endpoint and conversation)."""
        from genie_tui.config.settings import model_name_problem

        problem = model_name_problem(model)
        if problem:
            raise ValueError(f"the model name {problem}")
        self.settings.model = model.strip()
        if self.client is not None:
            self.client.model = self.settings.model
        if self.session:
            self.session.record("model", model=self.settings.model)
