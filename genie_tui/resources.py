"""Locate bundled data (playbooks, themes, demo repo) in a wheel or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_dir(name: str) -> Path:
    """Return the directory of bundled data ``name`` (``playbooks``, ``themes``).

    A wheel ships them as ``genie_tui/_data/<name>``; a checkout or an editable install keeps them at the
    repository root, next to the package.
    """
    packaged = Path(str(resources.files("genie_tui"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name
