"""Which spans of a result file come first: the definitions holding the query's identifiers, methods before
their class header, and enough of them to fill a reader's line budget."""

from __future__ import annotations

import json
import textwrap

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex

REPORT = textwrap.dedent('''
    class ReportWriter:
        """Writes the report file: its title, header, footer and rows."""

        title = "report"

        def open_target(self, path):
            return open(path, "w")

        def write_rows(self, rows):
            target = self.open_target(self.path)
            for row in rows:
                target.write(row.encode(self.encoding or "ascii"))
            return len(rows)
    ''').lstrip()

SESSION = textwrap.dedent('''
    def follow(response, limit):
        """Follow the redirect chain of a response until it ends; each hop of the redirect chain is a new
        request, and a redirect that loops makes the chain of requests grow without end."""
        hops = []
        while response.is_redirect:
            hops.append(response)
            response = response.next
        return hops


    def check_hops(hops, max_redirects):
        hop_count = len(hops)
        if hop_count > max_redirects:
            raise TooManyRedirects(hop_count)
    ''').lstrip()


def _spans(repo, query):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        return {r.path: r.spans for r in ix.search(query, k=5)}
    finally:
        ix.close()


def test_a_method_comes_before_its_wordy_class_header(make_repo, capsys):
    repo = make_repo({"report.py": REPORT, "other.py": "def unrelated():\n    return 1\n"})
    query = "ReportWriter writes rows with the wrong encoding: every row is encoded as ascii"
    spans = _spans(repo, query)["report.py"]
    assert spans[0].symbol == "write_rows"
    assert "ReportWriter" in [s.symbol for s in spans]  # the header is still offered, just later

    assert main(["search", query, "--repo", str(repo), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["results"][0]
    assert first["path"] == "report.py"
    assert first["spans"][0]["symbol"] == "write_rows"
    assert {"start", "end", "symbol"} <= set(first["spans"][0])


def test_the_definition_using_an_identifier_from_the_query_comes_first(make_repo):
    repo = make_repo({"session.py": SESSION})
    query = ("Redirect chain grows without end\n\nA redirect loop makes the request chain grow: each hop of the "
             "redirect chain is followed, `hop_count` goes past `max_redirects`, no `TooManyRedirects` is raised.")
    spans = _spans(repo, query)["session.py"]
    assert [s.symbol for s in spans[:2]] == ["check_hops", "follow"]


def test_up_to_twenty_spans_per_file_best_first(make_repo):
    funcs = "\n\n".join(f"def handler_{i}(event):\n    return event.retry_count + {i}\n" for i in range(30))
    repo = make_repo({"handlers.py": funcs})
    spans = _spans(repo, "retry_count is wrong for every event handler")["handlers.py"]
    assert len(spans) == 20
    assert all(s.symbol.startswith("handler_") and s.end == s.start + 1 for s in spans)


def test_members_declared_on_one_line_are_one_span(make_repo):
    """``case north, south`` declares two definitions on the same lines: one span, named by the first, not the
    same lines twice."""
    repo = make_repo({"Sources/Compass.swift": textwrap.dedent("""\
        enum Heading {
            case north, south
            case east
        }
        """)})
    spans = _spans(repo, "heading north south east")["Sources/Compass.swift"]
    assert sorted((s.start, s.end, s.symbol) for s in spans) == [(1, 1, "Heading"), (2, 2, "north"), (3, 3, "east")]


def _huge_method_with_helpers() -> str:
    """A class whose one method is over 120 lines with functions nested in it, as Sphinx's
    ``IndexEntries.create_index``: the method's own code lies between and after its helpers."""
    filler = "".join(f"        step_{i} = prepare(step_{i - 1} if {i} else None)\n" for i in range(70))
    return (
        "class IndexEntries:\n"
        "    def create_index(self, builder, group_entries=True):\n"
        "        new = {}\n\n"
        "        def add_entry(word, subword):\n"
        "            new.setdefault(word, []).append(subword)\n\n"
        + filler +
        "        def keyfunc(entry):\n"
        "            return entry[0].lower()\n\n"
        "        for entry in sorted(new.items(), key=keyfunc):\n"
        "            if entry.startswith('\\N{RIGHT-TO-LEFT MARK}'):\n"
        "                letter = strip_rtl_mark(entry)\n"
        + "".join(f"        tail_{i} = finish(tail_{i - 1} if {i} else None)\n" for i in range(50)) +
        "        return sorted(new.items(), key=keyfunc)\n"
    )


def test_the_own_code_of_a_huge_method_around_its_nested_functions_is_searchable(make_repo):
    """A method over 120 lines with nested functions is split into its parts, the nested functions; its own code
    between and after them was in no span at all (in a class, whose lines count as covered), so a query about it
    found the file but never those lines."""
    src = _huge_method_with_helpers()
    repo = make_repo({"sphinx/indexentries.py": src, "other.py": "def unrelated():\n    return 1\n"})
    line = next(i for i, text in enumerate(src.splitlines(), 1) if "strip_rtl_mark" in text)
    spans = _spans(repo, "strip_rtl_mark is called for every index entry with a right-to-left mark")[
        "sphinx/indexentries.py"]
    first = spans[0]
    assert first.start <= line <= first.end, spans
    assert first.symbol == "create_index"  # named for the method it is part of
    assert first.end - first.start < 60  # a window of the method, not all of it
    ix = RepoIndex.open(repo)  # every line of the method is in some chunk, each line in one
    try:
        c = ix._store.conn()
        fid = ix._snap.by_path["sphinx/indexentries.py"]
        rows = sorted((r[0], r[1]) for r in ix._snap.chunks.get(c, fid))
    finally:
        ix.close()
    lines = [n for a, b in rows for n in range(a, b + 1)]
    assert len(lines) == len(set(lines))  # no line in two chunks
    worded = [i for i, text in enumerate(src.splitlines(), 1) if text.strip()]
    assert set(worded) <= set(lines)


def test_a_class_s_own_code_between_its_methods_is_searchable(make_repo):
    """A class is its header up to the first member, then its members; what it defines between and after them
    (``readline = read``, ``__hash__ = None``, pytest's ``source = property(getsource)``) was in no span."""
    src = textwrap.dedent("""\
        class DontReadFromInput:
            \"\"\"Stands in for stdin while a test runs.\"\"\"

            encoding = None

            def read(self, *args):
                raise OSError("pytest: reading from stdin while output is captured!")

            readline = read
            readlines = read
            __next__ = read

            def fileno(self):
                raise UnsupportedOperation("redirected stdin is pseudofile, has no fileno()")

            __iter__ = iter_lines
        """)
    repo = make_repo({"capture.py": src, "other.py": "def unrelated():\n    return 1\n"})
    spans = _spans(repo, "`readlines` of the captured stdin should be an alias of `read`")["capture.py"]
    line = src.splitlines().index("    readlines = read") + 1
    hit = next(s for s in spans if s.start <= line <= s.end)
    assert (hit.start, hit.end, hit.symbol) == (line - 1, line + 1, "DontReadFromInput")
    last = len(src.splitlines())
    assert any(s.start == s.end == last and s.symbol == "DontReadFromInput"
               for s in _spans(repo, "__iter__ is iter_lines for DontReadFromInput")["capture.py"])
