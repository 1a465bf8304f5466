"""PostgreSQL roles (issue 10.4): the owner migrates, the app runs with least privilege and cannot
disable the append-only triggers or rewrite the audit log. Against the real server the fixtures start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import psycopg
import pytest
from store_fixtures import APP_ROLE, OWNER_ROLE, Clock, World
from typer.testing import CliRunner

from dtac_app.cli import app
from dtac_app.results import Override
from dtac_app.store.db import Database
from dtac_app.store.models import APPEND_ONLY_TABLES
from dtac_app.workbench.facade import Workbench


def _connect(server: Any, dbname: str, user: str) -> psycopg.Connection[Any]:
    return psycopg.connect(host="127.0.0.1", port=server.port, user=user, dbname=dbname, autocommit=True)


@pytest.fixture
def pg_world(pg_server: Any, cheap_hashing: None) -> Any:
    """A database set up the production way, with real work done in it by the app role."""
    name = pg_server.new_database()
    db = Database(pg_server.url(name))  # the app's own role
    wf = Workbench(db, clock=Clock(dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)))
    w = World(wf)
    v = wf.save_review(
        w.assessor,
        w.a.id,
        1,
        overrides={"C1.2": Override(outcome="fail", rationale="ten chars or more")},
        verifications={},
    )
    wf.sign_off_section(w.assessor, v.id, 2, "C1")
    yield name, w
    db.dispose()


TAMPERING = [
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "SET session_replication_role = replica",
    "UPDATE audit_log SET actor = 'someone else'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "DROP TABLE audit_log CASCADE",
    "ALTER TABLE audit_log RENAME TO old_log",
    "CREATE OR REPLACE FUNCTION dtac_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
]


@pytest.mark.parametrize("sql", TAMPERING)
def test_the_app_role_cannot_disable_the_trigger_or_rewrite_the_log(
    pg_server: Any, pg_world: Any, sql: str
) -> None:
    name, _w = pg_world
    with _connect(pg_server, name, APP_ROLE) as c:
        before = c.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        assert len(before) > 5
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(sql)
        # Granting itself UPDATE does nothing for a role that does not own the table.
        c.execute(f"GRANT UPDATE, DELETE ON audit_log TO {APP_ROLE}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("UPDATE audit_log SET actor = 'someone else'")
        assert c.execute("SELECT * FROM audit_log ORDER BY id").fetchall() == before


def test_the_owner_could_and_that_is_why_the_app_is_not_the_owner(pg_server: Any, pg_world: Any) -> None:
    name, _w = pg_world
    with _connect(pg_server, name, OWNER_ROLE) as c, c.transaction(force_rollback=True):
        c.execute(
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
        )  # the attack the app role can no longer make


def test_the_app_role_has_exactly_the_documented_privileges(pg_server: Any, pg_world: Any) -> None:
    name, _w = pg_world
    with _connect(pg_server, name, OWNER_ROLE) as c:
        rows = c.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = %s",
            (APP_ROLE,),
        ).fetchall()
        owners = {r[0] for r in c.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
    grants: dict[str, set[str]] = {}
    for table, priv in rows:
        grants.setdefault(table, set()).add(priv)
    assert owners == {OWNER_ROLE}
    for t in APPEND_ONLY_TABLES:
        assert grants[t] == {"SELECT", "INSERT"}, t
    assert grants["alembic_version"] == {"SELECT"}
    assert grants["users"] == grants["assessments"] == {"SELECT", "INSERT", "UPDATE"}
    assert grants["sign_in_throttle"] == {"SELECT", "INSERT", "UPDATE"}  # counters, never deleted
    assert not any({"DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"} & p for p in grants.values())


def test_migration_tables_match_the_models_and_the_roles_module() -> None:
    """The tables the migrations make append-only are the models' list, and the roles module grants
    from that same list (it once kept its own copy, which missed the evidence store's three)."""
    import importlib.util

    from dtac_app.store import roles

    made: set[str] = set()
    versions = Path(__file__).resolve().parents[1] / "dtac_app/store/migrations/versions"
    for name, attr in (
        ("0001_initial_schema.py", "APPEND_ONLY_TABLES"),
        ("0003_evidence_store.py", "TABLES"),
    ):
        spec = importlib.util.spec_from_file_location(name[:4], versions / name)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        made |= set(getattr(mod, attr))
    assert made == set(APPEND_ONLY_TABLES) == set(roles.APPEND_ONLY_TABLES)


def test_db_init_with_an_owner_url_grants_the_app_role(
    pg_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cheap_hashing: None
) -> None:
    """The deployment recipe: DTAC_MIGRATION_DATABASE_URL (owner) migrates, DTAC_DATABASE_URL (app) runs."""
    name = f"deploy{next(iter([id(tmp_path)]))}"
    pg_server.admin_sql(f"CREATE DATABASE {name} OWNER {OWNER_ROLE}")
    monkeypatch.setenv("DTAC_DATABASE_URL", pg_server.url(name, APP_ROLE))
    monkeypatch.setenv("DTAC_MIGRATION_DATABASE_URL", pg_server.url(name, OWNER_ROLE))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        app, ["user", "add", "ann", "--role", "assessor", "--password", "ann-password-123"]
    )
    assert result.exit_code == 0, result.output
    with _connect(pg_server, name, APP_ROLE) as c:
        assert c.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("ALTER TABLE audit_log DISABLE TRIGGER ALL")
