"""`genie playbooks list|show|new|check` through the real CLI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.errors import UsageError
from genie_tui.playbooks import PlaybookLibrary


def test_list_shows_name_source_and_why(make_repo, user_dir: Path, pb_text, capsys) -> None:
    (user_dir / "fix-bug.md").write_text(pb_text("fix-bug", "Mine.", keywords=["oops"]))
    repo = make_repo({
        "AGENTS.md": "Root rules.\n",
        "api/AGENTS.md": "API rules.\n",
        ".genie/playbooks/sql.md": pb_text("sql", "SQL rules.", applies_to=["*.sql"]),
        ".genie/playbooks/manual.md": pb_text("manual", "Only on request."),
    })
    assert main(["playbooks", "list", "--repo", str(repo)]) == 0
    out, err = capsys.readouterr()
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert out.splitlines()[0].split() == ["NAME", "SOURCE", "APPLIES"]
    assert rows["fix-bug"].split()[1:4] == ["user", "(overrides", "bundled)"] and "keywords oops" in rows["fix-bug"]
    assert rows["add-tests"].split()[1] == "bundled"
    assert rows["sql"].split()[1] == "repo" and rows["sql"].endswith("files *.sql")
    assert rows["manual"].endswith("only when asked (--playbook NAME)")
    assert rows["AGENTS.md"].split()[1] == "AGENTS.md" and rows["AGENTS.md"].endswith("always (root AGENTS.md)")
    assert rows["api/AGENTS.md"].endswith("nearest AGENTS.md for api/**")
    assert err == ""


def test_list_warns_on_stderr_but_succeeds(make_repo, capsys) -> None:
    repo = make_repo({".genie/playbooks/bad.md": "---\nnme: x\n---\nb\n"})
    assert main(["playbooks", "list", "--repo", str(repo)]) == 0
    out, err = capsys.readouterr()
    assert "fix-bug" in out and "bad" not in out
    assert "warning: .genie/playbooks/bad.md:2: unknown key 'nme' (did you mean 'name'?)" in err


def test_list_outside_a_repo_still_lists_bundled(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["playbooks", "list"]) == 0
    assert "upgrade-dependency" in capsys.readouterr().out


def test_show(make_repo, capsys) -> None:
    repo = make_repo({"x": ""})
    assert main(["playbooks", "show", "refactor-safely", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("refactor-safely  [bundled]")
    assert "A refactor changes how the code is organised" in out
    assert "## Steps" in out and "steps: 6" in out

    assert main(["playbooks", "show", "refactor", "--repo", str(repo)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("genie: unknown playbook 'refactor' (did you mean") and "refactor-safely" in err
    assert main(["playbooks", "show", "--repo", str(repo)]) == 2
    assert "needs a NAME" in capsys.readouterr().err


def test_new_scaffold_passes_check_and_loads(make_repo, capsys) -> None:
    repo = make_repo({"x": ""})
    assert main(["playbooks", "new", "db-migrations", "--repo", str(repo)]) == 0
    assert "created .genie/playbooks/db-migrations.md" in capsys.readouterr().out
    pb = PlaybookLibrary.load(repo).get("db-migrations")
    assert pb is not None and pb.source == "repo"
    assert pb.keywords == ("db", "migrations") and len(pb.steps) == 2
    assert main(["playbooks", "check", "--repo", str(repo)]) == 0
    assert "7 playbook(s) OK" in capsys.readouterr().out

    assert main(["playbooks", "new", "db-migrations", "--repo", str(repo)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["playbooks", "new", "bad name", "--repo", str(repo)]) == 2
    assert "bad playbook name" in capsys.readouterr().err


def test_new_with_a_bundled_name_copies_it_to_customise(make_repo, capsys) -> None:
    repo = make_repo({"x": ""})
    assert main(["playbooks", "new", "fix-bug", "--repo", str(repo)]) == 0
    assert "copied from the bundled playbook" in capsys.readouterr().out
    assert main(["playbooks", "check", "--repo", str(repo)]) == 0
    assert "note: .genie/playbooks/fix-bug.md: 'fix-bug' overrides the bundled playbook" in capsys.readouterr().out
    lib = PlaybookLibrary.load(repo)
    pb = lib.get("fix-bug")
    assert pb is not None and pb.source == "repo" and pb.path == repo.resolve() / ".genie/playbooks/fix-bug.md"
    assert [s.source for s in lib.shadowed["fix-bug"]] == ["bundled"]


def test_new_needs_a_repo(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["playbooks", "new", "x"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_cli_in_a_subprocess_and_import_hygiene(make_repo) -> None:
    repo = make_repo({".genie/playbooks/a.md": "---\nname: a\n---\nA.\n", ".genie/playbooks/b.md": "---\nname: a\n---\nB.\n"})
    env = {**os.environ}
    proc = subprocess.run([sys.executable, "-m", "genie_tui", "playbooks", "check", "--repo", str(repo)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert "error: .genie/playbooks/b.md:2: duplicate name 'a'" in proc.stdout
    code = ("import sys, genie_tui.playbooks.cli, genie_tui.playbooks; "
            "bad = [m for m in ('textual', 'openai', 'tree_sitter', 'yaml') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip() == "[]"


def test_show_of_a_broken_playbook_says_why_it_is_not_loaded(make_repo, capsys) -> None:
    repo = make_repo({".genie/playbooks/mine.md": "---\nname: mine\nkeywrds: [x]\n---\nb\n"})
    assert main(["playbooks", "show", "mine", "--repo", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "playbook 'mine' is not loaded: .genie/playbooks/mine.md:3: unknown key 'keywrds'" in err


def test_show_of_a_broken_playbook_by_its_declared_name_says_why(make_repo, user_dir: Path, capsys) -> None:
    """A broken file whose name differs from the one it declares: asking for the declared name said only
    "unknown playbook", as the file's stem was all that was matched."""
    repo = make_repo({".genie/playbooks/migrations.md": "---\nname: db-migrations  # ours\nkeywords: [migration\n---\nb\n"})
    (user_dir / "t.md").write_text("---\nname: 'team-rules'\npriority: high\n---\nb\n")
    why = ".genie/playbooks/migrations.md:4: broken YAML front matter: did not find expected ',' or ']'"
    assert main(["playbooks", "show", "db-migrations", "--repo", str(repo)]) == 1
    assert capsys.readouterr().err.startswith(f"genie: playbook 'db-migrations' is not loaded: {why}")
    assert main(["playbooks", "show", "team-rules", "--repo", str(repo)]) == 1
    assert capsys.readouterr().err == (f"genie: playbook 'team-rules' is not loaded: {user_dir / 't.md'}:3: "
                                       "'priority' must be a whole number, not 'high'; skipped\n")
    lib = PlaybookLibrary.load(repo)  # --playbook db-migrations goes through select
    with pytest.raises(UsageError, match=r"playbook 'db-migrations' is not loaded: \.genie/playbooks/migrations"):
        lib.select("task", explicit=["db-migrations"])


def test_new_refuses_a_name_another_repo_file_declares(make_repo, pb_text, capsys) -> None:
    repo = make_repo({".genie/playbooks/migrations.md": pb_text("db-migrations", "Timestamped files."),
                      "AGENTS.md": "Root rules.\n"})
    for name, owner in (("db-migrations", ".genie/playbooks/migrations.md"), ("AGENTS.md", "AGENTS.md")):
        assert main(["playbooks", "new", name, "--repo", str(repo)]) == 1
        err = capsys.readouterr().err
        assert err == f"genie: {owner} already declares the playbook '{name}'; edit it, or pick another name\n"
        assert not (repo / f".genie/playbooks/{name}.md").exists()
    assert PlaybookLibrary.load(repo).read("db-migrations") == "Timestamped files."


def test_bare_playbooks_lists_and_bare_config_shows(make_repo, capsys) -> None:
    """`genie playbooks` and `genie config` alone do what their help line says (they were usage errors)."""
    repo = make_repo({"a.py": "x = 1\n"})
    assert main(["playbooks", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["NAME", "SOURCE", "APPLIES"]
    assert main(["config", "--repo", str(repo)]) == 0
    assert any(line.split()[:1] == ["max_steps"] for line in capsys.readouterr().out.splitlines())
