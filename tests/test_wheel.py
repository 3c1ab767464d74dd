"""The built wheel works on its own: package and bundled data come from the install, not the checkout.

The wheel is built and installed once per session (``installed_wheel``); other tests in this file reuse it
through ``run_installed``, which runs Python code with only the installed wheel on the import path.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from this checkout and ``pip install --target`` it; returns the target dir."""
    out = tmp_path_factory.mktemp("wheel")
    if importlib.util.find_spec("build") is not None:
        cmd = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(ROOT)]
    else:
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheels = list(out.glob("genie_tui-*.whl"))
    assert len(wheels) == 1, wheels
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", str(target),
         str(wheels[0])],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return target


@pytest.fixture
def run_installed(installed_wheel: Path, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -c CODE`` (or ``python -m genie_tui ARGS`` with ``module=True``) against the installed
    wheel only: ``PYTHONPATH`` is the install target and the working directory is outside the checkout."""
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()

    def run(*args: str, module: bool = False) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(installed_wheel), "PYTHONDONTWRITEBYTECODE": "1"}
        argv = [sys.executable, "-m", "genie_tui", *args] if module else [sys.executable, "-c", *args]
        return subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)

    return run


def test_package_is_imported_from_the_install(installed_wheel: Path, run_installed) -> None:
    proc = run_installed("import genie_tui; print(genie_tui.__file__)")
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(installed_wheel)
    assert not Path(proc.stdout.strip()).is_relative_to(ROOT)


def test_bundled_playbooks_load_from_the_wheel(installed_wheel: Path, run_installed) -> None:
    code = (
        "import json; from genie_tui.playbooks import PlaybookLibrary; from genie_tui.resources import data_dir\n"
        "lib = PlaybookLibrary.load(None)\n"
        "print(json.dumps({'data': str(data_dir('playbooks')), 'warnings': lib.warnings,\n"
        "  'bundled': {p.name: [str(p.path), len(p.steps)] for p in lib.playbooks if p.source == 'bundled'}}))"
    )
    proc = run_installed(code)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    data = installed_wheel / "genie_tui" / "_data" / "playbooks"
    assert got["data"] == str(data)
    assert got["warnings"] == []
    expected = {p.stem for p in (ROOT / "playbooks").glob("*.md")}
    assert set(got["bundled"]) == expected and len(expected) >= 6
    for name, (path, steps) in got["bundled"].items():
        assert Path(path) == data / f"{name}.md"
        assert steps >= 4, name


def test_playbooks_cli_runs_from_the_wheel(run_installed) -> None:
    proc = run_installed("playbooks", "list", module=True)
    assert proc.returncode == 0, proc.stderr
    assert {"fix-bug", "add-tests", "write-docs"} <= {line.split()[0] for line in proc.stdout.splitlines()}


def test_the_sdist_carries_what_its_own_test_suite_reads(tmp_path: Path) -> None:
    """tests/test_readme.py reads .ci/run: an sdist without it failed its own suite."""
    import tarfile

    code = f"from hatchling.build import build_sdist; print(build_sdist({str(tmp_path)!r}))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with tarfile.open(tmp_path / proc.stdout.strip().splitlines()[-1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {".ci/run", "README.md", "tests/test_readme.py", "playbooks/fix-bug.md"} <= names


def test_bundled_themes_and_the_demo_repo_come_from_the_wheel(installed_wheel: Path, run_installed) -> None:
    """`genie demo` cannot run here, but what it needs from the install can: the themes and the sample repo."""
    code = (
        "import json, tempfile; from pathlib import Path\n"
        "from genie_tui.resources import data_dir; from genie_tui.ui.themes import load_themes\n"
        "from genie_tui.demo.script import prepare_sample_repo\n"
        "found = load_themes(None)\n"
        "repo = prepare_sample_repo(Path(tempfile.mkdtemp()))\n"
        "print(json.dumps({'dir': str(data_dir('themes')), 'themes': sorted(found.themes), 'problems': found.problems,\n"
        "  'repo': sorted(p.relative_to(repo).as_posix() for p in repo.rglob('*.py') if '.git' not in p.parts)}))"
    )
    proc = run_installed(code)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["dir"] == str(installed_wheel / "genie_tui" / "_data" / "themes") and got["problems"] == []
    assert set(got["themes"]) >= {p.stem for p in (ROOT / "themes").glob("*.toml")} >= {"genie-dark", "genie-light"}
    assert "wordstats/counter.py" in got["repo"] and "tests/test_counter.py" in got["repo"]
    proc = run_installed("config", "show", module=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n", 1)[0].split()[:2] == ["model", "gpt-4.1-mini"]
