"""``dtac db …`` and ``dtac user …`` on both backends (run in-process through typer's CliRunner)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from store_fixtures import BACKENDS, example_text, make_db
from support import EXAMPLES
from typer.testing import CliRunner

from dtac_app.cli import app
from dtac_app.store.db import Database

COUNTED = (
    "organisations",
    "users",
    "products",
    "product_versions",
    "submissions",
    "assessments",
    "assessment_revisions",
)


@pytest.fixture(params=BACKENDS)
def empty_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cheap_hashing: None
) -> Iterator[Database]:
    """A database with no schema at all, named by DTAC_DATABASE_URL as a user would."""
    d = make_db(request.param, request, tmp_path, migrated=False)
    monkeypatch.setenv("DTAC_DATABASE_URL", d.url)
    monkeypatch.chdir(tmp_path)
    yield d
    d.dispose()


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """The repository's example submissions plus two of our own and a broken file."""
    folder = tmp_path / "examples"
    if EXAMPLES.is_dir():
        shutil.copytree(EXAMPLES, folder)
    else:  # pragma: no cover - the examples are part of the repository
        folder.mkdir()
    (folder / "zz-one.yaml").write_text(example_text("Zeta One", "Zeta Labs"), encoding="utf-8")
    (folder / "zz-two.yaml").write_text(example_text("Zeta Two", "Zeta Labs"), encoding="utf-8")
    (folder / "zz-broken.yaml").write_text("schema: dtac-submission/1\nproduct: [\n", encoding="utf-8")
    return folder


def counts(d: Database) -> dict[str, int]:
    with d.engine.connect() as c:
        return {t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in COUNTED}


def run(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_db_init_with_examples_is_idempotent(empty_db: Database, examples: Path) -> None:
    out1 = run("db", "init", "--with-examples", "--examples", str(examples), "--as-of", "2026-10-02")
    first = counts(empty_db)
    assert empty_db.current_revision() == empty_db.head_revision()
    n_files = len([p for p in examples.iterdir() if p.suffix in (".yaml", ".yml", ".json")])
    assert first["submissions"] == first["assessments"] == n_files - 1  # all but the broken one
    assert "dtac-admin-local" in out1 and "dtac-assessor-local" in out1
    out2 = run("db", "init", "--with-examples", "--examples", str(examples))
    assert counts(empty_db) == first
    assert "0 loaded" in out2 and f"{n_files - 1} already present" in out2
    # one vendor organisation per manufacturer, one vendor user each, plus assessor and admin
    from dtac_app.workbench.facade import SYSTEM, Workbench

    wf = Workbench(empty_db)
    users = wf.list_users(SYSTEM)
    vendors = [u for u in users if u.role == "vendor"]
    orgs = wf.list_organisations(SYSTEM)
    assert len(vendors) == len(orgs) == first["organisations"]
    assert {u.username for u in users if u.role != "vendor"} == {"admin", "assessor"}
    zeta = next(u for u in vendors if u.organisation_name == "Zeta Labs")
    assert {p.name for p in wf.list_products(zeta)} == {"Zeta One", "Zeta Two"}
    assert wf.login(zeta.username, "dtac-vendor-local").id == zeta.id
    assert wf.login("assessor", "dtac-assessor-local").role == "assessor"


def test_db_upgrade_and_info(empty_db: Database) -> None:
    assert "(empty)" in run("db", "info")
    assert "→ 0004" in run("db", "upgrade")
    assert "up to date" in run("db", "upgrade")
    assert empty_db.schema_diff() == []


def test_user_add_list_disable(empty_db: Database) -> None:
    run("db", "upgrade")
    run(
        "user",
        "add",
        "carol",
        "--role",
        "assessor",
        "--email",
        "carol@nhs.net",
        input="carol-password-1\ncarol-password-1\n",
    )
    run("user", "add", "vic", "--role", "vendor", "--org", "Vic Ltd", "--password", "vic-password-1")
    out = run("user", "list")
    assert "carol" in out and "Vic Ltd" in out
    assert "Disabled carol" in run("user", "disable", "carol")
    assert "disabled" in run("user", "list")
    bad = CliRunner().invoke(app, ["user", "add", "x", "--role", "wizard", "--password", "long-enough-1"])
    assert bad.exit_code == 2 and "'wizard' is not one of" in bad.output
    dup = CliRunner().invoke(
        app, ["user", "add", "vic", "--role", "vendor", "--org", "Vic Ltd", "--password", "vic-password-1"]
    )
    assert dup.exit_code == 1 and "already exists" in dup.output
    from dtac_app.store.errors import LoginFailed
    from dtac_app.workbench.facade import Workbench

    wf = Workbench(empty_db)
    with pytest.raises(LoginFailed, match="disabled"):
        wf.login("carol", "carol-password-1")
    assert wf.login("vic", "vic-password-1").organisation_name == "Vic Ltd"
    trail = wf.audit_trail(wf.login("vic", "vic-password-1"))
    assert any(e.action == "user.create" and e.actor.startswith("cli:") for e in trail)


def test_db_export_and_import(
    empty_db: Database, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("db", "upgrade")
    from dtac_app.workbench.facade import SYSTEM, Workbench

    wf = Workbench(empty_db)
    view = wf.submit(SYSTEM, example_text("Exported", "Export Co"), "e.yaml")
    out_file = tmp_path / "pkg" / "product.json"
    run("db", "export", "--product", str(view.product_id), str(out_file))
    package = json.loads(out_file.read_text(encoding="utf-8"))
    assert package["format"] == "dtac-product-export/1" and package["product"]["name"] == "Exported"
    missing = CliRunner().invoke(app, ["db", "export", "--product", "999", str(tmp_path / "x.json")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    # into a fresh SQLite file chosen by DTAC_DATA_DIR
    monkeypatch.delenv("DTAC_DATABASE_URL")
    monkeypatch.setenv("DTAC_DATA_DIR", str(tmp_path / "fresh"))
    assert "Imported Exported" in run("db", "import", str(out_file))
    fresh = Database(f"sqlite:///{tmp_path / 'fresh' / 'dtac.sqlite3'}")
    try:
        assert [p.name for p in Workbench(fresh).list_products(SYSTEM)] == ["Exported"]
    finally:
        fresh.dispose()
    again = CliRunner().invoke(app, ["db", "import", str(out_file)])
    assert again.exit_code == 1 and "already has a product" in again.output
