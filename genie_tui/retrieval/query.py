"""Read a query the way an engineer reads an issue: title apart from body, boilerplate dropped, stack
frames, file paths, dotted names and code identifiers pulled out as strong evidence."""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from genie_tui.retrieval.files import LANG_BY_EXT, LANG_BY_NAME, TEXT_EXTS, TEXT_NAMES
from genie_tui.retrieval.frames import (
    DART,
    FRAME_PATTERNS,
    JAVA,
    SOURCE_EXTS,
    Frame,
    Spans,
    links,
    read_frames,
)
from genie_tui.retrieval.textutil import tokenize

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
_EXTENSIONS = frozenset(f"{_FILE_EXTS}|{SOURCE_EXTS}|html|htm|css|scss|less|xml|csv|tsv|sql|sh|bat|ps1|exe|dll|so|"
                        "dylib|whl|egg|tar|gz|tgz|zip|bz2|xz|pyc|pyd|ipynb|lock|log|png|jpg|jpeg|gif|svg|pdf|jar|"
                        "class|bin|dat|pkl|npy|npz|wasm|map".split("|"))
# a compiler's command line (``gcc -Wall -o t test.c``, ``clang++ -I vendor/fmt app.cpp``, ``javac -d out Main.java``):
# the compiler at a command's start (a line's, after a shell's prompt, or a backtick's), then its words: options, an
# option's argument, files; it ends with the command (a pipe, a backtick, the line) or at a word of prose (``Building
# with gcc 13 fails in parser.c``, ``cc @maintainer: ...`` are none)
_WORD = r"[^\s`'\"|;&<>]"
# (after ``cd src &&`` or ``cd src;``: its bare names are files of that directory, see _users_files)
_BUILD_COMMAND = re.compile(r"(?:^[ \t>]*(?:[$%#\u276f][ \t]+)?|(?<=`))"
                            rf"(?:cd[ \t]+(?P<cd>{_WORD}+)[ \t]*(?:&&|;)[ \t]*)?"
                            r"(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|tcc|icc|"
                            r"icx|nvcc|javac|kotlinc|rustc|swiftc)(?:-\d[\d.]*)?(?:\.exe)?"
                            rf"(?P<args>(?:[ \t]+(?:-{_WORD}*(?:[ \t]+(?!-){_WORD}+)?|{_WORD}*[./\\=$]{_WORD}*))+)",
                            re.MULTILINE)
_CD_LINE = re.compile(rf"^[ \t>]*(?:[$%#\u276f][ \t]+)?cd[ \t]+({_WORD}+)[ \t]*\r?$", re.MULTILINE)
_CLONE = re.compile(rf"\bgit[ \t]+clone((?:[ \t]+{_WORD}+)+)")
# a command's path outside the directory it runs in: absolute, from home or a variable (``C:\x``, ``/x``, ``~/x``, ``$HOME``)
_ELSEWHERE = re.compile(r"(?:[A-Za-z]:)?[\\/~$]")
CD_LINES = 10  # how far above a command a ``$ cd dir`` line is taken as where it runs
_INCLUDE_OPTION = re.compile(r"^-(?:I|L|isystem|iquote|idirafter|classpath|cp|sourcepath)?")
_DOTTED_RE = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\b")
_IDENT_RE = re.compile(r"[A-Za-z_]\w*")
_SCOPED_RE = re.compile(r"(?<![.\w:])[A-Za-z_]\w*(?:::[A-Za-z_]\w*)+")
_CODE_SPAN_RE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
# a call in the prose: ``retry(job)``; not a word before a remark in parentheses (``fails (sometimes)``), which
# made prose words code identifiers (a call written ``flush (buf)`` is code only in a code span)
_CALL_RE = re.compile(r"\b([A-Za-z_]\w*)\(")
# also an issue form's environment fields, a heading naming one thing's version, extensions or plugins (``### Sphinx
# version``, ``### Sphinx extensions``, ``### Pylint version``): the extension listed there made its package a file
# the issue names (sphinx.ext.autodoc: held out, Acc@5 0.794 -> 0.821, no issue ranked worse)
# (``\s*+``: the blanks before and after the optional ``#``/``**`` were split every way on a line of blanks, which
# took 20 s for 20,000 of them)
_BOILER_HEAD = re.compile(r"^\s*+(#+|\*\*)?\s*+(environment|versions?|system info|installed versions|"
                          r"output of .*show_versions|platform|pip list|conda list|package versions|"
                          r"(?<=[#*] )[\w.-]+ (?:versions?|extensions|plugins))\b(.*)$",
                          re.IGNORECASE)
