"""Qualified names in a query (``xr.where`` after ``import xarray as xr``) resolve through the package's
re-exports to the file that defines them."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.query import analyze

FILES = {
    "geodata/__init__.py": "from .core.compute import where\nfrom .core.frame import Frame\n",
    "geodata/core/__init__.py": "",
    "geodata/core/compute.py": "def where(cond, x, y, keep_attrs=None):\n"
                               "    \"\"\"Pick x or y by cond; keep_attrs keeps the attributes of x.\"\"\"\n"
                               "    out = x if cond else y\n    return out\n",
    "geodata/core/frame.py": "class Frame:\n    def where(self, cond):\n        return self\n\n"
                         "    def attrs(self):\n        return {}\n" + "".join(
                             f"\n    def method_{i}(self):\n        return {i}\n" for i in range(30)),
}

QUERY = """where drops the attributes

```python
import geodata as gd
out = gd.where(mask, left, right)
print(out.attrs)
```
"""


def test_aliases_are_read_from_the_reproducer():
    q = analyze("```python\nimport numpy as np\nfrom geodata import core as c\n>>> import geodata as gd\n```")
    assert q.aliases == {"np": "numpy", "c": "geodata.core", "gd": "geodata"}


def test_alias_and_reexport_lead_to_the_defining_file(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    feats = dict(ix.features(QUERY))
    assert feats["geodata/core/compute.py"].get("qual") == 0.5  # named in the reproducer, not the title
    assert not feats.get("geodata/core/frame.py", {}).get("qual")  # defines a method ``where``, not the function
    res = ix.search(QUERY, k=3)
    assert res[0].path == "geodata/core/compute.py"
    assert "qualified name" in res[0].why


def test_an_unimported_short_alias_of_the_repo_package_still_resolves(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    feats = dict(ix.features("gd.where(mask, a, b) loses attrs"))  # no import line: gd abbreviates geodata
    assert feats["geodata/core/compute.py"].get("qual") == 1.0  # in the title: what the issue is about
