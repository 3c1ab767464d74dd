"""How a task's text is read: the files it names, in the forms real issues write them."""

from __future__ import annotations

import time

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.query import analyze

MENTION = "path named in the query"


def _named(repo, queries: list[str], k: int = 20) -> list[set[str]]:
    """For each query, the files that search says the query names."""
    ix = RepoIndex.open(repo)
    try:
        return [{r.path for r in ix.search(q, k=k) if MENTION in r.why} for q in queries]
    finally:
        ix.close()


DOT_FILES = {
    ".eslintrc.js": "module.exports = { rules: { semi: 'error' } };\n",
    "packages/app/.eslintrc.js": "module.exports = { extends: '../../.eslintrc.js' };\n",
    ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks: []\n",
    "tools/commit-config.yaml": "hooks: none\n",
    ".flake8": "[flake8]\nmax-line-length = 100\n",
    "setup.cfg": "[metadata]\nname = demo\n",
    "src/lint.js": "// runs the linter with the rules of the config\nfunction lint(rules) { return rules; }\n",
}


def test_a_dot_file_named_in_prose_is_that_file(make_repo):
    named = _named(make_repo(DOT_FILES), [
        "Linting ignores the semi rule set in .eslintrc.js",
        "The override in packages/app/.eslintrc.js is not picked up",
        "The hooks of .pre-commit-config.yaml never run",
        "flake8 reads setup.cfg, not .eslintrc.js.",
    ])
    # the top-level file is the one a bare name means when there is one; ``tools/commit-config.yaml`` is not named
    assert named == [{".eslintrc.js"}, {"packages/app/.eslintrc.js"}, {".pre-commit-config.yaml"},
                     {"setup.cfg", ".eslintrc.js"}]


def test_punctuation_versions_and_bare_extensions_are_no_dot_files():
    q = analyze("It stops at the end of the sentence.Next it fails... on .5.2 and later. Only the .py files, "
                "not the .d.ts or .tar.gz files, nor .json ones; call .then() or .format(x).")
    assert q.paths == []


def test_a_dot_name_that_is_no_file_here_names_nothing(make_repo):
    repo = make_repo({"src/app.test.js": "test('adds', () => {});\n", "src/app.js": "export const add = 1;\n"})
    assert _named(repo, ["Running the .test.js files of src/app.js is slow"]) == [{"src/app.js"}]


def test_a_file_name_of_several_dots_is_that_file(make_repo):
    repo = make_repo({
        "vite.config.ts": "export default { base: '/app/' };\n",
        "src/app.test.js": "test('adds', () => {});\n",
        "src/app.js": "export const add = 1;\n",
        "types/index.d.ts": "export declare function add(a: number): number;\n",
        "types/index.ts": "export function add(a: number) { return a; }\n",
    })
    assert _named(repo, ["The build breaks after editing vite.config.ts", "app.test.js fails on Windows",
                         "The declaration in types/index.d.ts is wrong"]) == \
        [{"vite.config.ts"}, {"src/app.test.js"}, {"types/index.d.ts"}]


def test_an_absolute_or_windows_path_in_prose_is_the_file_it_ends_with(make_repo):
    repo = make_repo({
        "pkg/core.py": "def load():\n    return 1\n",
        "other/core.py": "def save():\n    return 2\n",
        "src/pkg/util.py": "def helper():\n    return 3\n",
        "src/App/Order.cs": "namespace App;\npublic class Order { public void Submit() {} }\n",
        "tests/App/Order.cs": "namespace Tests;\npublic class Order { public void Check() {} }\n",
    })
    assert _named(repo, [
        "Since the upgrade /home/me/proj/pkg/core.py raises on import",
        "Opening ~/proj/pkg/core.py in the editor shows a syntax error",
        r"Editing C:\work\proj\src\App\Order.cs breaks the build",
        r"There is a typo in src\App\Order.cs",
        "The installed /usr/lib/python3.11/site-packages/pkg/util.py has no helper",
    ]) == [{"pkg/core.py"}, {"pkg/core.py"}, {"src/App/Order.cs"}, {"src/App/Order.cs"}, {"src/pkg/util.py"}]


