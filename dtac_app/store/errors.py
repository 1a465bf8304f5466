"""Errors raised by the storage and workflow layer. Each carries a message fit to show a user."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


class StoreError(Exception):
    """Base class: something the store refused to do, with a message for the user."""

    @property
    def message(self) -> str:
        return str(self)


class NotFound(StoreError):
    """The record does not exist."""


class AccessDenied(StoreError):
    """The acting user may not do this (wrong role, other organisation, disabled account)."""


class NotFoundOrNotYours(NotFound, AccessDenied):
    """A record asked for by id does not exist, or belongs to an organisation the user may not see.
    The same type and words either way, so that nobody learns which ids exist elsewhere."""


class LoginFailed(AccessDenied):
    """Sign-in refused: wrong user name or password (deliberately does not say which)."""


class SignInThrottled(LoginFailed):
    """Sign-in refused without checking the password: too many recent failures for this user name
    or from this address. ``retry_at`` is when the next attempt will be considered. Raised alike
    for user names that exist and ones that do not."""

    def __init__(self, message: str, retry_at: dt.datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class ConcurrentChangeError(StoreError):
    """Someone else saved the record after the caller loaded it; nothing was saved."""

    def __init__(self, message: str, *, assessment_id: int, expected: int, current: int) -> None:
        super().__init__(message)
        self.assessment_id = assessment_id
        self.expected = expected
        self.current = current


class WorkflowError(StoreError):
    """The request breaks a workflow rule (e.g. signing off before every section is signed off)."""


class SignedOffError(WorkflowError):
    """The revision is signed off and cannot be changed."""


class ImportConflict(WorkflowError):
    """An imported package clashes with data already in the database."""


class InvalidField(WorkflowError):
    """A value that cannot be stored as typed (too long for its column, or holding a control
    character); ``field`` names it as the user knows it, ``reason`` says what to change."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


DATABASE_LOG = "dtac_app.database"
"""The logger that receives the detail of every :class:`DatabaseFailure` (statement, parameters,
traceback): the server's log, never the page or the terminal."""


class DatabaseFailure(StoreError):
    """The database refused or failed a request the workbench had already checked (a fault, an
    outage, a constraint the checks missed), or something else went wrong that a user cannot fix.
    The message is generic and carries a short reference; the detail (statement, parameters,
    traceback) is in the server log under that reference. Nothing was saved."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"The server could not complete this request, so nothing was saved (reference {reference}). "
            "Try again; if it happens again, give the reference to your administrator."
        )
        self.reference = reference


def database_failure(error: BaseException) -> DatabaseFailure:
    """Log ``error`` in full under a new reference and return the failure to show instead."""
    import logging
    import secrets

    reference = secrets.token_hex(4).upper()
    logging.getLogger(DATABASE_LOG).error(
        "request failed, reference %s: %s", reference, type(error).__name__, exc_info=error
    )
    return DatabaseFailure(reference)


def log_failures_to(path: Path) -> None:
    """Send the detail of failures to the file ``path`` (created when the first one happens) instead
    of standard error: for the command line, whose standard error is the user's terminal."""
    import logging

    class _FileLog(logging.FileHandler):
        def _open(self) -> Any:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
            return super()._open()

    handler = _FileLog(path, delay=True, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log = logging.getLogger(DATABASE_LOG)
    log.addHandler(handler)
    log.propagate = False
