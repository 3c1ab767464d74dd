"""list_dir and find_files show odd file names quoted, one entry a line, as search_code does; and say why a
symlink they do not follow is not followed."""

from __future__ import annotations

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext
from tests.conftest import git

_NEWLINE, _ESCAPE, _C1 = "new\nline.py", "ctl\x1b[2J.py", "nel\x85.py"


@pytest.fixture
def ctx(make_repo) -> ToolContext:
    repo = make_repo({"plain.py": "x = 1\n", _NEWLINE: "x = 2\n", _ESCAPE: "x = 3\n", _C1: "x = 4\n"})
    (repo / "l1").symlink_to("l2")
    (repo / "l2").symlink_to("l1")
    git(repo, "add", "l1", "l2")
    git(repo, "commit", "-q", "-m", "loop")  # with the helper's identity: a fresh machine has none
    context = ToolContext(repo, load_settings(repo, {}))
    yield context
    context.index.close()


def _run(ctx: ToolContext, name: str, **args) -> str:
    return registry.run_simple(ctx, name, registry.validate(name, args)).text


def test_list_dir_quotes_names_that_do_not_print_and_calls_a_loop_a_loop(ctx):
    lines = _run(ctx, "list_dir", path=".").splitlines()
    assert lines[0] == "./ (6 entries)" and len(lines) == 7  # one line an entry
    assert '"new\\nline.py"  (6 bytes)' in lines
    assert '"ctl\\x1b[2J.py"  (6 bytes)' in lines and '"nel\\x85.py"  (6 bytes)' in lines
    assert "plain.py  (6 bytes)" in lines
    assert {"l1 -> a symlink loop", "l2 -> a symlink loop"} <= set(lines)
    assert not any(ch in "".join(lines) for ch in "\x1b\x85")


def test_find_files_quotes_names_that_do_not_print(ctx):
    out = _run(ctx, "find_files", pattern="*.py")
    assert sorted(out.splitlines()) == sorted(['"ctl\\x1b[2J.py"', '"nel\\x85.py"', '"new\\nline.py"', "plain.py"])


def test_a_name_that_looks_quoted_is_quoted_and_each_listed_name_reads_back(make_repo):
    fake = '"new\\nline.py"'  # a file whose name is a quoted name: it must not read as the file "new<LF>line.py"
    repo = make_repo({fake: "fake = 1\n", "back\\slash.py": "slash = 2\n", _NEWLINE: "real = 3\n", "été.py": "e = 4\n"})
    ctx = ToolContext(repo, load_settings(repo, {}))
    try:
        listed = sorted(_run(ctx, "find_files", pattern="*").splitlines())
        assert listed == sorted(['"\\"new\\\\nline.py\\""', '"back\\\\slash.py"', '"new\\nline.py"', "été.py"])
        entries = _run(ctx, "list_dir", path=".").splitlines()[1:]
        assert sorted(e.rsplit("  (", 1)[0] for e in entries) == listed
        read = {name: _run(ctx, "read_file", path=name) for name in listed}  # what the model would send back
        assert "fake = 1" in read['"\\"new\\\\nline.py\\""'] and "slash = 2" in read['"back\\\\slash.py"']
        assert "real = 3" in read['"new\\nline.py"'] and "e = 4" in read["été.py"]
    finally:
        ctx.index.close()


def test_a_quoted_name_list_dir_shows_reads_back_under_its_directory(make_repo):
    # list_dir lists a directory's entries by name, quoted when they hold `"` or `\`: the path the model builds
    # from the directory and that name opened nothing (found by a review)
    repo = make_repo({'docs/say "hi".md': "hi = 1\n", "docs/C:\\temp.txt": "temp = 2\n"})
    ctx = ToolContext(repo, load_settings(repo, {}))
    try:
        names = [e.rsplit("  (", 1)[0] for e in _run(ctx, "list_dir", path="docs").splitlines()[1:]]
        assert sorted(names) == ['"C:\\\\temp.txt"', '"say \\"hi\\".md"']
        texts = [_run(ctx, "read_file", path=f"docs/{name}") for name in sorted(names)]
        assert "temp = 2" in texts[0] and "hi = 1" in texts[1]
    finally:
        ctx.index.close()
