"""Loading: the three sources, override by name, instruction files and AGENTS.md nesting, bundled content."""

from __future__ import annotations

import time
from pathlib import Path

from genie_tui.playbooks import PlaybookLibrary
from genie_tui.resources import data_dir

BUNDLED = {"fix-bug", "add-tests", "refactor-safely", "respond-to-review", "upgrade-dependency", "write-docs"}


def test_bundled_playbooks_are_real_checklists() -> None:
    lib = PlaybookLibrary.load(None)
    assert lib.warnings == []
    by_name = {pb.name: pb for pb in lib.playbooks}
    assert BUNDLED <= set(by_name)
    for name in BUNDLED:
        pb = by_name[name]
        assert pb.source == "bundled"
        assert pb.path.parent == data_dir("playbooks")
        assert pb.description and pb.keywords
        assert len(pb.body) > 800, name
        assert len(pb.steps) >= 4, name
        assert all(s and not s.startswith("[") for s in pb.steps), pb.steps
    assert by_name["fix-bug"].steps[2].startswith("Write a failing test")


def test_three_sources_and_override_by_name(make_repo, user_dir: Path, pb_text) -> None:
    (user_dir / "mine.md").write_text(pb_text("mine", "User rule.", keywords=["deploy"]))
    (user_dir / "fix-bug.md").write_text(pb_text("fix-bug", "User's own bug procedure."))
    (user_dir / "shared.md").write_text(pb_text("shared", "From the user."))
    repo = make_repo({
        ".genie/playbooks/shared.md": pb_text("shared", "From the repo."),
        ".genie/playbooks/migrations.md": pb_text("migrations", "Timestamped files.", applies_to=["db/**"]),
    })
    lib = PlaybookLibrary.load(repo)
    assert lib.warnings == []
    src = {pb.name: pb.source for pb in lib.playbooks}
    assert src["mine"] == "user" and src["migrations"] == "repo" and src["add-tests"] == "bundled"
    assert src["fix-bug"] == "user" and lib.read("fix-bug") == "User's own bug procedure."
    assert src["shared"] == "repo" and lib.read("shared") == "From the repo."
    assert [pb.source for pb in lib.shadowed["shared"]] == ["user"]
    assert [pb.source for pb in lib.shadowed["fix-bug"]] == ["bundled"]
    assert len([pb for pb in lib.playbooks if pb.name == "shared"]) == 1


def test_instruction_files_are_always_on_repo_playbooks(make_repo) -> None:
    repo = make_repo({
        "AGENTS.md": "Use pnpm, never npm.\n",
        "CLAUDE.md": "Run `make check` before finishing.\n",
        ".cursorrules": "Prefer small functions.\n",
        "CONVENTIONS.md": "Type hints everywhere.\n",
        "src/app.py": "x = 1\n",
    })
    lib = PlaybookLibrary.load(repo)
    by_source = {pb.source: pb for pb in lib.playbooks if pb.source != "bundled"}
    assert set(by_source) == {"AGENTS.md", "CLAUDE.md", ".cursorrules", "CONVENTIONS.md"}
    assert by_source["CLAUDE.md"].body == "Run `make check` before finishing."
    active = lib.select("rename a variable", files=["src/app.py"])
    reasons = {a.name: a.reason for a in active}
    assert reasons["CLAUDE.md"] == "always"
    assert reasons[".cursorrules"] == "always"
    assert reasons["CONVENTIONS.md"] == "always"
    assert reasons["AGENTS.md"] == "always"


