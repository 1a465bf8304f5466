"""Drafts made from other documents, and the Word form made from a submission.

``dtac import`` reads a completed DTAC form (Word or Markdown) into a draft submission,
``dtac export-form`` writes a submission back into the Word form, and ``dtac migrate`` carries a
DTAC v1.0 submission over to a v2.0 draft.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from dtac_app.errors import InputError

from .core import get_catalogue, load_submission
from .output import bad_input, err, esc, out

if TYPE_CHECKING:
    from dtac_app.form_import import FormImport


def migrate(
    file: Annotated[Path, typer.Argument(help="A DTAC v1.0 submission file.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the v2.0 draft here (default: print it).")
    ] = None,
) -> None:
    """Carry a v1.0 submission over to a DTAC v2.0 draft and list the questions still to answer."""
    import yaml

    from dtac_app.carry_over import carry_over

    try:
        cat = get_catalogue()
        sub = load_submission(file, cat)
        if sub.criteria != "dtac-v1.0":
            raise InputError(
                str(file), "criteria", f"is {sub.criteria}; only dtac-v1.0 submissions can be carried over"
            )
    except InputError as e:
        raise bad_input(e) from None
    result = carry_over(sub, cat)
    header = (
        f"# DTAC v2.0 draft carried over from {file.name} by `dtac migrate`.\n"
        f"# Still to answer: {', '.join(result.to_answer) or 'nothing'}\n"
    )
    text = header + yaml.safe_dump(result.data, sort_keys=False, allow_unicode=True, width=100)
    if out_file is None:
        sys.stdout.write(text)
    else:
        if out_file.exists():
            err.print(f"[bold red]error:[/] {esc(str(out_file))}: already exists; choose another --out")
            raise typer.Exit(2)
        out_file.write_text(text, encoding="utf-8")
        out.print(f"Wrote {esc(str(out_file))}")
    err.print(
        f"Carried over {len(result.carried)} answers and {result.evidence_moved} evidence records; "
        f"{len(result.dropped)} v1.0 answers have no v2.0 counterpart; "
        f"{len(result.to_answer)} v2.0 questions to answer: {', '.join(result.to_answer)}",
        soft_wrap=True,
    )


def import_cmd(
    form: Annotated[
        Path, typer.Argument(metavar="FORM", help="A completed DTAC form: Word .docx or Markdown .md.")
    ],
    criteria: Annotated[
        str | None,
        typer.Option(
            "--criteria", help="dtac-v2.0 or dtac-v1.0 (default: read from the form's cover and ids)."
        ),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the draft submission here (default: print it).")
    ] = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Also write the import report as JSON to this file.")
    ] = None,
) -> None:
    """Read a completed DTAC form into a draft submission; list every answer it could not read with confidence."""
    from dtac_app.form_import import import_form_file
    from dtac_app.form_import.draft import draft_yaml, report_data
    from dtac_app.form_import.files import write_new_files

    try:
        cat = get_catalogue()
        result = import_form_file(form, cat, criteria)
        draft = draft_yaml(result, cat)
        outputs: dict[Path, bytes] = {}
        if out_file is not None:
            outputs[out_file] = draft.encode("utf-8")
        if report_file is not None:
            text = json.dumps(report_data(result), indent=2, ensure_ascii=False) + "\n"
            outputs[report_file] = text.encode("utf-8")
        write_new_files(outputs)
    except InputError as e:
        raise bad_input(e) from None
    if out_file is None:
        sys.stdout.write(draft)
    show = out if out_file is not None else err
    print_import_report(result, show)
    for path in outputs:
        show.print(f"Wrote {esc(str(path))}")


def print_import_report(result: FormImport, console: Console) -> None:
    from dtac_app.form_import.draft import report_data

    summary = report_data(result)["summary"]
    console.print(f"[bold]{esc(result.file)}[/]: {esc(result.version_note)}", soft_wrap=True)
    for w in result.warnings:
        console.print(f"[dark_orange]warning:[/] {esc(w)}", soft_wrap=True)
    table = Table(show_lines=False, pad_edge=False)
    for col in ("Question", "Answer read", "Confidence", "Source", "Check"):
        table.add_column(col, overflow="fold")
    style = {"high": "green", "medium": "dark_orange", "low": "red"}
    for q in result.questions:
        if q.status in ("blank", "absent"):
            continue
        answer = q.answer if q.status == "answered" else "— unresolved —"
        conf = q.confidence or ""
        table.add_row(
            q.id,
            esc(_clip(answer or "", 60)),
            f"[{style.get(conf, 'white')}]{conf}[/]",
            esc(q.source),
            esc(q.check if q.status == "unresolved" or q.confidence != "high" else ""),
        )
    console.print(table)
    console.print(
        f"{summary['answered']} answers read ({summary['to_check']} to check), "
        f"[red]{summary['unresolved']} unresolved[/], {summary['blank'] + summary['absent']} not answered in the form; "
        f"{summary['evidence_asserted']} evidence references drafted as asserted, "
        f"{summary['references_noted']} more noted in the report.",
        soft_wrap=True,
    )
    if result.unresolved:
        console.print(
            "Unresolved (left unanswered in the draft): " + ", ".join(q.id for q in result.unresolved),
            soft_wrap=True,
        )


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def export_form_cmd(
    file: Annotated[Path, typer.Argument(metavar="SUBMISSION", help="Submission file (YAML or JSON).")],
    out_file: Annotated[Path, typer.Option("--out", help="The Word form to write (.docx).")],
) -> None:
    """Write a submission's answers back into a Word DTAC form in the official table layout."""
    from dtac_app.form_import.export import export_form
    from dtac_app.form_import.files import write_new_files

    try:
        if out_file.suffix.lower() != ".docx":
            raise InputError("--out", "", f"'{out_file}' must end in .docx")
        cat = get_catalogue()
        from dtac_app.submission_io import load_submission as load

        sub = load(file, cat, check_files=False)
        write_new_files({out_file: export_form(sub, cat)})
    except InputError as e:
        raise bad_input(e) from None
    out.print(
        f"Wrote {esc(str(out_file))}: {esc(sub.product.name)} {esc(sub.product.version)}, "
        f"{sub.criteria}, {len(sub.answers)} answers"
    )
