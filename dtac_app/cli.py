"""The ``dtac`` command line: a thin layer over ``dtac_app.workbench.assessing``.

Exit codes: 0 = assessed (whatever the decision), 2 = bad input (file, field and reason printed).

One concern, so one module even past 500 lines: the command definitions (options, help, output);
each command's work is a call into the workbench. ``dtac db`` / ``dtac user`` are in cli_admin.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .errors import InputError, InputErrors
from .terminal import SafeConsole
from .vocabulary import SECTION_STATUS_LABELS, ProfileOption

if TYPE_CHECKING:
    from .criteria import Catalogue, Condition
    from .form_import import FormImport
    from .results import Assessment
    from .submission import Submission

# The core (pydantic models, criteria, engine) is imported when a command needs it, so that
# `dtac --help`, `dtac --version` and `dtac serve` start without paying for it.


def get_catalogue() -> Catalogue:
    from .catalogue import get_catalogue as load

    return load()


def describe_condition(cond: Condition) -> str:
    from .criteria import describe_condition as describe

    return describe(cond)


def assess_file(path: Path, **kw: object) -> tuple[Submission, Assessment]:
    from .workbench.assessing import assess_file as run

    return run(path, **kw)  # type: ignore[arg-type]


def find_submissions(directory: Path) -> list[Path]:
    from .workbench.assessing import find_submissions as find

    return find(directory)


def submission_json_schema() -> dict[str, object]:
    from .submission import submission_json_schema as schema_of

    return schema_of()


def unreadable_answers(sub: Submission, catalogue: Catalogue) -> list[tuple[str, str, tuple[str, ...]]]:
    from .submission import unreadable_answers as find

    return find(sub, catalogue)


def load_submission(path: Path, catalogue: Catalogue) -> Submission:
    from .submission_io import load_submission as load

    return load(path, catalogue)


app = typer.Typer(
    name="dtac",
    help="Assess digital health technologies against DTAC, GB device rules and NICE back-pain guidance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
criteria_app = typer.Typer(
    help="Browse the criteria sets: DTAC v2.0 / v1.0, GB rules, NICE HTE16 technologies."
)
app.add_typer(criteria_app, name="criteria")

out = SafeConsole(highlight=False, soft_wrap=False)
err = SafeConsole(stderr=True, highlight=False)

DECISION_STYLE = {
    "not_available": "bold white on red",
    "incomplete": "bold black on dark_orange",
    "research_only": "bold white on magenta",
    "available_with_conditions": "bold white on blue",
    "available": "bold white on green",
}
OUTCOME_STYLE = {
    "pass": "green",
    "fail": "red",
    "missing": "dark_orange",
    "not_applicable": "dim",
    "informational": "cyan",
}
SEVERITY_MARK = {
    "fail": "[red]✗ fail[/]",
    "missing": "[dark_orange]? missing[/]",
    "condition": "[blue]! condition[/]",
    "research": "[magenta]R research[/]",
    "pass": "[green]✓[/]",
    "info": "[cyan]i[/]",
}


def _bad_input(e: InputError) -> typer.Exit:
    errors = e.errors if isinstance(e, InputErrors) else [e]
    for x in errors:
        err.print(f"[bold red]error:[/] {escape(x.message)}", markup=True, highlight=False, soft_wrap=True)
    if isinstance(e, InputErrors) and e.more:
        err.print(f"[bold red]error:[/] {escape(e.file)}: {e.more_text}", soft_wrap=True)
    return typer.Exit(2)


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("--as-of", "", f"'{value}' is not a date in YYYY-MM-DD form") from None


def _esc(text: str) -> str:
    return escape(text)


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


def _value(option: ProfileOption | None) -> str | None:
    """An enum option as the plain text the rest of the application uses."""
    return option.value if option is not None else None


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="Submission file (YAML or JSON).")]) -> None:
    """Check a submission file against the schema and its criteria set; verify evidence hashes."""
    try:
        cat = get_catalogue()
        sub = load_submission(file, cat)
    except InputError as e:
        raise _bad_input(e) from None
    out.print(
        f"[green]✓[/] {_esc(str(file))}: valid {sub.criteria} submission for {_esc(sub.product.name)} "
        f"{_esc(sub.product.version)} ({len(sub.answers)} answers, {len(sub.evidence)} evidence records, hashes checked)"
    )
    for qid, answer, options in unreadable_answers(sub, cat):
        out.print(
            f"[dark_orange]warning:[/] {_esc(str(file))}: answers.{qid}: “{_esc(answer[:80])}” is not one of the "
            f"options, so the question counts as missing; choose one of: {_esc('; '.join(options))}",
            soft_wrap=True,
        )


@app.command()
def assess(
    file: Annotated[Path, typer.Argument(help="Submission file (YAML or JSON).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assessment date, YYYY-MM-DD (default: today).")
    ] = None,
    profile: Annotated[
        ProfileOption | None, typer.Option("--profile", help="Profile (default: the submission's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full assessment as JSON.")] = False,
) -> None:
    """Assess one submission and print the decision with its reasons."""
    try:
        day = _parse_date(as_of)
        _, a = assess_file(file, as_of=day, profile=_value(profile))
    except InputError as e:
        raise _bad_input(e) from None
    if as_json:
        sys.stdout.write(
            json.dumps(a.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"
        )
        return
    print_assessment(a)


def print_assessment(a: Assessment) -> None:
    out.print()
    out.print(f"[bold]{_esc(a.product.name)}[/] {_esc(a.product.version)} — {_esc(a.product.manufacturer)}")
    out.print(f"[dim]{a.criteria.title} · profile {a.profile} · as of {a.as_of.isoformat()}[/]")
    out.print()
    out.print(f" Decision: [{DECISION_STYLE[a.decision]}] {a.decision_label.upper()} [/]  ({a.decision})")
    if a.valid_until:
        out.print(
            f" Valid until: {a.valid_until.isoformat()} (last day; changes on {a.changes_on.isoformat() if a.changes_on else '?'})"
            f" — {_esc(a.valid_until_reason)}"
        )
    else:
        out.print(f" Valid until: no date — {_esc(a.valid_until_reason)}")
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
    out.print(f" Regulatory: {a.regulatory.status} — {_esc(a.regulatory.summary)}")
    if a.nice.applies:
        out.print(f" NICE: {a.nice.status} — {_esc(a.nice.summary)}")
    out.print()
    out.print("[bold]Reasons[/]")
    for f in a.reasons:
        used = f" [dim]({_esc(f.used)})[/]" if f.used else ""
        out.print(
            f"  {SEVERITY_MARK[f.severity]} [bold]{_esc(f.rule)}[/] {_esc(f.text)}{used}", soft_wrap=True
        )
    if a.conditions and a.decision != "available_with_conditions":
        out.print("[bold]Conditions[/]")
        for f in a.conditions:
            out.print(f"  {SEVERITY_MARK['condition']} {_esc(f.rule)} {_esc(f.text)}", soft_wrap=True)
    if a.fixes:
        out.print()
        out.print("[bold]What would change it[/] (most impact first)")
        for fx in a.fixes[:12]:
            out.print(f"  {fx.rank}. {_esc(fx.action)} [dim]— {_esc(fx.impact)}[/]", soft_wrap=True)
        if len(a.fixes) > 12:
            out.print(f"  … and {len(a.fixes) - 12} more (use --json for all)")
    out.print()


@app.command()
def batch(
    directory: Annotated[Path, typer.Argument(help="Folder of submission files (*.yaml, *.yml, *.json).")],
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write one row per submission to this CSV file.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assessment date, YYYY-MM-DD (default: today).")
    ] = None,
    profile: Annotated[ProfileOption | None, typer.Option("--profile", help="Force a profile.")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Processes to use (0 = one per core).")] = 0,
) -> None:
    """Assess every submission in a folder. Bad files are reported; the rest still complete."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .workbench.batch import run_batch

    try:
        day = _parse_date(as_of)
        paths = find_submissions(directory)
    except InputError as e:
        raise _bad_input(e) from None
    if not paths:
        err.print(
            f"[bold red]error:[/] {_esc(str(directory))}: no submission files (*.yaml, *.yml, *.json) found"
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
            profile=_value(profile),
            csv_path=csv_out,
            workers=workers,
            on_row=on_row,
            quiet_rows=len(paths) > 50 or csv_out is not None,
            printer=_print_batch_row,
        )
    for msg in bad:
        err.print(f"[bold red]error:[/] {_esc(msg)}", soft_wrap=True)
    from .vocabulary import decision_label

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
        f"  {row['decision_label']!s:<26} {_esc(str(row['product']))} {_esc(str(row['version']))}  [dim]{_esc(str(row['file']))}[/]"
    )