# ``numpy: 1.21.0``, pip freeze's ``attrs==19.3.0``, conda's ``zipp=0.6.0``; not an assignment in code (``timeout = 2.5``).
# The lookaheads ask first for what every such line has, a ``:`` or ``=`` and a ``1.2``, and the leading spaces are
# taken whole (``\s*+``): the spaces that the pattern's parts could share made an indented line of a pasted ``--help``
# take a millisecond to fail (77 such lines, a tenth of a search on a 1M-line repository). A name is now needed
# before the colon ("   : 1.2" is no version line); on the 97 benchmark issues the same lines are dropped.
_VERSION_LINE = re.compile(r"^(?=[^:=]*[:=])(?=.*?\d\.\d)"
                           r"\s*+[-*]?\s*+[\w .\-/()]{1,40}\s*(?::\s*|==\s*|=(?=v?\d))v?\d+(\.\d+)+\S*\s*$")
_PACKAGE_LINE = re.compile(r"^\s*[\w.\-]+\s+v?\d+(\.\d+)+\S*\s*$")  # ``pip list``'s "attrs   21.4.0"
_FENCED_RE = re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL)
_FENCE = re.compile(r"^\s*(```|~~~)")
# an issue template's instructions, which the reader never sees: an HTML comment from the start of a line (one
# inside a sentence, "the `<!-- x -->` directive", may be what the task is about)
_COMMENT_START = re.compile(r"^[ \t]*<!--", re.MULTILINE)
# a ``<details>`` block, to its first ``</details>`` (searched for once: from each of thousands of unclosed
# ``<details>``, ``<details>.*?</details>`` read to the end of the text, 3.5 s for 5,000 of them)
# a version dump folded into ``<details>`` (xarray's ``show_versions()``, ``pip list``): a word of one, as a word
# ("conversion" is none), and more than four version numbers, each standing alone (``python3.11`` of a virtual
# environment's path is none); never a block that holds a traceback, an error or a stack frame
_DUMP_WORD = re.compile(r"(?<![a-z])versions?(?![a-z])|INSTALLED|commit:|python:", re.IGNORECASE)
_VERSION_NUMBER = re.compile(r"(?<![\w.])v?\d+\.\d+")
_ERROR = re.compile(r"Traceback \(most recent call last\)|^[ \t>]*(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception)\b",
                    re.MULTILINE)
