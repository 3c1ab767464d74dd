"""Three places an issue names that the trace reading missed: the module a ``python -m`` command runs, the root
cause of a Java trace (its last ``Caused by:`` section), and a Dart frame's ``package:`` file."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex


def _signal(repo: object, text: str, name: str) -> dict[str, float]:
    """Signal ``name`` of each file ``text`` finds in ``repo`` (0 where it is not set)."""
    ix = RepoIndex.open(repo)  # type: ignore[arg-type]
    try:
        return {path: feats.get(name) or 0.0 for path, feats in ix.features(text)}
    finally:
        ix.close()


# --- ``python -m pkg.sub``: the module Python runs ----------------------------------------------------------------

PKG = {"src/mypkg/__init__.py": "", "src/mypkg/__main__.py": "from mypkg.core import run\n\nrun()\n",
       "src/mypkg/core.py": "def run():\n    return 1\n",
       "src/mypkg/cli/__init__.py": "", "src/mypkg/cli/__main__.py": "print('cli')\n",
       "tool.py": "print('tool')\n", "server.py": "def serve():\n    pass\n"}


def test_python_m_of_a_package_names_its_main_module(make_repo):
    repo = make_repo(PKG)
    fenced = "The command fails\n\n```\n$ python3 -m mypkg --verbose\nerror: unrecognized arguments\n```\n"
    said = "Running `python -m mypkg` exits with status 2 and no message.\n"
    for text, strength in ((fenced, 0.5), (said, 1.0)):
        assert _signal(repo, text, "mention").get("src/mypkg/__main__.py", 0.0) == strength
        assert _signal(repo, text, "trace").get("src/mypkg/__main__.py", 0.0) == 0.0  # no stack frame


def test_python_m_with_options_before_it_names_a_sub_package_s_main(make_repo):
    repo = make_repo(PKG)
    for cmd in ("python -W ignore -m mypkg.cli --help", "python3.11 -X dev -u -m mypkg.cli",
                "py -3.12 -m mypkg.cli", "pythonw -m mypkg.cli", r"C:\venv\Scripts\python.exe -m mypkg.cli"):
        mention = _signal(repo, f"Crash on start\n\n```\n{cmd}\nKeyError: 'x'\n```\n", "mention")
        assert mention.get("src/mypkg/cli/__main__.py", 0.0) == 0.5, cmd


def test_python_m_of_a_plain_module_names_its_file(make_repo):
    repo = make_repo(PKG)
    mention = _signal(repo, "Hangs forever\n\n```\n$ python -m tool\n```\n", "mention")
    assert mention.get("tool.py", 0.0) == 0.5


def test_python_m_of_a_module_not_in_the_repository_names_nothing(make_repo):
    repo = make_repo(PKG)
    text = "Setup\n\n```\npython -m pip install -e .\npython -m http.server 8000\npython -m pytest -x\n```\n"
    mention = _signal(repo, text, "mention")
    assert mention.get("server.py", 0.0) == 0.0  # not ``http/server.py``
    assert not any(mention.get(p, 0.0) for p in PKG if p.startswith("src/"))
