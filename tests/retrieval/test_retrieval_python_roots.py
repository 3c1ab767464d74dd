"""Python's absolute imports are looked up where Python looks for them: in the directory above the importing
file's package (a Django project's ``backend/``), a script's own directory, the repository's root and ``src/``,
then the closest directory that holds a package of that name; never inside a package, so ``app/json.py`` does
not stand for the standard library's ``json`` that ``app/api.py`` imports."""

from __future__ import annotations

import textwrap

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.symbols import BY_NAME, EXTERNAL


def _open(make_repo, files: dict[str, str]) -> RepoIndex:
    return RepoIndex.open(make_repo({p: textwrap.dedent(t).lstrip("\n") for p, t in files.items()}))


def _where(locs) -> list[tuple[str, int, str]]:
    return [(loc.path, loc.line, loc.kind) for loc in locs]


_PROJECT = {
    "backend/manage.py": "import os\n",
    "backend/shop/__init__.py": "",
    "backend/shop/models.py": "class Order:\n    pass\n",
    "backend/shop/views.py": "from shop.models import Order\n\n\ndef view():\n    return Order()\n",
    "backend/crm/__init__.py": "",
    "backend/crm/models.py": "class Order:\n    pass\n",
    "scripts/tool.py": "def add(a, b):\n    return a - b\n",
    "scripts/run.py": "from tool import add\n\nprint(add(1, 2))\n",
    "calc.py": "def add(a, b):\n    return a + b\n",
    "packages/acme/src/acme/__init__.py": "",
    "packages/acme/src/acme/core.py": "def add(a, b):\n    return a * b\n",
    "tests/test_acme.py": "from acme.core import add\n\nadd(1, 2)\n",
}


def test_an_absolute_import_resolves_under_the_directory_above_its_package(make_repo):
    ix = _open(make_repo, _PROJECT)
    # only the class the import names, not backend/crm's (listed first before: its path is no longer)
    assert _where(ix.definitions("Order", "backend/shop/views.py")) == [("backend/shop/models.py", 1, "class")]
    refs = _where(ix.references("Order", "backend/shop/models.py"))
    assert refs == [("backend/shop/views.py", 1, "reference"), ("backend/shop/views.py", 5, "reference")]
    ix.close()


def test_a_script_imports_its_own_directorys_modules_and_a_package_its_closest_copy(make_repo):
    ix = _open(make_repo, _PROJECT)
    assert _where(ix.definitions("add", "scripts/run.py")) == [("scripts/tool.py", 1, "function")]
    refs = _where(ix.references("add", "scripts/tool.py"))
    assert refs == [("scripts/run.py", 1, "reference"), ("scripts/run.py", 3, "reference")]
    # a package installed from elsewhere in the repository (a monorepo's packages/acme/src)
    assert _where(ix.definitions("add", "tests/test_acme.py")) == [("packages/acme/src/acme/core.py", 1,
                                                                    "function")]
    ix.close()


_SHADOW = {
    "app/__init__.py": "",
    "app/logging.py": "import logging\n\n\ndef getLogger(name):\n    return logging.getLogger('app.' + name)\n",
    "app/views.py": "from logging import getLogger\n\nlog = getLogger(__name__)\n",
    "app/json.py": "def loads(s):\n    return {}\n",
    "app/api.py": "import json\n\n\ndef handle(body):\n    return json.loads(body)\n",
    "app/ours.py": "from app.logging import getLogger\nfrom app import json\n\ngetLogger('x'), json.loads('')\n",
    "tools/json.py": "def loads(s):\n    return []\n",
    "tools/run.py": "import json\n\njson.loads('')\n",
}


def test_a_packages_module_named_like_the_standard_librarys_does_not_stand_for_it(make_repo):
    ix = _open(make_repo, _SHADOW)
    assert _where(ix.definitions("getLogger", "app/views.py")) == [("app/views.py", 1, EXTERNAL)]
    assert _where(ix.definitions("json.loads", "app/api.py")) == [("app/api.py", 1, EXTERNAL)]
    # imported as the package's own module, it is the repository's
    assert _where(ix.definitions("getLogger", "app/ours.py")) == [("app/logging.py", 4, "function")]
    assert _where(ix.definitions("json.loads", "app/ours.py")) == [("app/json.py", 1, "function")]
    # a script's directory is on sys.path: there ``import json`` is the module beside it
    assert _where(ix.definitions("json.loads", "tools/run.py")) == [("tools/json.py", 1, "function")]
    refs = _where(ix.references("getLogger", "app/logging.py"))
    assert ("app/ours.py", 4, "reference") in refs
    assert not {p for p, _, kind in refs if kind != BY_NAME} & {"app/views.py"}
    ix.close()
