"""A file that a compiler's command line names without a directory, where the command reaches other files
through one (``gcc -I third_party/cjson test.c third_party/cjson/cJSON.c``), is the user's own, in the directory
the command runs in: no path the query names, whatever file of that name the repository has; one with a directory
(``third_party/cjson/cJSON.c``) and one the prose names are. A command of bare names alone may run at the root of a
flat project, whose files they are (its output is none); a compiler's name in prose is no command."""

from __future__ import annotations

import time

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.query import analyze

C = "int parse(const char *s) {\n    return s[0];\n}\n"
ISSUE = """GetPointer returns the wrong element

Built with `gcc -fsanitize=address -g -I third_party/cjson test.c third_party/cjson/cJSON.c -o t`, it prints 59.
{more}"""


def test_a_file_a_build_command_names_without_a_directory_is_no_path_of_the_query(make_repo):
    ix = RepoIndex.open(make_repo({"test.c": C, "cJSON.c": C, "cJSON_Utils.c": C}))
    try:
        command = {path: feats.get("mention", 0.0) for path, feats in ix.features(ISSUE.format(more=""))}
        prose = {path: feats.get("mention", 0.0) for path, feats in
                 ix.features(ISSUE.format(more="The test.c of the repository fails too."))}
    finally:
        ix.close()
    assert (command.get("test.c", 0.0), command["cJSON.c"] > 0, command.get("cJSON_Utils.c", 0.0)) == (0.0, True, 0.0)
    assert prose["test.c"] > 0


def test_a_compiler_s_name_in_prose_is_no_command_and_a_flat_project_s_command_names_its_files(make_repo):
    ix = RepoIndex.open(make_repo({"lexer.c": C, "parser.c": C, "cJSON.c": C, "test.c": C}))
    try:
        for text, name in (("cc @maintainer: the overflow is in lexer.c", "lexer.c"),
                           ("Building with gcc 13 fails in parser.c since the last release.", "parser.c"),
                           ("With clang the warning in lexer.c goes away.", "lexer.c"),
                           # a developer building at the root of a flat project: its files, but not the output
                           ("To reproduce, in a checkout run `gcc -Wall -o t test.c cJSON.c` and ./t segfaults",
                            "cJSON.c")):
            mention = {path: feats.get("mention", 0.0) for path, feats in ix.features(text)}
            assert (text, mention.get(name, 0.0) > 0) == (text, True)
        mention = {path: feats.get("mention", 0.0) for path, feats in ix.features("$ gcc -O2 -o lexer.c parser.c")}
        assert (mention.get("lexer.c", 0.0), mention.get("parser.c", 0.0) > 0) == (0.0, True)
    finally:
        ix.close()


def test_a_developer_s_command_at_the_root_names_the_root_s_files(make_repo):
    """Where every path the command reaches through a directory is the repository's, a file of it among them
    (``src/util.c``), it ran at the repository's root, and its bare names are the root's files; where one is not,
    or all are directories (``-I include/``, which most repositories have: as likely a user's program beside a
    checkout), they stay the user's (a file of that name only deeper in the repository is none of them either)."""
    ix = RepoIndex.open(make_repo({"main.c": C, "include/util.h": C, "src/util.c": C, "tools/gen.c": C}))
    try:
        def mention(text: str) -> dict[str, float]:
            return {path: feats.get("mention", 0.0) for path, feats in ix.features(text)}

        for text in ("$ gcc -Wall -I include/ src/util.c main.c -o app", "$ gcc -Wall src/util.c ./main.c",
                     "Built with `cc -O2 -I ./include -o app main.c src/util.c`, it crashes."):
            assert (text, mention(text).get("main.c", 0.0) > 0) == (text, True)
        for text in ("$ gcc -Wall -I third_party/include main.c", "$ gcc -Wall -I include/ gen.c",
                     "$ gcc -Wall -I include/ main.c -o app", "$ gcc -I src/util.c -I lib/ main.c"):
            found = mention(text)
            assert (text, found.get("main.c", 0.0), found.get("tools/gen.c", 0.0)) == (text, 0.0, 0.0)
    finally:
        ix.close()


