"""A path named in a task that starts with a dot directory (``.github/workflows/ci.yml``, ``.circleci/...``) is
that file: the lookup stripped every leading dot, so it looked for ``github/workflows/ci.yml`` and found nothing."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

FILES = {
    ".github/workflows/ci.yml": "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    "deploy/ci.yml": "# the ci job that is broken when the workflow job breaks\nname: deploy\nstages:\n  - build\n",
}


def test_a_path_under_a_dot_directory_named_in_the_query_is_that_file(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    try:
        results = ix.search("The test job in .github/workflows/ci.yml is broken", k=2)
        results_dot_slash = ix.search("see ./.github/workflows/ci.yml: the job is broken", k=2)
    finally:
        ix.close()
    assert results[0].path == ".github/workflows/ci.yml" and "path named in the query" in results[0].why
    assert results_dot_slash[0].path == ".github/workflows/ci.yml"


def test_a_file_of_any_parsed_language_named_in_the_query_is_a_path(make_repo):
    files = {"src/Orders/OrderService.cs": "namespace Orders;\npublic class OrderService { public void Submit() {} }\n",
             "lib/router.mts": "export function route() {}\n", "src/geo.cxx": "int area() { return 1; }\n",
             "app/Models/User.php": "<?php\nclass User {}\n", "ui/Card.vue": "<template><div/></template>\n",
             "lib/tasks/cleanup.rake": "task :cleanup do\nend\n", "src/Main.kt": "fun main() {}\n"}
    ix = RepoIndex.open(make_repo(files))
    try:
        named = {p: [r for r in ix.search(f"something breaks in {p.rsplit('/', 1)[1]} today", k=1)] for p in files}
    finally:
        ix.close()
    assert {p: (rs[0].path, "path named in the query" in rs[0].why) for p, rs in named.items()} == \
        {p: (p, True) for p in files}
