

def test_broken_repo_config_is_a_one_line_error(make_repo, capsys):
    from genie_tui.cli import main

    repo = make_repo({"a.py": "def f():\n    pass\n", ".genie/config.toml": "max_file_bytes = = 3\n"})
    for argv in (["index", "--repo", str(repo)], ["search", "f", "--repo", str(repo)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("genie: config file") and "line 1" in err and len(err.splitlines()) == 1
