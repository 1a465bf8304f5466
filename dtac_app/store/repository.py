"""The base of every repository: data access over one Session, with no access checks (the
workbench does them) and no commits (the caller's unit of work does); and the get-or-create step
that survives concurrent creators."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import NotFound

ATTEMPTS = 5
"""How often a get-or-create tries again when a concurrent transaction took the key first."""


def saved_in_savepoint(s: Session, row: object) -> bool:
    """Insert ``row`` inside a savepoint: True if it was stored, False (and nothing written, the
    surrounding transaction intact) if a unique constraint refused it because a concurrent
    transaction stored the same key first. The caller then reads the row that one stored:
    on PostgreSQL the refused INSERT waits for the other transaction to commit, and the next
    statement sees its row (READ COMMITTED). On SQLite writers queue, so this never happens."""
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError:
        return False
    return True


RowT = TypeVar("RowT")


class Repository:
    """Data access over one session (the repositories here and in ``evidence.py``)."""

    def __init__(self, s: Session) -> None:
        self.s = s

    def _added(self, row: RowT) -> RowT:
        """``row``, added to the session and flushed so that it has its id."""
        self.s.add(row)
        self.s.flush()
        return row

    def _get(self, model: type[RowT], key: int, what: str) -> RowT:
        """The row with primary key ``key``, or NotFound naming it ("user 7 does not exist")."""
        row = self.s.get(model, key)
        if row is None:
            raise NotFound(f"{what} {key} does not exist")
        return row
