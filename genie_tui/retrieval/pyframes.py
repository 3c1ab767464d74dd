"""Python's tracebacks that belong together in a query: the chain of a re-raised exception and an exception
group's sub-exceptions, whose frames count apart from the text's order (see read_frames in frames.py)."""

from __future__ import annotations

import bisect
import re

# Python's line between two tracebacks of a chain (pytest's too, between two failures' entries): the exception
# above caused the one below, or was being handled when it was raised
_LINKED = (r"(?:During handling of the above exception, another exception occurred|"
           r"The above exception was the direct cause of the following exception):?[ \t]*$")
_CHAIN_LINK = re.compile(rf"^[ \t>]*{_LINKED}", re.MULTILINE)
# where a traceback starts (Python's, IPython's ``KeyError   Traceback (most recent call last)``, pytest's
# ``_____ test_a _____``) or a fenced block starts or ends: no chain reaches across them
_TRACE_START = re.compile(r"^(?:[^\n]*Traceback \(most recent call last\)|[ \t>]*(?:_{3,} [^\n_][^\n]{0,300}? _{3,}"
                          r"[ \t]*$|```|~~~))", re.MULTILINE)
_PY_HEAD = re.compile(r"^([ \t>]*)Traceback \(most recent call last\):[ \t]*$", re.MULTILINE)
# the exception a Python traceback ends with (``KeyError: 'db'``, ``shop.errors.DbError: ...``, ``StopIteration``)
_PY_RAISED = re.compile(r"^([ \t>]*)[A-Za-z_][\w.]*(?::|[ \t]*$)", re.MULTILINE)


def _py_ends(text: str) -> list[int]:
    """Where each Python traceback of ``text`` ends: at its exception's line, the first line after
    ``Traceback (most recent call last):`` that names one, indented no deeper than that (its frames are)."""
    raised = [(m.start(), len(m.group(1))) for m in _PY_RAISED.finditer(text)]
    ends = []
    for m in _PY_HEAD.finditer(text):
        i = bisect.bisect(raised, (m.end(), 0))
        # a few lines of code in the frames may look like one, indented deeper (a bare name)
        ends += [start for start, indent in raised[i:i + 20] if indent <= len(m.group(1))][:1]
    return ends


def chain_keys(text: str, printings: dict[int, int]) -> dict[int, tuple[int, int, int]]:
    """Sort keys, weakest first, for the frames of ``text`` (Python's, printed innermost last) that lie in a chain
    of Python tracebacks (``During handling of the above exception, another exception occurred:``, ``The above
    exception was the direct cause of the following exception:``) or in an exception group (see _groups); the
    others have none. ``printings`` maps where each frame is printed to where it is first printed, and the keys
    are by that first place. The first traceback printed is the root cause: the exception a wrapper re-raises
    (``raise X from e``, or ``except KeyError: raise X`` without ``from``), where the bug usually is, while the
    later one's raising frame is the wrapper, or a handler's own bug. So each traceback's frames count by how far
    from its raising frame they are, the raising frames first, and among frames as far, the earlier traceback's
    more: the root cause's raising frame counts most, the last traceback's next. A group in a chain (raised from
    an exception, or the cause of one, as pytest prints a failure's) is one exception of it, its tracebacks in
    their own order. A traceback printed again later in the chain counts at its later copy: a group raised
    while handling a group that it holds (``raise ExceptionGroup("top", [eg, ...])``) prints the handled group
    twice, once above it and once in its box, and its cause with one copy only (``traceback.format_exc()`` with
    the copy in the box, so the first copy's frames would count before the root cause's). A chain keeps its
    place among the text's other frames, at its last."""
    offsets = sorted(printings)
    groups = _groups(text, offsets)
    links = {m.start() for m in _CHAIN_LINK.finditer(text)}
    if not links and not groups:
        return {}
    starts = [start for start, _, _ in groups]

    def group_at(pos: int) -> int:
        """The group whose lines hold ``pos``, after its first line's start, or -1."""
        i = bisect.bisect_left(starts, pos) - 1
        return i if i >= 0 and pos < groups[i][1] else -1

    # a group's lines hold tracebacks and chains of their own: its start and end cut, nothing between
    cuts = sorted(c for c in links | {m.start() for m in _TRACE_START.finditer(text)} | set(_py_ends(text)) |
                  {at for start, end, _ in groups for at in (start, end)} if group_at(c) < 0)
    parts: dict[int, list[int]] = {}  # the offsets of the frames between two cuts, by the cut after them
    for pos in offsets:
        if printings[pos] == pos:  # a trace that only repeats frames printed before is no part of a chain
            parts.setdefault(bisect.bisect(cuts, pos), []).append(pos)
    chains: list[list[list[int]]] = []  # each chain's tracebacks, in the order they count (a group's expanded)
    grouped: set[int] = set()  # the chains that hold a group
    last = 0
    for i in sorted(parts):
        # two parts with frames are tracebacks of one chain when a chain's line lies between them
        if not chains or not any(c in links for c in cuts[last:i]):
            chains.append([])
        g = group_at(parts[i][0])
        chains[-1].extend(groups[g][2] if g >= 0 else [parts[i]])
        if g >= 0:
            grouped.add(len(chains) - 1)
        last = i
    keys: dict[int, tuple[int, int, int]] = {}
    for n, chain in enumerate(chains):
        # where each frame first printed in the chain counts: there, or, when its traceback is printed again
        # later in the chain, at the same frame of the next copy (and so on)
        at = {pos: pos for part in chain for pos in part if printings[pos] == pos}
        copies: dict[tuple[int, ...], list[int]] = {}  # each traceback's last copy yet, by its frames' first places
        for part in chain:
            printed = tuple(printings[pos] for pos in part)
            for pos, again in zip(copies.get(printed, []), part):
                if at.get(printings[pos]) == pos:
                    at[printings[pos]] = again
            copies[printed] = part
        counted = [[pos for pos in part if at.get(printings[pos]) == pos] for part in chain]
        anchor = max((pos for part in counted for pos in part), default=0)
        for nth, part in enumerate(counted if len(counted) > 1 or n in grouped else []):
            for depth, pos in enumerate(reversed(part)):
                keys[printings[pos]] = (anchor, -depth, -nth)
    return keys


