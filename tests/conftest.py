"""Fixtures for every test. The store and workbench fixtures are registered here as plugins
(``pytest_plugins``), so a test asks for ``db``, ``wf``, ``world``, ``seeded_dir`` … by name and
imports nothing for them. Plain helpers (builders, constants, ``free_port``) live in
``support.py``: ``from support import REPO, passing_v2``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import CRITERIA_DIR

from dtac_app.catalogue import load_catalogue
from dtac_app.criteria import Catalogue

pytest_plugins = ["store_fixtures", "ui_fixtures"]


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CRITERIA_DIR)


@pytest.fixture()
def criteria_copy(tmp_path: Path) -> Path:
    """A private copy of criteria/ that a test may break."""
    dest = tmp_path / "criteria"
    shutil.copytree(CRITERIA_DIR, dest)
    return dest
