"""What the lines around a place of a native backtrace or of compiler output say about it: what a compiler's
diagnostic says there (an error, the context of one, a note), which orders its places, and the Rust crate whose
function a frame is in, or whose build failed with it, which tells whether the place is the repository's."""

from __future__ import annotations

import bisect
import functools
import re

# what a compiler says of a place after it (GCC's, Clang's, javac's, MSVC's, tsc's ``file:line:col: error: ...``, tsc's
# pretty ``file:line:col - error TS2345: ...``): an error, a warning, the context of one (GCC's ``required from ...``
# of a template's instantiation), a note (``note: candidate: ...``); and GCC's chain of includes before it (``In file
# included from x.cpp:4:``, ``   from y.h:41,``). A place that says none of these (PLAIN: a linker's ``undefined
# reference``, Go's ``./main.go:12:5: undefined: x``, a traceback's frame) is often the failure itself, printed after
# the warnings of its build: it counts less than an error, more than a warning. rustc says it on the line above its
# place: ``error[E0599]: no method named ...`` then `` --> src/lib.rs:12:20`` (``:::`` for a place of the same
# diagnostic in another file, its context)
NOTE, CONTEXT, WARNING, PLAIN, ERROR = 0, 1, 2, 3, 4
_SAYS = re.compile(r"(?::\d+)*[:,)]?(?:[ \t]+-)?[ \t]*(?:(?:(?P<error>(?:fatal )?error)|(?P<warning>warning))"
                   r"(?=:|\[|[ \t]+[A-Z]{1,4}\d+\b)|(?P<note>note\b)|required (?:from|by)\b)")
_INCLUDED = re.compile(r"[ \t>]*(?:In file included from|from)[ \t]+")
_INCLUDE_END = re.compile(r"(?::\d+)?[,:][ \t]*(?:\r?\n|$)")
# (behind a log's prefix on every line too, a CI timestamp, docker compose's ``builder-1  | ``, a viewer's line numbers:
# the header's line has a prefix of the same shape, its digits aside; a Windows path's drive is the place's)
_RUSTC_PLACE = re.compile(r"([^\n]{0,80}?)[ \t>]*(-->|:::)[ \t]*(?:[A-Za-z]:)?")
_RUSTC_HEAD = re.compile(r"[ \t>]*(?:(?P<error>error)|(?P<warning>warning)|note|help)(?:\[[\w\-]+\])?:")
_DIGIT = re.compile(r"\d")
_HEAD_LINES = 200  # lines above a place that its diagnostic's header is looked for in (none blank)


def _rustc_said(text: str, line: int, prefix: str, primary: bool) -> int | None:
    """What rustc says of a place on the line starting at ``line`` behind ``prefix``: the severity of its
    diagnostic's header, the nearest above it with no blank line between (a message may wrap; a ``:::`` place is
    below the code of the ``-->`` one). A ``-->`` is what its header says; a ``:::``, another place of the same
    diagnostic (often the type the fix goes in), a place it says nothing of in an error, the context of a warning,
    a note of a note. None when no header is found."""
    width, shape = len(prefix), _DIGIT.sub("0", prefix)
    end = line - 1
    for _ in range(_HEAD_LINES):
        if end < 0:
            return None
        start = text.rfind("\n", 0, end) + 1
        if _DIGIT.sub("0", text[start:start + width]) != shape or not text[start + width:end].strip(" \t\r>"):
            return None  # another prefix, or a blank line: the diagnostic's start was passed
        if (head := _RUSTC_HEAD.match(text, start + width, end)) is not None:
            if head.group("error"):
                return ERROR if primary else PLAIN
            return (WARNING if primary else CONTEXT) if head.group("warning") else NOTE
        end = start - 1
    return None


def said(text: str, start: int, end: int) -> tuple[int, bool]:
    """What a compiler says of the place ``text[start:end]`` (see _SAYS: NOTE, CONTEXT for a ``required from``,
    WARNING, ERROR, or PLAIN where it says none of them), and whether it is a line of an include chain (a NOTE, and
    no Ruby ``from`` line, which is printed innermost first)."""
    line = text.rfind("\n", 0, start) + 1
    if _INCLUDED.fullmatch(text, line, start) and _INCLUDE_END.match(text, end):
        return NOTE, True
    if line and (rustc := _RUSTC_PLACE.fullmatch(text, line, start)) is not None and \
            (says := _rustc_said(text, line, rustc.group(1), rustc.group(2) == "-->")) is not None:
        return says, False
    m = _SAYS.match(text, end)
    if m is None:
        return PLAIN, False
    return (ERROR if m.group("error") else WARNING if m.group("warning") else NOTE if m.group("note") else CONTEXT,
            False)


