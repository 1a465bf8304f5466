"""``dtac criteria``: browse the criteria sets, their questions and the NICE technologies."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dtac_app.errors import InputError

from .core import describe_condition, get_catalogue
from .options import parse_date
from .output import bad_input, err, esc, out

criteria_app = typer.Typer(
    help="Browse the criteria sets: DTAC v2.0 / v1.0, GB rules, NICE HTE16 technologies."
)


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
        err.print(f"[bold red]error:[/] {esc(question)}: no such question or section in {cs.title}")
        raise typer.Exit(2)
    for q in qs:
        out.print(f"[bold]{q.id}[/] {esc(q.short)}  [dim]({cs.key}, section {cs.section_of(q.id)})[/]")
        out.print(f"  {esc(q.text)}", soft_wrap=True)
        if q.options:
            out.print("  Options: " + " · ".join(esc(o) for o in q.options))
        out.print(
            f"  Asked: {'always' if q.show_if is None else 'when ' + esc(describe_condition(q.show_if))}"
        )
        if q.routing_note:
            out.print(f"  Routing: {esc(q.routing_note)}")
        if q.pass_rule:
            pr = q.pass_rule
            rule = "a written answer" if pr.nonempty else "answer " + " or ".join(f"“{a}”" for a in pr.accept)
            if pr.conditional:
                rule += "; with a condition: " + " or ".join(f"“{a}”" for a in pr.conditional)
            out.print(f"  Meets the criterion: {esc(rule)}")
        elif q.score is None:
            out.print("  Meets the criterion: not judged (context or routing)")
        if q.score:
            out.print(
                f"  D1 weight {q.score.weight:g}: "
                + ", ".join(f"{esc(k)} = {v}" for k, v in q.score.points.items())
            )
        for ev in q.evidence:
            when = f" when {' / '.join(ev.when)}" if ev.when else ""
            out.print(
                f"  Evidence: {esc(ev.label)} ({ev.kind}, {'required' if ev.required else 'optional'}{when}; check: {ev.check})"
            )
        out.print()


@criteria_app.command("nice")
def criteria_nice(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Show statuses in force on this date.")] = None,
) -> None:
    """List every technology NICE assessed in HTE16 with its status, fit and stated regulatory status."""
    from dtac_app.rules_nice import STATUS_LABELS, current_status

    cat = get_catalogue()
    try:
        day = parse_date(as_of)
    except InputError as e:
        raise bad_input(e) from None
    nice = cat.nice
    t = Table(title=f"{nice.title} — statuses as of {day.isoformat()}", title_justify="left", show_lines=True)
    for col in ("Technology", "Company", "Status", "Acute / chronic", "Stated regulatory status"):
        t.add_column(col, overflow="fold")
    for tech in nice.technologies:
        now, _ = current_status(tech, day, cat.policy)
        status = STATUS_LABELS.get(now.status if now else None, "")
        pending = [h for h in tech.history if not h.confirmed]
        if pending:
            status += "\n[dim]Unconfirmed report: " + "; ".join(esc(h.source) for h in pending) + "[/]"
        fit = " and ".join(tech.pain_duration) or "—"
        t.add_row(esc(tech.name), esc(tech.company), status, fit, esc(tech.regulatory_statement or "—"))
    out.print(t)
    d = nice.draft
    out.print(
        f"Draft guidance ({esc(d.consultation)}, reported {d.reported.isoformat()}): assessed {len(d.assessed)}; "
        f"named for use: {', '.join(d.named_for_use)}.",
        soft_wrap=True,
    )
