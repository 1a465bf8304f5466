"""The ``dtac`` command line: a thin layer over the workbench and the core.

Exit codes: 0 = assessed (whatever the decision), 1 = the store refused or a dossier does not
verify, 2 = bad input (file, field and reason printed).

This module builds the app and registers the commands in the order ``dtac --help`` lists them.
Each command lives in the module of its concern (``assess``, ``batch``, ``criteria``, ``dossier``,
``portfolio``, ``forms``, ``keys``, ``serve``, ``db``, ``users``) and its work is a call into the
workbench or the core. Those modules do not import each other; what they share is ``output``
(consoles, exit on bad input), ``options``, ``core`` (the core, imported when first needed) and
``store`` (the workbench opened for one command). An import-linter contract keeps it so.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dtac_app import __version__
from dtac_app.errors import InputError

from . import assess, batch, dossier, forms, portfolio, serve
from .criteria import criteria_app
from .db import db_app
from .keys import keys_app
from .output import err, out
from .users import user_app

app = typer.Typer(
    name="dtac",
    help="Assess digital health technologies against DTAC, GB device rules and NICE back-pain guidance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        out.print(f"dtac {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", help="Show the version and exit.", is_eager=True, callback=_show_version),
    ] = False,
) -> None:
    """Assess digital health technologies against DTAC, GB device rules and NICE back-pain guidance."""


app.command()(assess.validate)
app.command()(assess.assess)
app.command()(batch.batch)
app.command()(assess.schema)
app.command("dossier")(dossier.dossier_cmd)
app.command("portfolio-report")(portfolio.portfolio_report_cmd)
app.command("calendar")(portfolio.calendar_cmd)
app.command()(dossier.verify)
app.command()(forms.migrate)
app.command("import")(forms.import_cmd)
app.command("export-form")(forms.export_form_cmd)
app.command()(serve.serve)
app.add_typer(criteria_app, name="criteria")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


def main() -> None:
    from dtac_app.store.errors import DatabaseFailure, database_failure, log_failures_to
    from dtac_app.store.location import data_dir

    log_failures_to(log := data_dir() / "dtac-errors.log")
    try:
        app()
    except InputError as e:  # pragma: no cover - commands catch their own
        err.print(f"error: {e.message}", markup=False)
        sys.exit(2)
    except Exception as e:
        from sqlalchemy.exc import StatementError

        if not isinstance(e, (StatementError, DatabaseFailure)):
            raise
        # The last line of defence: a reference on the terminal, the SQL only in the log file.
        failure = e if isinstance(e, DatabaseFailure) else database_failure(e)
        err.print(f"error: {failure.message} The detail is in {log}.", markup=False)
        sys.exit(1)
