"""Which files of a repository are indexed, and why the others are not.

The candidate set is ``git ls-files`` (with blob ids, so unchanged files are recognised without reading
them) plus untracked files that are not ignored. Binary, huge, vendored and generated files are left out
with a reason that ``genie index --explain`` shows.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

DEFAULT_MAX_BYTES = 1_000_000
#: Seconds a git command that lists files may take (a hung network filesystem, a wrapper waiting on something).
GIT_TIMEOUT = 60.0

LANG_BY_EXT = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript",
    ".cjs": "javascript", ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp", ".rb": "ruby", ".cs": "csharp", ".php": "php",
    ".phtml": "php", ".kt": "kotlin", ".kts": "kotlin",
    ".swift": "swift", ".scala": "scala", ".sc": "scala",
    ".vue": "vue", ".svelte": "svelte",  # their <script> blocks, as JavaScript or TypeScript (see components.py)
    # Ruby by other names: rake tasks, gem specifications, Rack's config.ru; Python for Windows' GUI scripts;
    # C++ template implementations, inline definitions and modules
    ".rake": "ruby", ".gemspec": "ruby", ".ru": "ruby", ".pyw": "python",
    ".ipp": "cpp", ".tpp": "cpp", ".inl": "cpp", ".c++": "cpp", ".h++": "cpp", ".cppm": "cpp", ".ixx": "cpp",
}
# files that are Ruby by their name alone
LANG_BY_NAME = {name: "ruby" for name in ("Rakefile", "Gemfile", "Guardfile", "Capfile", "Vagrantfile",
                                          "Berksfile", "Podfile", "Fastfile", "Brewfile", "Dangerfile")}
_TEXT_EXT_WORDS = """.md .rst .txt .adoc .toml .cfg .ini .yaml .yml .json .sh .bash .zsh .html .htm .css .scss .sql
    .xml .pl .lua .r .jl .ex .exs .erl .hs .ml .dart .m .mm .gradle
    .cmake .mk .proto .graphql .tcss .jinja .j2 .tmpl .in .pyx .pxd"""
TEXT_EXTS = frozenset(_TEXT_EXT_WORDS.split())
TEXT_NAMES = frozenset({"Makefile", "Dockerfile", "README", "LICENSE", "CHANGELOG", "Gemfile", "Rakefile"})
# a dot file without an extension is configuration read as text (``.flake8``, ``.coveragerc``, ``.gitignore``), a
# task may name it; these hold credentials, keys or certificates rather than anything a task is about, and stay out
# (so does ``.env.local`` and every other ``.env.*``)
_SECRET_NAMES = frozenset({".env", ".npmrc", ".yarnrc", ".pypirc", ".netrc", ".git-credentials", ".htpasswd",
                           ".pgpass", ".dockercfg", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
_SECRET_EXT_WORDS = ".pem .key .p12 .pfx .jks .keystore .kdbx .gpg .pgp .crt .cer .der .tfstate"
_SECRET_EXTS = frozenset(_SECRET_EXT_WORDS.split())
# Text of other kinds is indexed too (Terraform, Bazel, CUDA, templates, scripts without an extension...), but not
# data, whose numbers, paths, translated messages or base64 would flood keyword search and cost indexing time:
# tables, logs, drawings, translation catalogues (Sphinx keeps 80 ``.po`` files of the same messages a task quotes)
# and notebooks (JSON holding their outputs, images as base64)
_DATA_EXT_WORDS = """.csv .tsv .psv .dat .jsonl .ndjson .geojson .topojson .log .har .svg .eps .ps .ai .pdf
    .pbm .pgm .ppm .xpm .obj .stl .ply .po .pot .ipynb .asc .hex .srt .vtt"""
DATA_EXTS = frozenset(_DATA_EXT_WORDS.split())
# other people's code copied in (astropy's ``extern/`` and ``cextern/``, scikit-learn's ``externals/``, OpenCV's
# ``3rdparty/``, pip's ``_vendor/``, botocore's ``vendored/``): left out wherever it is, tracked or not; not
# ``external/`` or ``contrib/``, which often hold a project's own code
VENDOR_DIRS = frozenset({"node_modules", "vendor", "vendored", "third_party", "thirdparty", "third-party", "3rdparty",
                          "3rd_party", "3rd-party", "extern", "cextern", "externals", "_vendor",
                          "bower_components", "site-packages", ".git"})
# build output, virtual environments and tools' caches: left out only where git does not track them (untracked and
# not ignored, as in a repository whose .gitignore misses them, or anywhere in a directory that is no repository).
# Build output is git-ignored as a rule; what git tracks under these names is a project's own code: pip's
# ``operations/build/``, Go's ``src/cmd/dist/``, the ``target/`` package of Sphinx's test roots, CPython's ``Lib/venv/``
BUILD_DIRS = frozenset({"build", "dist", "target", "venv", ".venv", "__pycache__", ".tox", ".mypy_cache"})
#: what a walk of files passes over (one with no git to say what is tracked)
SKIP_DIRS = VENDOR_DIRS | BUILD_DIRS
_GENERATED_SUFFIXES = (".min.js", ".min.mjs", ".min.cjs", ".min.css", "_pb2.py", "_pb2_grpc.py", ".pb.go",
                       ".generated.ts", ".map", ".lock", "-lock.json", "-lock.yaml", ".lock.json", ".lockfile",
                       ".bundle.js")
_GENERATED_NAMES = frozenset({"go.sum", "go.work.sum", "npm-shrinkwrap.json"})
_VERSIONED_LIB = re.compile(r"[-.]v?\d+\.\d+(\.\d+)*(\.min)?\.(js|css)$")
# A line this long is minified or machine-written (a bundle, a stemmer table). Parsing costs about 1 s and 140 MB
# of memory per MB of code: a 50 MB one-line bundle under a raised size limit took 171 s and 7.6 GB.
LONG_LINE = 50_000
# Lines that average more bytes than this, under one in 20 of the ASCII characters being spaces, tabs or line breaks:
# a bundle, a stemmer table, a notebook's base64 image (sphinx's minified stemmers, 3-20 KB lines, have 2-3%; jquery
# 1.4%); not a soft-wrapped paragraph of prose (15-20%; Chinese or Japanese prose has few ASCII characters at all)
# nor code with some long lines (an embedded bundle in a Python module averaged 626 bytes a line)
MINIFIED_LINE = 1000
_ASCII = bytes(range(128))
# What generators write at the top of their output: ``@generated`` (Meta's tools, Cargo, rustfmt), ``DO NOT EDIT`` in
# capitals (protoc, Thrift, Go's ``// Code generated ... DO NOT EDIT.``), or a comment line that starts ``Code
# generated``. Not prose that mentions generated code: xarray's hand-kept ``doc/api.rst`` ("an auto-generated
# summary"), sphinx-quickstart's ``conf.py`` ("this autogenerated file"), a docstring on "the auto-generated REST
# clients". (A lower-case "do not edit" beside "generated" was not counted either: xarray's ``_typed_ops.py``, the
# code of ``Dataset.__add__``, says so, and a search for where that is defined must find it.)
_GENERATED_MARKER = re.compile(rb"@generated\b|DO NOT EDIT|^[ \t]*(?://|#|/?\*|--|;+)[ \t]*Code generated\b",
                               re.MULTILINE)


# what only C++ writes, at the start of a line (or ``std::`` anywhere): a ``.h`` file holding it is a C++ header
_CPP_MARKERS = re.compile(rb"^[ \t]*(?:namespace(?:[ \t]+[\w:]+)?[ \t]*\{|template[ \t]*<|class[ \t]+\w+[^;(\n]*(?:\{|:|$)"
                          rb"|(?:public|private|protected)[ \t]*:)|\bstd::", re.MULTILINE)


def content_language(path: str, data: bytes) -> str | None:
    """The language of ``path`` with its content ``data``: :func:`language_of`'s, except that a ``.h`` file with
    classes, namespaces or templates is C++ (most C++ projects name their headers so; the C grammar found no
    definition in them), and a file without an extension is the language its ``#!`` line names."""
    lang = language_of(path)
    if lang == "c" and path.endswith(".h") and _CPP_MARKERS.search(data):
        return "cpp"
    if lang is None and not os.path.splitext(path.rpartition("/")[2])[1]:  # ``bin/deploy``: its ``#!`` line
        return _shebang_language(data)
    return lang


