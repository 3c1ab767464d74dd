

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