@app.command()
def schema(
    which: Annotated[str, typer.Argument(help="submission (default) or dossier")] = "submission",
) -> None:
    """Print a JSON Schema: for submission files (editor validation) or for dossier JSON."""
    if which == "submission":
        doc = submission_json_schema()
    elif which == "dossier":
        from .dossier.json_export import dossier_json_schema

        doc = dossier_json_schema()
    else:
        err.print(f"[bold red]error:[/] unknown schema '{which}'; use submission or dossier")
        raise typer.Exit(2)
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")


@criteria_app.callback(invoke_without_command=True)
def criteria_list(ctx: typer.Context) -> None:
    """List the criteria sets with their versions and content hashes."""
    if ctx.invoked_subcommand is not None:
        return
    cat = get_catalogue()
    t = Table(title="Criteria sets", title_justify="left")
    for col in ("Key", "Title", "Published", "Questions", "SHA-256"):
        t.add_column(col)
    for key, cs in sorted(cat.dtac.items(), reverse=True):
        t.add_row(
            key, cs.title, cs.published.isoformat(), str(len(cs.questions)), cat.files[key].sha256[:16] + "…"
        )
    t.add_row(
        cat.regulatory_key, cat.regulatory.title, "", "", cat.files[cat.regulatory_key].sha256[:16] + "…"
    )
    t.add_row(
        cat.nice_key,
        cat.nice.title,
        "",
        f"{len(cat.nice.technologies)} technologies",
        cat.files[cat.nice_key].sha256[:16] + "…",
    )
    if "policy" in cat.files:
        t.add_row("policy", "Policy settings", "", "", cat.files["policy"].sha256[:16] + "…")
    out.print(t)
    out.print(
        "Show a question: dtac criteria show C1.2.4 [--set dtac-v1.0] · NICE technologies: dtac criteria nice"
    )


