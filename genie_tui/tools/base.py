"""What every agent tool shares: its context, its output, its error type."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genie_tui.core.events import ContextLooked
from genie_tui.printable import unquoted_path, without_surrogates

if TYPE_CHECKING:
    from genie_tui.config.settings import Settings


#: how much of an argument a tool's message quotes back (a 10 MB query must not come back as a 10 MB result)
ECHO_CHARS = 300


def echoed(value: Any, limit: int = ECHO_CHARS) -> str:
    """``value`` (an argument the model sent) as a message quotes it: its repr, cut to ``limit`` characters with
    "…" and its full length when longer."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(value)
    return f"{text[:limit]!r}… ({len(text)} chars)"


class ToolError(Exception):
    """A precise message that goes back to the model as the tool result; it never ends the session."""


@dataclass(frozen=True, slots=True)
class ToolOutput:
    text: str
    looked: ContextLooked | None = None


@dataclass
class ToolContext:
    """What tools may touch. ``index`` and ``playbooks`` are built lazily on first use."""

    repo: Path
    settings: Settings
    index_factory: Callable[[], Any] | None = None
    playbooks: Any = None
    # the files as the patches recorded for review leave them (approval mode never; ``patching.staging``): rel
    # path -> (bytes, or None when deleted; mode), which read_file shows instead of the disk
    staged: Callable[[], Mapping[str, tuple[bytes | None, int | None]]] | None = None
    _index: Any = field(default=None, repr=False)
    service: Any = field(default=None, repr=False)  # the process's index of this repo (core/indexing.py)

    @property
    def index(self) -> Any:
        if self._index is None:
            if self.index_factory is None:
                from genie_tui.core import indexing

                # one per repository in the process, built in the background (the app starts it at launch);
                # semantic search follows the settings; a watcher keeps it current as files are saved
                self.service = indexing.shared(self.repo, self.settings)
                self._index = self.service.get()
            else:
                self._index = self.index_factory()
        return self._index

    def settle_index(self) -> None:
        """Before a search: wait a while for the first build (indexing.TOOL_WAIT_S), so that a first search in a
        repository nobody indexed yet sees all of it; past that, it answers from what is indexed so far. A later
        catch-up (a branch switch) is not waited for: the index holds every file's last version meanwhile, and
        each tool call waiting 10 s held the agent up for the whole catch-up; the note says what may be missing."""
        from genie_tui.core import indexing

        index = self.index
        if index is not None and self.service is not None and getattr(index, "first_build", True) \
                and self.service.status()[0]:
            self.service.wait(indexing.TOOL_WAIT_S)

    def index_note(self) -> str:
        """A line for a tool's result while the index is still being built: what is not indexed yet is not found."""
        busy, done, total = self.service.status() if self.service is not None else (False, 0, 0)
        if not busy:
            return ""
        so_far = f"{done:,} of {total:,} files so far" if total else "its first files"
        if not getattr(self._index, "first_build", True):  # a catch-up: every file is indexed, some as they were
            return (f"\n(the code index is catching up with many changed files (a branch switch?): {so_far}; a "
                    "file not re-read yet is found as it was before, so read the files directly to be sure)")
        return (f"\n(the code index is still being built: {so_far}; a file not indexed yet is not found, so "
                "search again later or read the files directly)")

    def resolve(self, rel: str, *, must_exist: bool = True, _unquote: bool = True) -> Path:
        """A repo-relative path, refusing anything outside the repository or inside ``.git``."""
        if not isinstance(rel, str) or not rel.strip():
            raise ToolError("path must be a non-empty string relative to the repository root")
        rel = rel.strip()
        if "\0" in rel or len(rel) > 1024:
            raise ToolError("path is not a valid file name")
        try:  # a lone surrogate from the model's JSON ("\ud800") names no file: the file system cannot take it
            os.fsencode(rel)
        except UnicodeEncodeError:
            raise ToolError("path is not a valid file name (it holds a lone surrogate, \\ud800-\\udfff)") from None
        candidate = Path(rel)
        try:
            if candidate.is_absolute():
                try:
                    candidate = candidate.resolve().relative_to(self.repo.resolve())
                except ValueError:
                    raise ToolError(f"{rel}: outside the repository; use a path relative to its root") from None
            full = (self.repo / candidate).resolve()
            root = self.repo.resolve()
        except (OSError, RuntimeError) as exc:
            raise ToolError(f"{rel}: cannot resolve ({exc})") from None
        if full != root and root not in full.parents:
            raise ToolError(f"{rel}: outside the repository")
        if ".git" in full.relative_to(root).parts:
            raise ToolError(f"{rel}: the .git directory is off limits")
        if _unquote and (name := _unquoted(rel)) is not None:  # a name as the tools list it, quoted (they list
            try:                                                 # one that looks quoted with escapes)
                return self.resolve(name, must_exist=True, _unquote=False)
            except ToolError:
                pass
        if must_exist and not _exists(full, rel) and "\ufffd" in rel:
            full = _undo_replacement(root, full) or full
        if must_exist and not _exists(full, rel):
            raise ToolError(f"{rel}: no such file or directory (try find_files)")
        return full

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.repo.resolve()).as_posix() or "."


def _exists(full: Path, rel: str) -> bool:
    """Whether ``full`` exists; a name the system cannot even look up (a part over 255 bytes) is the model's to
    fix, told in one line (it was a "read_file failed: OSError" naming the repository's absolute path)."""
    try:
        return full.exists()
    except OSError as exc:
        raise ToolError(f"{echoed(rel)}: {(exc.strerror or str(exc)).lower()}") from None


def _unquoted(rel: str) -> str | None:
    """``rel`` with its quoted form read back: the whole path (as ``find_files`` lists one), or any of its parts
    (``list_dir`` lists a directory's entries by name: ``docs/"say \\"hi\\".md"``); None when nothing is quoted."""
    whole = unquoted_path(rel)
    if whole is not None:
        return whole
    parts = [unquoted_path(part) or part for part in rel.split("/")]
    joined = "/".join(parts)
    return joined if joined != rel else None


def _undo_replacement(root: Path, full: Path) -> Path | None:
    """The file that ``full``, a path the model wrote back with U+FFFD for bytes it was never shown, names: each
    such part matched against its directory's entries as the model saw them (providers.client.encodable), when
    exactly one fits."""
    found = root
    for part in full.relative_to(root).parts:
        if "\ufffd" not in part:
            found = found / part
            continue
        try:
            fits = [entry for entry in found.iterdir() if without_surrogates(entry.name) == part]
        except OSError:
            return None
        if len(fits) != 1:
            return None
        found = fits[0]
    return found
