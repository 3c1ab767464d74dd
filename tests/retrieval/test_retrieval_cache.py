"""The in-memory caches behind fast queries: edits are seen after a refresh, and cached scoring gives the
very same numbers as the plain BM25F formula."""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import subprocess
import sys
from collections import Counter

import pytest

from genie_tui.retrieval import RepoIndex, bm25, spans
from genie_tui.retrieval.textutil import tokenize

FILES = {
    "zoo/walrus.py": "def feed_walrus(fish):\n    \"\"\"Walrus food: herring.\"\"\"\n    return fish * 2\n",
    "zoo/penguin.py": "def feed_penguin(krill):\n    return krill + 1\n\n\ndef walrus_neighbour():\n    pass\n",
    "zoo/keeper.py": "from zoo.walrus import feed_walrus\n\n\ndef morning_round(fish):\n"
                     "    return feed_walrus(fish)\n",
    "README.md": "# Zoo\n\nFeeding walrus and penguin.\n",
}


def _paths(ix: RepoIndex, query: str) -> list[str]:
    return [r.path for r in ix.search(query, k=10)]


def test_search_after_an_edit_sees_the_edit(make_repo):
    repo = make_repo(FILES)
    ix = RepoIndex.open(repo)
    assert _paths(ix, "herring") == ["zoo/walrus.py"]  # now cached in memory
    assert _paths(ix, "quokka habitat") == []  # cached too: the terms are in no file
    (repo / "zoo/walrus.py").write_text("def feed_walrus(fish):\n    return fish\n")
    (repo / "zoo/keeper.py").write_text("def morning_round(herring):\n    return herring\n")
    (repo / "zoo/penguin.py").write_text("def quokka_habitat():\n    \"\"\"Quokka habitat.\"\"\"\n")
    ix.refresh()
    assert _paths(ix, "herring") == ["zoo/keeper.py"]
    assert _paths(ix, "quokka habitat")[0] == "zoo/penguin.py"
    ix.close()


def _plain_bm25f(rows, qterms, df, n_docs, lens, avg, weightings):
    """The textbook formula, summed in the order SQLite returns the postings (term, then file id)."""
    out = [{} for _ in weightings]
    for term, fid, *tfs in sorted(rows):
        idf = math.log(1 + (n_docs - df[term] + 0.5) / (df[term] + 0.5)) * qterms[term]
        nrm = [1 - bm25.B[i] + bm25.B[i] * lens[fid][i] / (avg[i] or 1.0) for i in range(4)]
        scaled = [tfs[i] / nrm[i] for i in range(4)]
        for j, w in enumerate(weightings):
            tf = sum(w[i] * scaled[i] for i in range(4))
            if tf:
                out[j][fid] = out[j].get(fid, 0.0) + idf * tf / (bm25.K1 + tf)
    return out


WORDS = ["walrus", "feed", "fish", "penguin", "krill", "herring", "seal", "tide", "ice", "floe", "colony"]


def _random_files(n: int) -> dict[str, str]:
    """Files with varied term counts in every field, so a change in floating-point rounding shows."""
    rng = random.Random(5)
    files = {}
    for i in range(n):
        body = "\n".join(f"    x = {' + '.join(rng.choices(WORDS, k=rng.randint(1, 9)))}" for _ in range(rng.randint(1, 12)))
        name = "_".join(rng.sample(WORDS, 2))
        doc = " ".join(rng.choices(WORDS, k=rng.randint(0, 6)))
        files[f"{rng.choice(WORDS)}/{rng.choice(WORDS)}_{i}.py"] = f'def {name}():\n    """{doc}"""\n{body}\n'
    return files


