"""QA of configuration: what `genie config show` and the commands say about a config file."""

from __future__ import annotations

import pytest

from genie_tui.cli import main
from genie_tui.config.settings import repo_config_file


@pytest.mark.parametrize("text, line", [
    ('# the team\u2028s model\nmodle = "x"\n', 2),  # a line separator in a comment is no line break to TOML
    ('test_command = "a\u0085b"\nmodle = "x"\n', 2),  # nor a NEL in a string
    ('model = "m"\r\n# \u2029\r\nmodle = "x"\r\n', 3),
])
def test_an_error_names_the_right_line_after_text_python_would_split_at(make_repo, capsys, text, line):
    repo = make_repo({"a.py": ""})
    repo_config_file(repo).parent.mkdir()
    repo_config_file(repo).write_bytes(text.encode())
    assert main(["config", "show", "--repo", str(repo)]) == 2
    assert capsys.readouterr().err == f"genie: config file {repo_config_file(repo)}:{line}: unknown key 'modle'\n"
