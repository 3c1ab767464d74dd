"""What a request carries: the context budget (before a request would exceed it, older tool outputs are
elided, then the long arguments of older tool calls; :mod:`genie_tui.core.sendable` shapes the history).

Never elided: the system prompt (role, playbooks), user messages (the task, the newest plan edit, review comments)
and the latest patch while it fits; an older plan edit gives way first, to a line (the plan is in the system
prompt). Then the model's own long replies and, when they alone exceed the budget, the last few tool results are
cut (head and tail kept); past that the recent calls' own long arguments are elided too, oldest first, so no single
call (a patch of megabytes) makes every later request too large. An elided argument is a note of its size inside
arguments that stay a JSON object; the session keeps what the model sent. The current plan, patch state and
approval mode are restated in every request's system prompt, so compaction cannot make the model forget them. A
long session of small steps outgrows any budget all the same: its oldest turns are left out, each call with its
results (see :func:`_turns`), and the system prompt says how many; no user message ever is.
"""

from __future__ import annotations

import json
from typing import Any

from genie_tui.core import plan_edit
from genie_tui.tokens import text_units

KEEP_RECENT_TOOL_RESULTS = 4
#: tools whose output can be fetched again; answers, review comments and playbooks are instructions and stay
ELIDABLE = frozenset({"read_file", "search_code", "find_files", "list_dir", "go_to_definition", "find_references",
                      "browse_url", "web_search", "run_tests"})


def _chars(message: dict[str, Any]) -> int:
    """A message's size in units of text (``genie_tui.tokens``: a character of Chinese counts four of English)."""
    return text_units(json.dumps(message, ensure_ascii=False))


class TokenMeter:
    """Estimates prompt tokens, calibrated by the usage the endpoint reports.

    A message's size is measured once (its JSON) and remembered with the message: the history's messages are
    never changed once appended (a message that changes is a new dict: compaction's elided copies, the system
    prompt restated per request), so a request measures only what is new instead of serialising the whole
    history again, which on a long session's 1,000 messages took a request's tens of milliseconds on the app's
    event loop. Only the messages of the last two measured lists are remembered (a request's messages, then
    its compacted copy: the next request has the originals again).
    """

    def __init__(self) -> None:
        self.chars_per_token = 4.0
        # id -> (the message, kept alive so that its id is not reused; its size)
        self._sizes: dict[int, tuple[dict[str, Any], int]] = {}
        self._before: dict[int, tuple[dict[str, Any], int]] = {}
        # compaction's elided copy of an old tool result, by the original's id: (original, tool name, copy)
        self._copies: dict[int, tuple[dict[str, Any], str, dict[str, Any]]] = {}
        self._copies_before: dict[int, tuple[dict[str, Any], str, dict[str, Any]]] = {}

    def sizes(self, messages: list[dict[str, Any]]) -> list[int]:
        """Each message's size in units of its JSON text, as :func:`_chars` gives it."""
        known, before, fresh = self._sizes, self._before, {}
        out = []
        for message in messages:
            entry = known.get(id(message)) or before.get(id(message))
            if entry is None or entry[0] is not message:
                entry = (message, _chars(message))
            fresh[id(message)] = entry
            out.append(entry[1])
        self._before, self._sizes = known, fresh
        return out

    def size(self, message: dict[str, Any]) -> int:
        """The size of a message that replaces another (a compaction's copy), remembered with the last measured."""
        entry = self._sizes.get(id(message)) or self._before.get(id(message))
        if entry is None or entry[0] is not message:
            entry = (message, _chars(message))
        self._sizes[id(message)] = entry
        return entry[1]

    def _copy(self, message: dict[str, Any], kind: str, make: Any) -> dict[str, Any]:
        """Compaction's changed copy of ``message`` (``kind`` says which change): the one the last compaction
        made, if it made one (the same message gives the same copy), so a long session's hundreds of them are not
        made and measured anew."""
        entry = self._copies.get(id(message)) or self._copies_before.get(id(message))
        if entry is None or entry[0] is not message or entry[1] != kind:
            entry = (message, kind, make(message))
        self._copies[id(message)] = entry
        return entry[2]

    def _elided(self, message: dict[str, Any], name: str) -> dict[str, Any]:
        """The elided copy of an old tool result."""
        def make(message: dict[str, Any]) -> dict[str, Any]:
            content = message.get("content") or ""
            first = content.splitlines()[0][:120] if content else ""
            return {**message, "content": (
                f"[elided to fit the context budget: {name} result, {len(content)} chars; "
                f"it began: {first!r}. Call the tool again if you need it.]")}
        return self._copy(message, name, make)

    def _elided_calls(self, message: dict[str, Any], ids: tuple[str, ...], patch_note: str | None
                      ) -> dict[str, Any]:
        """``message`` (an assistant turn) with the arguments of its tool calls ``ids`` elided."""
        def make(message: dict[str, Any]) -> dict[str, Any]:
            return {**message, "tool_calls": [
                c if c["id"] not in ids else {**c, "function": {
                    **c["function"], "name": c["function"]["name"][:NAME_CHARS],
                    "arguments": elided_arguments(c["function"].get("arguments") or "",
                                                  patch_note if c["function"]["name"] == "propose_patch" else None)}}
                for c in message["tool_calls"]]}
        return self._copy(message, f"calls:{patch_note}:{','.join(ids)}", make)

    def _shortened_reply(self, message: dict[str, Any]) -> dict[str, Any]:
        """``message`` (an assistant turn) with its text cut to ``REPLY_KEEP_CHARS``, head and tail kept."""
        def make(message: dict[str, Any]) -> dict[str, Any]:
            content = message["content"]
            head = REPLY_KEEP_CHARS // 2
            tail = REPLY_KEEP_CHARS - head
            return {**message, "content": (
                f"{content[:head]}\n[... {len(content) - REPLY_KEEP_CHARS} chars of this reply of yours cut to fit "
                f"the context budget ...]\n{content[len(content) - tail:]}")}
        return self._copy(message, "reply", make)

    def estimate(self, messages: list[dict[str, Any]]) -> int:
        return int(sum(self.sizes(messages)) / self.chars_per_token)

    def calibrate(self, messages: list[dict[str, Any]], prompt_tokens: int, extra_chars: int = 0) -> None:
        """Learn characters per token from a request's reported ``prompt_tokens``; ``extra_chars`` is what else
        the request carried that the endpoint counts (the tool schemas: about 1,200 tokens, which counted
        against the messages alone made later estimates about twice too large)."""
        chars = sum(self.sizes(messages)) + extra_chars
        if prompt_tokens > 100 and chars > 400:
            self.chars_per_token = max(1.5, min(8.0, chars / prompt_tokens))


