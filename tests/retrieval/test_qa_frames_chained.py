"""Which frames of a pasted trace count most when one issue holds several exceptions: Python's chained tracebacks
(``During handling of the above exception, ...``, ``The above exception was the direct cause ...``), whose first
traceback is the root cause, and several Java traces, each with its own last ``Caused by:``."""

from __future__ import annotations

from genie_tui.retrieval.query import analyze

# --- Python: the first traceback of a chain is the root cause ---------------------------------------------------

PY = {f"src/shop/{name}.py": "\n".join(f"def f{i}():\n    return {i}" for i in range(30)) + "\n"
      for name in ("cli", "loader", "config", "errors", "db", "report")}
PY["src/shop/__init__.py"] = ""
S = "src/shop/"
SITE = "/home/u/.venv/lib/python3.11/site-packages/shop/"

DURING = f"""Loading a config without a `db` section crashes:

```
Traceback (most recent call last):
  File "{SITE}loader.py", line 30, in load
    url = config.get("db", "url")
  File "{SITE}config.py", line 8, in get
    return self._sections[section][key]
KeyError: 'db'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/home/u/bin/shop", line 8, in <module>
    sys.exit(main())
  File "{SITE}cli.py", line 12, in main
    load(args.config)
  File "{SITE}loader.py", line 33, in load
    raise errors.ConfigError(section)
  File "{SITE}errors.py", line 9, in __init__
    super().__init__("missing section %s" % section, hint)
TypeError: not all arguments converted during string formatting
```
"""


def test_the_root_cause_of_a_chained_traceback_counts_most(make_repo, trace_signal):
    trace = trace_signal(make_repo(PY), DURING)
    # the original exception's raising frame first, then the handler's, then their callers
    assert trace[S + "config.py"] == 1.0
    assert 1.0 > trace[S + "errors.py"] > trace[S + "loader.py"] > trace[S + "cli.py"] > 0.0
    # each traceback's innermost frame before any caller, the root cause's before the later one's
    assert [(f.path.rsplit("/", 1)[-1], f.line) for f in analyze(DURING).frames][-4:] == [
        ("loader.py", 33), ("loader.py", 30), ("errors.py", 9), ("config.py", 8)]


def test_a_direct_cause_counts_more_than_the_exception_that_wraps_it(make_repo, trace_signal):
    text = (f"```pytb\nTraceback (most recent call last):\n"
            f'  File "{SITE}db.py", line 21, in connect\n    return driver.open(url)\n'
            f'  File "{SITE}config.py", line 5, in url\n    return self.raw["url"].format(**env)\n'
            "KeyError: 'HOST'\n\n"
            "The above exception was the direct cause of the following exception:\n\n"
            f"Traceback (most recent call last):\n"
            f'  File "{SITE}report.py", line 14, in build\n    conn = db.connect()\n'
            f'  File "{SITE}db.py", line 23, in connect\n    raise errors.DatabaseError("cannot connect") from e\n'
            "shop.errors.DatabaseError: cannot connect\n```\n")
    trace = trace_signal(make_repo(PY), text)
    assert trace[S + "config.py"] == 1.0
    assert 1.0 > trace[S + "db.py"] > trace[S + "report.py"] > 0.0
    # without the chain's line the two are unrelated tracebacks, the last one's raising frame the strongest
    trace = trace_signal(make_repo(PY, name="unchained"), text.replace(
        "The above exception was the direct cause of the following exception:", "Then I tried again:"))
    assert trace[S + "db.py"] == 1.0 > trace[S + "config.py"]


def test_a_traceback_after_a_chain_is_not_part_of_it(make_repo, trace_signal):
    later = (f"\nWith the section added it fails later, in the report:\n\n```\nTraceback (most recent call last):\n"
             f'  File "{SITE}report.py", line 3, in build\n    rows = fetch()\nValueError: no rows\n```\n')
    trace = trace_signal(make_repo(PY), DURING + later)
    assert trace[S + "report.py"] == 1.0  # the last traceback's, as without the chain before it
    assert 1.0 > trace[S + "config.py"] > trace[S + "errors.py"] > trace[S + "cli.py"] > 0.0
    # nor is a place the text names after the chain's last exception
    trace = trace_signal(make_repo(PY, name="named"), DURING + "\nThe format string is in src/shop/report.py:3.\n")
    assert trace[S + "report.py"] == 1.0 > trace[S + "config.py"]


