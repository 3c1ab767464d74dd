"""A Python module's and class's named values are definitions with their spans (``MAX_RETRIES = 3``,
``timeout: float = 5.0``, a class attribute ``Client.LIMIT``), as Rust's and Go's constants are; a function's own
variables, ``__all__``-style dunders and attribute assignments (``x.y = 1``) are none."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

PY = '''\
"""Settings."""
import os

MAX_RETRIES = 3
timeout: float = 5.0
__all__ = ["Client"]
HEADERS = {
    "accept": "json",
}
os.environ.x = 1


class Client:
    LIMIT = 10

    def send(self):
        attempts = 0
        return attempts


def helper():
    local_value = 2
    return local_value
'''


def test_module_and_class_values_are_definitions(make_repo, definitions_of):
    found = definitions_of(make_repo({"pkg/settings.py": PY}),
                           ("MAX_RETRIES", "timeout", "HEADERS", "Client.LIMIT", "LIMIT", "__all__", "attempts",
                            "local_value", "x"))
    assert found == {"MAX_RETRIES": [("pkg/settings.py", 4, 4)], "timeout": [("pkg/settings.py", 5, 5)],
                     "HEADERS": [("pkg/settings.py", 7, 9)], "Client.LIMIT": [("pkg/settings.py", 14, 14)],
                     "LIMIT": [("pkg/settings.py", 14, 14)], "__all__": [], "attempts": [], "local_value": [],
                     "x": []}


def test_a_value_named_in_the_task_leads_search_to_its_window(make_repo):
    repo = make_repo({"pkg/settings.py": PY, "pkg/net.py": "def connect():\n    return 1\n"})
    ix = RepoIndex.open(repo)
    try:
        best = ix.search("requests are retried MAX_RETRIES times, should be configurable")[0]
    finally:
        ix.close()
    assert best.path == "pkg/settings.py"
    # the window of module-level code holding it (with the imports beside it) is the first span
    assert (best.spans[0].start, best.spans[0].end, best.spans[0].symbol) == (1, 12, "")


JAVA = """\
package shop;

public class Client {
    public static final int MAX_RETRIES = 3;
    private static final String NAME = "x", OTHER = "y";
    private final int count = 0;
    static int counter = 0;

    void run() {
        final int LOCAL = 1;
    }
}

interface Limits {
    int LIMIT = 10;
}
"""

RUBY = """\
VERSION = "1.0"
module Shop
  LIMITS = { a: 1 }.freeze
  class Cart
    MAX = 5
    def add
      total = 0
    end
  end
end
"""

JS = """\
import x from './x';
const fs = require('fs');
export const LIMIT = 10;
var config = { debug: true, save: function () {} };
let a = 1, b = "two";
const View = memo(function View() {});
const handler = () => 1;
function f() { const INNER = 2; }
"""


def test_java_ruby_and_javascript_constants_are_definitions(make_repo, definitions_of):
    repo = make_repo({"src/shop/Client.java": JAVA, "lib/shop.rb": RUBY, "src/app.js": JS,
                      "src/app.ts": JS.replace("export const LIMIT", "export const LIMIT: number")})
    found = definitions_of(repo, ("Client.MAX_RETRIES", "NAME", "OTHER", "count", "counter", "LOCAL",
                                  "Limits.LIMIT", "VERSION", "Shop.LIMITS", "Cart.MAX", "total", "LIMIT", "config",
                                  "a", "b", "fs", "View", "handler", "INNER"))
    assert found == {
        # a static final field is a class's constant, an interface's field one without saying so
        "Client.MAX_RETRIES": [("src/shop/Client.java", 4, 4)], "NAME": [("src/shop/Client.java", 5, 5)],
        "OTHER": [("src/shop/Client.java", 5, 5)], "count": [], "counter": [], "LOCAL": [],
        "Limits.LIMIT": [("src/shop/Client.java", 15, 15)],
        "VERSION": [("lib/shop.rb", 1, 1)], "Shop.LIMITS": [("lib/shop.rb", 3, 3)], "Cart.MAX": [("lib/shop.rb", 5, 5)],
        "total": [],
        # a module's values; what a call returns (an import, a wrapped function) is none, a function a function
        "LIMIT": [("src/app.js", 3, 3), ("src/app.ts", 3, 3), ("src/shop/Client.java", 15, 15)], "config": [("src/app.js", 4, 4), ("src/app.ts", 4, 4)],
        "a": [("src/app.js", 5, 5), ("src/app.ts", 5, 5)], "b": [("src/app.js", 5, 5), ("src/app.ts", 5, 5)],
        "fs": [], "View": [("src/app.js", 6, 6), ("src/app.ts", 6, 6)],
        "handler": [("src/app.js", 7, 7), ("src/app.ts", 7, 7)], "INNER": []}


def test_a_value_counts_as_named_by_the_task_only_when_written_as_code(make_repo):
    repo = make_repo({"pkg/store.py": "registry = {}\n\n\ndef save(key, value):\n    registry[key] = value\n",
                      "pkg/lookup.py": "def registry_entry():\n    return 1\n\n\ndef lookup():\n    return 2\n"})
    ix = RepoIndex.open(repo)
    try:
        prose = dict(ix.features("the lookup registry loses entries sometimes"))
        code = dict(ix.features("`registry` loses entries sometimes"))
    finally:
        ix.close()
    # a prose word naming a module's variable is no definition named; a function named so is
    assert prose["pkg/store.py"].get("def_plain", 0.0) == 0.0 and prose["pkg/lookup.py"].get("def_plain", 0.0) > 0
    assert code["pkg/store.py"].get("def_code", 0.0) > 0
