"""PostgreSQL roles: the schema's owner runs migrations; the app runs with only what it needs.

The owner of a table can ``ALTER TABLE … DISABLE TRIGGER`` and grant itself back any privilege,
so an app that connects as the owner can rewrite the append-only tables. In production two roles
are used (docs/deployment.md):

* the **owner** (``DTAC_MIGRATION_DATABASE_URL``) owns the schema and runs ``dtac db upgrade``;
* the **app** (``DTAC_DATABASE_URL``) gets, after every upgrade, exactly:
  SELECT and INSERT on the append-only tables (the audit log, submissions, revisions, overrides,
  provenance marks, sign-offs, clarification replies); SELECT, INSERT and UPDATE on the other
  tables (no DELETE: the app deletes nothing); SELECT on ``alembic_version``; the sequences.

Grants are recomputed from scratch on each upgrade (REVOKE ALL, then GRANT), so a privilege
granted by hand does not survive and a new table is covered as soon as it is migrated.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from .models import APPEND_ONLY_TABLES  # one list: the models', which the migrations follow

READ_ONLY_TABLES = ("alembic_version",)


def role_of(url: str) -> str | None:
    """The user name a database URL connects as (None if the URL names none)."""
    return make_url(url).username


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def grant_app_role(conn: Connection, role: str) -> list[str]:
    """Give ``role`` the app's privileges on every table of the current schema; returns the SQL run.

    Run by the owner, in the migration's transaction. Does nothing on SQLite (no roles).
    """
    if conn.dialect.name != "postgresql":
        return []
    owner = conn.execute(text("SELECT current_user")).scalar_one()
    if role == owner:
        return []  # a single-role set-up: the owner is the app (fine for a laptop, not for production)
    r = _quote(conn, role)
    schema = _quote(conn, conn.execute(text("SELECT current_schema()")).scalar_one())
    tables = [
        row[0]
        for row in conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        )
    ]
    sql = [f"GRANT USAGE ON SCHEMA {schema} TO {r}"]
    for t in tables:
        q = _quote(conn, t)
        sql.append(f"REVOKE ALL ON {q} FROM {r}")
        if t in APPEND_ONLY_TABLES:
            sql.append(f"GRANT SELECT, INSERT ON {q} TO {r}")
        elif t in READ_ONLY_TABLES:
            sql.append(f"GRANT SELECT ON {q} TO {r}")
        else:
            sql.append(f"GRANT SELECT, INSERT, UPDATE ON {q} TO {r}")
    sql.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {r}")
    for s in sql:
        conn.exec_driver_sql(s)
    return sql
