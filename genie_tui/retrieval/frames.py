"""Stack frames in a query: the places of a pasted trace (Python, Node, Java, Kotlin, Rust, C#, Ruby, PHP, Go,
sanitizers', gdb's, compilers' ``file:line`` and links to a line of code), weakest first."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from .diagnostics import ERROR, NOTE, PLAIN, WARNING, RustCrates, said
from .pyframes import chain_keys

SOURCE_EXTS = ("py|pyx|pyi|js|jsx|mjs|cjs|ts|tsx|mts|cts|vue|svelte|go|rs|java|kt|kts|scala|groovy|cs|php|swift|c|cc|"
               "cpp|cxx|h|hpp|hh|m|mm|rb|ex|exs|erl|lua|dart|pl|pm")
# where a ``file:line`` place's path starts: never inside a name or path (tried from each character of a long
# dotted or slashed run, the patterns took seconds on a pasted log), nor after a scoped package's ``@`` (``/@a``:
# its path starts before it), only a Go module's version's (``y@v1.2.3/z.go``); perhaps after its root (``/``,
# ``~/``, ``\``), which the path leaves out
_PLACE_START = r"(?<![\w.\-/\\~])(?<![^\w.\-]@)(?:~?[\\/]+)?"
# (path, line, function) of a stack frame, in the order the groups say; paths may be Windows paths
FRAME_PATTERNS = (
    (re.compile(r'File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?'), (0, 1, 2)),  # Python
    # JS / Rust: ``at send (/app/lib/response.js:141:21)``, ``panicked at src/main.rs:42:9``
    (re.compile(r"at (?:([\w$.<>]+) )?\(?/?((?:@?[\w.\-]+/)*[\w.\-]+\.\w+)(?:\?[^\s:()]*)?:(\d+)(?::\d+)?\)?"), (1, 2, 0)),
    # Java, Kotlin: ``at com.google.gson.Gson.fromJson(Gson.java:1227)``, also after a class loader or module
    # (``app//com.x.Gson.fromJson``, ``java.base/java.lang.Thread.run``); its path is its package's (see _java_path)
    (re.compile(r"at (?:[\w.\-@]*/+)?([\w$.<>]+)\(([\w$.\-]+\.(?:java|kt|scala|groovy)):(\d+)\)"), (1, 2, 0)),
    # Dart: ``#0      Parser.parse (package:myapp/src/parser.dart:57:12)``, ``dart test``'s terse
    # ``package:myapp/src/parser.dart 57:12  Parser.parse``: a file of a package by its name (see ModuleMap.dart_files)
    (re.compile(r"\bpackage:([\w\-]+/(?:[\w.\-]+/)*[\w.\-]+\.dart)[: ](\d+)"), (0, 1, None)),
    # ``main.go:12``, ``/var/www/src/User.php:27``, C#'s ``in C:\src\App\Order.cs:line 42``, PHP's ``in
    # /var/www/src/User.php on line 27``, Swift's ``file MyApp/Model.swift, line 12``, ``src/a.py at line 6``,
    # Maven's ``Refunds.java:[60,25]``, kotlinc's before 1.9 ``Ledger.kt: (60, 21): ...``; a scoped package's
    # directory (``node_modules/@acme/ui/x.js:3``) and a query string (``webpack:///./src/a.js?:41:27``) too
    (re.compile(rf"{_PLACE_START}((?:[A-Za-z]:)?(?:@?[\w.\-]+[\\/])*[\w.\-]+\.(?:{SOURCE_EXTS}))(?:\?[\w=&%.\-]*(?=:))?"
                r"(?::line |:\[(?=\d)|: \((?=\d+, \d+\))|:|,? (?:at |on )?line )(\d+)"), (0, 1, None)),
    # IPython before 8 (Jupyter): ``~/envs/x/site-packages/pkg/core.py in where(cond, x)``, then numbered lines of
    # context around an arrow at the frame's line (``---> 20     if keep_attrs:``), a few (looked for past any
    # number of them, each of 10,000 lines ``1.py in f(x)`` read all those after it: 29 s)
    (re.compile(r"^[ \t]*((?:[A-Za-z]:[\\/]|~?/)?(?:[\w.\-]+[\\/])*[\w.\-]+\.pyx?) in ([\w<>.]+)\(.*\n"
                r"(?:[ \t]*\d+\b.*\n|[ \t]*\n){0,40}?[ \t]*-+>[ \t]*(\d+)", re.MULTILINE), (0, 2, 1)),
    # the line in parentheses: compilers' ``src/a.ts(12,5): error TS2322``, ``Order.cs(42,13): error CS0103``,
    # ``a.cpp(12): error C2065``, PHP's ``#0 /var/www/src/User.php(27): App\User->save()``, pdb's
    # ``> /proj/pkg/core.py(3)run()``; not a call (``x.go(5)``), which no ``:`` or name follows
    (re.compile(rf"{_PLACE_START}((?:[A-Za-z]:)?(?:@?[\w.\-]+[\\/])*[\w.\-]+\.(?:{SOURCE_EXTS}))\((\d+)(?:,\d+)?\)"
                r"(?=:|[\w<])"), (0, 1, None)),
    # ESLint's default (stylish) output: a file's path on a line of its own, then its problems (``  57:27  error
    # 'invoice' is not defined  no-undef``), the first of them
    (re.compile(rf"^[ \t]*((?:[A-Za-z]:[\\/]|~?/)?(?:@?[\w.\-]+[\\/])*[\w.\-]+\.(?:{SOURCE_EXTS}))[ \t]*\r?\n"
                r"[ \t]+(\d+):\d+[ \t]+(?:error|warning)\b", re.MULTILINE), (0, 1, None)),
)
# a link to a file, read like a frame when it names a line: GitHub's and Gitea's ``/blob/<ref>/path#L35``
# (``#L35-L40``, also ``/blame/``, ``/raw/`` and ``raw.githubusercontent.com/<owner>/<repo>/<ref>/path``), GitLab's
# ``/-/blob/<ref>/path#L35`` (``?ref_type=heads`` before the line), Bitbucket's ``/src/<ref>/path#lines-35``; any
# file (``setup.cfg``, ``Makefile``, ``.github/workflows/ci.yml``), a full stop after it not included
PERMALINK = re.compile(r"https?://(?:raw\.githubusercontent\.com/[\w.\-]+/[\w.\-]+/|[\w.\-]+(?::\d+)?/"
                        r"(?:[\w.\-~]+/)+?(?:-/)?(?:blob|src|tree|blame|raw)/)[\w.\-]+/"
                        r"((?:[\w.\-]+/)*[\w.\-]*[\w\-])(?![\w\-/]|\.[\w\-])(?:\?[\w=&;%.\-]*)?"
                        r"(?:#(?:L|lines-)(\d+))?")

_LINK_KIND = re.compile(r"/(?:-/)?(?:blob|src|tree|blame|raw)/")


def link_repository(url: str) -> str:
    """The name of the repository a :data:`PERMALINK` leads into, in lower case (``phpmyadmin`` of
    ``https://github.com/phpmyadmin/phpmyadmin/blob/...``, ``shop`` of GitLab's ``/team/sub/shop/-/blob/...``)."""
    rest = url.split("://", 1)[-1]
    if rest.startswith("raw.githubusercontent.com/"):
        return rest.split("/")[2].lower()
    m = _LINK_KIND.search(rest)
    return rest[:m.start()].rsplit("/", 1)[-1].lower() if m else ""


def links(text: str, ours: frozenset[str] = frozenset()) -> list[re.Match[str]]:
    """The :data:`PERMALINK` matches of ``text`` that lead into this repository: with ``ours`` (its names, from
    its remotes), those whose repository has one of them; without, all."""
    return [m for m in PERMALINK.finditer(text) if not ours or link_repository(m.group(0)) in ours]


@dataclass(slots=True)
class Frame:
    path: str
    line: int
    func: str
    # the file name alone, where ``path`` is only what the frame implies (a Java class's package), which the
    # repository may not follow: ``com/acme/util/Util.kt`` is ``Util.kt`` in ``app/``
    name: str = ""
    # the Go module of a frame in the module cache (``example.com/y`` of ``pkg/mod/example.com/y@v1.2.3/z.go``),
    # whose ``path`` is then the file's in that module (``z.go``): see ModuleMap.go_files
    module: str = ""
    # the Dart package of a ``package:`` frame (``myapp`` of ``package:myapp/src/parser.dart``), whose ``path`` is
    # then the file's in the package's ``lib/`` (``src/parser.dart``): see ModuleMap.dart_files
    package: str = ""
    # the import path of the Go package whose function a Go frame's call names (``net/http``, ``example.com/kv/store``)
    go_package: str = ""
    # the Rust crate a Rust frame's function or a failed build names, or two: a trait's method of a type names
    # the type's and the trait's (``alloc mc``; see diagnostics.RustCrates)
    crate: str = ""


# the patterns of traces printed innermost frame first: ``at send (/app/lib/response.js:141:21)`` (Node, and
# Rust's ``panicked at src/main.rs:42:9`` then its backtrace), ``at com.x.Gson.fromJson(Gson.java:1227)``, Dart's
# ``package:`` frames
_INNERMOST_FIRST = (1, 2, 3)
_RUBY_IN = re.compile(r":in [`']")
# Python's faulthandler: ``Current thread 0x7f3a (most recent call first):`` over its ``File "x.py", line 2 in f``
# lines, up to a blank line
_CALL_FIRST = re.compile(r"most recent call first\)?:?[ \t]*\r?\n(?:[^\n]*\S[^\n]*(?:\n|$))*")
JAVA, DART = 2, 3  # the patterns of Java's and Kotlin's frames, and of Dart's ``package:`` ones
# a Java, Kotlin or Scala exception's cause, printed after the frames of the exception it caused (``Caused by:
# java.io.IOException: ...``, its own frames, ``... 3 more`` for those it shares with the one above): a trace's
# last is the root cause, and its first frame where the problem is
# Android's logcat prints such a trace with its prefix on every line, which these lines may begin with:
# ``E/AndroidRuntime( 1234): `` (brief), ``E/AndroidRuntime: `` or ``E AndroidRuntime: `` (tag),
# ``01-15 10:23:45.678  1234  1234 E AndroidRuntime: `` (threadtime, a short tag padded before its ``:``)
_LOGCAT = (r"(?:(?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d\.\d+[ \t]+\d+[ \t]+\d+[ \t]+)?"
           r"[VDIWEFA][/ ][^\s:()]{1,100}(?:\([ \t]*\d+\))?[ \t]*:[ \t]")
# what a log prints before each line of a trace, which the lines of one may begin with (besides logcat's): a quote's
# ``>``, docker compose's ``api_1  | `` (``api-1  | ``, foreman's ``web.1  | ``), a timestamp (GitHub Actions'
# ``2024-01-15T10:23:45.1234567Z``, ``[2024-01-15 10:23:45,123]``, ``10:23:45.678``), a tag in brackets
# (``[ERROR]``, kubectl's ``[pod/api-7d9/api]``), valgrind's ``==123==``
# (``*+``: a line of blanks is not tried again from each of them, which made a pasted log of them slow)
_LINE_PREFIX = (rf"(?:[ \t>]*+(?:{_LOGCAT}|[\w.\-]{{1,60}}[ \t]*+\|(?!\|)|\[?\d{{4}}-\d\d-\d\d[T ]\d\d:\d\d:\d\d"
                r"(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?|\[?\d\d:\d\d:\d\d(?:[.,]\d+)?\]?|\[[^\]\n]{1,100}\]|==\d+==))*+"
                r"[ \t>]*+")
# a line of a trace printed innermost first, after its prefix: C#'s ``   at App.Order.Submit() in
# C:\src\Order.cs:line 42`` (a line that begins with ``at``), Ruby's ``\tfrom app/x.rb:5:in 'create'``, valgrind's
# ``at 0x10916D: fn6 (refunds.c:48)`` and ``by 0x1091A0: ...``, numbered frames from ``#0`` (sanitizers', gdb's,
# PHP's ``#0 /var/www/src/User.php(27): ...``) and from ``0`` in Apple's crash reports, by number, binary and
# address (``0   MyApp   0x0000000100f2c3a4 -[Parser parse:] + 120 (Parser.m:57)``), Firefox's and Safari's
# ``fn6@http://localhost:3000/src/refunds.js:41:27`` (``@http://...`` without a name, ``global code@...``)
_AT_LINE = re.compile(rf"{_LINE_PREFIX}(?:(?:at|from|by[ \t]+0x[0-9a-fA-F]+:|#\d+|\d+[ \t]+\S[^\n]*?[ \t]0x[0-9a-fA-F]+)"
                      r"[ \t]|[^\s@]*(?:[ \t][^\s@]+)?@[A-Za-z][\w+.\-]*:)")
# PHP's report of an uncaught exception names where it was thrown, before its ``#0`` frame, the innermost caller:
# ``PHP Fatal error:  Uncaught TypeError: ... in /var/www/src/Refund.php:51``, ``  thrown in
# /var/www/src/Refund.php on line 51``, and a chained one's ``Next RuntimeException: ... in /x/Order.php:20``
_PHP_THROWN = re.compile(r"[^\n]*?\b(?:Uncaught|thrown)\b|[ \t>]*Next\b")
_CAUSED_BY = re.compile(rf"^{_LINE_PREFIX}Caused by:", re.MULTILINE)
# the first line of another such trace, whose causes are its own: ``Exception in thread "main" java.lang.X: ...``
# or the exception alone (``java.lang.IllegalStateException: bad token``), never a ``Caused by:`` or
# ``Suppressed:`` line
_JAVA_HEAD = re.compile(rf"^{_LINE_PREFIX}(?:Exception in thread\b|"
                        r"(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)\b)", re.MULTILINE)
# an Apple crash report's crashed thread (``Thread 3 Crashed:: Dispatch queue: ...``), which need not be the
# first printed, and an uncaught exception's ``Last Exception Backtrace:``, where it was thrown (the crashed
# thread then only aborts), printed before the threads: their frames, up to a blank line, count more than the
# other threads'
_CRASHED = re.compile(r"^[ \t>]*(?:Thread \d+ Crashed:|Last Exception Backtrace:)[^\n]*\n(?:[^\n]*\S[^\n]*(?:\n|$))*",
                      re.MULTILINE)


def _java_path(qualified: str, name: str) -> str:
    """The path of a Java or Kotlin frame's file by its package: ``com.acme.Foo$Inner.run`` in ``Foo.java`` is
    ``com/acme/Foo.java``, as the language lays files out (``Foo.java`` alone is every ``Foo`` of every package)."""
    return "/".join([*qualified.split(".")[:-2], name])  # without the method and the class


# a file in Go's module cache: ``$GOPATH/pkg/mod/<module>@<version>/<path in the module>``, the module's capitals
# escaped (``github.com/!burnt!sushi/toml@v1.3.2/decode.go``), ``+incompatible`` after a major version without go.mod
_GO_MOD_CACHE = re.compile(r"((?:[\w.\-!~]+/)*[\w.\-!~]+)@v\d[\w.\-]*(?:\+incompatible)?/((?:[\w.\-]+/)*[\w.\-]+)$")
_GO_ESCAPED = re.compile(r"!([a-z])")


def _go_module(text: str, start: int, end: int) -> tuple[str, str] | None:
    """The Go module and the path in it of a place's path at ``text[start:end]`` in the module cache, or None.
    The place's path starts at the version (``v1.2.3/z.go``: a path holds no ``@``), or after its ``+``."""
    if text[start - 1:start] not in ("@", "+"):
        return None
    m = _GO_MOD_CACHE.search(text[max(0, start - 300, text.rfind("\n", 0, start) + 1):end].replace("\\", "/"))
    if m is None:
        return None
    module = re.split(r"(?:^|/)pkg/mod/", m.group(1))[-1]
    return _GO_ESCAPED.sub(lambda c: c.group(1).upper(), module), m.group(2)


# a Go frame: its call on a line (``example.com/kv/store.(*DB).Compact(0x0)``, ``created by net/http.(*Server).Serve
# in goroutine 1``), its place on the next (``\t/home/u/kv/store/compact.go:4 +0x1d``); the call's package is its
# path up to the first dot after its last ``/`` (a dot in it is escaped: ``gopkg.in/yaml%2ev3.(*decoder).unmarshal``)
_GO_CALL = re.compile(r"[ \t>]*(?:created by )?((?:[\w.\-~%]+/)*[\w\-~%]+)\.[\w(*\[]")
_GO_PLACE_END = re.compile(r"(?:[ \t]+\+0x[0-9a-fA-F]+)?[ \t]*(?:\r?\n|$)")


def _go_package(text: str, start: int, end: int) -> str:
    """The import path of the package of a Go frame's function, of the place ``text[start:end]`` on a line of its
    own below the frame's call, or ""."""
    line = text.rfind("\n", 0, start) + 1
    if line < 2 or text[line:start].strip(" \t>") or not _GO_PLACE_END.match(text, end):
        return ""
    call = _GO_CALL.match(text, text.rfind("\n", 0, line - 1) + 1, line - 1)
    return call.group(1).replace("%2e", ".") if call else ""


def read_frames(text: str, ours: frozenset[str] = frozenset()) -> list[Frame]:
    """Stack frames, weakest first, one per place (the form that names its function). Python prints the
    innermost frame, the one that raised, last: those and other ``file:line`` places keep the text's order.
    Node, Java, Kotlin, Rust, C# and Ruby print it first (``at ...``, ``from ...`` lines, also behind a log's
    prefix: see _LINE_PREFIX), and so do Firefox and Safari (``fn@url:line:col``), sanitizers, gdb, valgrind and
    PHP (``#0 ...``, after the place an uncaught exception was thrown), Apple's crash reports and Python's
    faulthandler: those come after them, the first printed last, an Apple crash report's crashed thread (and ``Last Exception Backtrace:``) after its other
    threads. A Java trace's sections count from the exception printed first to its last ``Caused by:``, the
    root cause, whose first frame counts most; each trace of the text has its own causes, also behind logcat's
    prefix. The tracebacks of a Python chain are ordered apart, and so are an exception group's (see
    pyframes.py) and a Go goroutine's (see _go_order); a compiler's error counts more than any other place, the
    first error most, then the places it says nothing of (a linker's, a traceback's), then its warnings, and its
    context, notes and include chain least (see diagnostics.said). A Go frame keeps the package its
    call names, a Rust frame the crate (see diagnostics.RustCrates). A code link is a place too, when it leads into
    this repository (``ours``: see :func:`links`)."""
    found: dict[tuple[str, int], tuple[int, Frame]] = {}
    inner_first: set[tuple[str, int]] = set()
    call_first = Spans([m.span() for m in _CALL_FIRST.finditer(text)])
    read: set[tuple[int, int]] = set()  # the paths of Java's and Dart's frames, which the patterns after them see
    causes = [m.start() for m in _CAUSED_BY.finditer(text)]
    heads = [m.start() for m in _JAVA_HEAD.finditer(text)]
    crashed = Spans([m.span() for m in _CRASHED.finditer(text)])
    crates = RustCrates(text)
    # a frame's strongest (section, -offset) where it is printed innermost first: a Java frame's sections counted
    # back from its trace's root cause (0), a crashed thread's frame above them all (1)
    section: dict[tuple[str, int], tuple[int, int]] = {}
    printings: dict[tuple[str, int], list[int]] = {}  # where each frame is printed
    diagnosis: dict[tuple[str, int], int] = {}  # what a compiler said of each place at most (see diagnostics.said)
    lines: dict[int, tuple[bool, bool]] = {}  # by a line's start: whether it is _AT_LINE's, _PHP_THROWN's

    def line_of(at: int) -> tuple[bool, bool]:
        """What the line holding offset ``at`` is, read once for all its places (a long line holds thousands: a
        line starting ``1 x `` was read to its end for each, 46 s)."""
        start = text.rfind("\n", 0, at) + 1
        if start not in lines:
            lines[start] = (_AT_LINE.match(text, start) is not None, _PHP_THROWN.match(text, start) is not None)
        return lines[start]

    for n, (pat, (pi, li, fi)) in enumerate(FRAME_PATTERNS):
        for m in pat.finditer(text):
            g = m.groups()
            path = re.sub(r"^[A-Za-z]:", "", g[pi].replace("\\", "/")).lstrip("/") if "\\" in g[pi] else g[pi]
            func = (g[fi] or "").split(".")[-1] if fi is not None else ""
            name = package = module = ""
            if n in (JAVA, DART):
                read.add(m.span(pi + 1))
                if n == JAVA:
                    name, path = path, _java_path(g[fi], path)
                else:
                    package, path = path.split("/", 1)
            elif m.span(pi + 1) in read:
                continue  # ``Foo.java:12`` of a Java frame, ``myapp/x.dart:5`` of a Dart one, read already
            if (cached := _go_module(text, *m.span(pi + 1))) is not None:
                module, path = cached
            go_package = _go_package(text, m.start(), m.end()) if path.endswith(".go") else ""
            crate = crates.of(m.start()) if path.endswith(".rs") else ""
            key = (f"{module}@{path}" if module else f"package:{package}/{path}" if package else path, int(g[li]))
            at_line, php_line = line_of(m.start())
            says, included = said(text, m.start(), m.end())
            diagnosis[key] = max(diagnosis.get(key, NOTE), says)
            # (PHP's throw site, printed before its ``#0`` caller, is its innermost frame)
            if n in _INNERMOST_FIRST or _RUBY_IN.match(text, m.end()) or call_first.covers(*m.span()) or \
                    (at_line and not included) or (php_line and text.endswith(" in ", 0, m.start())):
                inner_first.add(key)
            if n == JAVA:
                t = bisect.bisect(heads, m.start())
                root = bisect.bisect(causes, heads[t] if t < len(heads) else len(text))
                here = (bisect.bisect(causes, m.start()) - root, -m.start())
                section[key] = max(section[key], here) if key in section else here
            elif crashed.covers(*m.span()):
                here = (1, -m.start())
                section[key] = max(section.get(key, here), here)
            printings.setdefault(key, []).append(m.start())
            if key not in found or (func and not found[key][1].func):
                found[key] = (min(m.start(), found[key][0]) if key in found else m.start(),
                              Frame(path, key[1], func, name, module, package, go_package, crate))
    for m in links(text, ours):
        if m.group(2) and (m.group(1), int(m.group(2))) not in found:
            found[(m.group(1), int(m.group(2)))] = (m.start(), Frame(m.group(1), int(m.group(2)), ""))
    go = _go_order(text)
    # where each frame printed innermost last is printed, to where it is first
    printed_last = {at: pos for key, (pos, _) in found.items() if key not in inner_first
                    for at in printings.get(key, [pos])}
    chained = chain_keys(text, printed_last)

    def strength(item: tuple[tuple[str, int], tuple[int, Frame]]) -> tuple[int, ...]:
        key, (pos, _) = item
        in_go = go(pos)
        if in_go[0]:
            return (*in_go, 0, 0)
        if key in inner_first:
            return (0, 1, *section.get(key, (0, -pos)), 0)
        # a compiler's error counts more than a place it says nothing of, that more than a warning, and those more
        # than its notes; of its errors (or warnings) the first, the cause of those after it, most
        says = diagnosis.get(key, PLAIN)
        return (0, 0, says, *((-pos, 0, 0) if says in (WARNING, ERROR) else chained.get(pos, (pos, 0, 0))))

    return [frame for _, (_, frame) in sorted(found.items(), key=strength)]


# a Go goroutine's stack, as a panic prints it: ``goroutine 1 [running]:``, then per frame the call
# (``main.lookup(...)``, ``panic({0x4a1b20, 0xc000012345})``) and a tab-indented ``/path/file.go:12 +0x1d``
# (also indented, or quoted with ``>``, as a trace pasted into markdown is)
# (also behind a log's prefix on every line, docker compose's ``api_1  | ``, a CI timestamp: the block's lines are
# then read from the header's column on; or behind a prefix of its first line only, as Go's ``log`` prints
# ``2024/01/15 10:23:45 goroutine 1 [running]:`` above the frames of ``debug.Stack()``)
_GO_GOROUTINE = re.compile(r"^([^\n]{0,80}?)goroutine \d+ \[[^\]\n]*\]:[ \t]*\r?$", re.MULTILINE)
_GO_PANIC_CALL = re.compile(r"[ \t>]*(?:runtime\.gopanic|panic)\(")
_GO_CALL_LINE = re.compile(r"[ \t>]*[\w.*/()\[\]{}\-]+\(.*\)[ \t]*\r?$")  # ``main.(*T).run(0xc0)``, ``created by`` aside
_DIGITS = re.compile(r"\d+")


def _go_column(text: str, prefix: str, start: int) -> Callable[[int], int] | None:
    """Where each line of a goroutine is read from, when its header has ``prefix`` before it and its first line
    starts at ``start``: after a prefix of the same shape where that line has one (its runs of digits of any
    length, as a timestamp's: ``kubectl logs --timestamps`` drops the nanoseconds' trailing zeros), else 0 where
    that line is a call (the header alone was prefixed), else None: prose."""
    if not prefix.strip(" \t>"):
        return lambda line: 0  # indented or quoted: read as before, a quoted blank line (``>``) being blank
    shape = re.compile(_DIGITS.sub(r"\\d+", re.escape(prefix)))
    if shape.match(text, start):
        def column(line: int) -> int:  # a line without the prefix (wrapped, or a log of another shape) as the header's
            m = shape.match(text, line)
            return m.end() - line if m else len(prefix)
        return column
    eol = text.find("\n", start)
    return (lambda line: 0) if _GO_CALL_LINE.match(text, start, len(text) if eol < 0 else eol) else None


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
        if blocks and m.start() < blocks[-1][1]:
            continue  # a header inside the last block's lines is of that block, as Go separates them by a blank line
        start = end = text.find("\n", m.end()) + 1
        column = _go_column(text, m.group(1), start) if start else None
        if column is None:
            continue
        last_panic = -1
        while 0 < end < len(text):  # its lines to the first with nothing after the column (a ``>`` is nothing)
            eol = text.find("\n", end)
            eol = len(text) if eol < 0 else eol
            at = end + column(end)
            if not text[at:eol].strip(" \t\r>"):
                break
            if _GO_PANIC_CALL.match(text, at, eol):
                last_panic = eol
            end = min(eol + 1, len(text))
        if end <= start:
            continue
        # the ``panic(...)`` frame's own place (``runtime/panic.go:914``) is the line after its call
        cut = text.find("\n", last_panic + 1) if last_panic >= 0 else start
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


class Spans:
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

