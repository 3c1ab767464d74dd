"""Selection by keyword, glob, always and explicit name; the prompt budget; the read_playbook tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from genie_tui.errors import GenieError, UsageError
from genie_tui.playbooks import ActivePlaybook, PlaybookLibrary, estimate_tokens


@pytest.fixture
def lib(make_repo, pb_text) -> PlaybookLibrary:
    repo = make_repo({
        ".genie/playbooks/pnpm.md": pb_text("pnpm", "Use pnpm, never npm.", always=True),
        ".genie/playbooks/migrations.md": pb_text(
            "migrations", "Migrations go in db/migrations with a timestamp.\n\n## Steps\n- [ ] Add a timestamped file\n"
            "- [ ] Never edit an applied migration\n",
            applies_to=["db/**", "*.sql"], keywords=["migration", "schema"]),
        ".genie/playbooks/frontend.md": pb_text("frontend", "Components are function components.",
                                                applies_to=["src/**/*.{ts,tsx}"]),
        ".genie/playbooks/release.md": pb_text("release", "Tag from main only."),
        ".genie/playbooks/pr.md": pb_text("pr-style", "Small PRs.", keywords=["pull request"], priority=20),
        "src/app.tsx": "",
    })
    return PlaybookLibrary.load(repo)


def reasons(active: list[ActivePlaybook]) -> dict[str, str]:
    return {a.name: a.reason for a in active}


def test_always_keyword_and_glob_reasons(lib: PlaybookLibrary) -> None:
    got = reasons(lib.select("Add a migration for the users table", files=["src/ui/button.tsx"]))
    assert got["pnpm"] == "always"
    assert got["migrations"] == "keyword 'migration'"
    assert got["frontend"] == "glob src/**/*.{ts,tsx} matches src/ui/button.tsx"
    assert "release" not in got


def test_keywords_match_whole_words_with_inflections(lib: PlaybookLibrary) -> None:
    assert "fix-bug" in reasons(lib.select("Two bugs in the parser"))
    assert reasons(lib.select("it crashed on start"))["fix-bug"] == "keyword 'crash'"
    assert "fix-bug" not in reasons(lib.select("attach the debugger to the worker"))
    assert "fix-bug" not in reasons(lib.select("update the fixtures for the new schema"))
    assert "migrations" not in reasons(lib.select("immigration form layout"))
    assert reasons(lib.select("address the Pull-Request feedback"))["pr-style"] == "keyword 'pull request'"


@pytest.mark.parametrize("keyword,task", [("rename", "renaming the config keys"), ("simplify", "simplified parser"),
                                          ("simplify", "it simplifies"), ("stop", "the worker stopped"),
                                          ("debug", "debugging the worker"), ("migration", "two migrations"),
                                          ("crash", "it crashes"), ("set up", "setting up the CI"),
                                          ("pull request", "two pull requests")])
def test_a_keyword_matches_its_english_forms(make_repo, pb_text, keyword: str, task: str) -> None:
    repo = make_repo({".genie/playbooks/k.md": pb_text("k", "Body.", keywords=[keyword])})
    assert reasons(PlaybookLibrary.load(repo).select(task)).get("k") == f"keyword '{keyword}'"


@pytest.mark.parametrize("keyword,task", [("rename", "renam the keys"), ("stop", "a stopper"), ("cat", "catalog"),
                                          ("simplify", "simplifie")])
def test_a_keyword_does_not_match_other_words(make_repo, pb_text, keyword: str, task: str) -> None:
    repo = make_repo({".genie/playbooks/k.md": pb_text("k", "Body.", keywords=[keyword])})
    assert "k" not in reasons(PlaybookLibrary.load(repo).select(task))


def test_globs_re_evaluated_as_files_are_touched(lib: PlaybookLibrary) -> None:
    before = reasons(lib.select("tidy up", files=["README.md"]))
    after = reasons(lib.select("tidy up", files=["README.md", "db/migrations/0001_init.sql"]))
    assert "migrations" not in before
    assert after["migrations"] == "glob db/** matches db/migrations/0001_init.sql"
    nested = reasons(lib.select("x", files=["sql/reports/q.sql"]))
    assert nested["migrations"] == "glob *.sql matches sql/reports/q.sql"
    assert "frontend" not in reasons(lib.select("x", files=["lib/app.tsx"]))


def test_explicit_first_disabled_wins_and_order(lib: PlaybookLibrary) -> None:
    active = lib.select("open a pull request for the schema migration", explicit=["release"], disabled=["pnpm"])
    names = [a.name for a in active]
    assert names[0] == "release" and active[0].reason == "explicit"
    assert "pnpm" not in names
    # priority 20 beats the default 0; equal priority orders by name
    repo_names = [a.name for a in active if a.playbook.source == "repo"]
    assert repo_names == ["release", "pr-style", "migrations"]
    assert [a.name for a in lib.select("x", explicit=["release"], disabled=["release", "pnpm"])] == []


def test_repo_playbooks_rank_above_bundled_at_equal_priority(lib: PlaybookLibrary) -> None:
    names = [a.name for a in lib.select("update the docs for the schema", disabled=["pnpm"])]
    assert names.index("migrations") < names.index("write-docs")


def test_unknown_explicit_name_is_a_one_line_usage_error(lib: PlaybookLibrary) -> None:
    with pytest.raises(UsageError) as info:
        lib.select("x", explicit=["migration"])
    msg = str(info.value)
    assert "\n" not in msg and "unknown playbook 'migration'" in msg and "migrations" in msg
    assert info.value.exit_code == 2


def test_prompt_section_fits_everything_in_a_large_budget(lib: PlaybookLibrary) -> None:
    active = lib.select("schema migration", explicit=["release"])
    section = lib.prompt_section(active, budget_tokens=100_000)
    assert section.included == [a.name for a in active] and section.overflow == []
    assert '<playbook name="migrations" why="keyword \'migration\'">' in section.text
    assert "Migrations go in db/migrations with a timestamp." in section.text
    assert section.text.index('name="release"') < section.text.index('name="migrations"')


def test_budget_truncation_lists_the_rest_by_name(make_repo, pb_text) -> None:
    big = "Rule. " * 600  # ~900 tokens
    repo = make_repo({
        ".genie/playbooks/a.md": pb_text("a-first", "Short first rule.", always=True, priority=3),
        ".genie/playbooks/b.md": pb_text("b-big", big, always=True, priority=2, description="The big one"),
        ".genie/playbooks/c.md": pb_text("c-small", "Short last rule.", always=True, priority=1),
    })
    lib = PlaybookLibrary.load(repo)
    active = [a for a in lib.select("x") if a.name in {"a-first", "b-big", "c-small"}]
    section = lib.prompt_section(active, budget_tokens=400)
    assert section.included == ["a-first", "c-small"]
    assert section.overflow == ["b-big"]
    assert estimate_tokens(section.text) <= 400
    assert "- b-big: The big one" in section.text and "read_playbook" in section.text
    assert big.strip() not in section.text
    assert lib.read("b-big") == big.strip()

    tiny = lib.prompt_section(active, budget_tokens=60)
    assert tiny.included == [] and tiny.overflow == ["a-first", "b-big", "c-small"]
    assert all(f"- {n}" in tiny.text for n in tiny.overflow)


def test_prompt_section_default_budget_holds_and_empty_is_empty(lib: PlaybookLibrary) -> None:
    active = lib.select("fix the bug, add tests, refactor, update docs, bump deps, address review feedback")
    assert len(active) >= 7
    section = lib.prompt_section(active)
    assert estimate_tokens(section.text) <= 3000
    assert section.included and section.overflow
    order = [a.name for a in active]
    assert sorted(section.included + section.overflow) == sorted(order)
    assert section.included == [n for n in order if n in section.included]
    assert section.overflow == [n for n in order if n in section.overflow]
    assert all(f"- {n}: " in section.text for n in section.overflow)
    assert lib.prompt_section([]).text == ""


def test_read_playbook_tool(lib: PlaybookLibrary) -> None:
    assert lib.read("pnpm") == "Use pnpm, never npm."
    assert lib.read("fix-bug").startswith("Fix bugs the way")
    with pytest.raises(GenieError) as info:
        lib.read("nope")
    msg = str(info.value)
    assert "unknown playbook 'nope'" in msg and "fix-bug" in msg and "pnpm" in msg and "\n" not in msg


def test_steps_seed_the_plan_with_their_origin(lib: PlaybookLibrary) -> None:
    steps = lib.plan_steps(lib.select("new schema migration", disabled=["pnpm"]))
    mine = [(s.text, s.origin, s.status) for s in steps if s.origin == "playbook:migrations"]
    assert mine == [("Add a timestamped file", "playbook:migrations", "todo"),
                    ("Never edit an applied migration", "playbook:migrations", "todo")]


def test_paths_are_normalised(lib: PlaybookLibrary, tmp_path: Path) -> None:
    assert lib.repo is not None
    link = tmp_path / "link"
    link.symlink_to(lib.repo)
    assert "migrations" in reasons(lib.select("x", files=[str(link / "db" / "x.sql")]))
    for given in ("./db/x.sql", str(Path(lib.repo) / "db" / "x.sql"), "db\\x.sql"):
        assert "migrations" in reasons(lib.select("x", files=[given])), given


def test_a_bare_string_is_one_name(lib: PlaybookLibrary) -> None:
    active = lib.select("x", files="db/a.sql", explicit="release", disabled="pnpm")
    assert reasons(active) == {"release": "explicit", "migrations": "glob db/** matches db/a.sql"}


def test_close_names_suggest_by_similarity_and_substring(lib: PlaybookLibrary) -> None:
    assert lib.close_names("FIX-BUGS")[0] == "fix-bug"
    assert "respond-to-review" in lib.close_names("review")
    assert lib.close_names("zzzz") == []
