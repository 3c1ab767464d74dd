"""Source files that are not UTF-8 (Latin-1, Windows-1252, or what a Python coding cookie names) are read in
their own encoding: their words and names are searchable and snippets show the right characters."""

from __future__ import annotations

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex

# Latin-1, no cookie: what an old editor on Windows or a German locale saves
LATIN1 = "def größe_berechnen(fläche):\n    \"\"\"Berechnet die Größe für ein Café.\"\"\"\n    return fläche\n"
# KOI8-R, which only its cookie tells from Windows-1252
KOI8 = "# -*- coding: koi8-r -*-\ndef привет():\n    return 'мир'\n"
# Windows-1252's curly quotes (0x93, 0x94) in a C file
CP1252 = "/* \u201cvalidate\u201d the r\u00e9sum\u00e9 */\nint valider_r\u00e9sum\u00e9(int n) {\n    return n;\n}\n"


def test_latin1_cp1252_and_cookie_files_are_searchable_with_the_right_characters(make_repo):
    repo = make_repo({"README.md": "# shop\n"})
    (repo / "calc.py").write_bytes(LATIN1.encode("latin-1"))
    (repo / "greet.py").write_bytes(KOI8.encode("koi8-r"))
    (repo / "cv.c").write_bytes(CP1252.encode("cp1252"))
    # UTF-8 with one stray byte stays UTF-8
    (repo / "notes.py").write_bytes("def größe():\n    return 'été'  # ".encode() + b"\xff\n")
    (repo / "use.py").write_bytes("from calc import größe_berechnen\n\ngröße_berechnen(2)  # café\n"
                                  .encode("latin-1"))
    ix = RepoIndex.open(repo)
    try:
        found = {s: [(d.path, d.line, d.snippet) for d in ix.definitions(s)]
                 for s in ("größe_berechnen", "привет", "valider_résumé", "größe")}
        refs = [(r.path, r.line, r.snippet) for r in ix.references("größe_berechnen")]
        cafe = [r.path for r in ix.search("Größe Café", k=3)]
        mir = [r.path for r in ix.search("привет мир", k=1)]
        outline = ix.repo_map(files=["calc.py"])
    finally:
        ix.close()
    assert found == {"größe_berechnen": [("calc.py", 1, "def größe_berechnen(fläche):")],
                     "привет": [("greet.py", 2, "def привет():")],
                     "valider_résumé": [("cv.c", 2, "int valider_résumé(int n) {")],
                     "größe": [("notes.py", 1, "def größe():")]}
    assert ("use.py", 3, "größe_berechnen(2)  # café") in refs
    assert cafe[0] == "calc.py" and mir == ["greet.py"]
    assert "def größe_berechnen(fläche):" in outline



def test_a_utf8_byte_order_mark_is_not_part_of_the_first_line(make_repo):
    repo = make_repo({"README.md": "# shop\n"})
    (repo / "app.py").write_bytes(b"\xef\xbb\xbfimport os\r\n\r\ndef main():\r\n    return os.getcwd()\r\n")
    ix = RepoIndex.open(repo)
    try:
        refs = [(r.path, r.line, r.snippet) for r in ix.references("os")]
        outline = ix.repo_map(files=["app.py"])
    finally:
        ix.close()
    assert refs == [("app.py", 1, "import os"), ("app.py", 4, "return os.getcwd()")]
    assert "app.py:\n  3: def main():" in outline


def test_a_cookie_naming_no_text_encoding_falls_back_instead_of_failing_the_build(make_repo):
    repo = make_repo({"README.md": "# shop\n"})
    (repo / "odd.py").write_bytes(b"# coding: undefined\ndef caf\xe9_odd():\n    pass\n")
    (repo / "esc.py").write_bytes(b"# -*- coding: unicode_escape -*-\nX = '\\n\xe9'\n\ndef after_escapes():\n    pass\n")
    ix = RepoIndex.open(repo)
    try:
        found = {s: [(d.path, d.line, d.snippet) for d in ix.definitions(s)] for s in ("café_odd", "after_escapes")}
    finally:
        ix.close()
    assert found == {"café_odd": [("odd.py", 2, "def café_odd():")],
                     "after_escapes": [("esc.py", 4, "def after_escapes():")]}


def test_a_query_file_saved_as_latin1_keeps_its_words(make_repo, tmp_path, capsys):
    repo = make_repo({"README.md": "# shop\n", "calc.py": "def größe_berechnen():\n    return 1\n",
                      "other.py": "def gr_e_berechnen_helper():\n    return 2\n"})
    issue = tmp_path / "issue.txt"
    issue.write_bytes("Fehler in größe_berechnen: falsche Größe\n".encode("latin-1"))
    code = main(["search", f"@{issue}", "--repo", str(repo), "--json", "-k", "1"])
    out = capsys.readouterr().out
    assert code == 0 and '"path": "calc.py"' in out
