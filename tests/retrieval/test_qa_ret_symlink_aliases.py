"""A symlink to another file of the repository that is indexed under its own name is not indexed a second
time: the same code twice doubled every definition and search result (the link's listed first). A link to a
file that is not indexed by its name (vendored) still stands in for it."""

from __future__ import annotations

import os

from genie_tui.retrieval import RepoIndex

REAL = "def settle_invoice(total):\n    return round(total, 2)\n"


def test_a_symlink_to_an_indexed_file_is_not_indexed_twice(make_repo):
    repo = make_repo({"src/billing.py": REAL, "vendor/helpers.py": "def vendored_helper():\n    return 1\n"})
    os.symlink("billing.py", repo / "src/alias.py")
    os.symlink("../vendor/helpers.py", repo / "src/helpers.py")
    ix = RepoIndex.open(repo)
    try:
        defs = [(d.path, d.line) for d in ix.definitions("settle_invoice")]
        hits = [r.path for r in ix.search("settle_invoice rounding", k=5)]
        why = ix.explain("src/alias.py")
        stand_in = [(d.path, d.line) for d in ix.definitions("vendored_helper")]
    finally:
        ix.close()
    assert defs == [("src/billing.py", 1)]
    assert hits == ["src/billing.py"]
    assert why == "src/alias.py: not indexed: a symlink to src/billing.py, which is indexed under its own name"
    assert stand_in == [("src/helpers.py", 1)]

    # pointed elsewhere, at a file indexed under no other name, the link is the file's name again
    (repo / "src/alias.py").unlink()
    os.symlink("../vendor/helpers.py", repo / "src/alias.py")
    ix = RepoIndex.open(repo)
    try:
        defs = [(d.path, d.line) for d in ix.definitions("settle_invoice")]
        helpers = sorted(d.path for d in ix.definitions("vendored_helper"))
    finally:
        ix.close()
    assert defs == [("src/billing.py", 1)] and helpers == ["src/alias.py", "src/helpers.py"]