def test_a_link_to_any_file_of_the_repository_names_it(make_repo):
    repo = make_repo({
        ".github/workflows/ci.yml": "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
        "setup.cfg": "[metadata]\nname = demo\n",
        "Makefile": "test:\n\tpytest -q\n",
        "src/app.py": "def run():\n    return 1\n",
    })
    ix = RepoIndex.open(repo)
    try:
        whys = [{r.path: r.why for r in ix.search(q, k=5)} for q in [
            "The job at https://github.com/o/r/blob/main/.github/workflows/ci.yml#L4 fails",
            "See https://gitlab.com/g/r/-/blob/v1.2/setup.cfg for the metadata",
            "The target https://github.com/o/r/blob/0a1b2c3/Makefile#L1-L2 runs nothing",
        ]]
    finally:
        ix.close()
    assert "in the stack trace or a code link" in whys[0].get(".github/workflows/ci.yml", "")
    assert MENTION in whys[1].get("setup.cfg", "")
    assert "in the stack trace or a code link" in whys[2].get("Makefile", "")


def test_a_config_dot_file_without_an_extension_is_indexed_and_named(make_repo):
    repo = make_repo({".flake8": "[flake8]\nmax-line-length = 100\n", "setup.cfg": "[metadata]\nname = demo\n",
                      "src/.coveragerc": "[run]\nbranch = True\n", ".env": "API_TOKEN=abc123\n",
                      "src/app.py": "def run():\n    return 1\n"})
    assert _named(repo, ["flake8 reads setup.cfg and ignores .flake8 (max-line-length)",
                         "Branch coverage is off although src/.coveragerc turns it on"]) == \
        [{"setup.cfg", ".flake8"}, {"src/.coveragerc"}]
    ix = RepoIndex.open(repo)
    try:
        # a .env file holds secrets, not code: it stays out, as it was
        assert "not indexed" in ix.explain(".env") and "not indexed" not in ix.explain(".flake8")
    finally:
        ix.close()


TRACE = "in the stack trace or a code link"
COMPUTATION = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(4)) + (
    "def where(cond, x, y, keep_attrs=None):\n"      # line 17
    "    if keep_attrs is None:\n"
    "        keep_attrs = False\n"
    "    if keep_attrs is True:\n"                   # line 20
    "        keep_attrs = lambda attrs, context: attrs[1]\n"
    "    return apply_ufunc(cond, x, y, keep_attrs=keep_attrs)\n"
    "\n\n"
    "def apply_ufunc(*args, keep_attrs=False):\n"    # line 25
    "    return args\n")


def test_an_ipython_traceback_of_before_version_8_is_a_stack_trace(make_repo):
    repo = make_repo({"xarray/core/computation.py": COMPUTATION,
                      "xarray/core/dataset.py": "def where(self, cond, keep_attrs=None):\n    '''where keep_attrs'''\n",
                      "xarray/__init__.py": "from .core.computation import where\n"})
    issue = """xr.where with keep_attrs=True fails

```
---------------------------------------------------------------------------
IndexError                                Traceback (most recent call last)
<ipython-input-2-5f6b8f7a3c5e> in <module>
----> 1 xr.where(da > 0, 1, 0, keep_attrs=True)

/usr/local/lib/python3.9/site-packages/xarray/core/computation.py in where(cond, x, y, keep_attrs)
     18     if keep_attrs is None:
     19         keep_attrs = False
---> 20     if keep_attrs is True:
     21         keep_attrs = lambda attrs, context: attrs[1]

~/miniconda3/envs/xr/lib/python3.9/site-packages/xarray/core/computation.py in apply_ufunc(keep_attrs, *args)
     24
--> 25 def apply_ufunc(*args, keep_attrs=False):
     26     return args

IndexError: list index out of range
```
"""
    ix = RepoIndex.open(repo)
    try:
        top = ix.search(issue, k=1)[0]
    finally:
        ix.close()
    assert top.path == "xarray/core/computation.py" and TRACE in top.why
    # the frame that raised (the last) and its caller are the spans
    assert {(s.start, s.end) for s in top.spans[:2]} == {(17, 22), (25, 26)}


