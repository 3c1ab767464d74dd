"""Files the app reads that are not files: a theme that is a named pipe or ``/dev/zero``, and ``/apply`` of a
device or a pipe. Each is a one-line notice and the app keeps running; none hangs it or eats its memory.

A regression must fail, not hang the suite or take the machine's memory: the reads run under a memory cap, and
the tests under a timeout (a pipe nobody writes to blocked ``open()`` forever)."""

from __future__ import annotations

import contextlib
import os
import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@contextlib.contextmanager
def memory_cap(extra: int = 1_500_000_000) -> Iterator[None]:
    """Cap this process's address space at what it uses now plus ``extra`` bytes, for the block's length."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as fh:
        used = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (used + extra, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.timeout(60)
async def test_a_theme_file_that_is_a_pipe_or_a_device_is_skipped_with_a_notice(sample_repo: Path, genie_home: Path,
                                                                                helpers: Any) -> None:
    themes = genie_home / "config" / "themes"
    themes.mkdir(parents=True)
    os.mkfifo(themes / "pipe.toml")  # nobody writes to it
    (themes / "zero.toml").symlink_to("/dev/zero")
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#7aa2f7"\n')
    with memory_cap():
        app = helpers.make_app(sample_repo, None, welcome=False, theme="mine")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.is_running and app.theme == "mine"
    assert f"theme file {themes / 'pipe.toml'}: not a regular file (a named pipe)" in app.theme_problems
    assert f"theme file {themes / 'zero.toml'}: not a regular file (a device)" in app.theme_problems


@pytest.mark.timeout(60)
async def test_apply_of_a_device_or_a_pipe_is_a_notice(sample_repo: Path, tmp_path: Path, helpers: Any) -> None:
    fifo = tmp_path / "p.diff"
    os.mkfifo(fifo)
    app = helpers.make_app(sample_repo, None, welcome=False)
    with memory_cap():
        async with app.run_test(size=(120, 40)) as pilot:
            for arg, kind in (("/dev/zero", "a device"), (str(fifo), "a named pipe")):
                prompt = app.screen.query_one("#prompt")
                prompt.focus()
                prompt.value = f"/apply {arg}"
                await pilot.press("enter")
                note = f"apply: cannot read {arg}: not a regular file ({kind})"
                await helpers.wait_until(pilot, lambda note=note: note in app.screen.conversation.transcript())
            assert app.is_running and app.screen.patch.empty
