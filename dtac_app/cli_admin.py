"""``dtac db …`` and ``dtac user …``: local administration of the store (registered in ``dtac_app.cli``).

These commands act as the local SYSTEM actor (whoever can run them can already open the database
file or URL); everything they change is still written to the audit log as ``cli:<os user>``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dtac_app.store.errors import StoreError
from dtac_app.store.views import SystemActor
from dtac_app.terminal import SafeConsole
from dtac_app.vocabulary import RoleOption

if TYPE_CHECKING:
    from dtac_app.workbench.facade import Workbench

db_app = typer.Typer(
    help="The database: create/upgrade it, load examples, export/import a product's history.",
    no_args_is_help=True,
)
user_app = typer.Typer(
    help="Local user accounts: add, list, disable, enable, set a password.", no_args_is_help=True
)

out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False)

EXAMPLES_DEFAULT = "submissions"


def _actor() -> SystemActor:
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return SystemActor(label=f"cli:{who}")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _workflow() -> Workbench:
    from dtac_app.store.db import open_database
    from dtac_app.workbench.facade import Workbench

    return Workbench(open_database())


def _examples_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    here = Path.cwd() / EXAMPLES_DEFAULT
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / EXAMPLES_DEFAULT


# ------------------------------------------------------------------------------------------ db


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
        raise _fail(f"--as-of: '{as_of}' is not a date in YYYY-MM-DD form", 2) from None
    wf = _workflow()
    try:
        out.print(f"Database: {describe_url(url)} (schema {wf.db.current_revision()})")
        if with_examples:
            folder = _examples_dir(examples)
            if not folder.is_dir():
                raise _fail(f"{folder}: no such folder of example submissions", 2)
            report = wf.seed_examples(_actor(), folder, as_of=day)
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
    finally:
        wf.db.dispose()


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
    wf = _workflow()
    try:
        package = wf.export_product(_actor(), product)
    except StoreError as e:
        raise _fail(e.message) from None
    finally:
        wf.db.dispose()
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
        raise _fail(f"{file}: cannot read a JSON package: {e}", 2) from None
    wf = _workflow()
    try:
        p = wf.import_product(_actor(), package)
    except StoreError as e:
        raise _fail(e.message) from None
    finally:
        wf.db.dispose()
    out.print(
        f"Imported {p.name} for {p.organisation_name} as product {p.id} (versions: {', '.join(p.versions)})."
    )


@db_app.command("products")
def db_products() -> None:
    """List products with their ids (for export)."""
    wf = _workflow()
    try:
        rows = wf.list_products(_actor())
    finally:
        wf.db.dispose()
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


# ------------------------------------------------------------------------------------------ users


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[RoleOption, typer.Option("--role", help="The account's role.")],
    org: Annotated[
        str | None,
        typer.Option(
            "--org", help="Organisation (id, short name or name; vendors need one; a new name creates it)."
        ),
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="E-mail address (maps single sign-on identities).")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="DTAC_NEW_PASSWORD",
            help="Password (prompted if omitted; or $DTAC_NEW_PASSWORD).",
        ),
    ] = None,
    sso_only: Annotated[bool, typer.Option("--sso-only", help="No password: single sign-on only.")] = False,
) -> None:
    """Add a local account (argon2-hashed password)."""
    if password is None and not sso_only:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    wf = _workflow()
    try:
        u = wf.create_user(
            _actor(),
            username,
            role=role.value,
            password=None if sso_only else password,
            email=email,
            display_name=name,
            organisation=org,
        )
    except StoreError as e:
        raise _fail(e.message) from None
    finally:
        wf.db.dispose()
    where = f" in {u.organisation_name}" if u.organisation_name else ""
    out.print(f"Added {u.username} ({u.role}{where}).")


@user_app.command("list")
def user_list() -> None:
    """List accounts."""
    wf = _workflow()
    try:
        users = wf.list_users(_actor())
    finally:
        wf.db.dispose()
    t = Table(title_justify="left")
    for col in ("User", "Role", "Organisation", "E-mail", "Sign-in", "Status"):
        t.add_column(col)
    for u in users:
        how = " + ".join(x for x, on in (("password", u.has_password), ("SSO", u.sso_linked)) if on) or "none"
        t.add_row(
            u.username,
            u.role,
            u.organisation_name or "",
            u.email or "",
            how,
            "disabled" if u.disabled else "active",
        )
    out.print(t)


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="Sign-in name or id.")]) -> None:
    """Disable an account: it can no longer sign in or act (its history stays)."""
    wf = _workflow()
    try:
        u = wf.disable_user(_actor(), username)
    except StoreError as e:
        raise _fail(e.message) from None
    finally:
        wf.db.dispose()
    out.print(f"Disabled {u.username}.")


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="Sign-in name or id.")]) -> None:
    """Re-enable an account (also clears the sign-in wait on its name)."""
    wf = _workflow()
    try:
        u = wf.enable_user(_actor(), username)
    except StoreError as e:
        raise _fail(e.message) from None
    finally:
        wf.db.dispose()
    out.print(f"Enabled {u.username}.")


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="Sign-in name or id.")],
    password: Annotated[
        str | None,
        typer.Option("--password", envvar="DTAC_NEW_PASSWORD", help="New password (prompted if omitted)."),
    ] = None,
) -> None:
    """Set an account's password."""
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    wf = _workflow()
    try:
        wf.set_password(_actor(), username, password)
    except StoreError as e:
        raise _fail(e.message) from None
    finally:
        wf.db.dispose()
    out.print(f"Password set for {username}.")