def test_cached_scoring_equals_the_plain_formula_exactly(make_repo):
    repo = make_repo({**FILES, **_random_files(40)})
    ix = RepoIndex.open(repo)
    c = ix._store.conn()
    lens = {fid: ln for fid, *ln in c.execute("SELECT id, lp, ln, ld, lb FROM files WHERE excluded IS NULL")}
    n = len(lens)
    avg = tuple(sum(ln[i] for ln in lens.values()) / n for i in range(4))
    terms = [*WORDS, "zoo", "nothing_here"]
    df = bm25.doc_freqs(c, terms)
    qterms = {t: 1.0 + math.log(1 + i) for i, t in enumerate(terms) if t in df}
    rows = [(t, fid, *bm25.unpack_tf(tf)) for t, fid, tf in c.execute(
        f"SELECT term, fid, tf FROM postings WHERE term IN ({','.join('?' * len(qterms))})", list(qterms))]
    five = [(2, 3, 1, 1), (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)]
    for weightings in (five, five[:1], [*five, (0.5, 0, 0, 2)]):  # the fast paths and the general one
        want = _plain_bm25f(rows, qterms, df, n, lens, avg, weightings)
        assert all(want)
        # no cache, constant eviction, everything cached; the loop and numpy (which large repositories use)
        for max_rows, vector in itertools.product((0, 3, bm25.CACHED_POSTINGS), (False, True)):
            p = bm25.Postings(lens, avg, max_rows=max_rows, vector=vector)
            for _ in range(2):
                assert p.doc_freqs(c, terms) == df
                got = p.score(c, qterms, df, weightings)
                assert got == want
                assert [list(d) for d in got] == [list(d) for d in want]  # same order too (ties keep it)
                for top in (1, 7, 10_000):  # each weighting's best, best first; of equal scores, the first to score
                    best = [sorted(d.items(), key=lambda kv: kv[1], reverse=True)[:top] for d in want]
                    assert [list(d.items()) for d in p.score(c, qterms, df, weightings, top=top)] == best
    ix.close()


def _results(ix: RepoIndex, query: str) -> list[tuple]:
    return [(r.path, r.score, [(s.start, s.end, s.symbol) for s in r.spans], r.why) for r in ix.search(query, k=10)]


def test_results_after_an_edit_equal_a_fresh_index(make_repo):
    """Chunks kept in memory for a file the edit changed are dropped; the others are kept and still right."""
    repo = make_repo({**FILES, **_random_files(30)})
    ix = RepoIndex.open(repo)
    queries = ["walrus herring fish", "feed_penguin krill colony", "seal tide ice floe"]
    for q in queries:
        ix.search(q, k=50)  # every file's chunks are now in memory: those of every result with spans
    keeper = ix._snap.by_path["zoo/keeper.py"]
    walrus = ix._snap.by_path["zoo/walrus.py"]
    assert walrus in ix._snap.chunks and keeper in ix._snap.chunks
    # the same function further down (stale chunks would give the old lines), and a new one
    (repo / "zoo/walrus.py").write_text("import os\n\n\n" + FILES["zoo/walrus.py"]
                                        + "\n\ndef herring_count(colony):\n    return colony.herring\n")
    ix.refresh()
    assert keeper in ix._snap.chunks and walrus not in ix._snap.chunks
    fresh = RepoIndex.open(repo)
    for q in queries:
        assert _results(ix, q) == _results(fresh, q)
    spans = {r[0]: r[2] for r in _results(ix, "walrus herring fish")}["zoo/walrus.py"]
    assert (4, 6, "feed_walrus") in spans and (9, 10, "herring_count") in spans
    fresh.close()
    ix.close()


def _plain_chunk_scores(text, rows, qterms, idf, idents):
    """Chunk BM25 and code-identifier counts from the file's own lines, one token at a time, the terms in the
    order they first occur (as the index scanned its stored terms before they were stored apart from their
    counts)."""
    wanted = {w.lower() for w in idents}
    lines = text.split("\n")
    out, hits = [], []
    for start, end, name, ntok, _terms, _counts in rows:
        counts = Counter(t for line in lines[start - 1:end] for t in tokenize(line))
        assert ntok == sum(counts.values())
        s, found = 0.0, 0
        norm = spans.K1 * (1 - spans.B + spans.B * ntok / spans.AVG_LEN)
        for t, tf in counts.items():
            found += t in wanted
            if t in qterms:
                s += idf.get(t, 1.0) * qterms[t] * tf * (spans.K1 + 1) / (tf + norm)
        out.append((s, start, end, name))
        hits.append(found)
    return out, hits


