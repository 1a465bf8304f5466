"""Where the data lives, without importing the database libraries (so `dtac serve` starts fast)."""

from __future__ import annotations

import re
from pathlib import Path

from dtac_app.settings import env_name, get_settings

DATA_DIR_ENV = env_name("data_dir")
DATABASE_URL_ENV = env_name("database_url")
MIGRATION_URL_ENV = env_name("migration_database_url")
SQLITE_FILENAME = "dtac.sqlite3"


def data_dir() -> Path:
    """The data directory: ``$DTAC_DATA_DIR`` or ``./data``."""
    return get_settings().data_dir or Path.cwd() / "data"


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and always use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def database_url() -> str:
    """``$DTAC_DATABASE_URL`` if set, else the SQLite file in :func:`data_dir`."""
    env = (get_settings().database_url or "").strip()
    if env:
        return normalise_url(env)
    return f"sqlite:///{data_dir().resolve() / SQLITE_FILENAME}"


def migration_url() -> str | None:
    """``$DTAC_MIGRATION_DATABASE_URL``: the schema owner's URL for migrations (PostgreSQL), or None."""
    env = (get_settings().migration_database_url or "").strip()
    return normalise_url(env) if env else None


def mask_password(url: str) -> str:
    """``scheme://user:***@host/db`` for messages (the same idea as SQLAlchemy's hide_password)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
