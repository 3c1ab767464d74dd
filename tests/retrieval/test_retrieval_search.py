"""Search ranking signals, stack-trace parsing, repo map, and the ``genie index`` / ``genie search`` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.query import analyze

FILES = {
    "shop/__init__.py": "",
    "shop/cart.py": textwrap.dedent('''
        """Shopping cart."""
        from shop.pricing import apply_discount


        class Cart:
            """Items a customer is about to buy."""

            def __init__(self):
                self.items = []

            def add_item(self, item, quantity=1):
                self.items.append((item, quantity))

            def total(self):
                subtotal = sum(i.price * q for i, q in self.items)
                return apply_discount(subtotal, self.coupon)
        ''').lstrip(),
    "shop/pricing.py": textwrap.dedent('''
        """Prices, coupons and discounts."""


        def apply_discount(amount, coupon):
            """Reduce amount by the coupon's percentage."""
            if coupon is None:
                return amount
            return amount * (1 - coupon.percent / 100)


        def format_price(amount):
            return f"${amount:.2f}"
        ''').lstrip(),
    "shop/shipping.py": "def shipping_cost(weight):\n    return 5 + weight * 0.1\n",
    "tests/test_pricing.py": "from shop.pricing import apply_discount\n\n\ndef test_discount():\n"
                             "    assert apply_discount(100, None) == 100\n",
    "docs/pricing.md": "# Pricing\n\nDiscounts and coupons are applied at checkout.\n",
}

TRACE = """Crash when the coupon is missing

Traceback (most recent call last):
  File "/home/me/project/shop/cart.py", line 15, in total
    return apply_discount(subtotal, self.coupon)
AttributeError: 'Cart' object has no attribute 'coupon'
"""


def test_keyword_query_ranks_the_defining_file_first_with_spans(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    res = ix.search("discount percentage of a coupon is wrong", k=5)
    assert res[0].path == "shop/pricing.py"
    assert res[0].spans[0].symbol == "apply_discount"
    assert (res[0].spans[0].start, res[0].spans[0].end) == (4, 8)
    assert res[0].why
    assert [r.score for r in res] == sorted((r.score for r in res), reverse=True)


def test_tests_and_docs_are_demoted_for_a_non_test_query(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    paths = [r.path for r in ix.search("apply_discount coupon pricing", k=5)]
    assert paths.index("shop/pricing.py") < paths.index("tests/test_pricing.py")
    assert paths.index("shop/pricing.py") < paths.index("docs/pricing.md")


def test_stack_trace_points_at_the_frame_and_its_function(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    res = ix.search(TRACE, k=3)
    assert res[0].path == "shop/cart.py"
    assert "stack trace" in res[0].why
    top = res[0].spans[0]
    assert top.symbol == "total" and top.start <= 15 <= top.end


def test_stack_trace_parsing_of_several_languages():
    q = analyze(textwrap.dedent("""
        Error in prod
          File "src/app/views.py", line 42, in handler
        TypeError: x
            at renderList (webapp/src/list.tsx:17:9)
        thread 'main' panicked at src/parser.rs:88:5
        main.go:12: something
        see also lib/util.rb and `Parser.parse_header()`
    """))
    got = {(f.path, f.line) for f in q.frames}
    assert {("src/app/views.py", 42), ("webapp/src/list.tsx", 17), ("src/parser.rs", 88), ("main.go", 12)} <= got
    assert next(f for f in q.frames if f.path == "src/app/views.py").func == "handler"
    assert "lib/util.rb" in q.paths
    assert {"parse_header", "Parser"} <= q.code_idents


def test_boilerplate_version_dump_is_ignored():
    q = analyze("Plotting fails for empty arrays\n\nThe plot breaks.\n\n### Environment\n"
                "numpy: 1.21.0\nmatplotlib: 3.4.2\nsetuptools: 58.0\n")
    assert "setuptools" not in q.tokens and "matplotlib" not in q.tokens
    assert q.title_tokens == ["plotting", "fails", "empty", "arrays"]


def test_a_pasted_help_text_is_read_in_linear_time():
    """Indented lines with a colon and a version in them (``--help`` output) took a millisecond each to be told
    from a version listing, the pattern's optional spaces trying every way to share out the indentation: 3,000
    such lines took over 4 s, and take a few hundredths of that now."""
    help_text = "\n".join(" " * 40 + f"--opt-{i}  needs Python 3.{i % 9}: the checker_option_{i} of it" for i in range(3000))
    t0 = time.perf_counter()
    q = analyze("Options are ignored\n\n```\n" + help_text + "\n```\n    numpy: 1.21.0\n")
    assert time.perf_counter() - t0 < 2.0
    assert "checker_option_7" in q.code_idents and "numpy" not in q.tokens  # the help stays, the version goes


def test_boilerplate_heading_drops_its_listing_only():
    """A one-line "Version: ..." drops itself; a heading drops the listing under it up to a blank line, a fenced
    block or a version dump in <details>; the issue's text around them stays."""
    q = analyze("Incorrect caching of skipif conditions\nVersion: pytest 5.4.3, current master\n\n"
                "pytest caches the evaluation (see `cached_eval` in `_pytest/mark/evaluate.py`).\n")
    assert "_pytest/mark/evaluate.py" in q.paths and "cached_eval" in q.code_idents
    assert "master" not in q.tokens
    q = analyze("Teardown runs\n\n**Environment**:\n\n- OS: Linux\n- Python: 3.8.3\n\n"
                "After that the `unittest_teardown` hook fails.\n\n## Versions\n```\nnumpy: 1.21\n\n"
                "scipy: 1.7\n```\nMore about `skip_marker_reason`.\n")
    assert {"unittest_teardown", "skip_marker_reason"} <= q.code_idents
    assert "linux" not in q.tokens and "scipy" not in q.tokens
    q = analyze("Dataset.update computes\n\n**Environment**:\n\n<details><summary>versions</summary>\n"
                "INSTALLED VERSIONS\ncommit: None\npython: 3.8.3\nxarray: 0.16.0\npandas: 1.0.5\nnumpy: 1.18.5\n"
                "dask: 2.20.0\n</details>\nDataset constructor with DataArray triggers chunk_computation\n")
    assert "chunk_computation" in q.code_idents and "pandas" not in q.tokens
    # a line of pasted output that starts with such a word is no heading: the failure below it stays
    q = analyze("Encoded file fails\n\n```\nplatform darwin -- Python 3.7.3, pytest-4.5.0\ncollected 1 item\n"
                "    def write(self, obj):\nE   TypeError: write() argument must be str\n```\n")
    assert "write" in q.tokens and "typeerror" in q.tokens
    q = analyze("Environment variables are ignored by the runner\n\nThe `env_passthrough` option does nothing.\n")
    assert q.title_tokens[:2] == ["environment", "variables"] and "env_passthrough" in q.code_idents
    # pip list's table
    q = analyze("Broken\n\n$ pip list\nPackage    Version\nattrs      21.4.0\niniconfig  1.1.1\n")
    assert "attrs" not in q.tokens and "iniconfig" not in q.tokens
    q = analyze("Retries stop early\n\n```\nretry_backoff = 2.5\n```\n\npip freeze:\nattrs==19.3.0\nzipp==0.6.0\n")
    assert "retry_backoff" in q.code_idents and "zipp" not in q.tokens


def test_issue_template_comments_are_not_read():
    q = analyze("Rolling mean drops attrs\n<!-- Please include a minimal example.\n\n- Craft Minimal Bug Reports:\n"
                "http://matthewrocklin.com/blog/minimal-bug-reports -->\n\nThe `keep_attrs` flag is ignored.\n"
                "The `<!-- include_header -->` directive is fine.\n  <!-- an unclosed_comment stays\n")
    assert "keep_attrs" in q.code_idents and "include_header" in q.code_idents and "unclosed_comment" in q.code_idents
    assert "craft" not in q.tokens and "matthewrocklin" not in q.tokens and "minimal" not in q.tokens


def test_paths_named_in_prose_outrank_paths_in_listings(make_repo):
    files = {"app/reader.py": "def load(path):\n    return open(path).read()\n",
             "app/writer.py": "def save(path, text):\n    open(path, 'w').write(text)\n"}
    q = analyze("Loading breaks\n\nThe problem is in `app/reader.py` I think.\n\n```\n"
                "$ cat app/writer.py\n```\n")
    assert "app/reader.py" in q.said and "app/writer.py" not in q.said
    assert {"app/reader.py", "app/writer.py"} <= set(q.paths)
    trace = 'Traceback (most recent call last):\n  File "/srv/app/writer.py", line 2, in save\n'
    assert "app/writer.py" not in analyze("Saving breaks\n\n" + trace).said
    ix = RepoIndex.open(make_repo(files))
    ranked = [r.path for r in ix.search("Something breaks\n\nI think it is app/reader.py.\n\n```\n"
                                          "$ ls app/writer.py\n```\n")]
    assert ranked[:2] == ["app/reader.py", "app/writer.py"]
    ranked = [r.path for r in ix.search("Something breaks\n\nI think it is app/writer.py.\n\n```\n"
                                          "$ ls app/reader.py\n```\n")]
    assert ranked[:2] == ["app/writer.py", "app/reader.py"]


def test_repo_map_puts_files_in_play_first_within_budget(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    text = ix.repo_map(files=["shop/shipping.py"], budget_tokens=60)
    assert text.startswith("shop/shipping.py:")
    assert len(text) <= 60 * 4
    full = ix.repo_map(task="discount on the cart total", budget_tokens=2000)
    assert "def apply_discount" in full and "class Cart" in full


def test_find_files_glob_and_substring(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    assert ix.find_files("shop/*.py") == ["shop/__init__.py", "shop/cart.py", "shop/pricing.py", "shop/shipping.py"]
    assert ix.find_files("**/test_*.py") == ["tests/test_pricing.py"]
    assert ix.find_files("PRICING")[:2] == ["docs/pricing.md", "shop/pricing.py"]
    assert ix.find_files("pricing", limit=1) == ["docs/pricing.md"]


def test_cli_search_json_and_query_file(make_repo, tmp_path, capsys):
    repo = make_repo(FILES)
    issue = tmp_path / "issue.txt"
    issue.write_text(TRACE)
    assert main(["search", f"@{issue}", "--repo", str(repo), "-k", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"results", "elapsed_ms"}
    assert len(out["results"]) == 2
    first = out["results"][0]
    assert set(first) == {"path", "score", "spans", "why"} and first["path"] == "shop/cart.py"
    assert set(first["spans"][0]) == {"start", "end", "symbol"}


def test_cli_search_text_and_errors(make_repo, tmp_path, capsys):
    repo = make_repo(FILES)
    assert main(["search", "shipping cost weight", "--repo", str(repo)]) == 0
    assert "shop/shipping.py" in capsys.readouterr().out.splitlines()[0]
    assert main(["search", "@" + str(tmp_path / "missing.txt"), "--repo", str(repo)]) == 2
    assert "cannot read query file" in capsys.readouterr().err
    assert main(["search", "   ", "--repo", str(repo)]) == 2


def test_cli_index_summary_and_explain(make_repo, capsys):
    repo = make_repo(FILES)
    assert main(["index", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("6 files, ") and "definitions" in out and out.rstrip().endswith("removed)")
    assert main(["index", "--repo", str(repo), "--explain", "docs/pricing.md"]) == 0
    assert "indexed as plain text" in capsys.readouterr().out


def test_search_cli_imports_no_heavy_modules():
    code = ("import sys, genie_tui.cli, genie_tui.retrieval, genie_tui.retrieval.cli; "
            "bad = [m for m in ('textual', 'tree_sitter', 'openai', 'sqlite3') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("changed", ["beta.py", "b\u00e9ta.py"])  # git quotes a non-ASCII name unless told not to
def test_past_commit_messages_vote_for_the_files_they_changed(make_repo, changed):
    body = "def convert(value):\n    return value\n"
    repo = make_repo({"alpha.py": body, changed: body})
    (repo / changed).write_text(body + "\n\ndef helper():\n    return 1\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", "commit", "-qam", "Fix calendar export dropping the timezone offset"], cwd=repo,
                   check=True, env=env)
    ix = RepoIndex.open(repo)
    res = ix.search("Calendar export loses timezone offset", k=2)
    assert res[0].path == changed
    assert "commit" in res[0].why


def test_stack_frames_of_other_languages_and_windows_paths():
    q = analyze(textwrap.dedent("""\
        Crash on submit
        TypeError: x is undefined
            at send (/home/u/app/lib/response.js:141:21)
        Exception in thread "main" java.lang.NullPointerException
        \tat com.google.gson.Gson.fromJson(Gson.java:1227)
        \tat com.example.FooKt.main(Foo.kt:7)
           at MyApp.OrderService.Submit(Order o) in C:\\src\\MyApp\\Services\\OrderService.cs:line 42
        PHP Fatal error: Uncaught Error in /var/www/app/src/Controller/UserController.php:27
        thread 'main' panicked at src/parser/mod.rs:42:9:
    """))
    # each place once, weakest first: ``file:line`` places in the text's order, then the ``at`` frames that
    # Node, Java, Kotlin, C# and Rust print innermost first, the first printed last, and PHP's uncaught
    # exception's place, printed before its ``#0`` caller
    assert [(f.path, f.line, f.func) for f in q.frames] == [
        ("src/parser/mod.rs", 42, ""), ("var/www/app/src/Controller/UserController.php", 27, ""),
        ("src/MyApp/Services/OrderService.cs", 42, ""), ("com/example/Foo.kt", 7, "main"),
        ("com/google/gson/Gson.java", 1227, "fromJson"),
        ("home/u/app/lib/response.js", 141, "send")]


def test_links_to_code_are_places_like_frames():
    q = analyze(textwrap.dedent("""\
        Wrong count for several dims
        The logic is here:
        https://github.com/pydata/xarray/blob/1be777fe725a85b8cc0f65a2bc41f4bc2ba18043/xarray/core/nanops.py#L35
        and https://github.com/pytest-dev/pytest/blob/main/src/_pytest/reports.py#L129-L149 and
        <https://gitlab.com/group/sub/proj/-/blob/v2.1/lib/parse.rb#L12>, see
        (https://bitbucket.org/team/app/src/0a1b2c3d/app/views.py#lines-7), the file
        https://github.com/o/r/blob/3.x/sphinx/util/typing.py and the docs
        https://docs.python.org/3/library/functions.html#int and, with an extension that starts like a shorter
        one, https://github.com/o/r/blob/main/src/App.tsx#L35 and https://github.com/o/r/blob/main/src/main.cpp#L10-L20
    """))
    assert [(f.path, f.line) for f in q.frames] == [("xarray/core/nanops.py", 35), ("src/_pytest/reports.py", 129),
                                                    ("lib/parse.rb", 12), ("app/views.py", 7), ("src/App.tsx", 35),
                                                    ("src/main.cpp", 10)]
    assert "sphinx/util/typing.py" in q.paths and not any("functions" in p for p in q.paths)


def test_a_link_to_a_line_points_at_that_file_and_span(make_repo):
    filler = "".join(f"def reduce_{i}(values, axis):\n    return values.sum(axis)  # reduce along axis\n\n"
                     for i in range(30))
    repo = make_repo({
        "pkg/reductions.py": "def sum_values(values, dims):\n    '''sum over dims'''\n"
                             "    return values.sum(dims)  # sum over several dims\n",
        "pkg/masks.py": filler + "def count_valid(mask, axis):\n    return mask.shape[axis] - mask.sum(axis)\n",
    })
    ix = RepoIndex.open(repo)
    text = ("sum: min_count is not available for more than one dims\n\nThe number of valid values is counted "
            "here: https://github.com/org/pkg/blob/0123abcd/pkg/masks.py#L91\n")
    hits = ix.search(text, k=2)
    assert hits[0].path == "pkg/masks.py" and "code link" in hits[0].why
    assert hits[0].spans[0].symbol == "count_valid"
    ix.close()


def test_a_windows_stack_frame_points_at_its_line(make_repo):
    body = ["class OrderService {", "  void Submit(Order o) {"] + ["    submit(order); // submit the order"] * 80 + [
        "  }", "  void Audit(Entry e) {"] + ["    e.Check();"] * 20 + ["  }", "}"]
    repo = make_repo({"src/MyApp/Services/OrderService.cs": "\n".join(body) + "\n"})
    assert body[94] == "    e.Check();"  # line 95 is in Audit, which shares no word with the task
    ix = RepoIndex.open(repo)
    hits = ix.search("Submit order fails\n   at MyApp.OrderService.Submit(Order o) in "
                     "C:\\build\\src\\MyApp\\Services\\OrderService.cs:line 95", k=1)  # cloned to C:\\build
    assert hits[0].path == "src/MyApp/Services/OrderService.cs"
    top = hits[0].spans[0]
    assert top.start <= 95 <= top.end, hits[0].spans[:3]
    ix.close()


def test_frames_of_the_installed_package_count_for_its_src_layout(make_repo):
    """A traceback from the installed package names site-packages/mypkg/core.py: that is src/mypkg/core.py;
    a frame in Python's own library is not the repository's same-named module."""
    filler = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n" for i in range(40))
    repo = make_repo({
        "src/mypkg/__init__.py": "",
        "src/mypkg/core.py": filler + "def explode(cfg):\n    return cfg['missing']\n",
        "src/mypkg/logging/__init__.py": "def warn(msg):\n    return msg\n",
        "src/mypkg/config.py": "def load(path):\n    return {}  # load the config file\n",
    })
    trace = ('Crash when the config file is empty\nTraceback (most recent call last):\n'
             '  File "/usr/lib/python3.11/logging/__init__.py", line 1, in warn\n'
             '  File "/home/u/.venv/lib/python3.11/site-packages/mypkg/core.py", line 122, in explode\n'
             "KeyError: 'missing'\n")
    ix = RepoIndex.open(repo)
    hits = ix.search(trace, k=3)
    assert hits[0].path == "src/mypkg/core.py" and "stack trace" in hits[0].why
    assert hits[0].spans[0].symbol == "explode"
    logging_hit = next((h for h in hits if h.path == "src/mypkg/logging/__init__.py"), None)
    assert logging_hit is None or "stack trace" not in logging_hit.why
    ix.close()


def test_an_issue_form_s_version_and_extension_sections_are_environment():
    """GitHub issue forms ask for the environment one field at a time (``### Python version``, ``### Sphinx
    version``, ``### Sphinx extensions``, ``### Pylint version``): the answers are the user's set-up, as under
    ``### Environment``, not where the bug is. The extension named there (``sphinx.ext.autodoc``) made
    ``sphinx/ext/autodoc/__init__.py`` a file the issue names, and it ranked first over the one to fix."""
    issue = ("autodoc_typehints puts a return type on classes\n### Describe the bug\n\nUsing `autodoc_typehints` "
             "adds a return type to `autoclass` output.\n\n### How to Reproduce\n\n```python\nextensions = "
             "['sphinx.ext.napoleon']\n```\n\n### Python version\n\n3.9\n\n### Sphinx version\n\n4.4.0\n\n"
             "### Sphinx extensions\n\nsphinx.ext.autodoc, sphinx.ext.intersphinx\n\n### Extra tools\n\n"
             "Firefox from sphinx.ext.todo\n\n### Sphinx extensions are loaded twice in parallel builds\n\n"
             "See sphinx.util.parallel for the loader.\n")
    q = analyze(issue)
    assert "sphinx.ext.autodoc" not in q.dotted and "sphinx.ext.intersphinx" not in q.dotted
    assert "intersphinx" not in q.tokens
    # the issue's own text stays: a code block, a section that is no environment field, a heading that says more
    assert {"sphinx.ext.napoleon", "sphinx.ext.todo", "sphinx.util.parallel"} <= set(q.dotted)
    assert "autodoc_typehints" in q.code_idents
