"""Storage: SQLite by default, PostgreSQL by URL; SQLAlchemy models, Alembic migrations, repositories.

The use-cases the workbench and the CLI call live in :mod:`dtac_app.workbench.facade`. The database
helpers are imported lazily so that ``dtac`` commands that never touch the store stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AccessDenied,
    ConcurrentChangeError,
    ImportConflict,
    LoginFailed,
    NotFound,
    NotFoundOrNotYours,
    SignedOffError,
    SignInThrottled,
    StoreError,
    WorkflowError,
)

if TYPE_CHECKING:
    from .db import Database, data_dir, database_url, open_database

_LAZY = {"Database", "data_dir", "database_url", "open_database"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import db

        return getattr(db, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AccessDenied",
    "ConcurrentChangeError",
    "Database",
    "ImportConflict",
    "LoginFailed",
    "NotFound",
    "NotFoundOrNotYours",
    "SignInThrottled",
    "SignedOffError",
    "StoreError",
    "WorkflowError",
    "data_dir",
    "database_url",
    "open_database",
]