def test_nearest_agents_md_to_the_changed_files_wins(make_repo) -> None:
    repo = make_repo({
        "AGENTS.md": "Root rules.\n",
        "services/api/AGENTS.md": "API rules: run `make api-test`.\n",
        "services/api/v2/AGENTS.md": "v2 rules.\n",
        "services/api/handler.py": "",
        "services/api/v2/routes.py": "",
        "web/app.ts": "",
    })
    lib = PlaybookLibrary.load(repo)
    agents = sorted(pb.name for pb in lib.playbooks if pb.source == "AGENTS.md")
    assert agents == ["AGENTS.md", "services/api/AGENTS.md", "services/api/v2/AGENTS.md"]

    def active(files):
        return {a.name: a.reason for a in lib.select("task", files=files) if a.playbook.source == "AGENTS.md"}

    # the root one always applies; a nested one joins for the files it is nearest to, listed first (it wins)
    assert active([]) == {"AGENTS.md": "always"}
    assert active(["services/api/handler.py"]) == {
        "services/api/AGENTS.md": "nearest AGENTS.md to services/api/handler.py", "AGENTS.md": "always"}
    assert list(active(["services/api/v2/routes.py"])) == ["services/api/v2/AGENTS.md", "AGENTS.md"]
    assert active(["web/app.ts", "services/api/handler.py"]) == active(["services/api/handler.py"])
    assert list(active(["services/api/handler.py", "services/api/v2/routes.py"])) == [
        "services/api/v2/AGENTS.md", "services/api/AGENTS.md", "AGENTS.md"]
    # Absolute paths inside the repo are understood too.
    assert set(active([str(repo.resolve() / "services/api/v2/routes.py")])) == {"services/api/v2/AGENTS.md",
                                                                                "AGENTS.md"}


def test_untracked_agents_md_is_found_and_ignored_one_is_not(make_repo) -> None:
    repo = make_repo({".gitignore": "build/\n", "pkg/x.py": ""})
    (repo / "pkg" / "AGENTS.md").write_text("Package rules.\n")
    (repo / "build").mkdir()
    (repo / "build" / "AGENTS.md").write_text("Generated.\n")
    names = {pb.name for pb in PlaybookLibrary.load(repo).playbooks if pb.source == "AGENTS.md"}
    assert names == {"pkg/AGENTS.md"}


def test_agents_md_found_without_git(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "AGENTS.md").write_text("root\n")
    (tmp_path / "a" / "b" / "AGENTS.md").write_text("deep\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "AGENTS.md").write_text("vendored\n")
    names = {pb.name for pb in PlaybookLibrary.load(tmp_path).playbooks if pb.source == "AGENTS.md"}
    assert names == {"AGENTS.md", "a/b/AGENTS.md"}


def test_empty_instruction_file_is_ignored_quietly(make_repo) -> None:
    repo = make_repo({"CLAUDE.md": "\n\n", "x.py": ""})
    lib = PlaybookLibrary.load(repo)
    assert lib.get("CLAUDE.md") is None and lib.warnings == []


def test_steps_parsing_variants(make_repo, pb_text) -> None:
    body = """Intro.

## Steps
1. First, which
   wraps onto a second line
2. [x] Second
- [ ] Third
  - nested detail
* Fourth

```
## Steps
- not a step (inside a code fence)
```

## After
- not a step either
"""
    repo = make_repo({".genie/playbooks/s.md": pb_text("s", body)})
    pb = PlaybookLibrary.load(repo).get("s")
    assert pb is not None
    assert pb.steps == ("First, which wraps onto a second line", "Second", "Third nested detail", "Fourth")


def test_load_time_for_all_playbooks(make_repo, user_dir: Path, pb_text) -> None:
    for i in range(30):
        (user_dir / f"u{i}.md").write_text(pb_text(f"u{i}", "Body.\n\n## Steps\n- [ ] one\n", keywords=["k"]))
    repo = make_repo({"AGENTS.md": "rules\n", **{f".genie/playbooks/r{i}.md": pb_text(f"r{i}") for i in range(30)}})
    PlaybookLibrary.load(repo)  # warm imports
    start = time.perf_counter()
    lib = PlaybookLibrary.load(repo)
    elapsed = time.perf_counter() - start
    assert len(lib.playbooks) == 6 + 30 + 30 + 1
    assert elapsed < 1.0, elapsed
