"""``dtac user …``: local user accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dtac_app.vocabulary import RoleOption

from .store import actor, opened_workbench, out

user_app = typer.Typer(
    help="Local user accounts: add, list, disable, enable, set a password.", no_args_is_help=True
)


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
    with opened_workbench() as wf:
        u = wf.create_user(
            actor(),
            username,
            role=role.value,
            password=None if sso_only else password,
            email=email,
            display_name=name,
            organisation=org,
        )
    where = f" in {u.organisation_name}" if u.organisation_name else ""
    out.print(f"Added {u.username} ({u.role}{where}).")


@user_app.command("list")
def user_list() -> None:
    """List accounts."""
    with opened_workbench() as wf:
        users = wf.list_users(actor())
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
    with opened_workbench() as wf:
        u = wf.disable_user(actor(), username)
    out.print(f"Disabled {u.username}.")


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="Sign-in name or id.")]) -> None:
    """Re-enable an account (also clears the sign-in wait on its name)."""
    with opened_workbench() as wf:
        u = wf.enable_user(actor(), username)
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
    with opened_workbench() as wf:
        wf.set_password(actor(), username, password)
    out.print(f"Password set for {username}.")
