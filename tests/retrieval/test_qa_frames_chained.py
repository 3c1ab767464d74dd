"""Which frames of a pasted trace count most when one issue holds several exceptions: several Java traces, each
with its own last ``Caused by:``."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex


def _trace(repo: object, text: str) -> dict[str, float]:
    """The trace signal of each file ``text`` finds in ``repo`` (0 where it is not set)."""
    ix = RepoIndex.open(repo)  # type: ignore[arg-type]
    try:
        return {path: feats.get("trace") or 0.0 for path, feats in ix.features(text)}
    finally:
        ix.close()


# --- Java: each trace of an issue has its own root cause ---------------------------------------------------------

def _java(cls: str) -> str:
    return f"package com.acme;\n\npublic class {cls} {{\n    void run() {{}}\n}}\n"


JAVA = {f"src/main/java/com/acme/{c}.java": _java(c) for c in ("App", "Loader", "Parser", "Lexer", "Cli")}
J = "src/main/java/com/acme/"


def test_each_java_trace_counts_its_own_causes(make_repo):
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
    trace = _trace(make_repo(JAVA), text)
    # the first trace's raising frame, as with no cause anywhere; the second trace's cause before its wrapper
    assert trace[J + "Lexer.java"] == 1.0
    assert 1.0 > trace[J + "Parser.java"] > trace[J + "Loader.java"] > trace[J + "Cli.java"] > 0.0


def test_a_later_java_trace_s_causes_do_not_outrank_the_first_one_s(make_repo):
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
    trace = _trace(make_repo(JAVA), text)
    # each trace's root cause before the exceptions it caused, the first trace's first
    assert trace[J + "Parser.java"] == 1.0
    assert 1.0 > trace[J + "Lexer.java"] > trace[J + "Loader.java"] > trace[J + "Cli.java"] > 0.0
