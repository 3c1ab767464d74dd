"""Go's top-level ``const`` and ``var`` declarations are definitions, each name of a grouped block (``const ( A =
iota; B )``) or of one spec (``Low, High = 1, 2``) its own; ``_`` and a function's own are none. The repo map
lists them where the task names them or the file defines nothing else."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

GO = """\
package conf

// DefaultPort is where the server listens.
const DefaultPort = 8080

const (
\tModeRead = iota
\tModeWrite
\tLow, High = 1, 2
)

var ErrClosed = errors.New("closed")

var (
\tregistry = map[string]int{
\t\t"a": 1,
\t}
\t_ = registry
)

func run() {
\tconst inner = 1
\tvar local = 2
\t_ = inner + local
}
"""


def _found(repo, symbols):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        return {s: [(d.path, d.line, d.end_line) for d in ix.definitions(s)] for s in symbols}, ix.stats["definitions"]
    finally:
        ix.close()


def test_go_top_level_consts_and_vars_are_definitions_each_name_its_own(make_repo):
    found, count = _found(make_repo({"conf/conf.go": GO}), ("DefaultPort", "ModeRead", "ModeWrite", "Low", "High",
                                                            "ErrClosed", "registry", "_", "inner", "local"))
    assert found == {"DefaultPort": [("conf/conf.go", 4, 4)], "ModeRead": [("conf/conf.go", 7, 7)],
                     "ModeWrite": [("conf/conf.go", 8, 8)], "Low": [("conf/conf.go", 9, 9)],
                     "High": [("conf/conf.go", 9, 9)], "ErrClosed": [("conf/conf.go", 12, 12)],
                     "registry": [("conf/conf.go", 15, 17)], "_": [], "inner": [], "local": []}
    assert count == 8  # those seven and ``run``: nothing else of ``Low, High`` (its comma) is one


def test_the_repo_map_lists_those_the_task_names_among_a_files_functions(make_repo):
    """A file's named values would crowd its types and functions out of the map (40 rows a file): the map lists
    those the task names, and all of a file that defines nothing else."""
    errs = "package conf\n\nvar (\n\tErrA = errors.New(\"a\")\n\tErrB = errors.New(\"b\")\n)\n"
    repo = make_repo({"conf/conf.go": GO, "conf/errors.go": errs,
                      "conf/server.go": "package conf\n\nfunc Serve() int {\n\treturn 1\n}\n"})
    ix = RepoIndex.open(repo)
    try:
        repo_map = ix.repo_map("the server ignores DefaultPort", files=["conf/conf.go", "conf/errors.go"])
    finally:
        ix.close()
    assert "conf/conf.go:\n  4: const DefaultPort = 8080\n  21: func run() {\n" in repo_map + "\n"
    assert "conf/errors.go:\n  4: ErrA = errors.New(\"a\")\n  5: ErrB = errors.New(\"b\")\n" in repo_map + "\n"