@criteria_app.command("show")
def criteria_show(
    question: Annotated[str, typer.Argument(help="Question id, e.g. C1.2.4, or a section id, e.g. C3.")],
    set_key: Annotated[str, typer.Option("--set", help="Criteria set (default dtac-v2.0).")] = "dtac-v2.0",
) -> None:
    """Show a question (or every question in a section) with options, routing and pass rule."""
    cat = get_catalogue()
    try:
        cs = cat.dtac_set(set_key)
    except KeyError as e:
        err.print(f"[bold red]error:[/] --set: {e.args[0]}")
        raise typer.Exit(2) from None
    sec = next((s for s in cs.sections if s.id.casefold() == question.casefold()), None)
    qs = (
        list(sec.questions)
        if sec
        else [q for q in cs.questions.values() if q.id.casefold() == question.casefold()]
    )
    if not qs:
        err.print(f"[bold red]error:[/] {_esc(question)}: no such question or section in {cs.title}")
        raise typer.Exit(2)
    for q in qs:
        out.print(f"[bold]{q.id}[/] {_esc(q.short)}  [dim]({cs.key}, section {cs.section_of(q.id)})[/]")
        out.print(f"  {_esc(q.text)}", soft_wrap=True)
        if q.options:
            out.print("  Options: " + " · ".join(_esc(o) for o in q.options))
        out.print(
            f"  Asked: {'always' if q.show_if is None else 'when ' + _esc(describe_condition(q.show_if))}"
        )
        if q.routing_note:
            out.print(f"  Routing: {_esc(q.routing_note)}")
        if q.pass_rule:
            pr = q.pass_rule
            rule = "a written answer" if pr.nonempty else "answer " + " or ".join(f"“{a}”" for a in pr.accept)
            if pr.conditional:
                rule += "; with a condition: " + " or ".join(f"“{a}”" for a in pr.conditional)
            out.print(f"  Meets the criterion: {_esc(rule)}")
        elif q.score is None:
            out.print("  Meets the criterion: not judged (context or routing)")
        if q.score:
            out.print(
                f"  D1 weight {q.score.weight:g}: "
                + ", ".join(f"{_esc(k)} = {v}" for k, v in q.score.points.items())
            )
        for ev in q.evidence:
            when = f" when {' / '.join(ev.when)}" if ev.when else ""
            out.print(
                f"  Evidence: {_esc(ev.label)} ({ev.kind}, {'required' if ev.required else 'optional'}{when}; check: {ev.check})"
            )
        out.print()


