"""Errors raised by the storage and workflow layer. Each carries a message fit to show a user."""

from __future__ import annotations

import datetime as dt


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
