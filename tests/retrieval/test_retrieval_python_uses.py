"""Find references of a module-level Python function: in a file that imports it (or defines it), an attribute
of something else (``widget.render()``, the library's ``logging.getLogger``) and a function's own variable of
that name (an assignment, a parameter, a loop variable) are no uses of it."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.symbols import BY_NAME

_VIEWS = """from core import render
import core
import logging


def index(**kw):
    render = kw.get('render')  # a local variable: the import is not used here
    return render


class Widget:
    def render(self):
        return 'w'

    def html(self):
        return self.render() + render('x')


def report(widget, page):
    widget.render()
    return core.render(page), logging.render


def listing(pages, render):
    return [render(p) for p in pages]


def each(pages):
    for render in pages:
        print(render)


def call(page):
    return dict(
        page=page,
        render=render,
    )


def call2(page, hook=render):
    out = dict(page=page,
               render=render
               )
    names = [render for render in out]
    return render(page), names
"""

_FILES = {
    "core.py": "import logging\n\n\ndef render(page):\n    return page\n\n\nlogging.render(1)\nrender(2)\n"
               "import os.path\nos.path.render(3)\n",
    "views.py": _VIEWS,
}


def test_attributes_of_other_things_and_local_variables_are_no_uses(make_repo):
    ix = RepoIndex.open(make_repo(_FILES))
    refs = {(loc.path, loc.line): loc.kind for loc in ix.references("render", "core.py")}
    assert refs == {
        ("core.py", 9): "reference",  # not lines 8 and 11: the library's logging.render and os.path.render
        ("views.py", 1): "reference",
        ("views.py", 16): "reference",  # ``render('x')`` beside ``self.render()``
        ("views.py", 21): "reference",  # ``core.render(page)`` through the module; not ``logging.render``
        ("views.py", 36): "reference",  # a keyword argument's value (``render=`` in a call binds nothing)
        ("views.py", 20): BY_NAME,  # ``widget.render()``: whose, the index cannot say
        # a default value, a keyword argument's value, and a use beside a comprehension's own ``render``
        ("views.py", 40): "reference",
        ("views.py", 42): "reference",
        ("views.py", 45): "reference",
    }
    ix.close()


_MULTILINE_DEFS = '''from core import render


def listing(
    pages,
    render,
):
    return [render(p) for p in pages]


def listing2(pages,
             render):
    return [render(p) for p in pages]


def listing3(pages,
             render: object = None,
             *, sep=","):
    return [render(p) for p in pages]


def show(
    page,
    hook=render,
):
    return render(page)


def wrap(a, hook=dict(a, render)):
    return render(a)
'''


def test_a_parameter_on_a_continuation_line_of_a_def_is_a_local(make_repo):
    # only the ``def`` line was read for parameters: one on a line of its own was a use, and so was every use of
    # it in the function; and an argument in a default value (``dict(a, render)``) was taken for a parameter
    ix = RepoIndex.open(make_repo({"core.py": "def render(page):\n    return page\n", "views.py": _MULTILINE_DEFS}))
    refs = [(loc.path, loc.line, loc.kind) for loc in ix.references("render", "core.py")]
    assert refs == [("views.py", 1, "reference"), ("views.py", 24, "reference"), ("views.py", 26, "reference"),
                    ("views.py", 29, "reference"), ("views.py", 30, "reference")]
    ix.close()


_PLUGIN = '''import pytest


@pytest.fixture(scope="session")
def tmp_path_factory(request):
    return request


@pytest.fixture
def tmp_path(request, tmp_path_factory):
    return tmp_path_factory.mktemp()


@pytest.fixture(
    scope="module",
)
def cache_dir(
    request,
    tmp_path_factory,
):
    return tmp_path_factory.getbasetemp()


def helper(tmp_path_factory):
    return tmp_path_factory
'''


def test_a_fixtures_parameters_outside_tests_are_the_fixtures_it_asks_for(make_repo):
    # a plugin's module (pytest's own src/_pytest/tmpdir.py): ``@pytest.fixture def tmp_path(tmp_path_factory)``
    # asks for that fixture as a test does; a plain function's parameter of the name is its own variable
    ix = RepoIndex.open(make_repo({"src/plug/tmpdir.py": _PLUGIN}))
    refs = [loc.line for loc in ix.references("tmp_path_factory", "src/plug/tmpdir.py")]
    assert refs == [10, 11, 19, 21]
    ix.close()
