"""Engine factory, SQLite pragmas, sessions and programmatic Alembic migrations.

Where the data lives:

* ``DTAC_DATABASE_URL`` set → that database (``postgresql://…`` uses psycopg 3).
* otherwise one SQLite file, ``dtac.sqlite3``, in the data directory: ``DTAC_DATA_DIR`` if set,
  else ``./data`` under the current directory. The directory is created on first use.

SQLite connections run with ``foreign_keys=ON``, ``journal_mode=WAL`` and a 30 s busy timeout.
Write transactions start with ``BEGIN IMMEDIATE`` so two writers queue instead of failing on a
stale snapshot; read transactions use a plain (deferred) ``BEGIN`` and see one consistent snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .limits import refuse_unstorable_rows
from .location import (  # noqa: F401
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    MIGRATION_URL_ENV,
    SQLITE_FILENAME,
    data_dir,
    database_url,
    migration_url,
    normalise_url,
)

SQLITE_BUSY_TIMEOUT_S = 30.0
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SCHEMA_HEAD = "0005"
"""The newest migration's revision id. A database already at it is opened without loading Alembic
(which saves about half a second on every start); tests check this matches the migrations."""


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_engine(url: str, **kw: Any) -> Engine:
    u = make_url(url)
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; "begin" below emits BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("dtac_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_engine(url: str | None = None, **kw: Any) -> Engine:
    """Create an Engine for ``url`` (default :func:`database_url`) with the project's settings."""
    url = normalise_url(url or database_url())
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kw)
    return create_engine(url, pool_pre_ping=True, **kw)


class Database:
    """One database: an Engine plus read and write sessions and the migration runner."""

    def __init__(self, url: str | None = None, *, engine: Engine | None = None, **engine_kw: Any) -> None:
        self.engine = engine or make_engine(url, **engine_kw)
        self.url = self.engine.url.render_as_string(hide_password=False)
        self.dialect = self.engine.dialect.name
        # Writers on SQLite take the write lock up front (BEGIN IMMEDIATE); harmless elsewhere.
        self._write_engine = self.engine.execution_options(dtac_begin="IMMEDIATE")
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        # Text a column cannot hold is refused by name before any SQL is sent, on both databases.
        event.listen(self._write, "before_flush", refuse_unstorable_rows)

    def __repr__(self) -> str:
        return f"Database({describe_url(self.url)!r})"

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back at the end."""
        with self._read() as s, s.begin():
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one unit of work: committed if the block succeeds, else rolled back."""
        with self._write() as s, s.begin():
            yield s

    # ---- migrations -------------------------------------------------------------------------

    def alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head", *, app_role: str | None = None) -> None:
        """Create the schema or bring it up to ``revision`` (idempotent).

        ``app_role`` (PostgreSQL): the role the app connects as, when it is not this connection's
        (the owner's); it is given exactly the app's privileges in the same transaction
        (:mod:`dtac_app.store.roles`).
        """
        from alembic import command

        from .roles import grant_app_role

        cfg = self.alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            if app_role:
                grant_app_role(conn, app_role)

    def downgrade(self, revision: str = "base") -> None:
        from alembic import command

        cfg = self.alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)

    def stored_revision(self) -> str | None:
        """The schema revision recorded in the database (plain SQL; None if there is no schema yet)."""
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        try:
            with self.engine.connect() as conn:
                row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            return None
        return row[0] if row else None

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def schema_diff(self) -> list[Any]:
        """Differences between the models and the live schema (empty when they agree)."""
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from .models import Base

        with self.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": False}
            )
            return list(compare_metadata(ctx, Base.metadata))

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open the configured database, creating or upgrading the schema unless ``upgrade=False``.

    With ``DTAC_MIGRATION_DATABASE_URL`` set (the schema owner), the upgrade runs as the owner and
    the app's own role (``DTAC_DATABASE_URL``'s user) is given the app's privileges.
    """
    db = Database(url)
    if upgrade and db.stored_revision() != SCHEMA_HEAD:
        upgrade_schema(db)
    return db


def upgrade_schema(db: Database) -> None:
    """Bring ``db``'s schema to the newest revision, as the owner role when one is configured."""
    from .roles import role_of

    owner_url = migration_url()
    if owner_url is None or owner_url == db.url:
        db.upgrade()
        return
    owner = Database(owner_url)
    try:
        owner.upgrade(app_role=role_of(db.url))
    finally:
        owner.dispose()