@criteria_app.command("nice")
def criteria_nice(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Show statuses in force on this date.")] = None,
) -> None:
    """List every technology NICE assessed in HTE16 with its status, fit and stated regulatory status."""
    from .rules_nice import STATUS_LABELS, current_status

    cat = get_catalogue()
    try:
        day = _parse_date(as_of)
    except InputError as e:
        raise _bad_input(e) from None
    nice = cat.nice
    t = Table(title=f"{nice.title} — statuses as of {day.isoformat()}", title_justify="left", show_lines=True)
    for col in ("Technology", "Company", "Status", "Acute / chronic", "Stated regulatory status"):
        t.add_column(col, overflow="fold")
    for tech in nice.technologies:
        now, _ = current_status(tech, day, cat.policy)
        status = STATUS_LABELS.get(now.status if now else None, "")
        pending = [h for h in tech.history if not h.confirmed]
        if pending:
            status += "\n[dim]Unconfirmed report: " + "; ".join(_esc(h.source) for h in pending) + "[/]"
        fit = " and ".join(tech.pain_duration) or "—"
        t.add_row(_esc(tech.name), _esc(tech.company), status, fit, _esc(tech.regulatory_statement or "—"))
    out.print(t)
    d = nice.draft
    out.print(
        f"Draft guidance ({_esc(d.consultation)}, reported {d.reported.isoformat()}): assessed {len(d.assessed)}; "
        f"named for use: {', '.join(d.named_for_use)}.",
        soft_wrap=True,
    )


@app.command("dossier")
def dossier_cmd(
    file: Annotated[Path, typer.Argument(help="Submission file (YAML or JSON).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assessment date, YYYY-MM-DD (default: today).")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the dossier files to.")] = Path("."),
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: pdf,html,json,csv.")
    ] = "pdf,html,json,csv",
    profile: Annotated[
        ProfileOption | None, typer.Option("--profile", help="Profile (default: the submission's).")
    ] = None,
    assessor: Annotated[str | None, typer.Option("--assessor", help="Sign-off: assessor's name.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Sign-off: assessor's role.")] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Sign-off: assessor's organisation.")
    ] = None,
    signed_on: Annotated[str | None, typer.Option("--signed-on", help="Sign-off date, YYYY-MM-DD.")] = None,
    pre_check: Annotated[
        bool,
        typer.Option(
            "--pre-check",
            help="A supplier's own check: mark every page 'Vendor pre-check — not an NHS decision'.",
        ),
    ] = False,
) -> None:
    """Assess one submission and write its dossier: PDF, accessible HTML, JSON and CSV.

    Without --assessor and --signed-on every page is marked "DRAFT — not signed off".
    """
    from pydantic import ValidationError

    from .dossier import SignOff, parse_formats, write_dossier

    try:
        day = _parse_date(as_of)
        try:
            fmts = parse_formats(formats)
        except ValueError as e:
            raise InputError("--format", "", str(e)) from None
        signed = _parse_date(signed_on) if signed_on else None
        if (assessor or role or organisation or signed) and not (assessor and assessor.strip() and signed):
            raise InputError(
                "--assessor/--signed-on", "", "a sign-off needs both the assessor's name and the date signed"
            )
        if pre_check and signed:
            raise InputError("--pre-check", "", "a vendor's pre-check cannot carry an assessor's sign-off")
        try:
            signoff = (
                SignOff(
                    assessor=assessor or "", role=role or "", organisation=organisation or "", date=signed
                )
                if signed
                else None
            )
        except ValidationError as e:
            raise InputError("--assessor/--role", "", e.errors()[0]["msg"]) from None
        sub, a = assess_file(file, as_of=day, profile=_value(profile))
        from .workbench.keys import configured_signing_key, signing_key_path

        key = configured_signing_key()
    except InputError as e:
        raise _bad_input(e) from None
    try:
        paths = write_dossier(
            a,
            sub,
            out_dir,
            fmts,
            signoff=signoff,
            source=str(file),
            kind="precheck" if pre_check else "assessment",
            signing_key=key,
        )
    except OSError as e:
        err.print(
            f"[bold red]error:[/] {_esc(str(out_dir))}: cannot write the dossier: {_esc(e.strerror or str(e))}"
        )
        raise typer.Exit(2) from None
    out.print(
        f"{_esc(a.product.name)} {_esc(a.product.version)}: [{DECISION_STYLE[a.decision]}] {a.decision_label} [/] as of {day.isoformat()}"
    )
    for fmt, path in paths.items():
        out.print(f"  {fmt.upper():<4} {_esc(str(path))}")
    if key is not None:
        out.print(f"Signed by {_esc(key.signer)} with key {key.fingerprint}", soft_wrap=True)
    else:
        err.print(
            f"[yellow]warning:[/] not signed: no signing key at {_esc(str(signing_key_path()))} "
            "(run 'dtac keys init --signer NAME'); 'dtac verify' cannot confirm who made it.",
            soft_wrap=True,
        )