def language_of(path: str) -> str | None:
    """The tree-sitter language of ``path``, or None for plain text."""
    return LANG_BY_EXT.get(os.path.splitext(path)[1].lower()) or LANG_BY_NAME.get(path.rpartition("/")[2])


# a script's interpreter, as its ``#!`` line names it (``python3.11`` is python)
_SHEBANG_LANGS = {b"python": "python", b"pypy": "python", b"ruby": "ruby", b"node": "javascript",
                  b"nodejs": "javascript", b"php": "php"}


def _shebang_language(data: bytes) -> str | None:
    """The language a ``#!`` line names: ``#!/usr/bin/python3``, ``#!/usr/bin/env -S python3 -u``."""
    if not data.startswith(b"#!"):
        return None
    end = data.find(b"\n", 0, 200)
    words = data[2:end if end >= 0 else 200].split()
    if words and words[0].endswith(b"/env"):  # env's options and variables come before the program
        words = [w for w in words[1:] if not w.startswith(b"-") and b"=" not in w]
    prog = words[0].rsplit(b"/", 1)[-1] if words else b""
    return _SHEBANG_LANGS.get(prog.rstrip(b"0123456789.-"))


def known_kind(path: str) -> bool:
    """Whether ``path`` is source or text by its name: any other file is indexed only when it is UTF-8 text (a
    legacy encoding is guessed only for the kinds known to be text)."""
    name = path.rpartition("/")[2]
    ext = os.path.splitext(name)[1].lower()
    return (ext in LANG_BY_EXT or ext in TEXT_EXTS or name in TEXT_NAMES or name in LANG_BY_NAME
            or (not ext and name.startswith(".")))  # splitext reads ``.flake8`` as no extension