_DETAILS_OPEN = re.compile(r"<details>", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details>", re.IGNORECASE)
_ALIAS_RE = re.compile(r"(?:\bfrom\s+([A-Za-z_][\w.]*)\s+)?\bimport\s+([A-Za-z_][\w.]*)\s+as\s+([A-Za-z_]\w*)")
_TEST_WORDS = frozenset({"test", "tests", "testing", "unittest", "testcase"})
# a module run as a script: ``python -m pkg.cli``, ``python3.11 -X dev -m pkg``, ``py -3.12 -m pkg``, ``pythonw -m``,
# ``C:\venv\Scripts\python.exe -m pkg`` (options before ``-m``, ``-W``'s and ``-X``'s with their argument)
_RUN_MODULE = re.compile(r"(?<![\w.\-])(?:python[\d.]*|pythonw|py)(?:\.exe)?"
                         r"(?:[ \t]+-(?:[WX][ \t]*[^\s\-]\S*|[A-Za-ln-z]+|\d[\d.\-]*))*[ \t]+-[A-Za-ln-z]*m[ \t]*"
                         r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")


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
    run: list[str] = field(default_factory=list)  # modules run by ``python -m``: see ModuleMap.run_file
    about_tests: bool = False
    aliases: dict[str, str] = field(default_factory=dict)
    title: str = ""
    # paths and dotted names that the prose names, not only a pasted listing (a fenced block, a stack frame)
    said: set[str] = field(default_factory=set)
    # a file a compiler's command names without a directory where the command reaches others through relative
    # paths (``gcc -I include/ main.c``): those paths. The file is the repository's root one where they all are the
    # repository's too (its developer built at its root), else the user's own (see _users_files)
    rooted: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _each_details(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with each ``<details>`` block (to its first ``</details>``) replaced by ``replace(block)``."""
    out: list[str] = []
    pos = 0
    while (m := _DETAILS_OPEN.search(text, pos)) is not None and \
            (end := _DETAILS_CLOSE.search(text, m.end())) is not None:
        out += [text[pos:m.start()], replace(text[m.start():end.end()])]
        pos = end.end()
    out.append(text[pos:])
    return "".join(out)


def strip_boilerplate(text: str) -> str:
    """Drop version dumps and environment listings: they match everything and mean nothing here.

    A heading (``### Environment``, ``**Versions**``, ``Environment:``) drops the listing under it: up to the
    first blank line after it, the next heading, or the end of a fenced block or a ``<details>`` version dump; a
    line that carries its own value (``Version: pytest 5.4.3, current master``) drops only itself. A line that
    merely starts with such a word (``platform darwin -- Python 3.7.3``, ``Environment variables are ...``),
    also a heading of more than three words after it (``### Environment variables are ignored by the loader``),
    is prose and stays.
    """
    def keep_details(body: str) -> str:
        dump = _DUMP_WORD.search(body) and len(_VERSION_NUMBER.findall(body)) > 4
        return "\x00" if dump and not _ERROR.search(body) and not any(p.search(body) for p, _ in FRAME_PATTERNS) \
            else body
    text = _each_details(text, keep_details)
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


MAX_QUERY_CHARS = 200_000  # of a longer text, its first and last halves are read
MAX_TOKEN_CHARS = 300
_LONG_RUN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")


def _head_and_tail(text: str) -> str:
    """``text``, or of a longer one its first and last ``MAX_QUERY_CHARS // 2`` characters, each cut at a line's
    end near the cut (a long line is cut inside), with a blank line between them: an issue starts with its title
    and what it is about, a pasted log (a CI run's) ends with the failure, its traceback and error message."""
    if len(text) <= MAX_QUERY_CHARS:
        return text
    half = MAX_QUERY_CHARS // 2
    head, tail = text[:half], text[-half:]
    end, start = head.rfind("\n", half - 2000), tail.find("\n", 0, 2000)
    return head[:end + 1 if end >= 0 else half] + "\n" + tail[start + 1:]


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



# a markdown escape of ``_`` or ``*`` (``src/my\_module.py``, ``load\_all\_rows``: some editors and converters
# write them), which the rendered issue does not show
_MD_ESCAPE = re.compile(r"\\([_*])")
# (from a name's start only: tried from each character of a run of 300 underscores, it took a second on a pasted log)
_ESCAPED_IDENT = re.compile(r"(?<!\w)[A-Za-z_]\w*(?:\\_\w*)+")


def _as_written(path: str) -> list[str]:
    """``path`` and, if it holds a markdown escape, ``path`` without it (a Windows path's ``_build`` directory
    is written so too: the one that names a file of the repository counts)."""
    plain = _MD_ESCAPE.sub(r"\1", path)
    return [path, plain] if plain != path else [path]


def absolute(path: str) -> bool:
    """Whether ``path`` (as the text wrote it) is absolute: a path on another machine, read as a frame's is."""
    return re.match(_ABSOLUTE, path) is not None


def _named_paths(text: str, frames: Spans, java: Spans) -> list[re.Match[str]]:
    """The files ``text`` names by path (group 1): those with a known extension, dot files and files known by
    their name (``Dockerfile``). An absolute path inside a stack frame (``File "/home/me/proj/pkg/core.py", line
    5``) is the frame's, not a path named, and so is a Java frame's file name, which the frame places in its
    package (``Foo.java`` is every ``Foo``), and a Dart frame's ``package:myapp/src/x.dart`` (see
    ModuleMap.dart_files)."""
    dot_files = [m for m in _DOT_FILE.finditer(text) if not all(
        len(p) == 1 or p.lower() in _EXTENSIONS for p in re.split(r"[\\/]", m.group(1))[-1][1:].split("."))]
    # a frame's pattern may leave the path's start out (``C:\``, a Go frame's first ``/``): its end is in the frame
    return sorted([m for m in [*_PATH_RE.finditer(text), *dot_files, *_NAMED_FILE.finditer(text)]
                   if not (absolute(m.group(1)) and frames.covers(m.end(1) - 1, m.end(1)) or java.covers(*m.span(1)))],
                  key=lambda m: m.start())


def _cd_lines(text: str) -> Callable[[int, str | None], str | None]:
    """Where a command at ``at`` runs, given its own line's ``cd`` (``cd src && gcc``): the ``cd`` lines among
    the ``CD_LINES`` lines above it followed in turn, then its own (``cd src``, ``cd sub``: ``src/sub``; ``cd src``,
    ``cd ..``: ``.``); an absolute path as written; None where unknown (``cd -``) or there is no cd. The lines and
    cds are found once: looked for from each command, a long line of backtick commands took quadratic time.
    A first cd into where a ``git clone`` of the text put the checkout goes to ``.`` (the repository's name alone
    may be a directory of it too: ``django/``)."""
    clones = set()
    for m in _CLONE.finditer(text):
        args = m.group(1).split()  # (an option's value, ``--depth 1``, is no repository: it has no / or :)
        url = next((i for i, w in enumerate(args) if not w.startswith("-") and re.search(r"[/:]", w)), None)
        if url is not None:
            into = args[url + 1] if url + 1 < len(args) else re.split(r"[/:]", args[url].rstrip("/"))[-1]
            clones.add(into.rstrip("/").removesuffix(".git").lower())
    newlines = [m.start() for m in re.finditer("\n", text)]
    cds = [(m.start(), m.group(1)) for m in _CD_LINE.finditer(text)]
    starts = [at for at, _ in cds]

    def where(at: int, own: str | None) -> str | None:
        line = bisect.bisect_left(newlines, at)
        first = newlines[line - CD_LINES - 1] + 1 if line > CD_LINES else 0
        found = [d for _, d in cds[bisect.bisect_left(starts, first):bisect.bisect_left(starts, at)]]
        here = None
        for d in [*found, *([own] if own else [])]:
            if d == "-":
                here = None  # back to a directory not known
            elif _ELSEWHERE.match(d):
                here = d
            else:
                d = d.replace("\\", "/")
                if here is None and d.split("/")[0].lower() in clones:
                    d = d.partition("/")[2] or "."
                here = posixpath.normpath(posixpath.join(here or ".", d))
        return here
    return where


def _users_files(text: str) -> tuple[list[tuple[int, int]], dict[tuple[int, int], tuple[str, ...]], list[str]]:
    """Where compiler command lines of ``text`` (see _BUILD_COMMAND, with an option) name the user's own files, no
    path the query names: a command's output (``-o t``), and where the command reaches a file or directory through a
    relative path (``-I third_party/cjson``, ``third_party/cjson/cJSON.c``: it builds the repository from outside, as
    a user's program does), the files it names without a directory (``test.c``), which are then in the directory it
    runs in; those, with the relative paths, are also returned apart (see :attr:`Query.rooted`). A command of such
    files alone (``gcc -o t test.c cJSON.c``) may run at the repository's root, as its developers build a flat
    project, and names them as files of the repository. A command run after ``cd src`` (on its line, or a line
    before it) names ``src/test.c``, returned third: the files of a directory of the checkout (a ``cd`` to an
    absolute path, or out of the directory it started in, leaves them the user's)."""
    out: list[tuple[int, int]] = []
    rooted: dict[tuple[int, int], tuple[str, ...]] = {}
    moved: list[str] = []
    commands = list(_BUILD_COMMAND.finditer(text))
    if not commands:  # most texts: their lines and cds are not read
        return out, rooted, moved
    cd_to = _cd_lines(text)
    for m in commands:
        words = list(re.finditer(r"\S+", m.group("args")))
        bare: list[tuple[int, int]] = []
        relative: list[str] = []
        for i, w in enumerate(words):
            span = (m.start("args") + w.start(), m.start("args") + w.end())
            if i and words[i - 1].group() == "-o":
                out.append(span)
                continue
            value = _INCLUDE_OPTION.sub("", w.group(), 1).removeprefix("./")
            if not value or value.startswith("-"):
                continue
            if not re.search(r"[\\/]", value):
                bare.append(span)
            elif not _ELSEWHERE.match(value):
                relative.append(value.replace("\\", "/").rstrip("/"))
        where = cd_to(m.start(), m.group("cd"))
        if where not in (None, "."):  # (back at the start, as no cd: see the flat project below)
            out.extend(bare)
            if not (_ELSEWHERE.match(where) or where == ".." or where.startswith("../")):
                moved += [posixpath.join(where, text[a:b].removeprefix("./")) for a, b in bare if text[a] != "-"]
        elif relative and any(w.group().startswith("-") for w in words):
            out.extend(bare)
            rooted.update(dict.fromkeys([b for b in bare if text[b[0]] != "-"], tuple(relative)))
    return out, rooted, moved


def analyze(text: str, ours: frozenset[str] = frozenset()) -> Query:
    """Split ``text`` into title and body tokens and collect frames, paths and identifiers. ``ours``: the names
    of this repository (from its remotes), which a code link must lead into to name a file (none: any link)."""
    # A pasted blob (base64, a minified line) would make the path and frame patterns backtrack for minutes;
    # nothing useful is that long, so long runs are cut, and of a long text its beginning and end are read.
    text = _LONG_RUN.sub(lambda m: m.group(0)[:MAX_TOKEN_CHARS], _head_and_tail(text))
    text = _drop_comments(text)
    clean = strip_boilerplate(text)
    lines = [ln for ln in clean.splitlines() if ln.strip()]
    title = lines[0] if lines else ""
    q = Query(text=clean, title_tokens=tokenize(title), tokens=tokenize(clean), title=title)
    q.frames = read_frames(text, ours)
    in_frames = [m.span() for pat, _ in FRAME_PATTERNS for m in pat.finditer(clean)]
    in_java = Spans([m.span() for n in (JAVA, DART) for m in FRAME_PATTERNS[n][0].finditer(clean)])
    users, rooted, moved = _users_files(clean)
    own = Spans(users)
    q.rooted = {clean[a:b].removeprefix("./"): paths for (a, b), paths in rooted.items()}
    named = [m for m in _named_paths(clean, Spans(in_frames), in_java) if not own.covers(*m.span(1))]
    # a link to a file without a line names that file, as a path in the text does
    q.paths = list(dict.fromkeys([p for m in named for p in _as_written(m.group(1))] +
                                 [m.group(1) for m in links(clean, ours) if not m.group(2)] + moved))
    q.dotted = list(dict.fromkeys(m.group(1) for m in _DOTTED_RE.finditer(clean)
                                  if not re.fullmatch(r"[\d.]+", m.group(1))))
    q.scoped = list(dict.fromkeys(m.group(0) for m in _SCOPED_RE.finditer(clean)))
    inside = Spans([m.span() for m in _FENCED_RE.finditer(clean)] + in_frames)
    run = list(_RUN_MODULE.finditer(clean))
    q.run = list(dict.fromkeys(m.group(1) for m in run))
    for m in [*named, *_DOTTED_RE.finditer(clean), *run]:
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
