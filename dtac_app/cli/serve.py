"""``dtac serve``: start the workbench in the browser (the work is ``dtac_app.serve``)."""

from __future__ import annotations

from typing import Annotated

import typer

from .output import out


def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
    address: Annotated[
        str, typer.Option("--address", help="Address to bind (localhost keeps it on this machine).")
    ] = "localhost",
    examples: Annotated[
        bool, typer.Option("--examples/--no-examples", help="Load the example submissions.")
    ] = True,
) -> None:
    """Create or upgrade the database, load the examples, and start the workbench in the browser."""
    from dtac_app.serve import serve as run_server

    raise typer.Exit(run_server(port=port, address=address, examples=examples, console=out))
