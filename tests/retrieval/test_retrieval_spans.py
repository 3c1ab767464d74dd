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
