"""A file that a compiler's command line names without a directory (``gcc -o t test.c``) is the user's own, in the
directory the command runs in: no path the query names, whatever file of that name the repository has; one with
a directory (``third_party/cjson/cJSON.c``) and one the prose names are."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

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