def test_a_place_written_as_file_and_line_in_parentheses_is_a_stack_frame(make_repo):
    repo = make_repo({
        "src/widget.ts": "export interface Props {\n  size: number;\n}\n\nexport function render(p: Props) {\n"
                         "  const n: number = p.size;\n  return n;\n}\n",
        "src/App/Order.cs": "namespace App;\npublic class Order {\n    public int Total() { return total; }\n}\n",
        "src/User.php": "<?php\nnamespace App;\nclass User {\n    public function store() {\n"
                        "        return $this->db->save();\n    }\n}\n",
        "pkg/core.py": "def run(x):\n    y = x * 2\n    return y / 0\n",
    })
    queries = {
        "src/widget.ts": "tsc fails:\nsrc/widget.ts(6,9): error TS2322: Type 'string' is not assignable",
        "src/App/Order.cs": "The build fails: src\\App\\Order.cs(3,40): error CS0103: The name does not exist",
        "src/User.php": "PHP Fatal error: Uncaught Error\nStack trace:\n#0 /var/www/src/User.php(5): App\\User->store()"
                        "\n#1 {main}",
        "pkg/core.py": "> /home/me/proj/pkg/core.py(3)run()\n-> return y / 0\n(Pdb) p y",
    }
    ix = RepoIndex.open(repo)
    try:
        found = {path: ix.search(q, k=1)[0] for path, q in queries.items()}
        on_line = ix.search("PHP Warning: Undefined property in /var/www/src/User.php on line 5", k=1)[0]
    finally:
        ix.close()
    lines = {"src/widget.ts": 6, "src/App/Order.cs": 3, "src/User.php": 5, "pkg/core.py": 3}
    assert {p: (r.path, TRACE in r.why, r.spans[0].start <= lines[p] <= r.spans[0].end) for p, r in found.items()} == \
        {p: (p, True, True) for p in queries}
    assert on_line.path == "src/User.php" and TRACE in on_line.why


