"""``dtac portfolio-report`` and ``dtac calendar``: the whole portfolio, from a folder or the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from dtac_app.errors import InputError

from .core import get_catalogue
from .options import parse_date
from .output import bad_input, err, esc, out

if TYPE_CHECKING:  # the workbench is imported when a command runs (keeps --help fast)
    from dtac_app.workbench.portfolio import PortfolioRow

# Both commands read a folder of submissions (assessed on --as-of) or the database (--db).
SubmissionsFolder = Annotated[
    Path | None, typer.Argument(help="Folder of submission files (or use --db).", show_default=False)
]
FolderAsOf = Annotated[
    str | None, typer.Option("--as-of", help="Assessment date for a folder, YYYY-MM-DD (default: today).")
]


def _portfolio_rows(directory: Path | None, from_db: bool, day: dt.date) -> tuple[list[PortfolioRow], str]:
    """Rows for the portfolio report and the calendar: a folder of submissions, or the database."""
    if (directory is None) == (not from_db):
        raise InputError("DIR/--db", "", "give a folder of submissions or --db (one of them)")
    if from_db:
        from dtac_app.store.db import describe_url
        from dtac_app.workbench.portfolio import portfolio

        from .store import actor, opened_workbench

        with opened_workbench(option="--db") as wf:
            return list(portfolio(wf, actor())), f"From the database: {describe_url(wf.db.url)}"
    from dtac_app.workbench.portfolio_report import rows_from_directory

    assert directory is not None
    rows, errors = rows_from_directory(directory, as_of=day)
    for problem in errors:
        err.print(f"[bold red]error:[/] {escape(problem.message)} (left out)", soft_wrap=True)
    return list(rows), f"From the submission files in {directory}, assessed as of {day.isoformat()}"


def portfolio_report_cmd(
    directory: SubmissionsFolder = None,
    from_db: Annotated[bool, typer.Option("--db", help="Report on the products in the database.")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report to.")] = Path("."),
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: pdf,html.")] = "pdf,html",
    as_of: FolderAsOf = None,
    decision: Annotated[
        list[str] | None, typer.Option("--decision", help="Only this decision (repeatable), e.g. available.")
    ] = None,
    fit: Annotated[
        list[str] | None,
        typer.Option("--fit", help="Only this fit (repeatable): acute, chronic, not_stated."),
    ] = None,
    profile: Annotated[
        list[str] | None, typer.Option("--profile", help="Only this profile (repeatable): dtac, nice-lbp.")
    ] = None,
) -> None:
    """The back-pain comparison (gate matrix, fit, HTE16 features) as a PDF and HTML report."""
    from dtac_app.workbench.portfolio_report import filter_rows, parse_filters, write_report

    try:
        day = parse_date(as_of)
        filters = parse_filters(decision or [], fit or [], profile or [])
        fmts = [f.strip() for f in formats.split(",") if f.strip()]
        rows, source = _portfolio_rows(directory, from_db, day)
        chosen = filter_rows(rows, filters)
        paths = write_report(
            chosen, get_catalogue(), out_dir, fmts, as_of=day, filters=filters, source=source
        )
    except InputError as e:
        raise bad_input(e) from None
    except OSError as e:
        err.print(
            f"[bold red]error:[/] {esc(str(out_dir))}: cannot write the report: {esc(e.strerror or str(e))}"
        )
        raise typer.Exit(2) from None
    out.print(f"{len(chosen)} of {len(rows)} products in the report")
    for fmt, path in paths.items():
        out.print(f"  {fmt.upper():<4} {esc(str(path))}")


def calendar_cmd(
    directory: SubmissionsFolder = None,
    from_db: Annotated[bool, typer.Option("--db", help="Use the products in the database.")] = False,
    ics: Annotated[Path, typer.Option("--ics", help="Write the iCalendar (.ics) file here.")] = Path(
        "dtac-calendar.ics"
    ),
    as_of: FolderAsOf = None,
) -> None:
    """Export the compliance calendar as an iCalendar file (one event per expiry, deadline and decision change)."""
    from dtac_app.workbench.calendar_ics import to_ics
    from dtac_app.workbench.portfolio import calendar_entries

    try:
        day = parse_date(as_of)
        rows, _source = _portfolio_rows(directory, from_db, day)
        entries = calendar_entries(rows, since=day)
        data = to_ics(
            entries,
            warning_days=get_catalogue().policy.expiry_warning_days,
            stamp=dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
        )
    except InputError as e:
        raise bad_input(e) from None
    try:
        tmp = ics.with_name(ics.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(ics)
    except OSError as e:
        err.print(f"[bold red]error:[/] {esc(str(ics))}: cannot write: {esc(e.strerror or str(e))}")
        raise typer.Exit(2) from None
    n = data.count(b"BEGIN:VEVENT")
    out.print(f"{n} events from {len(rows)} products written to {esc(str(ics))}")
