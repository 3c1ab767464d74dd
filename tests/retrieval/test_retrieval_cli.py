

def test_broken_repo_config_is_a_one_line_error(make_repo, capsys):
    from genie_tui.cli import main

    repo = make_repo({"a.py": "def f():\n    pass\n", ".genie/config.toml": "max_file_bytes = = 3\n"})
    for argv in (["index", "--repo", str(repo)], ["search", "f", "--repo", str(repo)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("genie: config file") and "line 1" in err and len(err.splitlines()) == 1


def test_a_bad_model_endpoint_in_the_environment_does_not_stop_code_search(make_repo, monkeypatch, capsys):
    """OPENAI_API_KEY / OPENAI_BASE_URL are shared with other tools; search needs no model (genie run still
    refuses them)."""
    from genie_tui.cli import main

    repo = make_repo({"a.py": "def needle_fn():\n    pass\n"})
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abcdefgh ")
    monkeypatch.setenv("OPENAI_BASE_URL", "localhost:8080")
    assert main(["index", "--repo", str(repo)]) == 0
    assert main(["search", "needle_fn", "--repo", str(repo)]) == 0
    assert "a.py" in capsys.readouterr().out
    assert main(["run", "fix it", "--repo", str(repo)]) == 2
    assert "OPENAI_" in capsys.readouterr().err


def test_a_query_of_only_skipped_words_says_why_it_found_nothing(make_repo, capsys):
    from genie_tui.cli import main

    repo = make_repo({"a.py": "def f():\n    pass\n"})
    assert main(["search", "f", "--repo", str(repo)]) == 1
    assert capsys.readouterr().out.strip() == ("no results: the query has no word genie searches for (one-letter "
                                               "words and common words such as 'the' are skipped)")
    assert main(["search", "nowhere_to_be_found", "--repo", str(repo)]) == 1
    assert capsys.readouterr().out.strip() == "no results"


def test_files_a_lowered_size_limit_leaves_out_are_counted_as_removed(make_repo, capsys):
    from genie_tui.cli import main

    repo = make_repo({"small.py": "def small():\n    pass\n", "big.py": "x = 1\n" * 3000, "bigger.py": "y = 2\n" * 4000})
    assert main(["index", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.strip().endswith("(3 parsed, 0 removed)")
    (repo / ".genie").mkdir()
    (repo / ".genie/config.toml").write_text("max_file_bytes = 1000\n")
    assert main(["index", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out.strip()  # the config file itself is indexed: 2 files, 1 parsed
    assert out.startswith("2 files, ") and out.endswith("(1 parsed, 2 removed)"), out
    (repo / "small.py").unlink()
    assert main(["index", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.strip().endswith("(0 parsed, 1 removed)")


def test_k_above_300_returns_as_many_files_as_match(make_repo, capsys):
    import json

    from genie_tui.cli import main

    repo = make_repo({f"pkg/m{i:03}.py": f"def retry_budget_{i}():\n    return 'retry_budget'\n" for i in range(420)})
    assert main(["search", "retry_budget", "-k", "1000", "--json", "--repo", str(repo)]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 420


def test_why_names_a_passage_for_a_file_that_defines_nothing(make_repo, capsys):
    import json

    from genie_tui.cli import main

    repo = make_repo({"README.md": "# notes\n\nThe frobnicator backoff waits between frobnicator retries.\n",
                      "run.py": "import time\n\nfor i in range(3):\n    time.sleep(1)\n"})
    assert main(["search", "frobnicator backoff", "--json", "--repo", str(repo)]) == 0
    first = json.loads(capsys.readouterr().out)["results"][0]
    assert first["path"] == "README.md" and "definition" not in first["why"], first
    assert main(["index", "--explain", "run.py", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.strip() == "run.py: indexed (4 lines; parsed as python, 0 definitions)"
