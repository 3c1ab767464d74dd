"""Bad playbook files are skipped with a one-line warning naming file and line; nothing crashes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.playbooks import PlaybookLibrary

GOOD = "---\nname: good\nkeywords: [deploy]\n---\nShip it.\n"

BAD_TEXT = {
    "broken-yaml.md": ("---\nname: x\nkeywords: [a, b\n---\nbody\n", 4, "flow sequence started on line 3"),
    "unknown-key.md": ("---\nname: y\ndescription: d\nkeyword: [a]\n---\nbody\n", 4, "unknown key 'keyword' (did you mean 'keywords'?)"),
    "no-name.md": ("---\ndescription: no name here\n---\nbody\n", 1, "missing 'name'"),
    "no-front-matter.md": ("Just some markdown.\n", 1, "no front matter"),
    "unclosed.md": ("---\nname: z\nbody without closing\n", 1, "not closed"),
    "bad-type.md": ("---\nname: t\n\nalways: sometimes\n---\nbody\n", 4, "'always' must be true or false"),
    "bad-priority.md": ("---\nname: p\npriority: high\n---\nbody\n", 3, "'priority' must be a whole number"),
    "bad-keywords.md": ("---\nname: k\nkeywords: {a: 1}\n---\nbody\n", 3, "'keywords' must be a list"),
    "bad-name.md": ("---\nname: has spaces\n---\nbody\n", 2, "bad name"),
    "yes-name.md": ("---\nname: yes\n---\nbody\n", 2,
                    "'name' must be a string, but YAML read yes as a boolean; quote it: \"yes\""),
    "number-name.md": ("---\nname: 0123\n---\nbody\n", 2, "YAML read 0123 as a number; quote it: \"0123\""),
    "null-name.md": ("---\nname: null\n---\nbody\n", 2, "YAML read null as nothing (null); quote it"),
    "list-name.md": ("---\nname: [a]\n---\nbody\n", 2, "'name' must be a string, not a list"),
    "on-keyword.md": ("---\nname: o\nkeywords:\n  - deploy\n  - on\n---\nbody\n", 5,
                      "'keywords' item 2 must be a string, but YAML read on as a boolean; quote it: \"on\""),
    "date-description.md": ("---\nname: d\ndescription: 2024-05-01\n---\nbody\n", 3,
                            "'description' must be a string, but YAML read 2024-05-01 as a date"),
    "empty-body.md": ("---\nname: e\n---\n\n", 4, "no body"),
    "list-front.md": ("---\n- a\n- b\n---\nbody\n", 2, "must be 'key: value'"),
    # a key that YAML reads as no string (the number 1, a date) had no line: lines were kept by the key's text
    "number-key.md": ("---\n1: x\nname: i\n---\nbody\n", 2, "unknown key '1'"),
    "date-key.md": ("---\nname: i\n\n2024-05-01: x\n---\nbody\n", 4, "unknown key '2024-05-01'"),
    "yes-key.md": ("---\nname: i\nyes: 1\n---\nbody\n", 3, "unknown key 'yes' (known keys: "),  # was 'True'
    "on-key.md": ("---\nname: i\nOn: 1\n---\nbody\n", 3, "unknown key 'On' (known keys: "),
    "twice.md": ("---\nname: w\nname: w2\n---\nbody\n", 3, "appears twice"),
    "bad-range.md": ("---\nname: r\napplies_to: [\"*.md\", \"src/[z-a]*.py\"]\n---\nbody\n", 3,
                     "bad glob 'src/[z-a]*.py' in 'applies_to': bad character range z-a in [z-a]"),
    "empty-negated-class.md": ("---\nname: n\napplies_to: \"[!]\"\n---\nbody\n", 3,
                               "bad glob '[!]' in 'applies_to': [!] is an empty character class"),
    "empty-caret-class.md": ("---\nname: c\n\napplies_to:\n  - \"[^]\"\n---\nbody\n", 4, "[^] is an empty character class"),
    "brace-bomb.md": ("---\nname: b\napplies_to: [\"" + "{a,b}" * 20 + "\"]\n---\nbody\n", 3,
                      "has more than 8 {a,b} groups"),
    "brace-deep.md": ("---\nname: b\napplies_to: [\"" + "{a,b}" * 1500 + "\"]\n---\nbody\n", 3,
                      "has more than 8 {a,b} groups"),  # one recursion level per group: a RecursionError
    "brace-wide.md": ("---\nname: b\napplies_to: [\"{" + ",".join(f"x{i}" for i in range(300)) + "}\"]\n---\nbody\n",
                      3, "braces expand to more than 256 patterns"),
}


@pytest.mark.parametrize("filename", sorted(BAD_TEXT))
def test_bad_file_is_skipped_with_file_and_line(make_repo, filename: str, capsys) -> None:
    text, line, message = BAD_TEXT[filename]
    repo = make_repo({f".genie/playbooks/{filename}": text, ".genie/playbooks/good.md": GOOD})
    lib = PlaybookLibrary.load(repo)
    assert lib.get("good") is not None
    repo_names = {pb.name for pb in lib.playbooks if pb.source == "repo"}
    assert repo_names == {"good"}
    assert len(lib.warnings) == 1
    warning = lib.warnings[0]
    assert "\n" not in warning
    assert warning.startswith(f".genie/playbooks/{filename}:{line}: "), warning
    assert message in warning

    assert main(["playbooks", "check", "--repo", str(repo)]) == 1
    out = capsys.readouterr().out
    assert f".genie/playbooks/{filename}:{line}: " in out
    assert "1 error(s)" in out


def test_non_utf8_file_names_the_line(make_repo) -> None:
    repo = make_repo({".genie/playbooks/good.md": GOOD})
    (repo / ".genie/playbooks/latin1.md").write_bytes(b"---\nname: l\n---\nCaf\xe9 rules\n")
    lib = PlaybookLibrary.load(repo)
    assert [pb.name for pb in lib.playbooks if pb.source == "repo"] == ["good"]
    assert len(lib.warnings) == 1
    assert lib.warnings[0].startswith(".genie/playbooks/latin1.md:4: not UTF-8 (byte 0xe9)")


def test_five_megabyte_file_is_refused_unread(make_repo) -> None:
    repo = make_repo({".genie/playbooks/good.md": GOOD})
    big = repo / ".genie/playbooks/huge.md"
    big.write_text("---\nname: huge\n---\n" + "x" * (5 * 1024 * 1024))
    lib = PlaybookLibrary.load(repo)
    assert lib.get("huge") is None and lib.get("good") is not None
    assert lib.warnings == [".genie/playbooks/huge.md: too large (5.0 MB; the limit is 256 KB); skipped"]


def test_oversized_and_non_utf8_instruction_files_warn(make_repo) -> None:
    repo = make_repo({"x.py": ""})
    (repo / "AGENTS.md").write_bytes(b"ok\n\xff\xfe\n")
    (repo / "CLAUDE.md").write_text("y" * (300 * 1024))
    lib = PlaybookLibrary.load(repo)
    assert lib.get("AGENTS.md") is None and lib.get("CLAUDE.md") is None
    assert sorted(w.split(":")[0] for w in lib.warnings) == ["AGENTS.md", "CLAUDE.md"]
    assert lib.warnings[0].startswith("AGENTS.md:2: not UTF-8")


def test_duplicate_name_in_one_source_keeps_the_first(make_repo) -> None:
    repo = make_repo({
        ".genie/playbooks/a.md": "---\nname: dup\n---\nFirst.\n",
        ".genie/playbooks/b.md": "---\ndescription: second\nname: dup\n---\nSecond.\n",
    })
    lib = PlaybookLibrary.load(repo)
    assert lib.read("dup") == "First."
    assert lib.warnings == [
        ".genie/playbooks/b.md:3: duplicate name 'dup' (already used by .genie/playbooks/a.md); skipped"]


def test_same_name_in_different_sources_is_an_override_not_an_error(make_repo, user_dir: Path) -> None:
    (user_dir / "x.md").write_text("---\nname: x\n---\nUser.\n")
    repo = make_repo({".genie/playbooks/x.md": "---\nname: x\n---\nRepo.\n"})
    lib = PlaybookLibrary.load(repo)
    assert lib.warnings == [] and lib.read("x") == "Repo."


def test_user_dir_warnings_name_the_full_path(user_dir: Path) -> None:
    (user_dir / "bad.md").write_text("---\nname: [\n---\nb\n")
    lib = PlaybookLibrary.load(None)
    assert len(lib.warnings) == 1
    assert lib.warnings[0].startswith(f"{user_dir / 'bad.md'}:3: broken YAML")


def test_unreadable_entries_do_not_crash(make_repo) -> None:
    repo = make_repo({".genie/playbooks/good.md": GOOD})
    (repo / ".genie/playbooks/dir.md").mkdir()
    (repo / ".genie/playbooks/dangling.md").symlink_to(repo / "missing.md")
    (repo / ".genie/playbooks/.#good.md").symlink_to("user@host.1234")  # an editor's lock link: ignored
    (repo / ".genie/playbooks/README.md").write_text("What these playbooks are for.\n")  # ignored
    lib = PlaybookLibrary.load(repo)
    assert lib.get("good") is not None
    assert sorted(w.split(":")[0] for w in lib.warnings) == [".genie/playbooks/dangling.md", ".genie/playbooks/dir.md"]


SECRET = "aws_secret_access_key = AKIA-not-for-the-model"


def test_repo_files_symlinked_outside_the_repo_are_skipped(make_repo, tmp_path: Path, capsys) -> None:
    secret = tmp_path / "credentials"
    secret.write_text(SECRET + "\n")
    outside_pb = tmp_path / "outside.md"
    outside_pb.write_text(f"---\nname: leak\nalways: true\n---\n{SECRET}\n")
    repo = make_repo({"x.py": "", "docs/rules.md": "Inside rules.\n", ".genie/playbooks/good.md": GOOD})
    for rel in ("AGENTS.md", "CLAUDE.md", ".cursorrules", "sub/AGENTS.md"):
        (repo / rel).parent.mkdir(exist_ok=True)
        (repo / rel).symlink_to(secret)
    (repo / ".genie/playbooks/leak.md").symlink_to(outside_pb)
    (repo / "CONVENTIONS.md").symlink_to("docs/rules.md")  # a link that stays inside the repo is fine
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)  # tracked, as in a cloned repo
    lib = PlaybookLibrary.load(repo)
    assert all(SECRET not in pb.body for pb in lib.playbooks)
    assert {pb.name for pb in lib.playbooks if pb.source != "bundled"} == {"good", "CONVENTIONS.md"}
    assert lib.read("CONVENTIONS.md") == "Inside rules."
    assert sorted(lib.warnings) == sorted(f"{rel}: a symlink to outside the repository; skipped" for rel in (
        "AGENTS.md", "CLAUDE.md", ".cursorrules", "sub/AGENTS.md", ".genie/playbooks/leak.md"))

    assert main(["playbooks", "check", "--repo", str(repo)]) == 1
    out = capsys.readouterr().out
    assert "error: CLAUDE.md: a symlink to outside the repository; skipped" in out and SECRET not in out


def test_playbook_dir_symlinked_outside_the_repo_is_skipped(make_repo, tmp_path: Path, capsys) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "leak.md").write_text(f"---\nname: leak\nalways: true\n---\n{SECRET}\n")
    repo = make_repo({"x.py": ""})
    (repo / ".genie").mkdir()
    (repo / ".genie/playbooks").symlink_to(elsewhere, target_is_directory=True)
    lib = PlaybookLibrary.load(repo)
    assert lib.get("leak") is None
    assert lib.warnings == [".genie/playbooks: a symlink to outside the repository; skipped"]

    # nor does `playbooks new` write through the link
    assert main(["playbooks", "new", "mine", "--repo", str(repo)]) == 1
    assert ".genie/playbooks: a symlink to outside the repository" in capsys.readouterr().err
    assert sorted(p.name for p in elsewhere.iterdir()) == ["leak.md"]


def test_user_playbooks_may_be_symlinks(user_dir: Path, tmp_path: Path) -> None:
    shared = tmp_path / "team-rules.md"
    shared.write_text("---\nname: team\n---\nTeam rules.\n")
    (user_dir / "team.md").symlink_to(shared)
    lib = PlaybookLibrary.load(None)
    assert lib.read("team") == "Team rules." and lib.warnings == []
