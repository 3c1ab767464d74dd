"""Playbooks that fail to load, asked for by the names `genie playbooks list` gives them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genie_tui.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_an_instruction_file_that_fails_to_load_says_why_when_asked_for(make_repo, tmp_path: Path, capsys) -> None:
    """Instruction files are named by their path (CLAUDE.md, services/api/AGENTS.md); asking for a broken one
    said "unknown playbook 'CLAUDE.md' (did you mean AGENTS.md?)" instead of why it is not loaded."""
    secret = tmp_path / "credentials"
    secret.write_text("key\n")
    repo = make_repo({"AGENTS.md": "Root rules.\n", "services/api/AGENTS.md": "API rules.\n"})
    (repo / "services/api/AGENTS.md").write_bytes(b"caf\xe9 rules\n")
    os.symlink(secret, repo / "CLAUDE.md")
    (repo / "CONVENTIONS.md").mkdir()
    cases = {
        "CLAUDE.md": "CLAUDE.md: a symlink to outside the repository; skipped",
        "services/api/AGENTS.md": "services/api/AGENTS.md:1: not UTF-8 (byte 0xe9); save the file as UTF-8; skipped",
        "CONVENTIONS.md": "CONVENTIONS.md: not a regular file; skipped",
    }
    for name, why in cases.items():
        assert main(["playbooks", "show", name, "--repo", str(repo)]) == 1
        err = capsys.readouterr().err.splitlines()
        assert err == [f"genie: playbook '{name}' is not loaded: {why}"], err
    code = main(["run", "task", "--repo", str(repo), "--playbook", "CLAUDE.md", "--base-url", "http://127.0.0.1:9/v1"])
    assert code != 0
    assert f"playbook 'CLAUDE.md' is not loaded: {cases['CLAUDE.md']}" in capsys.readouterr().err


def test_new_where_the_playbook_dir_cannot_be_made_is_one_line(make_repo, capsys) -> None:
    """A file named .genie in the repo made `genie playbooks new` end in a NotADirectoryError traceback."""
    repo = make_repo({".genie": "not a directory\n", "a.py": ""})
    assert main(["playbooks", "new", "deploy", "--repo", str(repo)]) == 1
    out, err = capsys.readouterr()
    assert err == "genie: cannot write .genie/playbooks/deploy.md: Not a directory\n" and out == ""
    assert (repo / ".genie").read_text() == "not a directory\n"


def _alias_bomb() -> str:
    """A YAML list that stands for 9**10 items in a few hundred bytes: each level repeats the one before."""
    levels = ['&l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "[" + ", ".join(levels) + "]"


@pytest.mark.parametrize("key", ["always", "priority"])
def test_a_yaml_alias_bomb_in_the_front_matter_is_one_line(make_repo, key) -> None:
    """`always: <alias bomb>` put the value's repr, billions of items long, in the message: `genie playbooks
    check` (and every session in a cloned repo holding such a file) ran until killed."""
    repo = make_repo({f".genie/playbooks/{key}.md": f"---\nname: bomb\n{key}: {_alias_bomb()}\n---\nbody\n"})
    proc = subprocess.run([sys.executable, "-m", "genie_tui", "playbooks", "check", "--repo", str(repo)], check=False,
                          capture_output=True, text=True, timeout=15, env={**os.environ, "PYTHONPATH": str(ROOT)})
    kind = "true or false" if key == "always" else "a whole number"
    assert proc.stdout.splitlines()[0] == (f"error: .genie/playbooks/{key}.md:3: '{key}' must be {kind}, not a list; "
                                           "skipped"), proc.stdout[:300]
    assert proc.returncode == 1


def test_a_long_description_does_not_blow_the_prompt_budget(make_repo, capsys) -> None:
    """A 200 KB description went whole into the system prompt's list of playbooks that did not fit (50,000
    tokens over a 3,000-token budget), and into `genie playbooks show`."""
    from genie_tui.playbooks import PlaybookLibrary

    repo = make_repo({".genie/playbooks/big.md": "---\nname: big\nalways: true\ndescription: " + "word " * 40_000
                      + "\n---\n" + "Do this. " * 5_000 + "\n"})
    lib = PlaybookLibrary.load(repo)
    section = lib.prompt_section(lib.select("task"), 3000)
    assert section.overflow == ["big"] and len(section.text) < 1000, len(section.text)
    assert main(["playbooks", "show", "big", "--repo", str(repo)]) == 0
    description = capsys.readouterr().out.splitlines()[1]
    assert len(description) == 200 and description.endswith("word…")