# a Rust backtrace's frame: its number and function (``   8: gateway::tests::raw_invalid_utf8``, ``   4:
# <serde_json::read::SliceRead as serde_json::read::Read>::end_raw_buffering``, ``RUST_BACKTRACE=full``'s ``  4:
# 0x55d5c0a3 - gateway::tests::x::h1a2b``) on the line above its place (``at ./src/lib.rs:88:43``): the first part
# of the function's path is its crate, and a trait's method of a type (``<alloc::string::String as mc::ext::Ext>::ext``)
# has the trait's crate too, after `` as ``
_RUST_CALL = re.compile(r"[ \t>]*\d+:[ \t]+(?:0x[0-9a-fA-F]+ - )?<?(?:&(?:mut )?|dyn )?([A-Za-z_]\w*)::")
_RUST_TRAIT = re.compile(r"[^\n]*? as (?:&(?:mut )?|dyn )?([A-Za-z_]\w*)::")
_RUST_AT = re.compile(r"[ \t>]*at[ \t]")
# rustc's primary place of a diagnostic (``  --> src/lib.rs:12:20``), and the line after the crate's diagnostics
# that names it (``error: could not compile `gateway` (lib) due to 1 previous error``, ``warning: `gateway` (lib)
# generated 2 warnings``)
_RUSTC_PRIMARY = re.compile(r"[ \t>]*-->[ \t]*")
_CRATE_BUILT = re.compile(r"could not compile [`']([\w\-]+)[`']|[`']([\w\-]+)[`'] \([^)\n]*\) generated \d+ warning")
# a line that ends a run of cargo's output, after which it names no crate of the places above: a fence, a shell's
# prompt (``$ cargo build --features tls``), or prose (a line from its first column that cargo's do not begin with:
# theirs begin with ``error``, ``warning``, ``note``, ``help``, blanks, a digit or ``|``)
_RUN_END = re.compile(r"^[ \t>]*(?:```|~~~)|^[ \t>]*(?:\$|%|❯|PS[^\n>]*>)[ \t]+\S|^(?:> ?)?(?!(?:error|warning|note|"
                      r"help|For more information|Some errors|Caused by)\b)(?:[A-Za-z(#]|[-*][ \t])", re.MULTILINE)


class RustCrates:
    """The crates that the places of a text are in, as the text says: a backtrace's frame by its function, a
    compiler's place by the crate whose build it reports next, in the same run of cargo's output (see _RUN_END)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @functools.cached_property
    def _built(self) -> list[tuple[int, str]]:
        """Where cargo names a crate after its diagnostics, and the crate (read when a ``-->`` place asks)."""
        return [(m.start(), m.group(1) or m.group(2)) for m in _CRATE_BUILT.finditer(self.text)]

    @functools.cached_property
    def _run_ends(self) -> list[int]:
        """Where the lines that end a run of cargo's output start (see _RUN_END)."""
        return [m.start() for m in _RUN_END.finditer(self.text)]

    def of(self, start: int) -> str:
        """The crate of the place whose match (an ``at`` frame's or a ``file:line``) starts at ``start``, with
        ``_`` for ``-`` as in its code (``my-app`` is ``my_app``), or "": of a trait's method of a type, the type's
        and the trait's (``alloc mc``), the place being the repository's where either crate is."""
        text = self.text
        line = text.rfind("\n", 0, start) + 1
        before = text[line:start]
        if _RUSTC_PRIMARY.fullmatch(before):  # the crate cargo names next, in the same run of its output
            i = bisect.bisect(self._built, (start, ""))
            if i == len(self._built):
                return ""
            at, crate = self._built[i]
            end = bisect.bisect(self._run_ends, start)
            return crate.replace("-", "_") if end == len(self._run_ends) or self._run_ends[end] > at else ""
        if line < 2 or not (before.strip(" \t>") == "" and _RUST_AT.match(text, start)):
            return ""
        call = _RUST_CALL.match(text, text.rfind("\n", 0, line - 1) + 1, line - 1)
        if call is None:
            return ""
        trait = _RUST_TRAIT.match(text, call.end(), line - 1)
        return call.group(1) if trait is None or trait.group(1) == call.group(1) else f"{call.group(1)} {trait.group(1)}"
