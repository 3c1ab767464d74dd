"""A model name with a space is refused where model names are read (``--model``, ``GENIE_MODEL``, a config file),
as an empty one or one with control characters is: no model id has a space (``gpt 4o`` is a typo for
``gpt-4o``, ``"gpt-4o "`` a paste), and the endpoint would answer every request with "model not found" only
after the session had started. Names of local servers, with ``:`` and ``/``, keep working."""

from __future__ import annotations

import pytest

from genie_tui.cli import main
from genie_tui.config.settings import user_config_file
from genie_tui.core.session import sessions_dir

SPACES = "model must have no spaces (model ids such as llama3:8b or org/model have none)"


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


@pytest.mark.parametrize("name", ["gpt 4o", "gpt-4o ", " gpt-4o", "qwen2.5-coder: 14b"])
def test_a_model_name_with_a_space_is_refused_on_the_command_line(make_repo, capsys, name):
    repo = make_repo({"a.py": ""})
    assert main(["config", "show", "--repo", str(repo), "--model", name]) == 2
    assert one_line(capsys) == f"genie: --model: {SPACES}"


def test_genie_run_refuses_it_before_a_session_is_recorded(make_repo, capsys):
    repo = make_repo({"a.py": ""})
    assert main(["run", "fix it", "--repo", str(repo), "--base-url", "http://127.0.0.1:9/v1", "--model", "gpt 4o",
                 "--approve", "never"]) == 2
    assert one_line(capsys) == f"genie: --model: {SPACES}"
    assert not sessions_dir().exists() or not any(sessions_dir().iterdir())


def test_in_the_environment_and_config_files_it_is_refused_naming_where(make_repo, monkeypatch, capsys):
    repo = make_repo({"a.py": ""})
    monkeypatch.setenv("GENIE_MODEL", "gpt 4o")
    assert main(["config", "show", "--repo", str(repo)]) == 2
    assert one_line(capsys) == f"genie: env GENIE_MODEL: {SPACES}"
    monkeypatch.delenv("GENIE_MODEL")
    config = repo / ".genie" / "config.toml"
    config.parent.mkdir()
    config.write_text('model = "gpt-4o "\n')
    assert main(["config", "show", "--repo", str(repo)]) == 2
    line = one_line(capsys)
    assert line.startswith("genie: config file") and str(config) in line and line.endswith(f": {SPACES}")
    config.unlink()
    user = user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('embeddings_model = "nomic embed text"\n')
    assert main(["config", "show", "--repo", str(repo)]) == 2
    line = one_line(capsys)
    assert str(user) in line and line.endswith(": embeddings_" + SPACES)


@pytest.mark.parametrize("name", ["llama3:8b", "org/model", "hf.co/bartowski/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M",
                                  "gpt-4.1-mini", "models/gemini-2.0-flash@001"])
def test_names_of_local_servers_keep_working(make_repo, capsys, name):
    repo = make_repo({"a.py": ""})
    assert main(["config", "show", "--repo", str(repo), "--model", name]) == 0
    out = capsys.readouterr().out
    assert any(line.split()[:2] == ["model", name] for line in out.splitlines()), out

