"""Storage: SQLite by default, PostgreSQL by URL; SQLAlchemy models, Alembic migrations, repositories.

The use-cases the workbench and the CLI call live in :mod:`dtac_app.workflow`.
"""

from .db import Database, data_dir, database_url, open_database
from .errors import (
    AccessDenied,
    AccountLocked,
    ConcurrentChangeError,
    ImportConflict,
    LoginFailed,
    NotFound,
    SignedOffError,
    StoreError,
    WorkflowError,
)

__all__ = [
    "AccessDenied",
    "AccountLocked",
    "ConcurrentChangeError",
    "Database",
    "ImportConflict",
    "LoginFailed",
    "NotFound",
    "SignedOffError",
    "StoreError",
    "WorkflowError",
    "data_dir",
    "database_url",
    "open_database",
]
