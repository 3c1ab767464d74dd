"""A compiler's warning counts less than a place it says nothing of: the real failure is often printed without
``error:`` after the warnings of its build (a linker's ``undefined reference``, Go's ``undefined: x``, a Python
traceback after a C extension's build); errors count most (tsc's pretty ``- error TS2345`` too), then those places,
then warnings, then the context and notes of a diagnostic."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

C = "".join(f"int f{i}(void) {{ return {i}; }}\n" for i in range(60))
PY = "".join(f"def f{i}():\n    return {i}\n" for i in range(60))
LINKER = """Build fails on Ubuntu 24.04

```
src/util.c:5:10: warning: unused variable 'y' [-Wunused-variable]
/usr/bin/ld: /tmp/ccAb12.o: in function `main':
/home/u/app/src/main.c:12: undefined reference to `parse_config'
collect2: error: ld returned 1 exit status
```
"""
PYTHON = """Import fails after building

```
src/_speedups.c:120:5: warning: 'PyUnicode_AS_UNICODE' is deprecated [-Wdeprecated-declarations]
$ python -c "import pkg"
Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "/home/u/app/pkg/core.py", line 40, in f19
    return 19
ImportError: cannot import name 'speedups'
```
"""


def test_a_failure_printed_after_warnings_is_stronger_than_they_are(make_repo, trace_signal, frame_places):
    repo = make_repo({"src/util.c": C, "src/main.c": C, "src/_speedups.c": C, "pkg/__init__.py": "", "pkg/core.py": PY})
    for text, want in ((LINKER, "src/main.c"), (PYTHON, "pkg/core.py")):
        trace = trace_signal(repo, text)
        assert max(trace, key=lambda p: trace[p]) == want
    ix = RepoIndex.open(repo)
    try:
        assert ix.search(LINKER, k=1)[0].path == "src/main.c"
    finally:
        ix.close()
    go = "# example.com/app\n./cgo_helpers.c:5:10: warning: unused variable 'y'\n./main.go:12:5: undefined: parseConfig\n"
    assert frame_places(go)[-1] == ("main.go", 12)
    # only warnings: the first strongest, its notes weaker
    warnings = "src/a.c:3:5: warning: x\nsrc/a.h:7:1: note: declared here\nsrc/b.c:9:1: warning: y\n"
    assert frame_places(warnings) == [("a.h", 7), ("b.c", 9), ("a.c", 3)]


def test_tsc_s_pretty_error_is_an_error(frame_places):
    text = "src/a.ts:3:5 - error TS2345: bad\nsrc/b.ts:9:1 - error TS2322: worse\nsrc/c.ts:4:1 - warning: z\n"
    assert frame_places(text) == [("c.ts", 4), ("b.ts", 9), ("a.ts", 3)]
    # pytest's line of an exception named ``error`` (``re.error``) is no compiler's error
    assert frame_places("src/p/a.py:3: error\n___ test_b ___\nsrc/p/b.py:9: ValueError\n")[-1] == ("b.py", 9)


CARGO = """Build fails after the update

```
error[E0599]: no method named `as_str` found for struct `Box<RawValue>` in the current scope
  --> src/lib.rs:12:20
   |
12 |     let text = raw.as_str();
   |                    ^^^^^^ method not found in `Box<RawValue>`
   |
  ::: src/raw.rs:40:1
   |
40 | pub struct RawValue {
   | ------------------- method `as_str` not found for this struct

warning: unused variable: `n`
 --> src/read.rs:30:9
  |
30 |     let n = 5;
  |         ^ help: if this is intentional, prefix it with an underscore: `_n`
  |
  = note: `#[warn(unused_variables)]` on by default
note: the lint level is defined here
 --> src/main.rs:1:9

error: could not compile `tinyjson` (lib) due to 1 previous error; 1 warning emitted
```
"""


def test_rustc_says_what_a_place_is_on_the_line_above_it(make_repo, trace_signal, frame_places):
    """rustc's error outranks its warning printed after it, and both outrank a note; the error's other place
    (``:::``, the type the method was not found on) is one it says nothing of, between them; a ``-->`` under no
    header stays a place it says nothing of. So behind a log's prefix on every line, and for a Windows path."""
    assert frame_places(CARGO) == [("main.rs", 1), ("read.rs", 30), ("raw.rs", 40), ("lib.rs", 12)]
    for prefix in ("2024-01-15T10:23:45.1234567Z ", "builder-1  | "):
        assert frame_places("".join(prefix + line for line in CARGO.splitlines(keepends=True))) == frame_places(CARGO)
    windows = CARGO.replace(" src/", " C:\\Users\\me\\tinyjson\\src\\")
    assert [name.rsplit("\\", 1)[-1] for name, _ in frame_places(windows)] == ["main.rs", "read.rs", "raw.rs", "lib.rs"]
    quoted = "\n".join("> " + line for line in CARGO.splitlines())
    assert frame_places(quoted) == frame_places(CARGO)
    assert frame_places("warning: x\n --> src/a.rs:3:9\n\n  --> src/b.rs:5:1\n") == [("a.rs", 3), ("b.rs", 5)]
    repo = make_repo({"Cargo.toml": '[package]\nname = "tinyjson"\n', **{f"src/{n}.rs": "fn f() {}\n" * 60
                                                                         for n in ("lib", "raw", "read", "main")}})
    trace = trace_signal(repo, CARGO)
    assert max(trace, key=lambda p: trace[p]) == "src/lib.rs"
