"""``genie models`` end to end: settings precedence feeds the client, errors are one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from genie_tui.cli import main
from genie_tui.providers.scripted import ScriptedServer


def test_models_lists_ids_from_the_flag_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer([], models=("qwen2.5-coder:7b", "llama3.1:8b")) as server:
        code = main(["models", "--base-url", server.base_url, "--model", "llama3.1:8b"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.splitlines() == ["llama3.1:8b", "qwen2.5-coder:7b"]
    assert err == ""


def test_models_uses_env_and_repo_config_and_notes_unknown_model(
        make_repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer([], models=("only-this",)) as server:
        repo = make_repo({".genie/config.toml": 'model = "not-offered"\n'})
        monkeypatch.setenv("GENIE_BASE_URL", server.base_url)
        code = main(["models", "--repo", str(repo)])
    out, err = capsys.readouterr()
    assert code == 0 and out.strip() == "only-this"
    assert "'not-offered' is not among these" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_is_one_line_exit_1(tmp_path: Path) -> None:
    env = {**os.environ, "GENIE_HOME": str(tmp_path), "GENIE_API_KEY": "sk-never-print-me-123456"}
    url = f"http://127.0.0.1:{_free_port()}/v1"
    proc = subprocess.run([sys.executable, "-m", "genie_tui", "models", "--base-url", url],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"genie: model endpoint {url}: ")
    assert "connection error" in lines[0] and "sk-never" not in proc.stderr


def test_base_url_without_scheme_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--base-url", "localhost:11434/v1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "genie: --base-url: base_url must be an http:// or https:// URL, not 'localhost:11434/v1'"


def test_nothing_configured_is_the_same_usage_error_as_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 2
    assert capsys.readouterr().err.strip().startswith("genie: no model configured: set OPENAI_API_KEY")
