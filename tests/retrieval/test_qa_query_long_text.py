"""A long text is read at its beginning and at its end: a pasted CI log ends with the failure, its traceback and
its error message, which the first 200,000 characters alone left out."""

from __future__ import annotations

import json

from genie_tui.cli import main
from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.query import analyze

TRACE = "in the stack trace"
QUOTED = "holds text quoted in the query"


def _module(n: int) -> str:
    return "".join(f"def fn{i}(invoice, total):\n    # compute the invoice total\n    value = invoice.total + total\n"
                   f"    return value\n\n" for i in range(n))


FILES = {"shop/__init__.py": "", "shop/orders.py": _module(8), "shop/refunds.py": _module(8),
         "shop/fx.py": "class RateError(Exception):\n    pass\n\n\ndef convert(amount, rate):\n    if rate is None:\n"
                       "        raise RateError('no exchange rate was captured for the refunded payment')\n"
                       "    return amount * rate\n"}
FAILURE = """Traceback (most recent call last):
  File "/home/runner/work/shop/shop/refunds.py", line 18, in fn3
    value = invoice.total + total
  File "/home/runner/work/shop/shop/fx.py", line 7, in convert
    raise RateError('no exchange rate was captured for the refunded payment')
shop.fx.RateError: no exchange rate was captured for the refunded payment
"""


def _log(lines: int) -> str:
    return "".join(f"2024-01-15T10:23:{i % 60:02d}.1234567Z worker-3 INFO processed batch {i} of invoices, "
                   f"total so far {i * 37}\n" for i in range(lines))


def test_a_traceback_at_the_end_of_a_long_pasted_log_is_read(make_repo):
    text = "CI fails computing invoice totals\n\nCI log:\n```\n" + _log(3000) + FAILURE + "```\n"
    assert len(text) > 250_000
    q = analyze(text)
    assert q.title == "CI fails computing invoice totals"
    assert [(f.path.rsplit("/", 1)[-1], f.line) for f in q.frames] == [("refunds.py", 18), ("fx.py", 7)]
    ix = RepoIndex.open(make_repo(FILES))
    try:
        found = {r.path: r.why for r in ix.search(text, k=3)}
    finally:
        ix.close()
    assert TRACE in found["shop/fx.py"] and QUOTED in found["shop/fx.py"]
    assert TRACE in found["shop/refunds.py"]


def test_a_query_file_larger_than_its_cap_is_read_at_its_end_too(make_repo, tmp_path, capsys):
    repo = make_repo(FILES)
    log = tmp_path / "ci.log"
    log.write_text("CI fails\n" + _log(12_000) + FAILURE)  # 1.2 MB
    code = main(["search", f"@{log}", "--repo", str(repo), "--json", "-k", "2"])
    out, err = capsys.readouterr()
    assert code == 0 and "searching with its beginning and its end" in err
    assert {r["path"]: TRACE in r["why"] for r in json.loads(out)["results"]} == \
        {"shop/fx.py": True, "shop/refunds.py": True}