def _portfolio_rows(directory: Path | None, from_db: bool, day: dt.date) -> tuple[list[object], str]:
    """Rows for the portfolio report and the calendar: a folder of submissions, or the database."""
    if (directory is None) == (not from_db):
        raise InputError("DIR/--db", "", "give a folder of submissions or --db (one of them)")
    if from_db:
        from .cli_admin import _actor, _workflow
        from .store.db import describe_url
        from .store.errors import StoreError
        from .workbench.portfolio import portfolio

        try:
            wf = _workflow()
            try:
                return list(portfolio(wf, _actor())), f"From the database: {describe_url(wf.db.url)}"
            finally:
                wf.db.dispose()
        except StoreError as e:
            raise InputError("--db", "", getattr(e, "message", None) or str(e)) from None
    from .workbench.portfolio_report import rows_from_directory

    assert directory is not None
    rows, errors = rows_from_directory(directory, as_of=day)
    for problem in errors:
        err.print(f"[bold red]error:[/] {escape(problem.message)} (left out)", soft_wrap=True)
    return list(rows), f"From the submission files in {directory}, assessed as of {day.isoformat()}"


@app.command("portfolio-report")
def portfolio_report_cmd(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder of submission files (or use --db).", show_default=False)
    ] = None,
    from_db: Annotated[bool, typer.Option("--db", help="Report on the products in the database.")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report to.")] = Path("."),
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: pdf,html.")] = "pdf,html",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assessment date for a folder, YYYY-MM-DD (default: today).")
    ] = None,
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
    from .workbench.portfolio_report import filter_rows, parse_filters, write_report

    try:
        day = _parse_date(as_of)
        filters = parse_filters(decision or [], fit or [], profile or [])
        fmts = [f.strip() for f in formats.split(",") if f.strip()]
        rows, source = _portfolio_rows(directory, from_db, day)
        chosen = filter_rows(rows, filters)  # type: ignore[arg-type]
        paths = write_report(
            chosen, get_catalogue(), out_dir, fmts, as_of=day, filters=filters, source=source
        )
    except InputError as e:
        raise _bad_input(e) from None
    except OSError as e:
        err.print(
            f"[bold red]error:[/] {_esc(str(out_dir))}: cannot write the report: {_esc(e.strerror or str(e))}"
        )
        raise typer.Exit(2) from None
    out.print(f"{len(chosen)} of {len(rows)} products in the report")
    for fmt, path in paths.items():
        out.print(f"  {fmt.upper():<4} {_esc(str(path))}")