def test_a_long_paste_of_dotted_or_slashed_runs_is_read_in_linear_time():
    # each run is as long as a run is kept (300 characters); the file:line patterns tried a path from every
    # character of each, 2.5-4 s of CPU for such a paste, ten times what a paste of prose as long takes

    def took(unit: str) -> float:
        text = "x " + unit * (200_000 // len(unit)) + "\npkg/core.py:12"
        best = float("inf")
        for _ in range(2):  # the better of two: a collection or a busy neighbour can stretch one run
            start = time.process_time()  # CPU time, against prose's: the suite shares the cores
            analyze(text)
            best = min(best, time.process_time() - start)
        return best

    prose = took("the quick brown fox jumps over it. ")
    for unit in ("a." * 149 + " ", "a/" * 149 + " ", "a.b/" * 74 + " "):
        assert took(unit) < 3 * prose + 0.2, f"{unit[:8]}...: prose {prose:.2f} s"
    text = "x " + "a.b/" * 74 * 600 + "\npkg/core.py:12"
    assert [(f.path, f.line) for f in analyze(text).frames] == [("pkg/core.py", 12)]


def test_frames_printed_innermost_first_count_the_first_most(make_repo):
    repo = make_repo({f"src/{n}.{ext}": body for n in ("parse", "load", "main") for ext, body in (
        ("c", f"int {n}_item(int x) {{\n  return x + 1;\n}}\n"),
        ("php", f"<?php\nfunction {n}_item($x) {{\n  return $x + 1;\n}}\n"),
        ("py", f"def {n}_item(x):\n    return x + 1\n"))})
    asan = ("==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x602\n"
            "    #0 0x4a1b in load_item /home/ci/proj/src/load.c:2:3\n"
            "    #1 0x4a2c in parse_item /home/ci/proj/src/parse.c:2:3\n"
            "    #2 0x4a3d in main_item /home/ci/proj/src/main.c:2:3\n")
    php = ("PHP Fatal error:  Uncaught TypeError\nStack trace:\n"
           "#0 /var/www/src/load.php(3): parse_item()\n#1 /var/www/src/parse.php(3): load_item()\n"
           "#2 /var/www/src/main.php(3): main_item()\n#3 {main}\n")
    faulthandler = ("Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f3a (most recent call first):\n"
                    '  File "/home/ci/proj/src/load.py", line 2 in load_item\n'
                    '  File "/home/ci/proj/src/parse.py", line 2 in parse_item\n'
                    '  File "/home/ci/proj/src/main.py", line 2 in main_item\n')
    ix = RepoIndex.open(repo)
    try:
        tops = [ix.search(q, k=1)[0].path for q in (asan, php, faulthandler)]
    finally:
        ix.close()
    assert tops == ["src/load.c", "src/load.php", "src/load.py"]


def test_a_link_with_a_query_string_a_blame_link_and_a_raw_link_name_their_file(make_repo):
    repo = make_repo({"src/a.py": "def one():\n    return 1\n\n\ndef two():\n    return 2\n",
                      "src/b.py": "def three():\n    return 3\n", "setup.cfg": "[metadata]\nname = demo\n"})
    ix = RepoIndex.open(repo)
    try:
        whys = [{r.path: r.why for r in ix.search(q, k=5)} for q in [
            "Wrong value at https://gitlab.com/g/r/-/blob/main/src/a.py?ref_type=heads#L5",
            "Wrong value at https://github.com/o/r/blame/v1.0/src/a.py#L5",
            "Wrong value at https://github.com/o/r/blob/main/src/a.py?plain=1#L5",
            "The metadata of https://raw.githubusercontent.com/o/r/main/setup.cfg is wrong",
        ]]
    finally:
        ix.close()
    assert [TRACE in w.get("src/a.py", "") for w in whys[:3]] == [True, True, True]
    assert MENTION in whys[3].get("setup.cfg", "")


def test_a_java_or_kotlin_frame_is_the_file_of_its_package(make_repo):
    body = ("package com.{pkg};\n\npublic class Foo {{\n"
            "    public void run() {{ throw new IllegalStateException(); }}\n}}\n")
    repo = make_repo({
        "src/main/java/com/acme/Foo.java": body.format(pkg="acme"),
        "src/main/java/com/other/Foo.java": body.format(pkg="other"),
        "src/main/java/com/acme/Main.java": "package com.acme;\n\npublic class Main {\n"
                                            "    public static void main(String[] a) { new Foo().run(); }\n}\n",
        "app/Util.kt": "package com.acme.util\n\nfun go(): Int = 1\n",  # a directory that is not its package
    })
    trace = ("Exception in thread \"main\" java.lang.IllegalStateException\n"
             "\tat com.acme.Foo.run(Foo.java:4)\n\tat app//com.acme.Main.main(Main.java:4)\n")
    ix = RepoIndex.open(repo)
    try:
        whys = {r.path: r.why for r in ix.search(trace, k=5)}
        kotlin = ix.search("java.lang.IllegalStateException\n\tat com.acme.util.UtilKt.go(Util.kt:3)", k=1)[0]
    finally:
        ix.close()
    assert TRACE in whys["src/main/java/com/acme/Foo.java"] and TRACE in whys["src/main/java/com/acme/Main.java"]
    assert TRACE not in whys.get("src/main/java/com/other/Foo.java", "")
    assert kotlin.path == "app/Util.kt" and TRACE in kotlin.why


def test_a_path_through_a_scoped_package_directory_is_that_file(make_repo):
    repo = make_repo({"packages/@vue/cli/lib/create.js": "function create(name) { return name; }\n",
                      "packages/@vue/cli-service/lib/create.js": "function create(opts) { return opts; }\n"})
    assert _named(repo, ["Running packages/@vue/cli/lib/create.js with a name fails"]) == \
        [{"packages/@vue/cli/lib/create.js"}]


def test_a_file_then_its_line_in_words_is_a_place(make_repo):
    repo = make_repo({"MyApp/Model.swift": "struct Model {\n    var items: [Int]\n"
                                           "    func first() -> Int { items[0] }\n}\n",
                      "src/a.py": "def one():\n    return 1\n\n\ndef two():\n    return 2\n",
                      "src/b.py": "def three():\n    return 3\n"})
    ix = RepoIndex.open(repo)
    try:
        tops = [ix.search(q, k=1)[0] for q in (
            "Fatal error: Index out of range: file MyApp/Model.swift, line 3",
            "The value returned in src/a.py line 6 is wrong", "The value returned by src/a.py at line 6 is wrong")]
    finally:
        ix.close()
    assert [(t.path, TRACE in t.why) for t in tops] == \
        [("MyApp/Model.swift", True), ("src/a.py", True), ("src/a.py", True)]
    assert [t.spans[0].start for t in tops[1:]] == [5, 5]



def test_a_word_before_a_remark_in_parentheses_is_no_call():
    q = analyze("Exporting rows fails (sometimes) when the value (an int) is large; retry(job) and `flush (buf)` "
                "are called")
    assert {"fails", "value"} & q.code_idents == set() and {"retry", "flush"} <= q.code_idents


def test_a_file_of_any_indexed_kind_named_in_the_query_is_a_path(make_repo):
    files = {"templates/admin/change_form.html": "<form>{{ form }}</form>\n", "static/app.css": "body { margin: 0 }\n",
             "db/schema.sql": "CREATE TABLE users (id INT);\n", "MANIFEST.in": "include README.md\n",
             "scripts/build.sh": "#!/bin/sh\nmake all\n", "proto/api.proto": "syntax = \"proto3\";\n",
             "app/views.py": "def change_form(request):\n    return request\n"}
    named = _named(make_repo(files), [f"Something is off in {p.rsplit('/', 1)[-1]} since 2.0" for p in files])
    assert named == [{p} for p in files]


def test_a_file_known_by_its_name_alone_is_a_path(make_repo):
    repo = make_repo({"Dockerfile": "FROM python:3.12\nCOPY . /app\n", "docker/dev/Dockerfile": "FROM node:20\n",
                      "Makefile": "test:\n\tpytest\n", "Gemfile": "source 'https://rubygems.org'\n",
                      "app/build.py": "def build_image():\n    return 'docker build'\n"})
    assert _named(repo, ["The Dockerfile does not copy the config", "docker/dev/Dockerfile pins an old node",
                         "make test (the Makefile target) and the Gemfile disagree", "Makefiles are hard"]) == \
        [{"Dockerfile"}, {"docker/dev/Dockerfile"}, {"Makefile", "Gemfile"}, set()]


def test_a_heading_that_only_starts_with_a_boilerplate_word_is_read():
    issue = ("Loader ignores the home setting\n\n### Environment variables are ignored by the loader\n"
             "The loader in src/config.py never reads GENIE_HOME.\n\n"
             "## Platform-specific line endings break the parser\nsrc/parse.py splits on LF only.\n\n"
             "### Environment\n- OS: Linux\n- docs/env.md\n\n**Environment (please complete the following):**\n"
             " - OS: macOS\n - docs/env2.md\n")
    q = analyze(issue)
    assert q.paths == ["src/config.py", "src/parse.py"] and "GENIE_HOME" in q.code_idents


def test_a_path_or_name_with_markdown_escaped_underscores_is_read_unescaped(make_repo):
    repo = make_repo({"src/my_module.py": "def load_all_rows(path):\n    return path\n",
                      "src/other.py": "def load(path):\n    return path\n"})
    assert _named(repo, [r"Since 2.0 src/my\_module.py fails to import"]) == [{"src/my_module.py"}]
    assert "load_all_rows" in analyze(r"calling load\_all\_rows on a file fails").code_idents
