"""`genie demo` end to end: the real client, agent, tools and patch engine against the scripted model."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from genie_tui.demo.script import OVER, TASK, demo_server, prepare_sample_repo
from genie_tui.ui.launch import build_demo_app
from genie_tui.ui.screens.question import TYPE_AHEAD_S, QuestionScreen


def _unittest(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "unittest", "-q"], cwd=repo, capture_output=True, text=True,
                          check=False)


async def test_demo_session_goes_red_to_green(tmp_path: Path, helpers: Any) -> None:
    repo = prepare_sample_repo(tmp_path)
    assert _unittest(repo).returncode != 0
    with demo_server(fast=True) as server:
        app = build_demo_app(repo, server.base_url, animate=False, task=TASK)
        async with app.run_test(size=(120, 40)) as pilot:
            questions: set[int] = set()
            reviewed: set[int] = set()  # the demo runs fast: the next prompt can appear within one pause
            finished = lambda: "■ finished" in helpers.screen_text(app)
            for _ in range(400):
                if finished():
                    break
                if isinstance(app.screen, QuestionScreen):
                    questions.add(id(app.screen))
                    answer = app.screen.query("#q-answer")  # empty until the screen has composed
                    if answer and answer.first().has_focus:
                        await pilot.pause(TYPE_AHEAD_S)  # an Enter sooner is taken as type-ahead
                        await pilot.press("1", "enter")  # the answer box accepts a choice number
                        await helpers.wait_until(pilot, lambda: not isinstance(app.screen, QuestionScreen))
                elif app.screen.patch.awaiting and id(app.screen.patch._future) not in reviewed:
                    reviewed.add(id(app.screen.patch._future))
                    await pilot.press("f4", "a")  # a patch never takes the focus by itself
                await pilot.pause(0.05)
            text = helpers.screen_text(app)
            assert finished(), text
            assert "DEMO" in text
            assert [s.status for s in app.screen.plan.steps] == ["done"] * 5
            assert any(h and h.path == "wordstats/counter.py" for h in app.screen.search.hits)
            await helpers.send(pilot, "thanks! what else?")  # the script is over: the demo model says so, no error
            await helpers.wait_until(pilot, lambda: helpers.screen_text(app).count("■ finished") == 2)
            assert "script is over" in helpers.screen_text(app) and "retrying" not in helpers.screen_text(app)
    assert (len(questions), len(reviewed)) == (1, 2)
    assert _unittest(repo).returncode == 0


@pytest.mark.parametrize("review", ["reject", "comment"])
async def test_demo_answers_a_review(tmp_path: Path, helpers: Any, review: str) -> None:
    """A rejected patch stops the demo politely with nothing changed; a review comment is acknowledged (the
    scripted model cannot revise)."""
    repo = prepare_sample_repo(tmp_path)
    with demo_server(fast=True) as server:
        app = build_demo_app(repo, server.base_url, animate=False, task=TASK)
        async with app.run_test(size=(120, 40)) as pilot:
            await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
            await pilot.press("escape")
            await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting)
            if review == "reject":
                await pilot.press("f4", "r", "enter")
                await helpers.wait_until(pilot, lambda: "■ finished" in helpers.screen_text(app))
                await helpers.send(pilot, "please use a regex instead")  # no real model: the demo ends, no other patch
                await helpers.wait_until(pilot, lambda: helpers.screen_text(app).count("■ finished") == 2)
                assert OVER[:40] in " ".join(helpers.screen_text(app).split())
                assert "Second patch" not in helpers.screen_text(app) and not app.screen.patch.awaiting
            else:
                await pilot.press("f4", "y", "m")
                app.screen.patch.comment_box.value = "keep str.split"
                await pilot.press("enter", "enter")
                await helpers.wait_until(pilot, lambda: "You commented" in helpers.screen_text(app))
                assert "keep str.split" in helpers.screen_text(app)
    if review == "reject":
        assert subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True,
                              check=False).stdout == ""


@pytest.mark.slow
def test_wheel_ships_demo_and_themes(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(tmp_path), str(root)],
                   check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    for needed in ("genie_tui/demo/sample_repo/wordstats/counter.py", "genie_tui/demo/sample_repo/tests/test_counter.py",
                   "genie_tui/demo/script.py", "genie_tui/_data/themes/genie-dark.toml",
                   "genie_tui/_data/themes/genie-contrast.toml", "genie_tui/ui/screens/main.tcss"):
        assert needed in names, needed


def test_the_demo_leaves_nothing_in_the_user_s_dirs(monkeypatch: Any, helpers: Any) -> None:
    import argparse
    import asyncio
    import os

    from genie_tui.config.paths import user_cache_dir, user_config_dir, user_data_dir
    from genie_tui.ui import launch
    from genie_tui.ui.app import GenieApp

    home = Path(os.environ["GENIE_HOME"])
    seen: dict[str, Any] = {}

    async def drive(app: GenieApp) -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await helpers.wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen), timeout=30)
            await pilot.pause(TYPE_AHEAD_S)  # an Escape sooner is taken as type-ahead
            await pilot.press("escape")  # no answer: the demo goes on to its first patch
            await helpers.wait_until(pilot, lambda: app.screen.patch.awaiting, timeout=30)
            seen.update(repo=app.repo, data=user_data_dir(), cache=user_cache_dir(), config=user_config_dir(),
                        sessions=list(user_data_dir().rglob("*.jsonl")),
                        index=list(user_cache_dir().rglob("*.sqlite")))
            await pilot.press("f4", "r", "enter")  # rejected: the demo ends, with nothing left running
            await helpers.wait_until(pilot, lambda: "■ finished" in helpers.screen_text(app))

    monkeypatch.setattr(GenieApp, "run", lambda self, *a, **k: asyncio.run(drive(self)))
    assert launch.demo(argparse.Namespace(theme=None)) == 0
    assert seen["sessions"] and seen["index"]  # the demo kept them, beside its repository
    assert seen["data"].parent == seen["cache"].parent == seen["repo"].parent / "state"
    assert seen["config"] == home / "config"  # the user's themes and settings still apply
    assert not seen["repo"].exists() and not seen["data"].exists()
    assert not (home / "data").exists() and not (home / "cache").exists()


@pytest.mark.parametrize("var, value", [("OPENAI_API_KEY", " sk-x"), ("GENIE_MODEL", "gpt 4"),
                                        ("GENIE_BASE_URL", "not a url")])
def test_the_demo_starts_whatever_model_settings_the_environment_holds(tmp_path: Path, monkeypatch: Any,
                                                                      var: str, value: str) -> None:
    # it brings its own model, endpoint and key; a bad one in the environment refused it (exit 2)
    monkeypatch.setenv(var, value)
    with demo_server(fast=True) as server:
        app = build_demo_app(prepare_sample_repo(tmp_path), server.base_url, animate=False)
    assert (app.settings.model, app.settings.base_url, app.settings.api_key) == ("genie-demo", server.base_url, "demo")


async def test_the_demo_sends_nothing_to_the_users_embeddings_endpoint(tmp_path: Path, helpers: Any) -> None:
    # semantic search turned on in the user's config: the demo still keeps the sample's code on this machine
    from genie_tui.config.settings import user_config_file
    from genie_tui.providers.scripted import ScriptedServer

    with ScriptedServer([]) as theirs:
        config = user_config_file()
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'embeddings_model = "text-embedding-3-small"\nembeddings_base_url = "{theirs.base_url}"\n'
                          'embeddings_api_key = "sk-user-embeddings-key"\n')
        repo = prepare_sample_repo(tmp_path)
        with demo_server(fast=True) as server:
            app = build_demo_app(repo, server.base_url, animate=False, task=TASK)
            async with app.run_test(size=(120, 40)) as pilot:
                await helpers.wait_until(pilot, lambda: any(h and h.path == "wordstats/counter.py"
                                                            for h in app.screen.search.hits))
                await helpers.send(pilot, "/help")  # a round trip through the app: the search is over
        assert theirs.embedding_requests == [] and theirs.requests == []
