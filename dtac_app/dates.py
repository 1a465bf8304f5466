"""Calendar arithmetic the rules share. Pure."""

from __future__ import annotations

import calendar
import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_valid_day(issued: dt.date, months: int) -> dt.date:
    """Last day something issued on ``issued`` is valid for ``months`` months (the day before the anniversary)."""
    return add_months(issued, months) - ONE_DAY


def dspt_valid_through(period: str, deadline_month: int, deadline_day: int) -> dt.date:
    """A DSPT return for period ``YYYY-YY`` stays acceptable until the next year's deadline passes.

    The 2025-26 return is due by 30 June 2026; buyers accept the previous year's return while
    the current year's is not yet due, so it remains acceptable up to and including 30 June 2027.
    """
    end_year = int(period[:4]) + 1
    return dt.date(end_year + 1, deadline_month, deadline_day)


def dspt_period_starts(period: str, deadline_month: int, deadline_day: int) -> dt.date:
    """First day of DSPT year ``YYYY-YY``: the day after the previous year's deadline (1 July YYYY)."""
    return dt.date(int(period[:4]), deadline_month, deadline_day) + ONE_DAY


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt(day: dt.date | None) -> str:
    """``1 Mar 2026`` (locale-independent, and several times faster than strftime)."""
    return f"{day.day} {_MONTHS[day.month]} {day.year}" if day else "no date"
