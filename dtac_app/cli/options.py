"""Options several commands share (one wording each), and turning option text into values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from dtac_app.errors import InputError
from dtac_app.vocabulary import ProfileOption

SubmissionFile = Annotated[Path, typer.Argument(help="Submission file (YAML or JSON).")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Assessment date, YYYY-MM-DD (default: today).")
]
ProfileOverride = Annotated[
    ProfileOption | None, typer.Option("--profile", help="Profile (default: the submission's).")
]


def parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("--as-of", "", f"'{value}' is not a date in YYYY-MM-DD form") from None


def option_value(option: ProfileOption | None) -> str | None:
    """An enum option as the plain text the rest of the application uses."""
    return option.value if option is not None else None
