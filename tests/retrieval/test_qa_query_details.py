"""A ``<details>`` block is dropped as a version dump only when it is one: a traceback folded into one (as issue
templates ask) is read, even with ``python3.11`` in every frame's path and "conversion" in its message."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.query import analyze

FX = ("class RateError(Exception):\n    pass\n\n\ndef convert(amount, rate):\n    if rate is None:\n"
      "        raise RateError('currency conversion failed for the captured payment amount')\n    return amount * rate\n")
TRACE = """Traceback (most recent call last):
  File "/home/u/.venv/lib/python3.11/site-packages/click/core.py", line 1157, in __call__
  File "/home/u/.venv/lib/python3.11/site-packages/click/core.py", line 1078, in main
  File "/home/u/.venv/lib/python3.11/site-packages/click/core.py", line 1688, in invoke
  File "/home/u/.venv/lib/python3.11/site-packages/click/core.py", line 1434, in invoke
  File "/home/u/.venv/lib/python3.11/site-packages/click/core.py", line 783, in invoke
shop.fx.RateError: currency conversion failed for the captured payment amount
"""
VERSIONS = """<details><summary>Output of show_versions()</summary>

INSTALLED VERSIONS
------------------
commit: None
python: 3.11.4 (main, Jun  7 2023, 00:00:00) [GCC 13.1.1]
shop: 2.1.0
pandas: 2.0.3
numpy: 1.25.1
</details>
"""


def _module(n: int) -> str:
    return "".join(f"def fn{i}(invoice, total):\n    # compute the invoice total\n    value = invoice.total + total\n"
                   f"    return value\n\n" for i in range(n))


def test_a_traceback_folded_into_details_is_read_and_a_version_dump_is_not(make_repo):
    text = "Refunding in EUR fails\n\n<details><summary>Traceback</summary>\n\n```\n" + TRACE + "```\n</details>\n\n" \
        + VERSIONS
    q = analyze(text)
    assert "currency conversion failed" in q.text
    assert "INSTALLED" not in q.text and "pandas" not in q.text
    repo = make_repo({"shop/__init__.py": "", "shop/orders.py": _module(8), "shop/refunds.py": _module(8),
                      "shop/fx.py": FX})
    ix = RepoIndex.open(repo)
    try:
        assert ix.search(text, k=1)[0].path == "shop/fx.py"
    finally:
        ix.close()