class _GitFailed(Exception):
    """git could not list the files: not installed, timed out, or it refused (the message says why)."""


def _git(repo: Path, *args: str) -> bytes:
    try:
        # a session of its own, so a timeout (or Ctrl-C) stops all of it: git under a wrapper or a shim is the
        # wrapper's child, and killing only the wrapper left it running
        proc = subprocess.Popen(["git", *args], cwd=repo, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except FileNotFoundError:
        raise _GitFailed("git is not installed (or not on PATH)") from None
    except OSError as exc:
        raise _GitFailed(f"cannot run git: {exc.strerror or exc}") from None
    with proc:
        try:
            stdout, stderr = proc.communicate(timeout=GIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise _GitFailed(f"git {args[0]} took more than {GIT_TIMEOUT:g} s") from None
        except BaseException:
            _kill(proc)
            raise
    if proc.returncode != 0:
        lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        first = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[0] if lines else "")
        why = first.partition(":")[2].strip() if first.startswith(("fatal:", "error:")) else first
        fix = next((ln for ln in lines if "safe.directory" in ln and ln.startswith("git ")), "")
        raise _GitFailed(f"git refused: {why or f'exit status {proc.returncode}'}" + (f"; run {fix}" if fix else ""))
    return stdout


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Stop ``proc`` and every process of its session that is still in its group."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (AttributeError, OSError):  # no process groups (Windows), or the group is gone already
        proc.kill()
    proc.wait()


def _is_bare(repo: Path) -> bool:
    try:
        return _git(repo, "rev-parse", "--is-bare-repository").strip() == b"true"
    except _GitFailed:
        return False


def list_files(repo: Path) -> list[str]:
    """Tracked files plus untracked, not ignored ones, sorted; walks the tree of a directory that is not a git
    repository. Raises :class:`~genie_tui.errors.GenieError` when ``repo`` is a git repository but git cannot
    list its files: walking it instead would index what ``.gitignore`` keeps out (secrets, build output).
    A submodule is listed by its directory's name, which the index then passes over as not a regular file."""
    try:
        # one git for both lists: on a 1M-line repository two took 35 ms of the 200 that re-indexing may take;
        # ``-t`` tags each name, ``? `` an untracked one
        listed = _git(repo, "ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard")
    except _GitFailed as exc:
        from genie_tui.errors import GenieError, UsageError

        if (repo / ".git").exists():
            raise GenieError(f"cannot list the files of {repo}: {exc}") from None
        if _is_bare(repo):
            raise UsageError(f"{repo} is a bare git repository: it has no working tree to index "
                             "(pass --repo a checkout of it)") from None
        return sorted(_walk(repo))
    # a file with a merge conflict is listed once per side
    names = {n[2:] for n in _names(listed) if n and not (n[0] == "?" and build_dir(n[2:]))}
    names.discard("")
    return sorted(names)


def unlisted_reason(path: str, walked: bool) -> str:
    """Why ``path``, which git does not list (or, when ``walked``, a walk of a directory that is no repository
    does not reach), is left out by its directories; ``""`` when they do not say."""
    hidden = next((part for part in path.split("/")[:-1] if part.startswith(".")), None)
    if walked and hidden:
        return f"inside a hidden directory ({hidden}/), which is not walked"
    built = build_dir(path)
    if built is None:
        return ""
    return f"build output or a tool's cache (inside {built}/, " + (
        "which is not walked)" if walked else "and git does not track it; tracked files there are indexed)")


def build_dir(path: str) -> str | None:
    """The first of ``path``'s directories that holds build output or a tool's cache (see :data:`BUILD_DIRS`),
    or None: the file is left out unless git tracks it."""
    return next((p for p in path.split("/")[:-1] if p in BUILD_DIRS), None)


def _names(raw: bytes) -> list[str]:
    """NUL-separated names from git. A name that is not UTF-8 is left out: SQLite cannot store it (one such
    file made every index and search fail), and neither a person nor a model can type it."""
    try:
        return raw.decode("utf-8").split("\0")
    except UnicodeDecodeError:
        pass
    out = []
    for part in raw.split(b"\0"):
        try:
            out.append(part.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return out


def is_utf8(name: str) -> bool:
    """False for a name with undecodable bytes (``os`` hands them over as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(repo: Path) -> list[str]:
    """The files of a directory that is not a git repository, but for hidden, vendored and build directories and the git
    repositories inside it (their own checkouts or submodules, left out as git leaves them out: walking one would
    index what its ``.gitignore`` keeps out)."""
    out: list[str] = []
    for root, dirs, names in os.walk(repo):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".") and is_utf8(d)
                   and not os.path.lexists(os.path.join(root, d, ".git"))]
        rel = os.path.relpath(root, repo)
        for n in names:
            if not is_utf8(n):
                continue
            out.append(n if rel == "." else f"{rel}/{n}".replace(os.sep, "/"))
    return out


def path_exclusion(path: str) -> str | None:
    """Why ``path`` is skipped from its name alone (vendored, generated, credentials, data), or None."""
    parts = path.split("/")
    for p in parts[:-1]:
        if p in VENDOR_DIRS:
            return f"vendored (inside {p}/)"
    name = parts[-1]
    if name.endswith(_GENERATED_SUFFIXES):
        return "generated or minified (by its name)"
    if name in _GENERATED_NAMES:
        return "generated (by its name)"
    if _VERSIONED_LIB.search(name):
        return "vendored library (version number in its name)"
    ext = os.path.splitext(name)[1].lower()
    if name in _SECRET_NAMES or ext in _SECRET_EXTS or name.startswith(".env."):
        return "holds credentials, keys or certificates (by its name)"
    if ext in DATA_EXTS:
        return f"data, not code or prose ({ext} files are not indexed)"
    return None


def content_exclusion(head: bytes, size: int, max_bytes: int, path: str = "") -> str | None:
    """Why a file is skipped from its size and first bytes (huge, binary, generated), or None. ``head`` is the
    whole file when it is within ``max_bytes``; a ``path`` of a kind not known by name must be UTF-8 text."""
    if size > max_bytes:
        return f"too large ({size} bytes > {max_bytes}; set max_file_bytes in the config to change)"
    if b"\0" in head[:8192]:
        return "binary (contains NUL bytes)"
    if path and not known_kind(path):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return "binary or not UTF-8 (a file of a kind not known by its name is indexed only as UTF-8 text)"
        if b"PRIVATE KEY-----" in head[:4096]:
            return "holds a private key"
    if size > LONG_LINE:  # ``head`` is the whole file here: larger ones are left out above
        longest = len(max(head.split(b"\n"), key=len).decode("utf-8", "replace"))
        if longest > LONG_LINE:
            return f"minified or machine-written (a line of {longest:,} characters)"
    breaks = head.count(b"\n")
    lines = breaks + (not head.endswith(b"\n"))
    if size > MINIFIED_LINE * lines:
        ascii_chars = size - len(head.translate(None, _ASCII))
        blank = head.count(b" ") + head.count(b"\t") + breaks
        if blank * 20 < ascii_chars:
            return (f"minified or machine-written (lines of {size // lines:,} bytes on average, "
                    f"{100 * blank // ascii_chars}% whitespace)")
    if _GENERATED_MARKER.search(head, 0, 600):
        return "generated (marked as such in its header)"
    return None


def limits(repo: Path | None = None) -> tuple[int, int]:
    """The size limit for indexed files and the number of worker processes a build may use: the
    ``max_file_bytes`` and ``index_workers`` settings (``GENIE_INDEX_MAX_BYTES`` and ``GENIE_INDEX_WORKERS``
    override the config files, as ``genie config show`` shows)."""
    from genie_tui.config.settings import load_settings
    from genie_tui.errors import GenieError

    try:
        # the endpoints are not the index's business: a repo-chosen one must not cost the user's size limit
        s = load_settings(repo, {}, check_endpoints=False, model_needed=False)
        return s.max_file_bytes, s.index_workers
    except GenieError:  # the CLI reports it before building; the app's background build goes on without it
        return DEFAULT_MAX_BYTES, 0


_BRACES = re.compile(r"\{[^{}]*,[^{}]*\}")  # a glob's ``{a,b}``


def find(paths: list[str], pattern: str, limit: int = 200) -> list[str]:
    """Those of ``paths`` that match a glob or contain ``pattern`` (any case). Globs are gitignore's, as
    playbooks' are: ``*``, ``?`` and ``[...]`` stay within one part of the path and ``**`` spans any number of
    them (``src/**/*.py`` is ``src/a.py`` and ``src/x/y/a.py``, not ``srcx.py``); a glob without a slash matches
    the file's name anywhere (``*.py``, ``test_*``), one with a slash the path from the root; ``{a,b}`` is
    either. A glob that matches nothing in its own case is matched in any; one that matches nothing at all, or
    cannot be read (``[z-a]``), is looked for as text: ``app/[id]/page.tsx`` is a path, not a class of
    characters. A leading ``./`` means the root."""
    pat = pattern
    while pat.startswith("./"):
        pat = pat[2:]
    if any(ch in pat for ch in "*?[") or _BRACES.search(pat):
        from genie_tui.playbooks.match import glob_matches, glob_problem

        if glob_problem(pat) is None:
            hits = [p for p in paths if glob_matches(pat, p)]
            if not hits:  # ``**/readme*`` means README.md: case counts only where it tells files apart
                low = pat.lower()
                hits = [p for p in paths if glob_matches(low, p.lower())]
            if hits:
                return hits[:limit]
    needle = pat.lower()
    hits = [p for p in paths if needle in p.lower()]
    hits.sort(key=lambda p: (needle not in p.rsplit("/", 1)[-1].lower(), len(p), p))
    return hits[:limit]


# ``https://host/owner/name(.git)``, ``ssh://git@host:2222/group/sub/name``, scp-like ``git@host:owner/name.git``
# or ``github.com:owner/name``;
# not a local path (``/srv/mirrors/name``, ``../name``), which says nothing of the project's name
_HOSTED_URL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://[^/\s]+/|(?:[\w.\-]+@[\w.\-]+|[\w\-]+\.[\w.\-]+):(?![/\\]))(\S+?)/?$",
                         re.IGNORECASE)


def remote_names(repo: Path) -> frozenset[str]:
    """The names of this repository on its hosted remotes, in lower case (``shop`` of
    ``git@github.com:acme/shop.git``): what a code link must lead into to name one of its files. Empty when it
    has none, or git cannot tell."""
    try:
        out = _git(repo, "config", "--get-regexp", r"^remote\..*\.url$")
    except _GitFailed:  # also: no remote at all, which git reports as exit status 1
        return frozenset()
    names = set()
    for line in out.decode("utf-8", "replace").splitlines():
        m = _HOSTED_URL.match(line.partition(" ")[2].strip())
        if m:
            name = m.group(1).rsplit("/", 1)[-1].removesuffix(".git").lower()
            if name:
                names.add(name)
    return frozenset(names)
