"""The undo journal keeps the newest 100 entries of a repository: every apply added one and none ever went, so a
repository genie worked in for months carried thousands (each holding the whole files it changed). The entries
kept stay undoable in order, back to the oldest one kept."""

from __future__ import annotations

from genie_tui.cli import main
from genie_tui.patching import apply_patch, undo_last
from genie_tui.patching.undo import KEEP_ENTRIES, entries, journal_dir

EXTRA = 3


def _step(n: int) -> str:
    return f"--- a/n.txt\n+++ b/n.txt\n@@ -1 +1 @@\n-n = {n}\n+n = {n + 1}\n"


def test_the_journal_keeps_the_newest_entries_and_each_kept_one_undoes(make_repo, capsys):
    repo = make_repo({"n.txt": "n = 0\n"})
    assert KEEP_ENTRIES == 100  # what the README promises
    total = KEEP_ENTRIES + EXTRA
    for n in range(total):
        assert apply_patch(repo, _step(n), label=f"step {n + 1}").applied
    kept = entries(repo)
    assert len(kept) == KEEP_ENTRIES
    assert [p.name for p in journal_dir(repo).iterdir()] and \
        sorted(p.name for p in journal_dir(repo).iterdir()) == sorted(p.name for p in kept)  # nothing else left
    assert int(kept[0].stem) == EXTRA + 1 and int(kept[-1].stem) == total  # the oldest went, the numbers stay
    for n in range(total, EXTRA, -1):  # newest first, every kept entry takes its patch back
        report = undo_last(repo)
        assert report.undone and report.label == f"step {n}", report.reason
        assert (repo / "n.txt").read_text() == f"n = {n - 1}\n"
    capsys.readouterr()
    assert main(["undo", "--repo", str(repo)]) == 1
    assert "no patch applied by genie to undo" in capsys.readouterr().err
    assert (repo / "n.txt").read_text() == f"n = {EXTRA}\n"  # the pruned patches stay applied, as they were


def test_the_leftover_of_an_apply_killed_while_journaling_goes(make_repo):
    repo = make_repo({"n.txt": "n = 0\n"})
    assert apply_patch(repo, _step(0), label="first").applied
    leftover = journal_dir(repo) / ".entry.k1ll3d.tmp"  # an apply killed before its entry was named
    leftover.write_bytes(b'{"partial": ')
    assert apply_patch(repo, _step(1), label="second").applied
    assert not leftover.exists()
    assert [p.name for p in entries(repo)] == ["000001.json", "000002.json"]
    assert undo_last(repo).label == "second" and undo_last(repo).label == "first"
    assert (repo / "n.txt").read_text() == "n = 0\n"