def test_pytest_s_chained_failures_count_each_root_cause_most(make_repo, trace_signal):
    # pytest prints the chain with the same lines between its ``path:line: Error`` entries; a new test's header
    # (``____ test_b ____``) starts another chain
    text = ("=================== FAILURES ===================\n"
            "____________________ test_a ____________________\n\n"
            "    def f():\n>       raise KeyError(1)\nE       KeyError: 1\n\nsrc/shop/config.py:4: KeyError\n\n"
            "During handling of the above exception, another exception occurred:\n\n"
            "    def g():\n>       raise ValueError(2)\nE       ValueError: 2\n\nsrc/shop/loader.py:6: ValueError\n\n"
            "____________________ test_b ____________________\n\n"
            "    def h():\n>       raise OSError\nE       OSError\n\nsrc/shop/db.py:8: OSError\n\n"
            "The above exception was the direct cause of the following exception:\n\n"
            "    def k():\n>       raise RuntimeError\nE       RuntimeError\n\nsrc/shop/report.py:10: RuntimeError\n")
    trace = trace_signal(make_repo(PY), text)
    assert trace[S + "db.py"] == 1.0  # the later failure's root cause
    assert 1.0 > trace[S + "report.py"] > trace[S + "config.py"] > trace[S + "loader.py"] > 0.0


# --- Java: each trace of an issue has its own root cause ---------------------------------------------------------

def _java(cls: str) -> str:
    return f"package com.acme;\n\npublic class {cls} {{\n    void run() {{}}\n}}\n"


JAVA = {f"src/main/java/com/acme/{c}.java": _java(c) for c in ("App", "Loader", "Parser", "Lexer", "Cli")}
J = "src/main/java/com/acme/"


def test_each_java_trace_counts_its_own_causes(make_repo, trace_signal):
    text = ("Running the app:\n\n```\n"
            'Exception in thread "main" java.lang.IllegalArgumentException: empty input\n'
            "\tat com.acme.Lexer.next(Lexer.java:12)\n"
            "\tat com.acme.App.main(App.java:5)\n```\n\n"
            "and from the command line tool:\n\n```\n"
            "java.lang.RuntimeException: failed to load\n"
            "\tat com.acme.Loader.load(Loader.java:20)\n"
            "\tat com.acme.Cli.run(Cli.java:9)\n"
            "Caused by: java.lang.IllegalStateException: bad token\n"
            "\tat com.acme.Parser.parse(Parser.java:57)\n"
            "\tat com.acme.Loader.load(Loader.java:18)\n"
            "\t... 1 more\n```\n")
    trace = trace_signal(make_repo(JAVA), text)
    # the first trace's raising frame, as with no cause anywhere; the second trace's cause before its wrapper
    assert trace[J + "Lexer.java"] == 1.0
    assert 1.0 > trace[J + "Parser.java"] > trace[J + "Loader.java"] > trace[J + "Cli.java"] > 0.0


def test_a_later_java_trace_s_causes_do_not_outrank_the_first_one_s(make_repo, trace_signal):
    text = ('Exception in thread "main" java.lang.RuntimeException: failed to load\n'
            "\tat com.acme.Loader.load(Loader.java:20)\n"
            "\tat com.acme.App.main(App.java:5)\n"
            "Caused by: java.lang.IllegalStateException: bad token\n"
            "\tat com.acme.Parser.parse(Parser.java:57)\n"
            "\t... 1 more\n\n"
            "Retrying from the command line gives another one:\n\n"
            'Exception in thread "main" java.lang.RuntimeException: cli failed\n'
            "\tat com.acme.Cli.run(Cli.java:9)\n"
            "\tat com.acme.App.main(App.java:7)\n"
            "Caused by: java.lang.IllegalArgumentException: empty input\n"
            "\tat com.acme.Lexer.next(Lexer.java:12)\n"
            "\t... 2 more\n")
    trace = trace_signal(make_repo(JAVA), text)
    # each trace's root cause before the exceptions it caused, the first trace's first
    assert trace[J + "Parser.java"] == 1.0
    assert 1.0 > trace[J + "Lexer.java"] > trace[J + "Loader.java"] > trace[J + "Cli.java"] > 0.0