@app.command("calendar")
def calendar_cmd(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder of submission files (or use --db).", show_default=False)
    ] = None,
    from_db: Annotated[bool, typer.Option("--db", help="Use the products in the database.")] = False,
    ics: Annotated[Path, typer.Option("--ics", help="Write the iCalendar (.ics) file here.")] = Path(
        "dtac-calendar.ics"
    ),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assessment date for a folder, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Export the compliance calendar as an iCalendar file (one event per expiry, deadline and decision change)."""
    from .workbench.calendar_ics import to_ics
    from .workbench.portfolio import calendar_entries

    try:
        day = _parse_date(as_of)
        rows, _source = _portfolio_rows(directory, from_db, day)
        entries = calendar_entries(rows, since=day)  # type: ignore[arg-type]
        data = to_ics(
            entries,
            warning_days=get_catalogue().policy.expiry_warning_days,
            stamp=dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
        )
    except InputError as e:
        raise _bad_input(e) from None
    try:
        tmp = ics.with_name(ics.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(ics)
    except OSError as e:
        err.print(f"[bold red]error:[/] {_esc(str(ics))}: cannot write: {_esc(e.strerror or str(e))}")
        raise typer.Exit(2) from None
    n = data.count(b"BEGIN:VEVENT")
    out.print(f"{n} events from {len(rows)} products written to {_esc(str(ics))}")


@app.command()
def verify(
    dossier_file: Annotated[
        Path, typer.Argument(metavar="DOSSIER.json", help="A JSON dossier made by 'dtac dossier'.")
    ],
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="Folder holding the evidence files (default: beside the dossier, then beside the submission).",
        ),
    ] = None,
    keys: Annotated[
        list[Path] | None,
        typer.Option(
            "--key",
            help="A trusted public key file (dtac-ed25519 …); repeatable. Default: your own key and $DTAC_TRUSTED_KEYS.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the signature, recompute evidence hashes, compare criteria hashes and re-run the assessment.

    Evidence files are read only from the dossier's folder or from --evidence.
    Exit 0 = signed by a trusted key and everything matches, 1 = something differs or the signer
    cannot be confirmed (each problem is listed), 2 = bad input.
    """
    from .workbench.keys import trusted_keys
    from .workbench.verification import report_json, verify_dossier

    try:
        trusted, _sources = trusted_keys(keys)
        report = verify_dossier(dossier_file, evidence_dir=evidence, trusted=trusted)
    except InputError as e:
        raise _bad_input(e) from None
    if as_json:
        sys.stdout.write(json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n")
    else:
        marks = {
            "ok": "[green]✓[/]",
            "differs": "[red]✗[/]",
            "missing": "[red]✗ missing[/]",
            "skipped": "[dim]–[/]",
            "untrusted": "[red]✗ not trusted[/]",
        }
        titles = {
            "signature": "Signature",
            "evidence": "Evidence files",
            "criteria": "Criteria files",
            "assessment": "Assessment",
        }
        for area, title in titles.items():
            out.print(f"[bold]{title}[/]")
            for c in (c for c in report.checks if c.area == area):
                out.print(f"  {marks[c.status]} {_esc(c.subject)}: {_esc(c.detail)}", soft_wrap=True)
        n = len(report.problems)
        if report.signed_by:
            out.print(
                f"Signed by [bold]{_esc(report.signed_by)}[/] (key {report.key_fingerprint}).", soft_wrap=True
            )
        else:
            out.print(
                "[red]Who made this dossier cannot be confirmed[/] (see Signature above).", soft_wrap=True
            )
        if report.ok:
            out.print(
                "[green]Everything matches:[/] evidence, criteria and the re-run assessment are as recorded."
            )
        else:
            out.print(
                f"[red]{n} difference{'s' if n != 1 else ''} found[/]: this dossier cannot be trusted as it is."
            )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def migrate(
    file: Annotated[Path, typer.Argument(help="A DTAC v1.0 submission file.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the v2.0 draft here (default: print it).")
    ] = None,
) -> None:
    """Carry a v1.0 submission over to a DTAC v2.0 draft and list the questions still to answer."""
    import yaml

    from .carry_over import carry_over

    try:
        cat = get_catalogue()
        sub = load_submission(file, cat)
        if sub.criteria != "dtac-v1.0":
            raise InputError(
                str(file), "criteria", f"is {sub.criteria}; only dtac-v1.0 submissions can be carried over"
            )
    except InputError as e:
        raise _bad_input(e) from None
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
            err.print(f"[bold red]error:[/] {_esc(str(out_file))}: already exists; choose another --out")
            raise typer.Exit(2)
        out_file.write_text(text, encoding="utf-8")
        out.print(f"Wrote {_esc(str(out_file))}")
    err.print(
        f"Carried over {len(result.carried)} answers and {result.evidence_moved} evidence records; "
        f"{len(result.dropped)} v1.0 answers have no v2.0 counterpart; "
        f"{len(result.to_answer)} v2.0 questions to answer: {', '.join(result.to_answer)}",
        soft_wrap=True,
    )


@app.command("import")
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
    from .form_import import import_form_file
    from .form_import.draft import draft_yaml, report_data
    from .form_import.files import write_new_files

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
        raise _bad_input(e) from None
    if out_file is None:
        sys.stdout.write(draft)
    show = out if out_file is not None else err
    print_import_report(result, show)
    for path in outputs:
        show.print(f"Wrote {_esc(str(path))}")


def print_import_report(result: FormImport, console: Console) -> None:
    from .form_import.draft import report_data

    summary = report_data(result)["summary"]
    console.print(f"[bold]{_esc(result.file)}[/]: {_esc(result.version_note)}", soft_wrap=True)
    for w in result.warnings:
        console.print(f"[dark_orange]warning:[/] {_esc(w)}", soft_wrap=True)
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
            _esc(_clip(answer or "", 60)),
            f"[{style.get(conf, 'white')}]{conf}[/]",
            _esc(q.source),
            _esc(q.check if q.status == "unresolved" or q.confidence != "high" else ""),
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


@app.command("export-form")
def export_form_cmd(
    file: Annotated[Path, typer.Argument(metavar="SUBMISSION", help="Submission file (YAML or JSON).")],
    out_file: Annotated[Path, typer.Option("--out", help="The Word form to write (.docx).")],
) -> None:
    """Write a submission's answers back into a Word DTAC form in the official table layout."""
    from .form_import.export import export_form
    from .form_import.files import write_new_files

    try:
        if out_file.suffix.lower() != ".docx":
            raise InputError("--out", "", f"'{out_file}' must end in .docx")
        cat = get_catalogue()
        from .submission_io import load_submission as load

        sub = load(file, cat, check_files=False)
        write_new_files({out_file: export_form(sub, cat)})
    except InputError as e:
        raise _bad_input(e) from None
    out.print(
        f"Wrote {_esc(str(out_file))}: {_esc(sub.product.name)} {_esc(sub.product.version)}, "
        f"{sub.criteria}, {len(sub.answers)} answers"
    )


@app.command()
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
    from .serve import serve as run_server

    raise typer.Exit(run_server(port=port, address=address, examples=examples, console=out))


keys_app = typer.Typer(help="The organisation's dossier signing key (Ed25519).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="Private key path (default: $DTAC_SIGNING_KEY or DATA_DIR/keys/dossier-signing.pem).",
    ),
]


