"""Alembic environment for the DTAC store. Run programmatically by ``Database.upgrade``.

``config.attributes["connection"]`` carries an open connection when called from the app;
otherwise ``sqlalchemy.url`` (or ``DTAC_DATABASE_URL`` / the default SQLite file) is used.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dtac_app.store.db import make_engine
from dtac_app.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
