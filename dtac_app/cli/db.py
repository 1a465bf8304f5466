"""``dtac db …``: create or upgrade the database, load the examples, export/import a product."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .output import err, fail
from .store import actor, opened_workbench, out

db_app = typer.Typer(
    help="The database: create/upgrade it, load examples, export/import a product's history.",
    no_args_is_help=True,
)

EXAMPLES_DEFAULT = "submissions"


def _examples_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    here = Path.cwd() / EXAMPLES_DEFAULT
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / EXAMPLES_DEFAULT


@db_app.command("init")
def db_init(
    with_examples: Annotated[
        bool, typer.Option("--with-examples", help="Load the example submissions and local accounts.")
    ] = False,
    examples: Annotated[
        Path | None,
        typer.Option("--examples", help="Folder of example submissions (default: ./submissions)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Assess the examples on this date, YYYY-MM-DD (default: today)."),
    ] = None,
) -> None:
    """Create the database (or upgrade it); optionally load the examples. Safe to run again."""
    from dtac_app.store.db import database_url, describe_url

    url = database_url()
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of: '{as_of}' is not a date in YYYY-MM-DD form", 2) from None
    with opened_workbench() as wf:
        out.print(f"Database: {describe_url(url)} (schema {wf.db.current_revision()})")
        if with_examples:
            folder = _examples_dir(examples)
            if not folder.is_dir():
                raise fail(f"{folder}: no such folder of example submissions", 2)
            report = wf.seed_examples(actor(), folder, as_of=day)
            out.print(
                f"Examples from {folder}: {report.submissions_loaded} loaded, {report.already_present} already "
                f"present; {report.organisations_created} organisations and {report.users_created} accounts created."
            )
            for msg in report.errors:
                err.print(f"[yellow]skipped:[/] {msg}", soft_wrap=True)
            if report.accounts:
                t = Table(
                    title="Accounts created (local use only: change or disable before others can reach the app)",
                    title_justify="left",
                )
                for col in ("User", "Role", "Password"):
                    t.add_column(col)
                for username, role, password in report.accounts:
                    t.add_row(username, role, password)
                out.print(t)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply any pending schema migrations (creates the database if it does not exist)."""
    from dtac_app.store.db import describe_url, open_database, upgrade_schema

    db = open_database(upgrade=False)
    try:
        before = db.current_revision()
        upgrade_schema(db)
        after = db.current_revision()
        out.print(f"Database: {describe_url(db.url)}")
        out.print(
            f"Schema {before or '(empty)'} → {after}"
            if before != after
            else f"Schema is up to date ({after})."
        )
    finally:
        db.dispose()


@db_app.command("info")
def db_info() -> None:
    """Where the data lives and which schema revision it has."""
    from dtac_app.settings import get_settings
    from dtac_app.store.db import DATA_DIR_ENV, DATABASE_URL_ENV, describe_url, open_database

    settings = get_settings()
    db = open_database(upgrade=False)
    try:
        out.print(f"Database: {describe_url(db.url)}")
        src = (
            f"${DATABASE_URL_ENV}"
            if settings.database_url
            else f"${DATA_DIR_ENV}"
            if settings.data_dir
            else "default (./data)"
        )
        out.print(f"Chosen by: {src}")
        out.print(f"Schema: {db.current_revision() or '(empty)'} (latest {db.head_revision()})")
    finally:
        db.dispose()


@db_app.command("export")
def db_export(
    out_file: Annotated[Path, typer.Argument(help="Write the JSON package here ('-' for standard output).")],
    product: Annotated[
        int, typer.Option("--product", help="Product id (see the workbench or 'dtac db products').")
    ],
) -> None:
    """Export one product's whole history (submissions, assessments, revisions, sign-offs, audit) as JSON."""
    with opened_workbench() as wf:
        package = wf.export_product(actor(), product)
    text = json.dumps(package, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if str(out_file) == "-":
        sys.stdout.write(text)
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(out_file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_file)
    n = sum(
        len(a["revisions"]) for v in package["versions"] for s in v["submissions"] for a in s["assessments"]
    )
    out.print(
        f"Exported {package['product']['name']} ({len(package['versions'])} versions, {n} revisions) to {out_file}"
    )


@db_app.command("import")
def db_import(file: Annotated[Path, typer.Argument(help="A package written by 'dtac db export'.")]) -> None:
    """Import one product's history from an export package."""
    try:
        package = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise fail(f"{file}: cannot read a JSON package: {e}", 2) from None
    with opened_workbench() as wf:
        p = wf.import_product(actor(), package)
    out.print(
        f"Imported {p.name} for {p.organisation_name} as product {p.id} (versions: {', '.join(p.versions)})."
    )


@db_app.command("products")
def db_products() -> None:
    """List products with their ids (for export)."""
    with opened_workbench() as wf:
        rows = wf.list_products(actor())
    t = Table(title_justify="left")
    for col in ("Id", "Product", "Organisation", "Versions", "Latest decision", "Revision", "Status"):
        t.add_column(col)
    for p in rows:
        latest = p.latest
        t.add_row(
            str(p.id),
            p.name,
            p.organisation_name,
            ", ".join(p.versions),
            latest.decision_label if latest else "",
            str(latest.current_revision) if latest else "",
            latest.status.replace("_", " ") if latest else "",
        )
    out.print(t)