def _print_public_key(key_file: Path, public: object) -> None:
    from .signing import PublicKey, public_key_path

    assert isinstance(public, PublicKey)
    out.print(f"Signer:      {_esc(public.signer)}")
    out.print(f"Fingerprint: {public.fingerprint}")
    out.print(f"Private key: {_esc(str(key_file))} (keep it secret; readable by you only)", soft_wrap=True)
    out.print(f"Public key:  {_esc(str(public_key_path(key_file)))}")
    out.print("Give this line to anyone who verifies your dossiers (dtac verify --key FILE):")
    sys.stdout.write(public.line() + "\n")


@keys_app.command("init")
def keys_init(
    signer: Annotated[
        str, typer.Option("--signer", help="Who signs: your organisation's name, as verifiers will see it.")
    ],
    key_file: KeyFileOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace an existing key (dossiers signed with it stay verifiable only with its .pub).",
        ),
    ] = False,
) -> None:
    """Make the organisation's signing key pair; dossiers are signed with it from then on."""
    from .signing import init_key
    from .workbench.keys import signing_key_path

    path = key_file or signing_key_path()
    try:
        key = init_key(path, signer, overwrite=force)
    except FileExistsError as e:
        err.print(f"[bold red]error:[/] {_esc(str(e))}: a key is already there; pass --force to replace it")
        raise typer.Exit(2) from None
    except ValueError as e:
        raise _bad_input(InputError("--signer", "", str(e))) from None
    except OSError as e:
        err.print(
            f"[bold red]error:[/] {_esc(str(path))}: cannot write the key: {_esc(e.strerror or str(e))}"
        )
        raise typer.Exit(2) from None
    _print_public_key(path, key.public)


@keys_app.command("show")
def keys_show(key_file: KeyFileOption = None) -> None:
    """Print the public key and fingerprint of the signing key."""
    from .signing import load_signing_key
    from .workbench.keys import signing_key_path

    path = key_file or signing_key_path()
    try:
        key = load_signing_key(path)
    except InputError as e:
        raise _bad_input(e) from None
    _print_public_key(path, key.public)


# The store's commands (dtac db …, dtac user …) live in dtac_app.cli_admin.
from .cli_admin import db_app, user_app  # noqa: E402

app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


def main() -> None:
    try:
        app()
    except InputError as e:  # pragma: no cover - commands catch their own
        err.print(f"error: {e.message}", markup=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