def test_chunk_scorer_shared_by_files_equals_the_plain_scan(make_repo):
    repo = make_repo({**FILES, **_random_files(30)})
    ix = RepoIndex.open(repo)
    c = ix._store.conn()
    qterms = {t: 1.0 + math.log(1 + i) for i, t in enumerate(WORDS[:7])}
    idf = {t: 0.3 * i for i, t in enumerate(WORDS[1:])}  # some terms have none: 1.0
    idents = {"feed_walrus", "Walrus_Neighbour", "x"}
    scorer = spans.ChunkScorer(qterms, idf, idents)
    fids = [fid for (fid,) in c.execute("SELECT DISTINCT file_id FROM chunks ORDER BY file_id")]
    assert len(fids) > 20
    for _ in range(2):  # the second time from memory
        for fid in fids:
            rows = ix._snap.chunks.get(c, fid)
            want = _plain_chunk_scores((repo / ix._snap.files[fid].path).read_text(), rows, qterms, idf, idents)
            assert scorer.score(rows) == want
            assert spans.score_chunks_hits(rows, qterms, idf, idents) == want
    assert any(any(h) for h in (scorer.score(ix._snap.chunks.get(c, fid))[1] for fid in fids))
    ix.close()


_NUMPY_PROBE = """
import json, sys
from pathlib import Path
from genie_tui.retrieval import RepoIndex, bm25
bm25.LARGE = 1  # every repository counts as large
ix = RepoIndex.open(Path(sys.argv[1]), one_query=sys.argv[2] == "one")
results = [(r.path, r.score, [(s.start, s.end) for s in r.spans]) for r in ix.search(sys.argv[3], k=10)]
print(json.dumps({"numpy": "numpy" in sys.modules, "results": results}))
"""


def test_a_one_query_open_scores_without_numpy_and_ranks_the_same(make_repo, tmp_path):
    """``genie search`` asks one question: numpy's import would cost it more than vector scoring saves. A
    long-lived index of a large repository loads numpy with the index, and both rank identically."""
    repo = make_repo({**FILES, **_random_files(30)})
    env = {**os.environ, "GENIE_HOME": str(tmp_path / "home")}
    query = "walrus herring fish seal tide"
    got = {}
    for mode in ("one", "many", "one"):
        out = subprocess.run([sys.executable, "-c", _NUMPY_PROBE, str(repo), mode, query], env=env,
                             capture_output=True, text=True, check=True)
        got[mode] = json.loads(out.stdout)
    assert got["one"]["numpy"] is False
    assert got["many"]["numpy"] is True
    assert got["one"]["results"] and got["one"]["results"] == got["many"]["results"]


def test_a_term_repeated_past_what_one_stored_character_counts_is_indexed_and_found(make_repo):
    """A chunk's counts are stored one character each, below the UTF-16 surrogates, which SQLite's UTF-8 cannot
    hold: 56,000 of one word (its character would be one) are stored as the most a character counts."""
    body = "    return [\n" + "".join("        " + "walrus, " * 100 + "\n" for _ in range(560)) + "    ]\n"
    repo = make_repo({"zoo/many.py": "def feed():\n" + body, "zoo/few.py": "def feed():\n    return walrus\n"})
    ix = RepoIndex.open(repo)
    try:
        res = ix.search("walrus", k=2)
        assert [r.path for r in res] == ["zoo/many.py", "zoo/few.py"]
        assert res[0].spans[0].symbol == "feed"
    finally:
        ix.close()


@pytest.mark.parametrize("counts", [(0, 0, 0, 1), (1, 2, 3, 4), (127, 65_535, 65_535, 16_777_215), (0, 0, 7, 0),
                                    (3, 0, 0, 250_000)])
def test_a_postings_counts_are_stored_in_one_integer(counts):
    v = bm25.pack_tf(*counts)
    assert 0 < v < 2**63  # one SQLite integer
    assert bm25.unpack_tf(v) == counts


def test_counts_past_their_field_are_stored_as_the_most_it_holds():
    assert bm25.unpack_tf(bm25.pack_tf(500, 70_000, 1_000_000, 20_000_000)) == (127, 65_535, 65_535, 16_777_215)
