"""Turning option text into the values the rest of the application uses."""

from __future__ import annotations

import datetime as dt

from dtac_app.errors import InputError
from dtac_app.vocabulary import ProfileOption


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("--as-of", "", f"'{value}' is not a date in YYYY-MM-DD form") from None


def _value(option: ProfileOption | None) -> str | None:
    """An enum option as the plain text the rest of the application uses."""
    return option.value if option is not None else None
