"""Playbooks that fail to load, asked for by the names `genie playbooks list` gives them."""

from __future__ import annotations

import os
from pathlib import Path

from genie_tui.cli import main


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
