"""Every layer (flags, environment, repo and user config files) is checked the same way, and a bad value is one
line naming where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.config.settings import load_settings, repo_config_file, user_config_file
from genie_tui.core.session import sessions_dir
from genie_tui.errors import ConfigError


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("var, value, message", [
    ("GENIE_BASE_URL", "http://[::1", "base_url is not a valid URL"),
    ("GENIE_BASE_URL", "http://127.0.0.1:99999/v1", "base_url is not a valid URL"),
    ("OPENAI_BASE_URL", "http://127.0.0.1:99999/v1", "base_url is not a valid URL"),
    ("GENIE_BASE_URL", "ftp://x", "base_url must be an http:// or https:// URL"),
    ("GENIE_BASE_URL", "http://127.0.0.1:9/v1?api-key=QSECRET", "must not carry a query string"),
    ("GENIE_MODEL", "   ", "model must not be empty"),
])
@pytest.mark.parametrize("command", [["models"], ["config", "show"]])
def test_a_bad_environment_variable_is_one_line_naming_it_exit_2(make_repo, monkeypatch, capsys, var, value,
                                                                 message, command):
    repo = make_repo({"a.py": ""})
    monkeypatch.setenv("GENIE_API_KEY", "sk-env-secret-123456")
    monkeypatch.setenv(var, value)
    assert main([*command, "--repo", str(repo)]) == 2
    line = one_line_error(capsys)
    assert line.startswith(f"genie: env {var}: ") and message in line
    assert "QSECRET" not in line and "sk-env-secret" not in line


@pytest.mark.parametrize("value", ["http://[::1", "http://127.0.0.1:99999/v1", "ftp://x"])
def test_genie_run_refuses_a_bad_environment_url_before_recording_a_session(make_repo, monkeypatch, capsys,
                                                                           value):
    repo = make_repo({"a.py": ""})
    monkeypatch.setenv("GENIE_BASE_URL", value)
    assert main(["run", "fix it", "--repo", str(repo), "--approve", "never"]) == 2
    assert one_line_error(capsys).startswith("genie: env GENIE_BASE_URL: base_url ")
    assert not sessions_dir().exists() or not any(sessions_dir().iterdir())


BROKEN_URLS = [
    "http://[::1",               # unclosed IPv6 bracket
    "http://[::1]x/v1",          # text after the bracket that is not a port
    "http://[not-ipv6]/v1",      # brackets around something that is not an IPv6 address
    "http://127.0.0.1:99999/v1",  # port out of range
    "http://127.0.0.1:0/v1",     # port 0 cannot be connected to
    "http://a:b:c/v1",           # port is not a number
    "http://127.0.0.1:+80/v1",   # nor is this
    "http://exa mple.com/v1",    # a space in the host
    "http://127.0.0.1:9/v1\n",   # a control character (urlsplit drops it silently, the HTTP client does not)
    "http://:8080/v1",           # no host
]


@pytest.mark.parametrize("url", BROKEN_URLS)
def test_a_syntactically_broken_base_url_is_refused_from_every_layer(make_repo, monkeypatch, url):
    repo = make_repo({"a.py": ""})
    toml_value = url.replace("\n", "\\n")
    write(user_config_file(), f'base_url = "{toml_value}"\n')
    with pytest.raises(ConfigError, match=r"config\.toml:1: base_url (is not a valid URL|must be an http)") as err:
        load_settings(repo, {})
    assert "\n" not in str(err.value)
    user_config_file().unlink()
    write(repo_config_file(repo), f'embeddings_base_url = "{toml_value}"\n')
    with pytest.raises(ConfigError, match=r"config\.toml:1: embeddings_base_url (is not a valid URL|must be an)"):
        load_settings(repo, {})
    repo_config_file(repo).unlink()
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    with pytest.raises(ConfigError, match=r"^env OPENAI_BASE_URL: base_url (is not a valid URL|must be an http)"):
        load_settings(repo, {})
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(ConfigError, match=r"^--base-url: base_url (is not a valid URL|must be an http)"):
        load_settings(repo, {"base_url": url})


@pytest.mark.parametrize("url", ["http://[::1]:8080/v1", "http://[fe80::1%25eth0]:8080/v1", "https://api.example.com",
                                 "http://127.0.0.1:/v1", "http://user:pw@127.0.0.1:9/v1", "http://bücher.example/v1"])
def test_valid_base_urls_still_pass(monkeypatch, url):
    monkeypatch.setenv("GENIE_BASE_URL", url)
    assert load_settings(None, {}).base_url == url


@pytest.mark.parametrize("line, message", [
    ("timeout = nan", "timeout must be a finite number, not nan"),
    ("backoff_base = nan", "backoff_base must be a finite number, not nan"),
    ("test_timeout = inf", "test_timeout must be a finite number, not inf"),
    ("price_input_per_mtok = -inf", "price_input_per_mtok must be a finite number, not -inf"),
    pytest.param("timeout = 1" + "0" * 400, "timeout must be a finite number, not inf", id="int-too-big-for-a-float"),
    ("timeout = true", "timeout has the wrong type: expected a number, not True"),
    ("price_input_per_mtok = true", "price_input_per_mtok has the wrong type: expected a number, not True"),
    ("max_steps = true", "max_steps has the wrong type: expected an integer, not True"),
    ("max_retries = false", "max_retries has the wrong type: expected an integer, not False"),
    ("max_steps = 2.5", "max_steps has the wrong type: expected an integer, not 2.5"),
    ("embeddings_hypothetical = 1", "embeddings_hypothetical has the wrong type: expected true or false, not 1"),
    ("price_output_per_mtok = -0.5", "price_output_per_mtok must not be negative"),
    ("playbook_budget = -1", "playbook_budget must not be negative"),
    ("max_file_bytes = 0", "max_file_bytes must be positive"),
    ("max_steps = -3", "max_steps must be positive"),
])
def test_numbers_must_be_numbers_and_finite(make_repo, line, message):
    repo = make_repo({"a.py": ""})
    write(user_config_file(), "# my settings\n" + line + "\n")
    with pytest.raises(ConfigError) as err:
        load_settings(repo, {})
    assert str(err.value) == f"config file {user_config_file()}:2: {message}"


def test_numbers_still_accepted(make_repo):
    repo = make_repo({"a.py": ""})
    write(user_config_file(), "timeout = 30\nbackoff_base = 0\nprice_input_per_mtok = 0.15\nmax_retries = 0\n")
    s = load_settings(repo, {})
    assert (s.timeout, s.backoff_base, s.price_input_per_mtok, s.max_retries) == (30.0, 0.0, 0.15, 0)
    assert isinstance(s.timeout, float)


@pytest.mark.parametrize("line, secret", [
    ('api_key = ["sk-user-secret-abc"]', "sk-user-secret-abc"),
    ("embeddings_api_key = 98765432123", "98765432123"),
    ('api_key = { value = "sk-inline-table-secret" }', "sk-inline-table-secret"),
    ('base_url = ["http://me:hunter2pass@127.0.0.1:9/v1"]', "hunter2pass"),
    ('embeddings_base_url = ["http://127.0.0.1:9/v1?key=QUERYSECRET"]', "QUERYSECRET"),
])
def test_a_wrong_type_never_echoes_a_secret(make_repo, capsys, line, secret):
    repo = make_repo({"a.py": ""})
    write(user_config_file(), "\n" + line + "\n")
    assert main(["config", "show", "--repo", str(repo)]) == 2
    err = one_line_error(capsys)
    name = line.split()[0]
    assert err == f"genie: config file {user_config_file()}:2: {name} has the wrong type: expected a string"
    assert secret not in err


def test_a_url_without_scheme_is_refused_without_its_password(capsys):
    assert main(["config", "show", "--base-url", "me:hunter2pass@localhost:11434/v1"]) == 2
    err = one_line_error(capsys)
    assert err == "genie: --base-url: base_url must be an http:// or https:// URL, not 'localhost:11434/v1'"


@pytest.mark.parametrize("text, message", [
    ('model = "m"\n[tool]\nx = 1\n', "2: unknown key 'tool'"),
    ('model = "m"\n\n  [[tool]]\nx = 1\n', "3: unknown key 'tool'"),
    ('model = "m"\n[ "tool" . sub ]\nx = 1\n', "2: unknown key 'tool'"),
    ('# a comment\n"modle" = "x"\n', "2: unknown key 'modle'"),
    ("# a comment\n\n'modle' = 'x'\n", "3: unknown key 'modle'"),
    ('model = "m"\ntool.x = 1\n', "2: unknown key 'tool'"),
    ('model = "m"\n"max_steps" = "many"\n', "2: max_steps has the wrong type: expected an integer, not 'many'"),
    ('model = "m"\n[max_steps]\nx = 1\n', "2: max_steps has the wrong type: expected an integer, not {'x': 1}"),
    ('test_command = """\ntimeout = 5\n"""\ntimeout = nan\n', "4: timeout must be a finite number, not nan"),
    ("test_command = '''\ntimeout = 5'''\ntimeout = nan\n", "3: timeout must be a finite number, not nan"),
    ('test_command = "timeout = 5"\ntimeout = nan\n', "2: timeout must be a finite number, not nan"),
    ('[theme]\ntimeout = 5\n', "1: theme has the wrong type: expected a string, not {'timeout': 5}"),
])
def test_errors_name_the_line_the_key_is_on(make_repo, text, message):
    repo = make_repo({"a.py": ""})
    write(repo_config_file(repo), text)
    with pytest.raises(ConfigError) as err:
        load_settings(repo, {})
    assert str(err.value) == f"config file {repo_config_file(repo)}:{message}"


def test_config_show_shows_the_size_limit_the_index_uses(make_repo, monkeypatch, capsys):
    repo = make_repo({"a.py": "x = 1\n" * 100})  # 600 bytes
    write(repo_config_file(repo), "max_file_bytes = 5000\n")
    monkeypatch.setenv("GENIE_INDEX_MAX_BYTES", "500")
    assert main(["config", "show", "--repo", str(repo)]) == 0
    row = next(line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("max_file_bytes"))
    assert row == ["max_file_bytes", "500", "env", "GENIE_INDEX_MAX_BYTES"]
    assert main(["index", "--repo", str(repo), "--explain", "a.py"]) == 0
    assert "too large (600 bytes > 500;" in capsys.readouterr().out
    monkeypatch.delenv("GENIE_INDEX_MAX_BYTES")
    assert main(["config", "show", "--repo", str(repo)]) == 0
    row = next(line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("max_file_bytes"))
    assert row[:3] == ["max_file_bytes", "5000", "repo"]
    assert main(["index", "--repo", str(repo), "--explain", "a.py"]) == 0
    assert "not indexed" not in capsys.readouterr().out


def test_the_size_limit_holds_when_the_repository_chose_an_endpoint(make_repo, monkeypatch, capsys):
    repo = make_repo({"a.py": "x = 1\n" * 100})  # 600 bytes
    write(repo_config_file(repo), 'max_file_bytes = 500\nbase_url = "http://127.0.0.1:9/v1"\n')
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-key-123456")
    assert main(["index", "--repo", str(repo), "--explain", "a.py"]) == 0
    assert "too large (600 bytes > 500;" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["   ", "sk-abc\n", "sk-\u201cabc\u201d", " sk-abc"])
def test_an_api_key_that_cannot_be_an_http_header_is_refused_without_showing_it(make_repo, monkeypatch, key):
    from genie_tui.config.settings import load_settings
    from genie_tui.errors import ConfigError

    repo = make_repo({"a.py": ""})
    monkeypatch.setenv("GENIE_API_KEY", key)
    with pytest.raises(ConfigError, match="api_key must be printable ASCII") as info:
        load_settings(repo, {})
    assert "abc" not in str(info.value)


def test_a_repository_may_make_approval_stricter_but_not_automatic(make_repo, capsys):
    """A cloned repository's `approve = "auto"` had `genie run TASK` run a command the model made up without
    asking (a review's design note); `ask` and `never` are the repository's to choose."""
    repo = make_repo({".genie/config.toml": 'model = "m"\n\napprove = "auto"\n'})
    with pytest.raises(ConfigError, match=r'config\.toml:3: approve = "auto" does not belong in a repository'):
        load_settings(repo)
    assert main(["run", "fix it", "--repo", str(repo), "--base-url", "http://127.0.0.1:9/v1"]) == 2
    assert "pass --approve auto or set it in your user config" in one_line_error(capsys)
    write(repo_config_file(repo), 'approve = "never"\n')
    assert load_settings(repo).approve == "never"
    write(user_config_file(), 'approve = "auto"\n')
    write(repo_config_file(repo), 'approve = "ask"\n')
    assert load_settings(repo).approve == "ask"  # the repository's choice, stricter than yours, stands


def test_a_search_key_in_a_web_search_url_a_repository_overrides_is_still_a_secret(make_repo):
    repo = make_repo({".genie/config.toml": 'web_search_url = "https://searx.example.org/search?q={query}"\n'})
    write(user_config_file(), 'web_search_url = "https://search.example.com/?q={query}&api_key=SEARCHKEY123"\n')
    settings = load_settings(repo)
    assert settings.web_search_url.startswith("https://searx.example.org")
    assert "SEARCHKEY123" in settings.secrets()


@pytest.mark.parametrize("value", ["[" * 100_000, "{a = " * 100_000, "[" * 5000 + "]" * 5000],
                         ids=["unclosed lists", "unclosed tables", "valid but deep"])
@pytest.mark.parametrize("where", ["user", "repository"])
def test_a_config_file_nested_too_deeply_to_parse_is_one_line_exit_2(make_repo, capsys, value, where):
    """tomllib's RecursionError was a traceback of every command run in a repository whose config held one."""
    repo = make_repo({"a.py": ""})
    path = user_config_file() if where == "user" else repo_config_file(repo)
    write(path, f"timeout = 5\nmodel = {value}\n")
    assert main(["config", "show", "--repo", str(repo)]) == 2
    assert one_line_error(capsys) == f"genie: config file {path}: invalid TOML: nested too deeply"
