"""A link into another project's repository names no file of this one, even where the same path exists here
(``.travis.yml``, ``docs/conf.py``): sphinx-7440 of the retrieval benchmark linked phpMyAdmin's ``.travis.yml#L168``
and Sphinx's own ``.travis.yml`` took 54 of its 300 lines. Which project a link is into is told by the
repository's name in it against the names of this repository's remotes: an owner renamed (PyCQA/pylint,
pylint-dev/pylint) is still this project, and a repository without a hosted remote reads every link as before."""

from __future__ import annotations

import subprocess

import pytest

from genie_tui.retrieval import RepoIndex

FILES = {
    ".travis.yml": "language: python\nscript:\n  - make test\n  - make lint\n",
    "src/cart.py": "def checkout(cart):\n    total = sum(cart)\n    return total\n",
    "src/orders.py": "def refund(order):\n    return order.amount\n",
}
ISSUE = ("Checkout totals are wrong\n\nThe total is off, see how another project runs its checks: "
         "https://github.com/phpmyadmin/phpmyadmin/blob/f7cc383/.travis.yml#L3 and our "
         "https://github.com/old-owner/shop/blob/main/src/cart.py#L2\n")


def _remote(repo, url: str) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", url], check=True)


def _places(repo):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        return {r.path: r for r in ix.search(ISSUE, k=5)}
    finally:
        ix.close()


@pytest.mark.parametrize("url", ["https://github.com/acme/shop.git", "git@github.com:acme/shop.git",
                                 "ssh://git@gitlab.example.com:2222/team/sub/shop"])
def test_a_link_into_another_project_names_no_file_here(make_repo, url):
    repo = make_repo(FILES)
    _remote(repo, url)
    got = _places(repo)
    assert next(iter(got)) == "src/cart.py"  # our link, under the owner's old name, still counts
    assert "code link" in got["src/cart.py"].why
    # phpMyAdmin's is not ours: at most the words of its address match ours
    assert ".travis.yml" not in got or "code link" not in got[".travis.yml"].why


def test_without_a_hosted_remote_every_link_reads_as_before(make_repo, tmp_path):
    repo = make_repo(FILES)
    _remote(repo, str(tmp_path / "mirror" / "repo"))  # a local path says nothing about the project's name
    got = _places(repo)
    assert "code link" in got[".travis.yml"].why and "code link" in got["src/cart.py"].why
