"""Words with letters beyond ASCII are words: identifiers (``größe_berechnen``, ``计算``), comments and messages
in other languages are searched whole, not cut at the first accent (``Größe`` was ``gr``, ``été`` nothing)."""

from __future__ import annotations

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex

SIZE = 'def größe_berechnen(form):\n    """Berechnet die Größe der Form."""\n    return form.fläche\n'
GRAPH = "def gr_plot(gr):\n    # gr: the graph, e: its edges\n    return gr\n"
SUMMER = '# Résumé de l\'été : la saison chaude\ndef saison():\n    return "été"\n'
CJK = 'def 计算(值):\n    return 值 * 2\n'


def _paths(repo, query):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        return [r.path for r in ix.search(query, k=5)]
    finally:
        ix.close()


def test_words_beyond_ascii_are_searched_whole(make_repo):
    repo = make_repo({"form.py": SIZE, "graph.py": GRAPH, "saison.py": SUMMER, "calc.py": CJK})
    assert _paths(repo, "Größe") == ["form.py"]  # not graph.py's ``gr``
    assert _paths(repo, "größe_berechnen")[0] == "form.py"
    assert _paths(repo, "fläche")[0] == "form.py"
    assert _paths(repo, "été")[0] == "saison.py"
    assert _paths(repo, "计算")[0] == "calc.py"


def test_a_query_of_accented_words_is_no_query_of_skipped_words(make_repo, capsys):
    repo = make_repo({"saison.py": SUMMER})
    assert main(["search", "été", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "saison.py" in out and "no word" not in out