def test_a_command_after_cd_names_the_files_of_that_directory(make_repo):
    """``cd src && gcc util.c main.c``, or ``$ cd src`` on a line before it: its bare names are files of ``src/``
    (the root's ``main.c`` is none of them); after a ``cd`` to an absolute path or out of the checkout (``..``)
    they are the user's own."""
    ix = RepoIndex.open(make_repo({"main.c": C, "src/util.c": C, "src/main.c": C, "tools/gen.c": C}))
    try:
        def mention(text: str) -> dict[str, float]:
            return {path: feats.get("mention", 0.0) for path, feats in ix.features(text)}

        for text in ("$ cd src && gcc -Wall -I ../include util.c main.c -o app",
                     "It fails to build:\n\n$ cd src\n$ gcc -c util.c\n$ gcc -Wall util.o main.c -o app\n",
                     "Run `cd src; cc -O2 main.c util.c` and it crashes."):
            found = mention(text)
            assert (text, found.get("src/util.c", 0.0) > 0, found.get("src/main.c", 0.0) > 0,
                    found.get("main.c", 0.0)) == (text, True, True, 0.0)
        for text in ("$ cd /tmp/play && gcc -Wall main.c util.c", "$ cd ../play && gcc -Wall -I ../include main.c"):
            found = mention(text)
            assert (text, found.get("main.c", 0.0), found.get("src/main.c", 0.0)) == (text, 0.0, 0.0)
    finally:
        ix.close()


def test_cds_before_a_command_are_followed_in_turn(make_repo):
    """``$ cd src`` then ``$ cd sub`` runs the command in ``src/sub``, and ``cd src`` then ``cd ..`` at the root,
    whose files a bare command of a flat project names; ``cd .`` stays where it was, and after ``cd -`` the
    directory is not known: both name files as the command alone does (read as the nearest cd alone, ``cd ..``
    made them the user's, ``cd .`` named ``./main.c`` and ``cd -`` a directory ``-``)."""
    ix = RepoIndex.open(make_repo({"main.c": C, "util.c": C, "sub/util.c": C, "src/sub/util.c": C, "src/main.c": C}))
    try:
        def mention(text: str) -> dict[str, float]:
            return {path: feats.get("mention", 0.0) for path, feats in ix.features(text)}

        plain = mention("$ gcc -Wall main.c -o app")["main.c"]
        for text in ("$ cd src\n$ cd ..\n$ gcc -Wall main.c -o app", "$ cd . && gcc -Wall main.c -o app",
                     "$ cd - && gcc -Wall main.c -o app", "$ cd src\n$ cd .. && gcc -Wall main.c -o app"):
            found = mention(text)
            assert (text, found.get("main.c", 0.0), found.get("src/main.c", 0.0)) == (text, plain, 0.0)
        found = mention("$ cd src\n$ cd sub\n$ gcc -c util.c -o u.o")
        assert found.get("src/sub/util.c", 0.0) > max(found.get("sub/util.c", 0.0), found.get("util.c", 0.0))
    finally:
        ix.close()


def test_many_commands_on_a_long_line_are_read_in_linear_time():
    """Each backtick command looked for ``cd`` lines from its line's start: a long line of them took quadratic
    time (16,000 commands on a 225,000-character line: 6.2 s against 0.3 s before cds were read)."""
    text = "x" * 1000 + " `gcc -c a.c` " * 16000 + "\n"
    started = time.perf_counter()
    analyze(text)
    assert time.perf_counter() - started < 2.0


def test_a_cd_into_the_clone_the_text_made_is_the_root(make_repo):
    """``git clone .../proj`` then ``cd proj``: the command runs at the checkout's root, whose files its bare
    names are, as without the cd (they were read as ``proj/main.c``, which the repository does not have)."""
    ix = RepoIndex.open(make_repo({"main.c": C, "util.c": C, "src/main.c": C}))
    try:
        def mention(text: str) -> dict[str, float]:
            return {path: feats.get("mention", 0.0) for path, feats in ix.features(text)}

        plain = mention("$ gcc -Wall main.c util.c -o app")
        for text in ("$ git clone https://github.com/acme/proj.git\n$ cd proj && gcc -Wall main.c util.c -o app",
                     "$ git clone --depth 1 git@github.com:acme/proj.git work\n$ cd work\n$ gcc -Wall main.c util.c"):
            found = mention(text)
            assert (text, found.get("main.c"), found.get("util.c")) == (text, plain["main.c"], plain["util.c"])
        found = mention("$ git clone https://github.com/acme/proj\n$ cd proj/src && gcc -Wall main.c -o app")
        assert (found.get("src/main.c", 0.0) > 0, found.get("main.c", 0.0)) == (True, 0.0)
    finally:
        ix.close()
