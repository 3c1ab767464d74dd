"""Three places an issue names that the trace reading missed: the module a ``python -m`` command runs, the root
cause of a Java trace (its last ``Caused by:`` section), and a Dart frame's ``package:`` file."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex


def _signal(repo: object, text: str, name: str) -> dict[str, float]:
    """Signal ``name`` of each file ``text`` finds in ``repo`` (0 where it is not set)."""
    ix = RepoIndex.open(repo)  # type: ignore[arg-type]
    try:
        return {path: feats.get(name) or 0.0 for path, feats in ix.features(text)}
    finally:
        ix.close()


# --- ``python -m pkg.sub``: the module Python runs ----------------------------------------------------------------

PKG = {"src/mypkg/__init__.py": "", "src/mypkg/__main__.py": "from mypkg.core import run\n\nrun()\n",
       "src/mypkg/core.py": "def run():\n    return 1\n",
       "src/mypkg/cli/__init__.py": "", "src/mypkg/cli/__main__.py": "print('cli')\n",
       "tool.py": "print('tool')\n", "server.py": "def serve():\n    pass\n"}


def test_python_m_of_a_package_names_its_main_module(make_repo):
    repo = make_repo(PKG)
    fenced = "The command fails\n\n```\n$ python3 -m mypkg --verbose\nerror: unrecognized arguments\n```\n"
    said = "Running `python -m mypkg` exits with status 2 and no message.\n"
    for text, strength in ((fenced, 0.5), (said, 1.0)):
        assert _signal(repo, text, "mention").get("src/mypkg/__main__.py", 0.0) == strength
        assert _signal(repo, text, "trace").get("src/mypkg/__main__.py", 0.0) == 0.0  # no stack frame


def test_python_m_with_options_before_it_names_a_sub_package_s_main(make_repo):
    repo = make_repo(PKG)
    for cmd in ("python -W ignore -m mypkg.cli --help", "python3.11 -X dev -u -m mypkg.cli",
                "py -3.12 -m mypkg.cli", "pythonw -m mypkg.cli", r"C:\venv\Scripts\python.exe -m mypkg.cli"):
        mention = _signal(repo, f"Crash on start\n\n```\n{cmd}\nKeyError: 'x'\n```\n", "mention")
        assert mention.get("src/mypkg/cli/__main__.py", 0.0) == 0.5, cmd


def test_python_m_of_a_plain_module_names_its_file(make_repo):
    repo = make_repo(PKG)
    mention = _signal(repo, "Hangs forever\n\n```\n$ python -m tool\n```\n", "mention")
    assert mention.get("tool.py", 0.0) == 0.5


def test_python_m_of_a_module_not_in_the_repository_names_nothing(make_repo):
    repo = make_repo(PKG)
    text = "Setup\n\n```\npython -m pip install -e .\npython -m http.server 8000\npython -m pytest -x\n```\n"
    mention = _signal(repo, text, "mention")
    assert mention.get("server.py", 0.0) == 0.0  # not ``http/server.py``
    assert not any(mention.get(p, 0.0) for p in PKG if p.startswith("src/"))


# --- Java: the root cause is the last ``Caused by:`` section ------------------------------------------------------

def _java(cls: str, body: str) -> str:
    return f"package com.acme;\n\npublic class {cls} {{\n{body}\n}}\n"


JAVA = {f"src/main/java/com/acme/{c}.java": _java(c, f"    void {m}() {{}}")
        for c, m in (("App", "main"), ("Loader", "load"), ("Parser", "parse"), ("Lexer", "next"))}
J = "src/main/java/com/acme/"


def test_the_first_frame_of_the_last_caused_by_counts_most(make_repo):
    repo = make_repo(JAVA)
    text = ('Exception in thread "main" java.lang.RuntimeException: failed to load\n'
            "\tat com.acme.Loader.load(Loader.java:20)\n"
            "\tat com.acme.App.main(App.java:5)\n"
            "Caused by: java.lang.IllegalStateException: bad token\n"
            "\tat com.acme.Parser.parse(Parser.java:57)\n"
            "\tat com.acme.Loader.load(Loader.java:18)\n"
            "\t... 1 more\n")
    trace = _signal(repo, text, "trace")
    assert trace[J + "Parser.java"] == 1.0
    assert 0.0 < trace[J + "App.java"] < trace[J + "Loader.java"] < 1.0  # the outer exception's frames count less


def test_of_several_caused_by_sections_the_innermost_counts_most(make_repo):
    repo = make_repo(JAVA)
    # Kotlin prints the same format; each cause is a section, the last one the root cause
    text = ("java.lang.RuntimeException: load failed\n"
            "\tat com.acme.App.main(App.kt:5)\n"
            "Caused by: java.io.IOException: parse failed\n"
            "\tat com.acme.Parser.parse(Parser.kt:57)\n"
            "\t... 1 more\n"
            "Caused by: java.lang.NumberFormatException: For input string: \"x\"\n"
            "\tat com.acme.Lexer.next(Lexer.kt:12)\n"
            "\tat com.acme.Parser.parse(Parser.kt:50)\n"
            "\t... 2 more\n")
    files = {p.replace(".java", ".kt"): t for p, t in JAVA.items()}
    trace = _signal(make_repo(files, name="kt"), text, "trace")
    assert trace[J + "Lexer.kt"] == 1.0
    assert 0.0 < trace[J + "App.kt"] < trace[J + "Parser.kt"] < 1.0
    # without a cause, the first frame is still the one that threw
    trace = _signal(repo, "java.lang.IllegalStateException: x\n\tat com.acme.Parser.parse(Parser.java:57)\n"
                          "\tat com.acme.App.main(App.java:5)\n", "trace")
    assert trace[J + "Parser.java"] == 1.0 > trace[J + "App.java"] > 0.0


# --- Dart: ``package:<name>/<path>`` is ``lib/<path>`` of the package of that name -----------------------------

DART = "class Parser {\n  int parse(String s) {\n    return int.parse(s);\n  }\n}\n"


def test_a_package_frame_of_the_repository_s_package_is_its_lib_file(make_repo):
    repo = make_repo({"pubspec.yaml": "name: myapp\nversion: 1.0.0\n", "lib/parser.dart": DART,
                      "lib/src/home.dart": "class Home {}\n", "bin/main.dart": "void main() {}\n"})
    text = ("Unhandled exception:\nFormatException: Invalid radix-10 number\n"
            "#0      Parser.parse (package:myapp/parser.dart:3:16)\n"
            "#1      main (file:///home/u/app/bin/main.dart:5:3)\n")
    trace = _signal(repo, text, "trace")
    assert trace["lib/parser.dart"] == 1.0
    assert 0.0 < trace["bin/main.dart"] < 1.0
    # ``dart test``'s terse frames: ``package:myapp/parser.dart 3:16  Parser.parse``, innermost first too
    terse = "FormatException: bad\npackage:myapp/src/home.dart 1:7    Home.build\npackage:myapp/parser.dart 3:16   Parser.parse\n"
    trace = _signal(repo, terse, "trace")
    assert trace["lib/src/home.dart"] == 1.0 > trace["lib/parser.dart"] > 0.0


def test_a_package_frame_of_another_package_names_no_file_here(make_repo):
    repo = make_repo({"pubspec.yaml": "name: myapp\n", "lib/src/widgets/framework.dart": "class State {}\n",
                      "lib/src/home.dart": "class HomeState {}\n"})
    text = ("The following assertion was thrown building Home:\n"
            "#0      State.setState (package:flutter/src/widgets/framework.dart:1167:9)\n"
            "#1      HomeState.build (package:myapp/src/home.dart:12:5)\n")
    trace = _signal(repo, text, "trace")
    assert trace.get("lib/src/widgets/framework.dart", 0.0) == 0.0
    assert trace["lib/src/home.dart"] == 1.0
    assert _signal(repo, text, "mention").get("lib/src/widgets/framework.dart", 0.0) == 0.0


def test_a_package_frame_in_a_monorepo_is_the_file_of_the_package_of_that_name(make_repo):
    repo = make_repo({"packages/myapp/pubspec.yaml": "name: myapp\n", "packages/myapp/lib/src/parser.dart": DART,
                      "packages/other/pubspec.yaml": "name: other\n", "packages/other/lib/src/parser.dart": DART,
                      # a package's name is its pubspec's, whatever its directory
                      "packages/app_core/pubspec.yaml": "name: 'core'\n",
                      "packages/app_core/lib/src/lexer.dart": "class Lexer {}\n"})
    text = ("#0      Lexer.next (package:core/src/lexer.dart:9:3)\n"
            "#1      Parser.parse (package:myapp/src/parser.dart:3:16)\n")
    trace = _signal(repo, text, "trace")
    assert trace["packages/app_core/lib/src/lexer.dart"] == 1.0
    assert 0.0 < trace["packages/myapp/lib/src/parser.dart"] < 1.0
    assert trace.get("packages/other/lib/src/parser.dart", 0.0) == 0.0
