"""Messages quoted in a task (an error, a warning, a log line) lead to the string literal that prints them."""

from __future__ import annotations

import textwrap

from genie_tui.retrieval import RepoIndex

# Each file talks about numbers, tables and figures; only one of them prints the warning the issue quotes.
FILES = {
    "docs/domains/std.py": textwrap.dedent('''\
        from logging import getLogger

        logger = getLogger(__name__)


        def numbered_reference(env, figtype, labelid, builder):
            """Resolve a numbered reference to a table, figure or code block."""
            fignumber = env.toc_fignumbers.get(labelid)
            if fignumber is None:
                logger.warning("no number is assigned for %s: %s", figtype, labelid)
                return None
            return fignumber
        '''),
    "docs/writers/latex.py": textwrap.dedent('''\
        def visit_table(self, node):
            """Write a table with its caption."""
            self.table_number = self.table_number + 1
            self.tables.append(node)


        def visit_figure(self, node):
            """Write a figure."""
            self.figure_number = self.figure_number + 1
        '''),
    "docs/numbering.py": textwrap.dedent('''\
        def assign_numbers(tables, figures):
            """Number the tables and figures (numfig)."""
            for number, table in enumerate(tables):
                table.number = number
            return tables, figures
        '''),
}

ISSUE = """v3.3 upgrade started generating new warnings

After updating, every build of singlehtml or latex prints

    WARNING: no number is assigned for table:

Could anyone point me to where these warnings come from?
"""


def test_a_quoted_warning_leads_to_the_literal_that_prints_it(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    hits = ix.search(ISSUE, k=3)
    assert hits[0].path == "docs/domains/std.py", [h.path for h in hits]
    assert "text quoted" in hits[0].why
    top = hits[0].spans[0]
    assert top.start <= 10 <= top.end and top.symbol == "numbered_reference"
    ix.close()


def test_placeholders_interpolations_and_concatenations_in_several_languages(make_repo):
    repo = make_repo({
        "app/config.py": 'def load(path):\n    raise ValueError(\n        f"config file {path!r} is empty or "\n'
                         '        "has no sections at all"\n    )\n',
        "web/router.js": "function route(req) {\n  throw new Error(`no handler registered for ${req.method} "
                         "requests on this path`);\n}\n",
        "cmd/serve.go": 'package cmd\n\nimport "fmt"\n\nfunc Serve(port int) error {\n'
                        '\treturn fmt.Errorf("port %d is already taken by another process", port)\n}\n',
        "src/lib.rs": 'pub fn open(name: &str) {\n    panic!("cannot open the archive {} because {:?}", name, 1);\n}\n',
        "lib/plain.rb": 'def greet(name)\n  puts "hello #{name} and welcome to the shop"\nend\n',
        "app/Report.kt": 'fun report() {\n    val text = """\n        the monthly report has no rows yet\n    """\n}\n',
        "Sources/Raw.swift": 'func check() {\n    print(#"the archive index is corrupt and was rebuilt"#)\n}\n',
        "lib/queue.rb": 'def push(job)\n  raise <<~MSG\n    the queue for #{job} is closed and cannot accept jobs\n  MSG\nend\n',
        "src/Mail.php": "<?php\n$body = <<<'EOT'\nyour password reset link has expired already\nEOT;\n",
        "lib/loader.rb": 'def load(path)\n  raise ArgumentError, "the settings " \\\n    "file could " \\\n    "not be " "parsed"\nend\n',
        "src/tab.c": 'void warn(void) {\n    puts("columns\\tmust\\tbe\\tseparated\\tby\\ttabs");\n}\n',
    })
    ix = RepoIndex.open(repo)
    cases = {
        "Crash: ValueError: config file '/etc/app.ini' is empty or has no sections at all": ("app/config.py", 3),
        "Error: no handler registered for POST requests on this path": ("web/router.js", 2),
        "serve fails: port 8080 is already taken by another process": ("cmd/serve.go", 6),
        "thread 'main' panicked: cannot open the archive data.tar because NotFound": ("src/lib.rs", 2),
        "The greeting says hello Ann and welcome to the shop twice": ("lib/plain.rb", 2),
        "It prints: the monthly report has no rows yet": ("app/Report.kt", 2),  # a multi-line string
        "Log says: the archive index is corrupt and was rebuilt": ("Sources/Raw.swift", 2),  # a raw string
        "Error: the queue for mailer is closed and cannot accept jobs": ("lib/queue.rb", 3),  # a heredoc
        "The mail says your password reset link has expired already": ("src/Mail.php", 3),  # a nowdoc
        "ArgumentError: the settings file could not be parsed": ("lib/loader.rb", 2),  # Ruby's "a " \\ "b"
        "It warns that columns must be separated by tabs": ("src/tab.c", 2),  # words apart by escapes only
    }
    for text, (path, line) in cases.items():
        hits = ix.search(text, k=1)
        assert hits[0].path == path and "text quoted" in hits[0].why, (text, hits[0])
        assert any(s.start <= line <= s.end for s in hits[0].spans), (text, hits[0].spans)
    ix.close()


def test_a_few_common_words_a_message_the_text_only_starts_or_a_link_are_no_match(make_repo):
    repo = make_repo({
        "a.py": 'def f():\n    raise KeyError("value is missing")\n',  # three words: too common to count
        "b.py": 'def g(x):\n    raise TypeError("expected a mapping of names to callables, got %r" % x)\n',
        "c.py": 'DOCS = "https://docs.example-shop.org/en/latest/api"\nPLUGIN = "shop.ext.payments.stripe.checkout"\n',
    })
    ix = RepoIndex.open(repo)
    text = ("the value is missing and expected a mapping of names here; see https://docs.example-shop.org/en/latest/api"
            " and the shop.ext.payments.stripe.checkout plugin")
    why = {h.path: h.why for h in ix.search(text, k=5)}  # a link or a dotted name is no message
    assert all("text quoted" not in w for w in why.values()), why
    ix.close()


def test_an_edited_message_is_matched_as_it_now_reads(make_repo):
    repo = make_repo({"jobs.py": 'def run(job):\n    raise RuntimeError("the job queue is already closed")\n',
                      "other.py": "def queue():\n    return []\n"})
    ix = RepoIndex.open(repo)
    text = "RuntimeError: the job queue is already closed"
    assert "text quoted" in ix.search(text, k=1)[0].why
    (repo / "jobs.py").write_text('def run(job):\n    raise RuntimeError("cannot accept jobs after shutdown")\n')
    ix.refresh()
    assert all("text quoted" not in h.why for h in ix.search(text, k=2))
    assert "text quoted" in ix.search("cannot accept jobs after shutdown", k=1)[0].why
    ix.close()


def test_a_huge_or_hostile_literal_does_not_stall_indexing(make_repo):
    """Placeholders are found with bounded patterns and a literal of more than a few KB is not read (an unclosed
    ``${`` repeated 200,000 times in an 800 KB file took 51 s to index before)."""
    import time

    repo = make_repo({"gen/blob.py": 'BLOB = """\n' + "${ \n" * 150_000 + '"""\n',
                      "gen/many.py": "".join(f'S{i} = "' + "${ " * 600 + '"\n' for i in range(300)),
                      "app.py": 'def f():\n    raise ValueError("the cache directory is not writable")\n'})
    start = time.perf_counter()
    ix = RepoIndex.open(repo)
    assert time.perf_counter() - start < 10
    assert ix.search("ValueError: the cache directory is not writable", k=1)[0].path == "app.py"
    ix.close()