def compact(messages: list[dict[str, Any]], budget: int, meter: TokenMeter,
            tools_tokens: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A copy of ``messages`` that fits ``budget`` (or is as small as elision can make it).

    Returns the messages and how many were shortened or left out. ``messages`` and the dicts in it are never
    changed: a message that shrinks is replaced in the copy by a changed copy of itself.
    """
    limit = int(budget * 0.9) - tools_tokens
    # sizes are kept per message and updated as messages shrink: estimating the whole history after each
    # elision made a long session's request cost grow with the square of its length
    sizes = meter.sizes(messages)
    total = sum(sizes)

    def estimate() -> int:
        return int(total / meter.chars_per_token)

    if estimate() <= limit:
        return messages, 0
    out = list(messages)

    def replace(i: int, message: dict[str, Any]) -> None:
        nonlocal total
        out[i] = message
        new = meter.size(message)
        total += new - sizes[i]
        sizes[i] = new

    meter._copies_before, meter._copies = meter._copies, {}
    elided = 0
    for i in plan_edit.superseded(out):  # a whole plan each, superseded by the one restated in the system prompt
        replace(i, meter._copy(out[i], "plan-edit", plan_edit.shrunk))
        elided += 1
        if estimate() <= limit:
            return out, elided
    names = _call_names(out)
    tool_indexes = [i for i, m in enumerate(out) if m.get("role") == "tool"]
    for i in tool_indexes[:-KEEP_RECENT_TOOL_RESULTS] if len(tool_indexes) > KEEP_RECENT_TOOL_RESULTS else []:
        content = out[i].get("content") or ""
        name = names.get(out[i].get("tool_call_id"), "tool")
        if len(content) < 200 or name not in ELIDABLE:
            continue
        replace(i, meter._elided(out[i], name))
        elided += 1
        if estimate() <= limit:
            return out, elided
    # Old tool-call arguments are the next largest thing (a long patch, a pasted stack trace as a query): those
    # of the turns before the recent results', and every patch but the newest, which stays whole here.
    calls = [i for i, m in enumerate(out) if m.get("role") == "assistant" and m.get("tool_calls")]
    patches = [c["id"] for i in calls for c in out[i]["tool_calls"] if c["function"]["name"] == "propose_patch"]
    newest_patch = patches[-1] if patches else None
    first_recent = tool_indexes[-KEEP_RECENT_TOOL_RESULTS] if len(tool_indexes) >= KEEP_RECENT_TOOL_RESULTS else 0
    recent = max((i for i in calls if i < first_recent), default=0)  # the turn that made the oldest recent result
    for i in calls:
        ids = tuple(c["id"] for c in out[i]["tool_calls"] if c["id"] != newest_patch and (
            c["function"]["name"] == "propose_patch" or (i < recent and _long(c))))
        if ids:
            replace(i, meter._elided_calls(out[i], ids, OLD_PATCH_NOTE))
            elided += 1
            if estimate() <= limit:
                return out, elided
    # The model's own long replies (a reply that ran to the output limit, a model repeating itself): sent again
    # whole with every request, one of them could outgrow the budget alone and fail every later request (and
    # the resume). Oldest first, the head and tail kept; the session keeps what the model wrote.
    for i, message in enumerate(out):
        if estimate() <= limit:
            break
        if message.get("role") == "assistant" and len(message.get("content") or "") > REPLY_LONG_CHARS:
            replace(i, meter._shortened_reply(message))
            elided += 1
    # A long session of small steps (each result too short to elide) outgrows any budget: its oldest turns are
    # left out, each call with its result, before the recent results are cut, if that alone makes it fit.
    left_out: set[int] = set()
    note_units = text_units(LEFT_OUT_NOTE.format(count=len(out)))  # room for the note that says so

    def leave_out(turns: list[tuple[int, int, str]], kinds: tuple[str, ...] = ("free",)) -> None:
        nonlocal total
        for start, end, kind in turns:
            if estimate() <= limit:
                break
            if kind not in kinds or start in left_out:
                continue
            total += (0 if left_out else note_units) - sum(sizes[start:end])
            left_out.update(range(start, end))

    turns = _turns(out, names, newest_patch)
    old = [t for t in turns if t[1] <= first_recent and t[2] == "free"]
    if old and estimate() > limit and \
            (total + note_units - sum(sum(sizes[a:b]) for a, b, _ in old)) / meter.chars_per_token <= limit:
        leave_out(old)
    # The recent results stay whole only while they fit (a small local model reading a few long files at once):
    # past that they are cut, oldest first, so the newest keeps the most.
    for i in tool_indexes[-KEEP_RECENT_TOOL_RESULTS:]:
        over = estimate() - limit
        if over <= 0:
            break
        content = out[i].get("content") or ""
        name = names.get(out[i].get("tool_call_id"), "tool")
        if (name not in ELIDABLE and name != "read_playbook") or len(content) <= MIN_KEPT_CHARS:
            continue
        # units per character: a newline's escape counts two, a character of Chinese four
        escaped = text_units(json.dumps(content, ensure_ascii=False)) / max(1, len(content))
        drop = int(over * meter.chars_per_token / escaped) + CUT_NOTE_CHARS
        keep = max(MIN_KEPT_CHARS, len(content) - drop)
        if len(content) - keep > CUT_NOTE_CHARS:  # a smaller cut would not pay for its note
            replace(i, {**out[i], "content": _cut(content, keep, name)})
            elided += 1
    # Then the recent turns' long arguments, the newest patch too, oldest first: a single call larger than the
    # whole budget (a huge patch) must not be sent again with every request.
    for i in calls:
        if estimate() <= limit:
            break
        ids = tuple(c["id"] for c in out[i]["tool_calls"] if _long(c))
        if ids and i not in left_out:
            replace(i, meter._elided_calls(out[i], ids, None))
            elided += 1
    # Last, any turn but the newest, oldest first; a playbook read only when the others are not enough.
    leave_out(turns[:-1])
    leave_out(turns[:-1], ("playbook",))
    if not left_out:
        return out, elided
    count = sum(1 for start, _, _ in turns if start in left_out)
    if out[0].get("role") == "system" and isinstance(out[0].get("content"), str):
        replace(0, {**out[0], "content": out[0]["content"] + LEFT_OUT_NOTE.format(count=count)})
    return [m for i, m in enumerate(out) if i not in left_out], elided + count


#: said in the system prompt of a request that leaves turns out
LEFT_OUT_NOTE = ("\n\n## Earlier turns\nThe {count} oldest turns of this session are left out of this request to "
                 "fit the context budget (your tool calls with their results; the task, the user's messages, review "
                 "comments and answers stay). Read files again rather than rely on what you remember of them.")
#: how a patch's result carries the user's review comment (core/actions.py writes it)
REVIEW_COMMENT = "Review comment from the user"


def _turns(messages: list[dict[str, Any]], names: dict[str, str], newest_patch: str | None
           ) -> list[tuple[int, int, str]]:
    """Each reply of the model with the tool results right after it, as ``(start, end, kind)``: what can be left
    out together (a call never without its result, nor a result without its call: OpenAI-compatible servers
    answer 400). ``kind``: "kept", never left out, for the user's words in it (an answer, a review comment), the
    newest patch, or calls whose results are not all right there; "playbook", a playbook read (left out only when
    nothing else is enough); "free"."""
    turns = []
    i = 0
    while i < len(messages):
        if messages[i].get("role") != "assistant":
            i += 1
            continue
        end = i + 1
        while end < len(messages) and messages[end].get("role") == "tool":
            end += 1
        calls = {c["id"] for c in messages[i].get("tool_calls") or []}
        results = messages[i + 1:end]
        kept = calls != {m.get("tool_call_id") for m in results} or newest_patch in calls or any(
            names.get(m.get("tool_call_id")) == "ask_user" or REVIEW_COMMENT in str(m.get("content") or "")
            for m in results)
        playbook = any(names.get(m.get("tool_call_id")) == "read_playbook" for m in results)
        turns.append((i, end, "kept" if kept else "playbook" if playbook else "free"))
        i = end
    return turns


#: tool-call arguments longer than this can be elided: their strings longer than ARG_STRING_CHARS become a note of
#: their size, and arguments still longer than ARG_ELIDE_CHARS then (many keys, a long list) become one such note
ARG_ELIDE_CHARS = 1_000
ARG_STRING_CHARS = 300
OLD_PATCH_NOTE = "[elided: an earlier patch; see its result]"

#: a tool's name is at most this long (OpenAI's limit); a longer one the model made up is cut with its arguments
NAME_CHARS = 64


def _long(call: dict[str, Any]) -> bool:
    return len(call["function"].get("arguments") or "") > ARG_ELIDE_CHARS or len(call["function"]["name"]) > NAME_CHARS


def _note(text: str) -> str:
    return f"[elided to fit the context budget: {len(text)} chars; it began: {text[:80]!r}]"


def elided_arguments(raw: str, patch_note: str | None = None) -> str:
    """Tool-call arguments (a JSON object, as :func:`genie_tui.core.sendable.sendable_arguments` makes them)
    with each string longer than ARG_STRING_CHARS replaced by a note of its size, still a JSON object, so the call
    stays well-formed for the endpoint. With ``patch_note``, a patch's arguments are just that note as its diff (an earlier patch: its
    result says what became of it)."""
    if patch_note is not None:
        return json.dumps({"diff": patch_note})

    def shortened(value: Any) -> Any:
        if isinstance(value, str):
            return value if len(value) <= ARG_STRING_CHARS else _note(value)
        if isinstance(value, list):
            return [shortened(v) for v in value]
        if isinstance(value, dict):
            return {k: shortened(v) for k, v in value.items()}
        return value

    try:
        value = json.loads(raw)
        if isinstance(value, dict):
            out = json.dumps(shortened(value), ensure_ascii=False)
            if len(out) <= ARG_ELIDE_CHARS:
                return out
    except (ValueError, RecursionError):
        pass
    return json.dumps({"elided_arguments": _note(raw)}, ensure_ascii=False)


#: an assistant reply longer than this is cut when the budget needs it (a model's reasoning between tool calls is
#: shorter), keeping REPLY_KEEP_CHARS of its head and tail
REPLY_LONG_CHARS = 8_000
REPLY_KEEP_CHARS = 4_000
#: what a cut recent result keeps at least, and room for the note that says where it was cut
MIN_KEPT_CHARS = 1_000
CUT_NOTE_CHARS = 200


def _cut(content: str, keep: int, name: str) -> str:
    """``content`` cut to about ``keep`` characters: the head (a file's header, a search's best hits) and the
    longer tail (a file's footer saying where to read on, a test run's summary), with a note between."""
    head = keep // 3
    tail = keep - head
    return (f"{content[:head]}\n[... {len(content) - keep} chars cut to fit the context budget; call {name} again "
            f"for a narrower range if you need them ...]\n{content[len(content) - tail:]}")


def _call_names(messages: list[dict[str, Any]]) -> dict[str, str]:
    return {c["id"]: c["function"]["name"] for m in messages if m.get("role") == "assistant"
            for c in m.get("tool_calls") or []}
