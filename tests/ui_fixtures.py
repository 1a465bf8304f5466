"""Fixtures for the workbench tests (AppTest in-process, Playwright end to end).

Both run the real app on a fresh SQLite database seeded with the examples in submissions/
(``Workbench.seed_examples``): the examples are seeded ONCE per test session into a template file
(with argon2's cheapest parameters, which only changes how long hashing takes) and each test gets
its own copy in ``tmp_path``, found by the app through ``DTAC_DATA_DIR``.

Use in a test module (tests/ is on sys.path)::

    from ui_fixtures import Seeded   (helpers, by name; the fixtures are registered in conftest.py)
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from support import EXAMPLES, sqlite_workbench

from dtac_app.store.db import DATA_DIR_ENV, DATABASE_URL_ENV, SQLITE_FILENAME, Database
from dtac_app.workbench import access as auth
from dtac_app.workbench.facade import SYSTEM, Workbench
from dtac_app.workbench.seeding import VENDOR_PASSWORD

__all__ = ["seeded_dir", "seeded_template"]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

ADMIN = ("admin", "dtac-admin-local")
ASSESSOR = ("assessor", "dtac-assessor-local")


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    version: str
    organisation: str
    vendor: str  # the vendor user name (organisation slug)
    assessment_id: int
    decision: str
    decision_label: str


@dataclass(frozen=True)
class Seeded:
    """What the seeded template holds (ids are stable: every copy is byte-identical)."""

    path: Path
    as_of: dt.date
    products: tuple[Product, ...]

    def product(self, name: str) -> Product:
        return next(p for p in self.products if p.name == name)

    def vendor_login(self, name: str) -> tuple[str, str]:
        return self.product(name).vendor, VENDOR_PASSWORD


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A migrated SQLite file holding the example accounts and submissions (assessed today)."""
    path = tmp_path_factory.mktemp("ui-template") / SQLITE_FILENAME
    old = auth.set_hasher(PasswordHasher.from_parameters(CHEAPEST))
    db = Database(f"sqlite:///{path}")
    try:
        db.upgrade()
        wf = Workbench(db)
        report = wf.seed_examples(SYSTEM, EXAMPLES)
        assert not report.errors, report.errors
        vendors = {u.organisation_id: u.username for u in wf.list_users(SYSTEM) if u.role == "vendor"}
        products = []
        for p in wf.list_products(SYSTEM):
            assert p.latest is not None
            products.append(
                Product(
                    id=p.id,
                    name=p.name,
                    version=p.latest_version or "",
                    organisation=p.organisation_name,
                    vendor=vendors[p.organisation_id],
                    assessment_id=p.latest.id,
                    decision=p.latest.decision,
                    decision_label=p.latest.decision_label,
                )
            )
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
        auth.set_hasher(old)
    return Seeded(path=path, as_of=dt.date.today(), products=tuple(products))


@pytest.fixture(scope="module")
def store(server: Any) -> Iterator[Workbench]:
    """The database of the module's ``server`` (each browser test module starts its own), read by
    the test: SQLite in WAL mode, so readers never block the app."""
    with sqlite_workbench(server.data_dir / SQLITE_FILENAME) as wf:
        yield wf


@pytest.fixture
def seeded_dir(seeded_template: Seeded, tmp_path: Path) -> Path:
    """A data directory holding a private copy of the seeded database."""
    d = tmp_path / "data"
    d.mkdir()
    shutil.copyfile(seeded_template.path, d / SQLITE_FILENAME)
    return d


def app_env(data_dir: Path) -> dict[str, str]:
    """The environment for a server subprocess using ``data_dir`` (and never a configured PostgreSQL)."""
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV,)}
    env[DATA_DIR_ENV] = str(data_dir)
    return env
