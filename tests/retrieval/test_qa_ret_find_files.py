"""find_files globs work as .gitignore's (and playbooks') do: ``*`` and ``?`` stay within one part of the
path, ``**`` spans any number of parts, a glob without a slash matches file names anywhere."""

from __future__ import annotations

from genie_tui.config.settings import load_settings
from genie_tui.retrieval import RepoIndex
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolOutput

FILES = {p: "x = 1\n" for p in ("src/a.py", "src/x/y/b.py", "srcx.py", "lib/src/c.py", "setup.py",
                                "src/x/notes.md", "app/[id]/page.tsx")}


def test_star_stays_within_a_directory_and_double_star_spans_them(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    try:
        found = {pat: ix.find_files(pat) for pat in ("src/**/*.py", "src/*.py", "*/*.py", "s?c/*", "src/**",
                                                     "./src/*.py", "**/*.{py,md}", "app/[id]/page.tsx",
                                                     "src[!q]a.py", "src[/]a.py", "src[!q]x/*", "s[r]c/a.py")}
    finally:
        ix.close()
    assert found == {
        "src/**/*.py": ["src/a.py", "src/x/y/b.py"],  # not srcx.py, not lib/src/c.py
        "src/*.py": ["src/a.py"],
        "*/*.py": ["src/a.py"],
        "s?c/*": ["src/a.py"],
        "src/**": ["src/a.py", "src/x/notes.md", "src/x/y/b.py"],
        "./src/*.py": ["src/a.py"],
        "**/*.{py,md}": ["lib/src/c.py", "setup.py", "src/a.py", "src/x/notes.md", "src/x/y/b.py", "srcx.py"],
        "app/[id]/page.tsx": ["app/[id]/page.tsx"],  # a path with brackets, found as text
        "src[!q]a.py": [], "src[/]a.py": [],  # a class, negated too, stays within one part: not src/a.py
        "src[!q]x/*": [], "s[r]c/a.py": ["src/a.py"],
    }


def test_find_files_tool_matches_names_anywhere_without_a_slash(make_repo):
    repo = make_repo(FILES)
    ctx = ToolContext(repo, load_settings(repo, {}))

    def run(pattern: str) -> ToolOutput:
        return registry.run_simple(ctx, "find_files", registry.validate("find_files", {"pattern": pattern}))

    assert run("*.py").text.splitlines() == ["lib/src/c.py", "setup.py", "src/a.py", "src/x/y/b.py", "srcx.py"]
    assert run("src/x/*.py").text == "no files match 'src/x/*.py'"
    assert run("[z-a]").text == "no files match '[z-a]'"


def test_find_files_takes_a_path_from_the_root_as_models_write_it(make_repo):
    repo = make_repo(FILES)
    ctx = ToolContext(repo, load_settings(repo, {}))

    def run(pattern: str) -> str:
        return registry.run_simple(ctx, "find_files", registry.validate("find_files", {"pattern": pattern})).text

    assert run("./src/x/y/b.py") == "src/x/y/b.py"
    assert run(f"{repo}/src/x/y/b.py") == "src/x/y/b.py"
    assert run(f"{repo}/src/*.py") == "src/a.py"


def test_a_glob_that_matches_nothing_in_its_case_matches_in_any(make_repo):
    ix = RepoIndex.open(make_repo({"README.md": "# x\n", "docs/Readme.txt": "x\n", "readme_tool.py": "x = 1\n"}))
    try:
        any_case = ix.find_files("**/README*")
        exact = ix.find_files("readme*")
    finally:
        ix.close()
    assert any_case == ["README.md"]  # the case given matches: it tells the files apart
    assert exact == ["readme_tool.py"]
    ix = RepoIndex.open(make_repo({"README.md": "# x\n", "docs/Readme.txt": "x\n"}, name="other"))
    try:
        assert ix.find_files("**/readme*") == ["README.md", "docs/Readme.txt"]
    finally:
        ix.close()
