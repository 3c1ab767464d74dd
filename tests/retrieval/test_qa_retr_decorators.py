"""A definition's span starts at its decorators or attributes: they are part of it (a route, a fixture's scope, a
``#[test]``), and a task that quotes one means the definition under it."""

from __future__ import annotations

import textwrap

from genie_tui.retrieval import RepoIndex

VIEWS = textwrap.dedent('''
    from flask import Flask

    app = Flask(__name__)


    class Api:
        def index(self):
            return 1

        @app.route("/invoices/<int:invoice_id>/refund", methods=["POST"])
        @login_required
        def handler(self, invoice_id):
            return invoice_id


    @app.route("/customers/<slug>/archive")
    def archive(slug):
        return slug
    ''').lstrip()

WIDGET = textwrap.dedent('''
    @Component({
      selector: 'app-widget',
    })
    export class Widget {
      @HostListener('window:resize')
      onResize() {
        return 1;
      }
    }
    ''').lstrip()

POINT = textwrap.dedent('''
    pub struct Point {
        x: i32,
    }

    impl Point {
        #[inline]
        #[must_use = "the norm is computed, not stored"]
        pub fn norm(&self) -> i32 {
            self.x
        }
    }
    ''').lstrip()


def _first_spans(repo, query):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        results = ix.search(query, k=3)
    finally:
        ix.close()
    return results[0].path, results[0].spans


def test_python_decorators_are_in_the_span_of_the_function_they_decorate(make_repo):
    repo = make_repo({"views.py": VIEWS})
    path, spans = _first_spans(repo, "POST /invoices/<id>/refund answers 500")
    assert path == "views.py"
    assert (spans[0].start, spans[0].end, spans[0].symbol) == (10, 13, "handler")
    path, spans = _first_spans(repo, "the customers archive route is broken")
    assert (spans[0].start, spans[0].end, spans[0].symbol) == (16, 18, "archive")
    # going to the definition still lands on its ``def`` line
    ix = RepoIndex.open(repo)
    try:
        assert [(d.line, d.end_line) for d in ix.definitions("archive")] == [(17, 18)]
    finally:
        ix.close()


def test_typescript_decorators_and_rust_attributes_are_in_the_span(make_repo):
    repo = make_repo({"widget.ts": WIDGET, "point.rs": POINT})
    path, spans = _first_spans(repo, "onResize is called on window:resize")
    assert path == "widget.ts"
    assert (spans[0].start, spans[0].end, spans[0].symbol) == (5, 8, "onResize")
    path, spans = _first_spans(repo, "the norm is computed, not stored: must_use on Point norm")
    assert path == "point.rs"
    assert (spans[0].start, spans[0].end, spans[0].symbol) == (6, 10, "norm")


REPORT = textwrap.dedent('''
    @register("reports")
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


def test_a_decorated_class_header_still_counts_half(make_repo):
    repo = make_repo({"report.py": REPORT, "other.py": "def unrelated():\n    return 1\n"})
    path, spans = _first_spans(repo, "ReportWriter writes rows with the wrong encoding: every row is encoded as ascii")
    assert path == "report.py"
    assert [(s.start, s.symbol) for s in spans[:2]] == [(10, "write_rows"), (1, "ReportWriter")]
