"""Read a query the way an engineer reads an issue: title apart from body, boilerplate dropped, stack
frames, file paths, dotted names and code identifiers pulled out as strong evidence."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from genie_tui.retrieval.files import LANG_BY_EXT, LANG_BY_NAME, TEXT_EXTS, TEXT_NAMES
from genie_tui.retrieval.textutil import tokenize

_SOURCE_EXTS = ("py|pyx|pyi|js|jsx|mjs|cjs|ts|tsx|mts|cts|vue|svelte|go|rs|java|kt|kts|scala|groovy|cs|php|swift|c|cc|"
                "cpp|cxx|h|hpp|hh|m|mm|rb|ex|exs|erl|lua|dart|pl|pm")
# where a ``file:line`` place's path starts: never inside a name or path (tried from each character of a long
# dotted or slashed run, the patterns took seconds on a pasted log), perhaps after its root (``/``, ``~/``, ``\``),
# which the path leaves out
_PLACE_START = r"(?<![\w.\-/\\~])(?:~?[\\/]+)?"
# (path, line, function) of a stack frame, in the order the groups say; paths may be Windows paths
_FRAME_PATTERNS = (
    (re.compile(r'File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?'), (0, 1, 2)),  # Python
    # JS / Rust: ``at send (/app/lib/response.js:141:21)``, ``panicked at src/main.rs:42:9``
    (re.compile(r"at (?:([\w$.<>]+) )?\(?/?((?:[\w.\-]+/)*[\w.\-]+\.\w+):(\d+)(?::\d+)?\)?"), (1, 2, 0)),
    # Java, Kotlin: ``at com.google.gson.Gson.fromJson(Gson.java:1227)``, also after a class loader or module
    # (``app//com.x.Gson.fromJson``, ``java.base/java.lang.Thread.run``); its path is its package's (see _java_path)
    (re.compile(r"at (?:[\w.\-@]*/+)?([\w$.<>]+)\(([\w$.\-]+\.(?:java|kt|scala|groovy)):(\d+)\)"), (1, 2, 0)),
    # ``main.go:12``, ``/var/www/src/User.php:27``, C#'s ``in C:\src\App\Order.cs:line 42``, PHP's ``in
    # /var/www/src/User.php on line 27``, Swift's ``file MyApp/Model.swift, line 12``, ``src/a.py at line 6``
    (re.compile(rf"{_PLACE_START}((?:[A-Za-z]:)?(?:[\w.\-]+[\\/])*[\w.\-]+\.(?:{_SOURCE_EXTS}))"
                r"(?::line |:|,? (?:at |on )?line )(\d+)"), (0, 1, None)),
    # IPython before 8 (Jupyter): ``~/envs/x/site-packages/pkg/core.py in where(cond, x)``, then numbered lines of
    # context around an arrow at the frame's line (``---> 20     if keep_attrs:``)
    (re.compile(r"^[ \t]*((?:[A-Za-z]:[\\/]|~?/)?(?:[\w.\-]+[\\/])*[\w.\-]+\.pyx?) in ([\w<>.]+)\(.*\n"
                r"(?:[ \t]*\d+\b.*\n|[ \t]*\n)*?[ \t]*-+>[ \t]*(\d+)", re.MULTILINE), (0, 2, 1)),
    # the line in parentheses: compilers' ``src/a.ts(12,5): error TS2322``, ``Order.cs(42,13): error CS0103``,
    # ``a.cpp(12): error C2065``, PHP's ``#0 /var/www/src/User.php(27): App\User->save()``, pdb's
    # ``> /proj/pkg/core.py(3)run()``; not a call (``x.go(5)``), which no ``:`` or name follows
    (re.compile(rf"{_PLACE_START}((?:[A-Za-z]:)?(?:[\w.\-]+[\\/])*[\w.\-]+\.(?:{_SOURCE_EXTS}))\((\d+)(?:,\d+)?\)"
                r"(?=:|[\w<])"), (0, 1, None)),
)
# a link to a file, read like a frame when it names a line: GitHub's and Gitea's ``/blob/<ref>/path#L35``
# (``#L35-L40``, also ``/blame/``, ``/raw/`` and ``raw.githubusercontent.com/<owner>/<repo>/<ref>/path``), GitLab's
# ``/-/blob/<ref>/path#L35`` (``?ref_type=heads`` before the line), Bitbucket's ``/src/<ref>/path#lines-35``; any
# file (``setup.cfg``, ``Makefile``, ``.github/workflows/ci.yml``), a full stop after it not included
_PERMALINK = re.compile(r"https?://(?:raw\.githubusercontent\.com/[\w.\-]+/[\w.\-]+/|[\w.\-]+(?::\d+)?/"
                        r"(?:[\w.\-~]+/)+?(?:-/)?(?:blob|src|tree|blame|raw)/)[\w.\-]+/"
                        r"((?:[\w.\-]+/)*[\w.\-]*[\w\-])(?![\w\-/]|\.[\w\-])(?:\?[\w=&;%.\-]*)?"
                        r"(?:#(?:L|lines-)(\d+))?")
# a file named in the text: of any kind genie indexes (the source files of every language it parses, config,
# docs, templates, ``change_form.html``, ``schema.sql``), also by a name of several dots (``vite.config.ts``,
# ``app.test.js``, ``index.d.ts``)
_FILE_EXTS = "|".join(sorted({e[1:] for e in (*LANG_BY_EXT, *TEXT_EXTS) if re.fullmatch(r"\.\w+", e)} | {"pyw", "pyx"},
                             key=lambda e: (-len(e), e)))
# the directories before a file's name: relative, absolute (``/home/me/proj/``, ``~/proj/``) or Windows'
# (``C:\proj\src\``, ``src\App\``)
_ABSOLUTE = r"(?:[A-Za-z]:[\\/]|~?/)"
_DIRS = rf"{_ABSOLUTE}?(?:@?[\w.\-]+[\\/])*"  # a scoped package's directory too: ``packages/@vue/cli/``
_PATH_RE = re.compile(rf"(?<![\w/.\-\\~@])({_DIRS}[\w\-]+(?:\.[\w\-]+)*\.(?:{_FILE_EXTS}))\b")
# a dot file (``.flake8``, ``.eslintrc.js``, ``.pre-commit-config.yaml``), alone or ending a path; not a method
# (``.then()``), a version (``.5.2``) or a word after a full stop (``sentence.Next``: a dot after a letter)
_DOT_FILE = re.compile(rf"(?<![\w/.\-\\~@])({_DIRS}\.[A-Za-z][\w\-]*(?:\.[\w\-]+)*)(?![\w\-(/\\]|\.\w)")
# a file known by its name alone (``Dockerfile``, ``Makefile``, ``Gemfile``, ``docker/dev/Dockerfile``), as it is
# written: "Makefiles" or "the makefile" name no file
_NAMES = "|".join(sorted(TEXT_NAMES | set(LANG_BY_NAME)))
_NAMED_FILE = re.compile(rf"(?<![\w/.\-\\~@])({_DIRS}(?:{_NAMES}))(?![\w\-]|\.\w)")
# what a dot file's name is not when made only of these: extensions (``the .py files``, ``.d.ts``, ``.tar.gz``)
_EXTENSIONS = frozenset(f"{_FILE_EXTS}|{_SOURCE_EXTS}|html|htm|css|scss|less|xml|csv|tsv|sql|sh|bat|ps1|exe|dll|so|"
                        "dylib|whl|egg|tar|gz|tgz|zip|bz2|xz|pyc|pyd|ipynb|lock|log|png|jpg|jpeg|gif|svg|pdf|jar|"
                        "class|bin|dat|pkl|npy|npz|wasm|map".split("|"))
_DOTTED_RE = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\b")
_IDENT_RE = re.compile(r"[A-Za-z_]\w*")
_SCOPED_RE = re.compile(r"(?<![.\w:])[A-Za-z_]\w*(?:::[A-Za-z_]\w*)+")
_CODE_SPAN_RE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
# a call in the prose: ``retry(job)``; not a word before a remark in parentheses (``fails (sometimes)``), which
# made prose words code identifiers (a call written ``flush (buf)`` is code only in a code span)
_CALL_RE = re.compile(r"\b([A-Za-z_]\w*)\(")
_BOILER_HEAD = re.compile(r"^\s*(#+|\*\*)?\s*(environment|versions?|system info|installed versions|"
                          r"output of .*show_versions|platform|pip list|conda list|package versions)\b(.*)$",
                          re.IGNORECASE)
# ``numpy: 1.21.0``, pip freeze's ``attrs==19.3.0``, conda's ``zipp=0.6.0``; not an assignment in code (``timeout = 2.5``)
_VERSION_LINE = re.compile(r"^\s*[-*]?\s*[\w .\-/()]{1,40}\s*(?::\s*|==\s*|=(?=v?\d))v?\d+(\.\d+)+\S*\s*$")
_PACKAGE_LINE = re.compile(r"^\s*[\w.\-]+\s+v?\d+(\.\d+)+\S*\s*$")  # ``pip list``'s "attrs   21.4.0"
_FENCED_RE = re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL)
_FENCE = re.compile(r"^\s*(```|~~~)")
# an issue template's instructions, which the reader never sees: an HTML comment from the start of a line (one
# inside a sentence, "the `<!-- x -->` directive", may be what the task is about)
_COMMENT_START = re.compile(r"^[ \t]*<!--", re.MULTILINE)
_DETAILS_RE = re.compile(r"<details>.*?</details>", re.DOTALL | re.IGNORECASE)
_ALIAS_RE = re.compile(r"(?:\bfrom\s+([A-Za-z_][\w.]*)\s+)?\bimport\s+([A-Za-z_][\w.]*)\s+as\s+([A-Za-z_]\w*)")
_TEST_WORDS = frozenset({"test", "tests", "testing", "unittest", "testcase"})


@dataclass(slots=True)
class Frame:
    path: str
    line: int
    func: str
    # the file name alone, where ``path`` is only what the frame implies (a Java class's package), which the
    # repository may not follow: ``com/acme/util/Util.kt`` is ``Util.kt`` in ``app/``
    name: str = ""


@dataclass(slots=True)
class Query:
    """A parsed query: token lists per part and the structured evidence found in it."""

    text: str
    title_tokens: list[str]
    tokens: list[str]
    code_idents: set[str] = field(default_factory=set)
    plain_idents: set[str] = field(default_factory=set)
    frames: list[Frame] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    dotted: list[str] = field(default_factory=list)
    scoped: list[str] = field(default_factory=list)  # ``crate::parse::run``, ``geo::Shape::area``: see scoped.py
    about_tests: bool = False
    aliases: dict[str, str] = field(default_factory=dict)
    title: str = ""
    # paths and dotted names that the prose names, not only a pasted listing (a fenced block, a stack frame)
    said: set[str] = field(default_factory=set)


def strip_boilerplate(text: str) -> str:
    """Drop version dumps and environment listings: they match everything and mean nothing here.

    A heading (``### Environment``, ``**Versions**``, ``Environment:``) drops the listing under it: up to the
    first blank line after it, the next heading, or the end of a fenced block or a ``<details>`` version dump; a
    line that carries its own value (``Version: pytest 5.4.3, current master``) drops only itself. A line that
    merely starts with such a word (``platform darwin -- Python 3.7.3``, ``Environment variables are ...``),
    also a heading of more than three words after it (``### Environment variables are ignored by the loader``),
    is prose and stays.
    """
    def keep_details(m: re.Match[str]) -> str:
        body = m.group(0)
        return "\x00" if re.search(r"version|INSTALLED|commit:|python:", body, re.IGNORECASE) and \
            len(re.findall(r"\d+\.\d+", body)) > 4 else body
    text = _DETAILS_RE.sub(keep_details, text)
    out: list[str] = []
    skipping = seen = fenced = False
    for line in text.splitlines():
        head = None if fenced else _BOILER_HEAD.match(line)
        if head and not head.group(3).startswith("-"):  # not ``Platform-specific ...``
            tail = head.group(3)
            rest = tail.strip(" *:_")
            # a heading of a few words, or one with its template's instructions, ``**Environment (please ...):**``;
            # not one that says what is wrong, ``### Environment variables are ignored by the loader``
            heading = head.group(1) and (len(rest.split()) <= 3 or rest.startswith("("))
            if heading or not rest or (tail.rstrip(" *").endswith(":") and len(rest.split()) <= 3):
                skipping, seen = True, False
                continue
            if tail.lstrip(" *").startswith(":"):
                continue
        stripped = line.strip()
        if stripped == "\x00":  # a version dump in <details> was the listing under the heading
            skipping = False
            continue
        if skipping:
            if _FENCE.match(line):  # a fenced block under the heading is its listing
                fenced, seen = not fenced, True
                skipping = fenced
                continue
            if fenced or not ((not stripped and seen) or stripped.startswith("#") or
                              (stripped.startswith("**") and not _VERSION_LINE.match(line))):
                seen = seen or bool(stripped)
                continue
            skipping = False
        if _VERSION_LINE.match(line) or _PACKAGE_LINE.match(line):
            continue
        out.append(line)
    return "\n".join(out)


MAX_QUERY_CHARS = 200_000
MAX_TOKEN_CHARS = 300
_LONG_RUN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")


def _drop_comments(text: str) -> str:
    """``text`` without the HTML comments that start a line (see _COMMENT_START); an unclosed one stays. Linear:
    each search starts where the last comment ended."""
    out: list[str] = []
    pos = 0
    while (m := _COMMENT_START.search(text, pos)) is not None:
        end = text.find("-->", m.end())
        if end < 0:
            break
        out.append(text[pos:m.start()])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


# the patterns of traces printed innermost frame first: ``at send (/app/lib/response.js:141:21)`` (Node, and
# Rust's ``panicked at src/main.rs:42:9`` then its backtrace), ``at com.x.Gson.fromJson(Gson.java:1227)``
_INNERMOST_FIRST = (1, 2)
# other frames printed innermost first: C#'s ``   at App.Order.Submit() in C:\src\Order.cs:line 42`` (a line that
# begins with ``at``), Ruby's ``app/models/user.rb:10:in `save'`` and ``\tfrom app/x.rb:5:in 'create'``, numbered
# frames from ``#0`` (sanitizers', gdb's, PHP's ``#0 /var/www/src/User.php(27): ...``)
_AT_LINE = re.compile(r"[ \t]*(?:at|from|#\d+)[ \t]")
_RUBY_IN = re.compile(r":in [`']")
# Python's faulthandler: ``Current thread 0x7f3a (most recent call first):`` over its ``File "x.py", line 2 in f``
# lines, up to a blank line
_CALL_FIRST = re.compile(r"most recent call first\)?:?[ \t]*\r?\n(?:[^\n]*\S[^\n]*(?:\n|$))*")
_JAVA = 2  # the pattern of Java's and Kotlin's frames


def _java_path(qualified: str, name: str) -> str:
    """The path of a Java or Kotlin frame's file by its package: ``com.acme.Foo$Inner.run`` in ``Foo.java`` is
    ``com/acme/Foo.java``, as the language lays files out (``Foo.java`` alone is every ``Foo`` of every package)."""
    return "/".join([*qualified.split(".")[:-2], name])  # without the method and the class


def _frames(text: str) -> list[Frame]:
    """Stack frames, weakest first, one per place (the form that names its function). Python prints the
    innermost frame, the one that raised, last: those and other ``file:line`` places keep the text's order.
    Node, Java, Kotlin, Rust, C# and Ruby print it first (``at ...``, ``from ...`` lines), and so do sanitizers,
    gdb and PHP (``#0 ...``) and Python's faulthandler: those come after them, the first printed last. A Go
    goroutine's are ordered apart (see _go_order)."""
    found: dict[tuple[str, int], tuple[int, Frame]] = {}
    inner_first: set[tuple[str, int]] = set()
    call_first = _Spans([m.span() for m in _CALL_FIRST.finditer(text)])
    java_paths: set[tuple[int, int]] = set()
    for n, (pat, (pi, li, fi)) in enumerate(_FRAME_PATTERNS):
        for m in pat.finditer(text):
            g = m.groups()
            path = re.sub(r"^[A-Za-z]:", "", g[pi].replace("\\", "/")).lstrip("/") if "\\" in g[pi] else g[pi]
            func = (g[fi] or "").split(".")[-1] if fi is not None else ""
            name = ""
            if n == _JAVA:
                name, path = path, _java_path(g[fi], path)
                java_paths.add(m.span(pi + 1))
            elif m.span(pi + 1) in java_paths:
                continue  # ``Foo.java:12`` of a Java frame, read already
            key = (path, int(g[li]))
            if n in _INNERMOST_FIRST or _RUBY_IN.match(text, m.end()) or call_first.covers(*m.span()) or \
                    _AT_LINE.match(text, text.rfind("\n", 0, m.start()) + 1):
                inner_first.add(key)
            if key not in found or (func and not found[key][1].func):
                found[key] = (min(m.start(), found[key][0]) if key in found else m.start(),
                              Frame(path, key[1], func, name))
    for m in _PERMALINK.finditer(text):
        if m.group(2) and (m.group(1), int(m.group(2))) not in found:
            found[(m.group(1), int(m.group(2)))] = (m.start(), Frame(m.group(1), int(m.group(2)), ""))
    go = _go_order(text)

    def strength(item: tuple[tuple[str, int], tuple[int, Frame]]) -> tuple[int, int, int]:
        key, (pos, _) = item
        in_go = go(pos)
        if in_go[0]:
            return in_go
        return (0, 1, -pos) if key in inner_first else (0, 0, pos)

    return [frame for _, (_, frame) in sorted(found.items(), key=strength)]


# a Go goroutine's stack, as a panic prints it: ``goroutine 1 [running]:``, then per frame the call
# (``main.lookup(...)``, ``panic({0x4a1b20, 0xc000012345})``) and a tab-indented ``/path/file.go:12 +0x1d``
# (also indented, or quoted with ``>``, as a trace pasted into markdown is)
_GO_GOROUTINE = re.compile(r"^[ \t>]*goroutine \d+ \[[^\]\n]*\]:[ \t]*\r?\n((?:[^\n]*\S[^\n]*\n?)*)",
                           re.MULTILINE)
_GO_PANIC_CALL = re.compile(r"^[ \t>]*(?:runtime\.gopanic|panic)\(.*$", re.MULTILINE)


def _go_order(text: str) -> Callable[[int], tuple[int, int, int]]:
    """A sort key for a frame found at an offset of ``text``, weakest first. Go prints a goroutine's innermost
    frame first; after a ``panic(...)`` frame (a deferred function that panics again, or the runtime's own), the
    first frame below it is where the panic happened. So within a goroutine the frames before the last
    ``panic(...)`` come first, innermost last, then those after it, outermost first: the panicking frame is the
    strongest, as Python's last frame is. The goroutine that panicked is printed first (``GOTRACEBACK=all``
    adds the others after it), so it counts most; a frame outside any goroutine is ``(0, 0, 0)``, weaker than
    any inside one."""
    blocks: list[tuple[int, int, int]] = []  # (start, end, where the panicking frame's call begins)
    for m in _GO_GOROUTINE.finditer(text):
        start, end = m.span(1)
        panics = list(_GO_PANIC_CALL.finditer(text, start, end))
        # the ``panic(...)`` frame's own place (``runtime/panic.go:914``) is the line after its call
        cut = text.find("\n", panics[-1].end() + 1) if panics else start
        blocks.append((start, end, cut if cut >= 0 else end))
    if not blocks:
        return lambda pos: (0, 0, 0)

    starts = [b[0] for b in blocks]  # in order, apart: a pasted log may hold thousands

    def key(pos: int) -> tuple[int, int, int]:
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0 and pos < blocks[i][1]:
            start, end, cut = blocks[i]
            # before the cut: the innermost last of them; after it: the first after it strongest of all
            return (1, -i, -pos if pos < cut else end - pos + (end - start))
        return (0, 0, 0)

    return key


class _Spans:
    """Spans of a text, merged where they overlap, to ask whether one lies inside any of them in log time: asking
    each of thousands of names of a pasted log against each of thousands of frames took 10 s."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def covers(self, a: int, b: int) -> bool:
        """Whether ``[a, b)`` lies inside one of the spans."""
        i = bisect.bisect_right(self._starts, a) - 1
        return i >= 0 and b <= self._ends[i]


# a markdown escape of ``_`` or ``*`` (``src/my\_module.py``, ``load\_all\_rows``: some editors and converters
# write them), which the rendered issue does not show
_MD_ESCAPE = re.compile(r"\\([_*])")
_ESCAPED_IDENT = re.compile(r"[A-Za-z_]\w*(?:\\_\w*)+")


def _as_written(path: str) -> list[str]:
    """``path`` and, if it holds a markdown escape, ``path`` without it (a Windows path's ``_build`` directory
    is written so too: the one that names a file of the repository counts)."""
    plain = _MD_ESCAPE.sub(r"\1", path)
    return [path, plain] if plain != path else [path]


def absolute(path: str) -> bool:
    """Whether ``path`` (as the text wrote it) is absolute: a path on another machine, read as a frame's is."""
    return re.match(_ABSOLUTE, path) is not None


def _named_paths(text: str, frames: _Spans, java: _Spans) -> list[re.Match[str]]:
    """The files ``text`` names by path (group 1): those with a known extension, dot files and files known by
    their name (``Dockerfile``). An absolute path inside a stack frame (``File "/home/me/proj/pkg/core.py", line
    5``) is the frame's, not a path named, and so is a Java frame's file name, which the frame places in its
    package (``Foo.java`` is every ``Foo``)."""
    dot_files = [m for m in _DOT_FILE.finditer(text) if not all(
        len(p) == 1 or p.lower() in _EXTENSIONS for p in re.split(r"[\\/]", m.group(1))[-1][1:].split("."))]
    # a frame's pattern may leave the path's start out (``C:\``, a Go frame's first ``/``): its end is in the frame
    return sorted([m for m in [*_PATH_RE.finditer(text), *dot_files, *_NAMED_FILE.finditer(text)]
                   if not (absolute(m.group(1)) and frames.covers(m.end(1) - 1, m.end(1)) or java.covers(*m.span(1)))],
                  key=lambda m: m.start())


def analyze(text: str) -> Query:
    """Split ``text`` into title and body tokens and collect frames, paths and identifiers."""
    # A pasted blob (base64, a minified line) would make the path and frame patterns backtrack for minutes;
    # nothing useful is that long, so long runs are cut and the text is capped.
    text = _LONG_RUN.sub(lambda m: m.group(0)[:MAX_TOKEN_CHARS], text[:MAX_QUERY_CHARS])
    text = _drop_comments(text)
    clean = strip_boilerplate(text)
    lines = [ln for ln in clean.splitlines() if ln.strip()]
    title = lines[0] if lines else ""
    q = Query(text=clean, title_tokens=tokenize(title), tokens=tokenize(clean), title=title)
    q.frames = _frames(text)
    in_frames = [m.span() for pat, _ in _FRAME_PATTERNS for m in pat.finditer(clean)]
    in_java = _Spans([m.span() for m in _FRAME_PATTERNS[_JAVA][0].finditer(clean)])
    named = _named_paths(clean, _Spans(in_frames), in_java)
    # a link to a file without a line names that file, as a path in the text does
    q.paths = list(dict.fromkeys([p for m in named for p in _as_written(m.group(1))] +
                                 [m.group(1) for m in _PERMALINK.finditer(clean) if not m.group(2)]))
    q.dotted = list(dict.fromkeys(m.group(1) for m in _DOTTED_RE.finditer(clean)
                                  if not re.fullmatch(r"[\d.]+", m.group(1))))
    q.scoped = list(dict.fromkeys(m.group(0) for m in _SCOPED_RE.finditer(clean)))
    inside = _Spans([m.span() for m in _FENCED_RE.finditer(clean)] + in_frames)
    for m in [*named, *_DOTTED_RE.finditer(clean)]:
        if not inside.covers(*m.span(1)):
            q.said.update(_as_written(m.group(1)))
    # ``import xarray as xr`` in a reproducer: ``xr.where`` means ``xarray.where``
    for m in _ALIAS_RE.finditer(clean):
        target = f"{m.group(1)}.{m.group(2)}" if m.group(1) else m.group(2)
        if m.group(3) != target:
            q.aliases[m.group(3)] = target
    code_text = " ".join(m.group(0) for m in _CODE_SPAN_RE.finditer(clean))
    code = set(_IDENT_RE.findall(code_text)) | set(_CALL_RE.findall(clean))
    code.update(_MD_ESCAPE.sub(r"\1", w) for w in _ESCAPED_IDENT.findall(clean))
    for d in q.dotted:
        code.update(d.split("."))
    for w in _IDENT_RE.findall(clean):
        if "_" in w.strip("_") or (not w.islower() and not w.isupper() and not w.istitle()) or w.startswith("__"):
            code.add(w)
    q.code_idents = {w for w in code if len(w) > 2}
    q.plain_idents = {w for w in _IDENT_RE.findall(clean) if len(w) > 3} - q.code_idents
    words = set(tokenize(title)) | set(tokenize(clean[:2000]))
    q.about_tests = bool(words & _TEST_WORDS)
    return q