# Python's exception group (3.11): ``  + Exception Group Traceback (most recent call last):``, the group's own
# traceback in a box of ``|`` lines, then each sub-exception's in a box two columns in, opened by
# ``+-+---- 1 ----`` (the first, from the group's column) or ``+---- 2 ----``; a sub-exception that is a group
# (``| Exception Group Traceback ...``) opens boxes of its own the same way
_GROUP = re.compile(r"^([ \t>]*)\+ Exception Group Traceback \(most recent call last\):[ \t]*\r?\n"
                    r"(?:\1[ \t]*[|+][^\n]*(?:\n|$))*", re.MULTILINE)
# a line of a group's boxes that tells where it belongs: by the column of its ``|`` (a line of a traceback) or of
# the ``+`` that opens a sub-exception's box (``+-+`` the first, a box further in)
_BOX = re.compile(r"([ \t>]*)(?:(\|)|\+(-\+)?-+ (?:\d+|\.\.\.) -)")
# a chain's line in a box: a sub-exception that is a chain prints its tracebacks there as a chain prints them
_BOX_LINK = re.compile(rf"[ \t]*{_LINKED}", re.MULTILINE)


def _groups(text: str, offsets: list[int]) -> list[tuple[int, int, list[list[int]]]]:
    """Each Python exception group of ``text``: its start and end, and the offsets of its tracebacks' frames
    (from ``offsets``, in order) in the order the tracebacks count, the first most. Each sub-exception is an
    exception of its own, whose raising frame is where it went wrong: not a caller of the group's frames,
    printed above it. So each sub-exception's traceback (a group's: its sub-exceptions', then its own) counts
    before the group's own, which is raised where the sub-exceptions were gathered: the first sub-exception's
    raising frame (the first task of a ``TaskGroup`` to fail, which cancelled the others) counts most. A
    sub-exception that is a chain prints its tracebacks in its box, each after a chain's line: they count as a
    chain's, the root cause's first, each (a group's: its sub-exceptions', then its own) before the next."""
    groups = []
    for g in _GROUP.finditer(text):
        # each traceback of the group is a node, (its place in the tree, the offsets of its frames); a place
        # alternates which traceback of a chain and which sub-exception of a group: (0,) is the group's own,
        # (0, 1, 0) its second sub-exception's (the first of its chain), (0, 1, 2) the third traceback of that
        # chain; a box's column tells the node whose traceback it shows
        nodes: list[tuple[tuple[int, ...], list[int]]] = [((0,), [])]
        at_col = {len(g.group(1)): 0}
        pos = g.start()
        while 0 <= pos < g.end():
            end = text.find("\n", pos, g.end())
            end = g.end() if end < 0 else end
            box, pos = _BOX.match(text, pos, end), end + 1
            if box is None:
                continue
            col = len(box.group(1))
            node = at_col.get(col, 0)
            place = nodes[node][0]
            if box.group(2) and _BOX_LINK.match(text, box.end(), end):  # the next traceback of a chain
                nodes.append(((*place[:-1], place[-1] + 1), []))
                at_col[col] = len(nodes) - 1
            elif box.group(2):
                nodes[node][1].extend(offsets[bisect.bisect_left(offsets, box.start()):
                                              bisect.bisect_left(offsets, end)])
            elif box.group(3):  # the first sub-exception, its box two columns in from its group's
                nodes.append(((*place, 0, 0), []))
                at_col[col + 2] = len(nodes) - 1
            elif col in at_col and len(place) > 1:  # the next sub-exception of the same group
                nodes.append(((*place[:-2], place[-2] + 1, 0), []))
                at_col[col] = len(nodes) - 1
        # a group's sub-exceptions in order, each before the group, and a chain's tracebacks in order: a node's
        # place, then more than any index
        groups.append((g.start(), g.end(), [frames for _, frames in sorted(nodes, key=lambda n: (*n[0], len(nodes)))]))
    return groups
