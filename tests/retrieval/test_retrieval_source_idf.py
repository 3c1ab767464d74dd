"""The idf of a file's keyword score counts source files only: a word that tests, changelogs and docs repeat can
still single out the one source file that holds it."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex, bm25


def _files() -> dict[str, str]:
    files = {
        "pkg/skipping.py": "def evaluate_xfail_marks(item):\n    \"\"\"Decide whether the item is an expected failure.\"\"\"\n"
                           "    xfail = item.get('xfail')\n    return xfail\n",
        "pkg/nodes.py": "def add_marker(node, marker):\n    node.markers.append(marker)\n",
        "pkg/structures.py": "def get_marker(name):\n    return MARKERS[name]\n\n\nMARKERS = {}\n",
        "pkg/fixtures.py": "def marker_for(fixture):\n    return fixture.marker\n",
    }
    for i in range(20):  # the rest of the package: idf counts source files from MIN_SOURCES of them on
        files[f"pkg/module_{i}.py"] = f"def handle_{i}(value):\n    return value + {i}\n"
    for i in range(12):  # the tests and the docs say xfail all the time
        files[f"testing/test_xfail_{i}.py"] = f"def test_xfail_{i}(item):\n    assert item.xfail  # xfail xfail\n"
    for i in range(4):
        files[f"doc/xfail_{i}.rst"] = "Using xfail\n===========\n\nMark a test with xfail when it is expected to fail.\n"
    return files


def test_a_word_the_tests_repeat_still_singles_out_its_source_file(make_repo):
    repo = make_repo(_files())
    ix = RepoIndex.open(repo)
    # over all 40 files "xfail" (in 17) says less than "marker" (in 3); among the 24 source files it says more.
    # The keyword signals (the fused ranking adds the chunk signal and the rest on top of them):
    feats = dict(ix.features("xfail marker"))
    for signal in ("bm_all", "bm_title"):
        assert feats["pkg/skipping.py"][signal] > feats["pkg/nodes.py"][signal] > 0
        assert feats["pkg/skipping.py"][signal] > feats["pkg/structures.py"][signal] > 0
    ix.close()


def test_source_document_frequencies_count_code_that_is_no_test_or_doc(make_repo):
    repo = make_repo({**_files(), "NOTES.txt": "xfail marker\n"})
    ix = RepoIndex.open(repo)
    snap = ix._snap
    c = ix._store.conn()
    for vector in (False, True):
        p = bm25.Postings({f.id: f.lens for f in snap.files.values()}, snap.avg, vector=vector,
                          sources=lambda: bm25.source_ids(snap.files))
        df, n = p.source_freqs(c, ["xfail", "marker", "expected", "nowhere", "assert"])
        assert n == 24
        # "assert" is in the 12 tests alone: it counts as often among sources as among all 41 files, not as
        # the rarest word there is (which would lift every test file above the sources)
        assert df == {"xfail": 1, "marker": 3, "expected": 1, "nowhere": 0, "assert": 12 * (24 / 41)}
        assert p.source_freqs(c, ["xfail"]) == ({"xfail": 1}, 24)  # cached, the same
    ix.close()


def test_without_source_files_every_file_counts(make_repo):
    repo = make_repo({"README.md": "# walrus\n\nfeeding the walrus\n", "docs/seal.md": "seal and walrus\n",
                      "notes.txt": "penguin\n"})
    ix = RepoIndex.open(repo)
    snap = ix._snap
    c = ix._store.conn()
    p = bm25.Postings({f.id: f.lens for f in snap.files.values()}, snap.avg, sources=lambda: bm25.source_ids(snap.files))
    assert p.source_freqs(c, ["walrus", "penguin"]) == ({"walrus": 2, "penguin": 1}, 3)
    assert ix.search("walrus", k=3)[0].path in ("README.md", "docs/seal.md")
    ix.close()
