"""What every command prints through, and how a command ends on bad input.

Both consoles are :class:`~dtac_app.terminal.SafeConsole`, so text read from a file cannot drive
the terminal: ``out`` for results, ``err`` for errors, warnings and progress. Bad input exits 2.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from dtac_app.errors import InputError, InputErrors
from dtac_app.terminal import SafeConsole

out = SafeConsole(highlight=False, soft_wrap=False)
err = SafeConsole(stderr=True, highlight=False)

DECISION_STYLE = {
    "not_available": "bold white on red",
    "incomplete": "bold black on dark_orange",
    "research_only": "bold white on magenta",
    "available_with_conditions": "bold white on blue",
    "available": "bold white on green",
}


def bad_input(e: InputError) -> typer.Exit:
    errors = e.errors if isinstance(e, InputErrors) else [e]
    for x in errors:
        err.print(f"[bold red]error:[/] {escape(x.message)}", markup=True, highlight=False, soft_wrap=True)
    if isinstance(e, InputErrors) and e.more:
        err.print(f"[bold red]error:[/] {escape(e.file)}: {e.more_text}", soft_wrap=True)
    return typer.Exit(2)


def esc(text: str) -> str:
    return escape(text)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)
