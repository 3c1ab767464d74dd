"""`genie playbooks new`: what it writes is a playbook that loads, or nothing at all."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest

from genie_tui.cli import main
from genie_tui.playbooks import PlaybookLibrary


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def test_a_failed_write_leaves_no_half_written_playbook(make_repo) -> None:
    """Under a 100-byte file size limit (as on a full disk) the copy of the bundled fix-bug fails half-way: the
    truncated copy stayed, and overrode the bundled playbook."""
    repo = make_repo({"x": ""})
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "genie_tui", "playbooks", "new", "fix-bug", "--repo", str(repo)],
                          check=False, capture_output=True, text=True, env=env, timeout=60,
                          preexec_fn=_limit_file_size)
    assert proc.returncode == 1
    assert proc.stderr == "genie: cannot write .genie/playbooks/fix-bug.md: File too large\n"
    assert list((repo / ".genie" / "playbooks").iterdir()) == []
    assert PlaybookLibrary.load(repo).get("fix-bug").source == "bundled"


@pytest.mark.parametrize("name", ["README", "readme", "ReadMe"])
def test_a_readme_name_is_refused(make_repo, name: str, capsys) -> None:
    """README.md in a playbook folder explains the folder and is never loaded: `new README` made a file that was
    not a playbook."""
    repo = make_repo({"x": ""})
    assert main(["playbooks", "new", name, "--repo", str(repo)]) == 2
    assert capsys.readouterr().err == (f"genie: bad playbook name '{name}': a README.md in a playbook folder is not "
                                       "read as a playbook; pick another name\n")
    assert not (repo / ".genie").exists()


@pytest.mark.parametrize("name", ["on-call", "no-regressions", "null-safety", "2024-migration", "yes", "1.5"])
def test_the_scaffold_passes_check_whatever_yaml_makes_of_the_name(make_repo, name: str, capsys) -> None:
    """The scaffold wrote names and keywords bare: YAML read `on`, `no`, `yes` as booleans, `null` as nothing and
    `2024` as a number, and `check` failed on the file `new` promised would pass it."""
    repo = make_repo({"x": ""})
    assert main(["playbooks", "new", name, "--repo", str(repo)]) == 0
    assert main(["playbooks", "check", "--repo", str(repo)]) == 0
    assert "7 playbook(s) OK" in capsys.readouterr().out
    assert main(["playbooks", "show", name, "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.startswith(f"{name}  [repo]  .genie/playbooks/{name}.md")
    words = tuple(w for w in name.replace("-", ".").split(".") if w)
    assert PlaybookLibrary.load(repo).get(name).keywords == words
