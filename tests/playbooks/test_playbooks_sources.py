"""Where playbooks are found: folders linked into the playbook dirs, and instruction files git ignores."""

from __future__ import annotations

from pathlib import Path

from genie_tui.cli import main
from genie_tui.playbooks import PlaybookLibrary

SECRET = "aws_secret_access_key = AKIA-not-for-the-model"


def test_symlinked_folders_are_followed_with_the_same_rule_as_files(make_repo, user_dir: Path, tmp_path: Path,
                                                                     capsys) -> None:
    """rglob does not enter a symlinked folder (Python 3.11), so playbooks in one were silently missing, although
    the README says links within the repo are followed and user playbooks may link anywhere."""
    repo = make_repo({"shared/s.md": "---\nname: shared-pb\nalways: true\n---\nShared body.\n", "x.py": ""})
    (repo / ".genie/playbooks").mkdir(parents=True)
    (repo / ".genie/playbooks/shared").symlink_to("../../shared", target_is_directory=True)
    (repo / ".genie/playbooks/loop").symlink_to("..", target_is_directory=True)  # a loop ends
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "leak.md").write_text(f"---\nname: leak\nalways: true\n---\n{SECRET}\n")
    (repo / ".genie/playbooks/outside").symlink_to(elsewhere, target_is_directory=True)
    team = tmp_path / "team"
    team.mkdir()
    (team / "t.md").write_text("---\nname: team-pb\n---\nTeam rules.\n")
    (user_dir / "team").symlink_to(team, target_is_directory=True)

    lib = PlaybookLibrary.load(repo)
    assert lib.read("shared-pb") == "Shared body." and lib.get("shared-pb").source == "repo"
    assert lib.get("shared-pb").path.relative_to(repo.resolve()).as_posix() == ".genie/playbooks/shared/s.md"
    assert lib.read("team-pb") == "Team rules." and lib.get("team-pb").source == "user"
    assert lib.get("leak") is None and all(SECRET not in pb.body for pb in lib.playbooks)
    assert lib.warnings == [".genie/playbooks/outside: a symlink to outside the repository; skipped"]

    assert main(["playbooks", "check", "--repo", str(repo)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == ["error: .genie/playbooks/outside: a symlink to outside the repository; skipped",
                                "8 playbook(s) OK, 1 error(s)"]


def test_a_git_ignored_root_agents_md_applies_like_an_ignored_claude_md(make_repo, capsys) -> None:
    """The root AGENTS.md was looked up in git's listing, which leaves ignored files out: one kept out of a shared
    repo was silently not read, while an ignored CLAUDE.md was. Nested ones still follow git's listing."""
    repo = make_repo({"x.py": "", "build/x.py": ""})
    (repo / ".git/info/exclude").write_text("AGENTS.md\nCLAUDE.md\n")
    (repo / "AGENTS.md").write_text("Root rules.\n")
    (repo / "CLAUDE.md").write_text("Claude rules.\n")
    (repo / "build/AGENTS.md").write_text("Generated.\n")
    lib = PlaybookLibrary.load(repo)
    assert lib.read("AGENTS.md") == "Root rules." and lib.read("CLAUDE.md") == "Claude rules."
    assert lib.get("build/AGENTS.md") is None
    assert [a.name for a in lib.select("anything") if a.reason == "always"] == ["AGENTS.md", "CLAUDE.md"]
    assert main(["playbooks", "list", "--repo", str(repo)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["AGENTS.md"].endswith("always (root AGENTS.md)")
