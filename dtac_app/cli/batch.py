"""``dtac batch``: assess a folder of submissions. The work is ``workbench.batch.run_batch``;
this module only shows its progress and summary."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from dtac_app.errors import InputError
from dtac_app.vocabulary import ProfileOption

from .core import find_submissions
from .options import AsOfOption, option_value, parse_date
from .output import bad_input, err, esc, out


def batch(
    directory: Annotated[Path, typer.Argument(help="Folder of submission files (*.yaml, *.yml, *.json).")],
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write one row per submission to this CSV file.")
    ] = None,
    as_of: AsOfOption = None,
    profile: Annotated[ProfileOption | None, typer.Option("--profile", help="Force a profile.")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Processes to use (0 = one per core).")] = 0,
) -> None:
    """Assess every submission in a folder. Bad files are reported; the rest still complete."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dtac_app.workbench.batch import run_batch

    try:
        day = parse_date(as_of)
        paths = find_submissions(directory)
    except InputError as e:
        raise bad_input(e) from None
    if not paths:
        err.print(
            f"[bold red]error:[/] {esc(str(directory))}: no submission files (*.yaml, *.yml, *.json) found"
        )
        raise typer.Exit(2)
    counts: dict[str, int] = {}
    bad: list[str] = []
    # A terminated run still removes its partial CSV; a killed one is cleaned up by the next run.
    with (
        _exit_on_sigterm(),
        Progress(
            TextColumn("Assessing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
            disable=not err.is_terminal and len(paths) < 200,
        ) as progress,
    ):
        task = progress.add_task("assess", total=len(paths))

        def on_row(row: dict[str, object]) -> None:
            counts[str(row["decision"])] = counts.get(str(row["decision"]), 0) + 1
            if row["decision"] == "error":
                bad.append(str(row["error"]))
            progress.advance(task)

        n = run_batch(
            paths,
            as_of=day,
            profile=option_value(profile),
            csv_path=csv_out,
            workers=workers,
            on_row=on_row,
            quiet_rows=len(paths) > 50 or csv_out is not None,
            printer=_print_batch_row,
        )
    for msg in bad:
        err.print(f"[bold red]error:[/] {esc(msg)}", soft_wrap=True)
    from dtac_app.vocabulary import decision_label

    summary = ", ".join(
        f"{decision_label(k) if k != 'error' else 'bad input'}: {v}" for k, v in sorted(counts.items())
    )
    out.print(f"{n} submissions assessed as of {day.isoformat()} — {summary}")
    if csv_out:
        out.print(f"CSV written to {csv_out}")
    if bad:
        raise typer.Exit(2)


@contextlib.contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit for the duration, so ``finally`` blocks run."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_batch_row(row: dict[str, object]) -> None:
    if row["decision"] == "error":
        return
    out.print(
        f"  {row['decision_label']!s:<26} {esc(str(row['product']))} {esc(str(row['version']))}  [dim]{esc(str(row['file']))}[/]"
    )
