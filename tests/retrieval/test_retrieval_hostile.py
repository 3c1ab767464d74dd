"""What an audit found: a hostile or broken environment (symlinked directories, git refusing to run, damaged or
racing caches, odd files and names) must give one clear line, never a traceback, a leak or wrong line numbers."""

from __future__ import annotations

import json
import os
import shutil

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex

PY = {"pkg/core.py": "def parse_config(path):\n    return open(path).read()\n", "README.md": "# demo\n"}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_under_a_directory_symlinked_out_of_the_repository_is_not_indexed(make_repo, tmp_path, capsys):
    text = "topsecret token for the staging cluster\n"
    repo = make_repo({**PY, "conf/creds.txt": text, "conf/deep/more.txt": text})
    code, out, _ = _run(capsys, "search", "topsecret", "--repo", str(repo), "--json")
    assert {r["path"] for r in json.loads(out)["results"]} == {"conf/creds.txt", "conf/deep/more.txt"}
    # the tracked directory is replaced by a link to outside, holding files of the same size and mtime
    outside = tmp_path / "s"
    shutil.copytree(repo / "conf", outside)
    for rel in ("creds.txt", "deep/more.txt"):
        st = (repo / "conf" / rel).stat()
        os.utime(outside / rel, ns=(st.st_atime_ns, st.st_mtime_ns))
    shutil.rmtree(repo / "conf")
    (repo / "conf").symlink_to(outside)
    code, out, _ = _run(capsys, "search", "topsecret", "--repo", str(repo), "--json")
    assert (code, json.loads(out)["results"]) == (0, [])
    code, out, _ = _run(capsys, "search", "parse_config", "--repo", str(repo), "--json")
    assert json.loads(out)["results"][0]["path"] == "pkg/core.py"
    code, out, _ = _run(capsys, "index", "--repo", str(repo), "--explain", "conf/creds.txt")
    assert (code, out) == (0, f"conf/creds.txt: not indexed: outside the repository {repo}\n")
