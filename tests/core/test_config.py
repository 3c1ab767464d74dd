from __future__ import annotations

from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.config.settings import load_settings, user_config_file
from genie_tui.errors import ConfigError


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_precedence_flag_env_repo_user_default(make_repo, monkeypatch):
    repo = make_repo({"a.py": "x = 1\n"})
    write(user_config_file(), 'model = "user-model"\nmax_steps = 7\ntheme = "genie-light"\ncontext_budget = 12345\n')
    write(repo / ".genie/config.toml", 'model = "repo-model"\nmax_steps = 9\n')
    s = load_settings(repo, {})
    assert (s.model, s.max_steps, s.theme, s.approve) == ("repo-model", 9, "genie-light", "ask")
    assert s.sources["model"].startswith("repo ") and s.sources["theme"].startswith("user ")
    assert s.sources["approve"] == "default"
    monkeypatch.setenv("GENIE_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    s = load_settings(repo, {})
    assert s.model == "env-model" and s.sources["model"] == "env GENIE_MODEL"
    assert s.api_key == "sk-openai" and s.sources["api_key"] == "env OPENAI_API_KEY"
    monkeypatch.setenv("GENIE_API_KEY", "sk-genie")
    assert load_settings(repo, {}).api_key == "sk-genie"
    s = load_settings(repo, {"model": "flag-model", "max_steps": 3, "approve": None})
    assert (s.model, s.max_steps, s.context_budget) == ("flag-model", 3, 12345)
    assert s.sources["model"] == "flag --model" and s.sources["context_budget"].startswith("user ")


def test_openai_base_url_fallback(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    s = load_settings(None, {})
    assert s.base_url == "http://127.0.0.1:9/v1" and s.model_configured


def test_broken_toml_names_file_and_line(make_repo):
    repo = make_repo({"a.py": ""})
    write(repo / ".genie/config.toml", 'model = "x"\nmax_steps = = 3\n')
    with pytest.raises(ConfigError) as err:
        load_settings(repo, {})
    msg = str(err.value)
    assert str(repo / ".genie/config.toml") in msg and "line 2" in msg and "\n" not in msg


def test_a_config_file_saved_with_a_byte_order_mark_is_read(make_repo):
    repo = make_repo({"a.py": ""})
    cfg = repo / ".genie/config.toml"
    cfg.parent.mkdir(exist_ok=True)
    cfg.write_bytes(b"\xef\xbb\xbfmax_steps = 7\n")  # as Windows Notepad saves UTF-8
    assert load_settings(repo, {}).max_steps == 7
    cfg.write_bytes(b"\xef\xbb\xbfmax_steps = 7\nmodle = 'x'\n")
    with pytest.raises(ConfigError, match=r"config.toml:2: unknown key 'modle'"):
        load_settings(repo, {})


def test_unknown_key_wrong_type_and_repo_secret_are_errors(make_repo):
    repo = make_repo({"a.py": ""})
    cfg = repo / ".genie/config.toml"
    write(cfg, 'modle = "x"\n')
    with pytest.raises(ConfigError, match=r"config.toml:1: unknown key 'modle'"):
        load_settings(repo, {})
    write(cfg, 'max_steps = "many"\n')
    with pytest.raises(ConfigError, match="max_steps has the wrong type"):
        load_settings(repo, {})
    write(cfg, 'approve = "sometimes"\n')
    with pytest.raises(ConfigError, match="approve must be one of ask, auto, never"):
        load_settings(repo, {})
    write(cfg, 'api_key = "sk-leak"\n')
    with pytest.raises(ConfigError, match="does not belong in a repository"):
        load_settings(repo, {})


def test_config_show_redacts_and_names_sources(make_repo, monkeypatch, capsys):
    repo = make_repo({"a.py": ""})
    monkeypatch.setenv("GENIE_API_KEY", "sk-very-secret-value")
    write(repo / ".genie/config.toml", "max_steps = 12\n")
    assert main(["config", "show", "--repo", str(repo), "--model", "m1"]) == 0
    out = capsys.readouterr().out
    assert "sk-very-secret-value" not in out
    assert "<redacted>" in out and "env GENIE_API_KEY" in out
    assert any(line.split()[:2] == ["max_steps", "12"] and "repo" in line for line in out.splitlines())
    assert any(line.split()[:3] == ["model", "m1", "flag"] for line in out.splitlines())


def test_config_show_names_the_config_files_it_reads_there_or_not(make_repo, genie_home, capsys):
    repo = make_repo({"a.py": ""})
    write(repo / ".genie/config.toml", "max_steps = 12\n")
    assert main(["config", "show", "--repo", str(repo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"user config: {genie_home / 'config' / 'config.toml'} (not there)" in lines  # where to create it
    assert f"repository config: {repo / '.genie' / 'config.toml'}" in lines


def test_config_show_broken_file_is_one_line_exit_2(make_repo, capsys):
    repo = make_repo({"a.py": ""})
    write(repo / ".genie/config.toml", "[[[\n")
    assert main(["config", "show", "--repo", str(repo)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("genie: config file") and len(err.splitlines()) == 1


def test_repo_cannot_choose_where_the_users_key_goes(make_repo, monkeypatch):
    repo = make_repo({"a.py": ""})
    write(repo / ".genie/config.toml", 'base_url = "http://127.0.0.1:9/v1"\n')
    assert load_settings(repo, {}).base_url == "http://127.0.0.1:9/v1"  # keyless local server: fine
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-key-123456")
    with pytest.raises(ConfigError, match="will not send your API key to an endpoint a repository chose"):
        load_settings(repo, {})
    assert load_settings(repo, {"base_url": "http://127.0.0.1:9/v1"}).api_key == "sk-user-key-123456"


def test_url_credentials_are_redacted(make_repo, capsys):
    repo = make_repo({"a.py": ""})
    url = "http://user:hunter2pass@127.0.0.1:9/v1"
    s = load_settings(repo, {"base_url": url})
    assert s.public_dict()["base_url"] == "http://127.0.0.1:9/v1"
    assert "hunter2pass" in s.secrets()
    assert main(["config", "show", "--repo", str(repo), "--base-url", url]) == 0
    out = capsys.readouterr().out
    assert "hunter2pass" not in out
    # a query string would be mangled by the client (it appends paths) and could carry a token: refused
    assert main(["config", "show", "--repo", str(repo), "--base-url", url + "?api-key=QUERYSECRET"]) == 2
    err = capsys.readouterr().err
    assert "must not carry a query string" in err and "QUERYSECRET" not in err and "hunter2pass" not in err


@pytest.mark.parametrize("line, message", [
    ("timeout = -5", "timeout must be positive"), ("max_retries = -2", "must not be negative"),
    ("backoff_base = -1.0", "must not be negative"), ("test_timeout = 0", "test_timeout must be positive"),
    ("context_budget = 10", "at least 2000"), ('base_url = "localhost:11434"', "must be an http"),
])
def test_nonsense_values_are_refused(make_repo, line, message):
    repo = make_repo({"a.py": ""})
    write(user_config_file(), line + "\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(repo, {})


def test_global_flags_before_the_subcommand_count(make_repo, capsys):
    repo = make_repo({"a.py": ""})
    assert main(["--model", "early", "config", "show", "--repo", str(repo)]) == 0
    assert any(line.split()[:2] == ["model", "early"] for line in capsys.readouterr().out.splitlines())


def test_config_show_shows_a_refused_endpoint_then_names_the_problem(make_repo, monkeypatch, capsys):
    repo = make_repo({"a.py": ""})
    write(repo / ".genie/config.toml", 'base_url = "http://127.0.0.1:9/v1"\n')
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-key-123456")
    assert main(["config", "show", "--repo", str(repo)]) == 2  # as every other command refusing it
    out, err = capsys.readouterr()
    assert any(line.split()[:2] == ["base_url", "http://127.0.0.1:9/v1"] and "repo" in line
               for line in out.splitlines())
    assert "sk-user-key-123456" not in out
    assert err.startswith("genie: config file") and "will not send your API key" in err
    assert len(err.strip().splitlines()) == 1


def test_an_empty_model_name_is_refused(make_repo, capsys):
    repo = make_repo({"a.py": ""})
    assert main(["config", "show", "--repo", str(repo), "--model", " "]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "genie: --model: model must not be empty"


@pytest.mark.parametrize("argv", [["config", "show"], ["models"], ["run", "fix it", "--approve", "never"]])
def test_a_repository_chosen_endpoint_is_the_same_refusal_everywhere(make_repo, monkeypatch, capsys, argv):
    repo = make_repo({"a.py": ""})
    write(repo / ".genie/config.toml", 'base_url = "http://127.0.0.1:9/v1"\n')
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-key-123456")
    assert main([*argv, "--repo", str(repo)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("genie: config file") and "will not send your API key" in err[-1]


def test_the_web_search_urls_credentials_are_hidden_and_scrubbed_but_its_query_is_shown(make_repo, capsys):
    """`genie config show` printed web_search_url's user:password, and sessions recorded it (the lists that hide
    URL credentials covered the model endpoints only)."""
    repo = make_repo({"a.py": ""})
    url = "https://bob:sekrit99@searx.example/search?q={query}&format=json&api_key=APIKEY123"
    write(user_config_file(), f'web_search_url = "{url}"\n')
    settings = load_settings(repo, {})
    assert settings.public_dict()["web_search_url"] == \
        "https://***@searx.example/search?q={query}&format=json&api_key=***"
    assert {"sekrit99", "bob", "APIKEY123"} <= set(settings.secrets()) and "json" not in settings.secrets()
    assert main(["config", "show", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "sekrit99" not in out and "APIKEY123" not in out and "format=json" in out


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_config_file_that_is_not_utf8_names_the_line_and_column(make_repo, capsys, bom: bytes):
    """A Latin-1 'é' in a comment was "not UTF-8" with no line, in a file of any length."""
    repo = make_repo({"a.py": ""})
    cfg = repo / ".genie/config.toml"
    cfg.parent.mkdir(exist_ok=True)
    cfg.write_bytes(bom + "max_steps = 7\n# réglages: caf".encode() + b'\xe9\nmodel = "x"\n')  # é is 1 column
    assert main(["config", "show", "--repo", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert err == f"genie: config file {cfg}:2:16: not UTF-8 (byte 0xe9); save it as UTF-8\n" and out == ""
    cfg.write_bytes(bom + b"\xff = 1\n")
    assert main(["config", "show", "--repo", str(repo)]) == 2
    assert capsys.readouterr().err == f"genie: config file {cfg}:1:1: not UTF-8 (byte 0xff); save it as UTF-8\n"
