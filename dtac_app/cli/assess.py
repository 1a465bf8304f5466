"""``dtac validate``, ``dtac assess`` and ``dtac schema``: one submission file, checked or assessed."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dtac_app.errors import InputError
from dtac_app.vocabulary import SECTION_STATUS_LABELS

from .core import assess_file, get_catalogue, load_submission, submission_json_schema, unreadable_answers
from .options import AsOfOption, ProfileOverride, SubmissionFile, option_value, parse_date
from .output import DECISION_STYLE, bad_input, err, esc, out

if TYPE_CHECKING:
    from dtac_app.results import Assessment

SEVERITY_MARK = {
    "fail": "[red]✗ fail[/]",
    "missing": "[dark_orange]? missing[/]",
    "condition": "[blue]! condition[/]",
    "research": "[magenta]R research[/]",
    "pass": "[green]✓[/]",
    "info": "[cyan]i[/]",
}


def validate(file: SubmissionFile) -> None:
    """Check a submission file against the schema and its criteria set; verify evidence hashes."""
    try:
        cat = get_catalogue()
        sub = load_submission(file, cat)
    except InputError as e:
        raise bad_input(e) from None
    out.print(
        f"[green]✓[/] {esc(str(file))}: valid {sub.criteria} submission for {esc(sub.product.name)} "
        f"{esc(sub.product.version)} ({len(sub.answers)} answers, {len(sub.evidence)} evidence records, hashes checked)"
    )
    for qid, answer, options in unreadable_answers(sub, cat):
        out.print(
            f"[dark_orange]warning:[/] {esc(str(file))}: answers.{qid}: “{esc(answer[:80])}” is not one of the "
            f"options, so the question counts as missing; choose one of: {esc('; '.join(options))}",
            soft_wrap=True,
        )


def assess(
    file: SubmissionFile,
    as_of: AsOfOption = None,
    profile: ProfileOverride = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full assessment as JSON.")] = False,
) -> None:
    """Assess one submission and print the decision with its reasons."""
    try:
        day = parse_date(as_of)
        _, a = assess_file(file, as_of=day, profile=option_value(profile))
    except InputError as e:
        raise bad_input(e) from None
    if as_json:
        sys.stdout.write(
            json.dumps(a.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"
        )
        return
    print_assessment(a)


def print_assessment(a: Assessment) -> None:
    out.print()
    out.print(f"[bold]{esc(a.product.name)}[/] {esc(a.product.version)} — {esc(a.product.manufacturer)}")
    out.print(f"[dim]{a.criteria.title} · profile {a.profile} · as of {a.as_of.isoformat()}[/]")
    out.print()
    out.print(f" Decision: [{DECISION_STYLE[a.decision]}] {a.decision_label.upper()} [/]  ({a.decision})")
    if a.valid_until:
        out.print(
            f" Valid until: {a.valid_until.isoformat()} (last day; changes on {a.changes_on.isoformat() if a.changes_on else '?'})"
            f" — {esc(a.valid_until_reason)}"
        )
    else:
        out.print(f" Valid until: no date — {esc(a.valid_until_reason)}")
    out.print()
    t = Table(title="Sections", show_lines=False, title_justify="left")
    t.add_column("Section")
    t.add_column("Result")
    t.add_column("Met", justify="right")
    t.add_column("Not met", justify="right")
    t.add_column("Missing", justify="right")
    colours = {
        "met": "green",
        "not_met": "red",
        "incomplete": "dark_orange",
        "scored": "cyan",
        "context": "dim",
    }
    for s in a.sections:
        if s.role == "context":
            continue
        label = SECTION_STATUS_LABELS[s.status]
        if s.status == "scored":
            label += f" {a.d1.percent or 0:.0f}%"
        counts = ("—", "—", "—") if s.role == "scored" else (str(s.passed), str(s.failed), str(s.missing))
        t.add_row(f"{s.id} {s.title}", f"[{colours[s.status]}]{label}[/]", *counts)
    out.print(t)
    out.print(f" Regulatory: {a.regulatory.status} — {esc(a.regulatory.summary)}")
    if a.nice.applies:
        out.print(f" NICE: {a.nice.status} — {esc(a.nice.summary)}")
    out.print()
    out.print("[bold]Reasons[/]")
    for f in a.reasons:
        used = f" [dim]({esc(f.used)})[/]" if f.used else ""
        out.print(f"  {SEVERITY_MARK[f.severity]} [bold]{esc(f.rule)}[/] {esc(f.text)}{used}", soft_wrap=True)
    if a.conditions and a.decision != "available_with_conditions":
        out.print("[bold]Conditions[/]")
        for f in a.conditions:
            out.print(f"  {SEVERITY_MARK['condition']} {esc(f.rule)} {esc(f.text)}", soft_wrap=True)
    if a.fixes:
        out.print()
        out.print("[bold]What would change it[/] (most impact first)")
        for fx in a.fixes[:12]:
            out.print(f"  {fx.rank}. {esc(fx.action)} [dim]— {esc(fx.impact)}[/]", soft_wrap=True)
        if len(a.fixes) > 12:
            out.print(f"  … and {len(a.fixes) - 12} more (use --json for all)")
    out.print()


def schema(
    which: Annotated[str, typer.Argument(help="submission (default) or dossier")] = "submission",
) -> None:
    """Print a JSON Schema: for submission files (editor validation) or for dossier JSON."""
    if which == "submission":
        doc = submission_json_schema()
    elif which == "dossier":
        from dtac_app.dossier.json_export import dossier_json_schema

        doc = dossier_json_schema()
    else:
        err.print(f"[bold red]error:[/] unknown schema '{which}'; use submission or dossier")
        raise typer.Exit(2)
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")
