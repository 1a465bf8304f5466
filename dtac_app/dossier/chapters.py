"""What each chapter of the dossier says, as blocks: the one-page summary, findings by section,
evidence register, regulatory and NICE status, conditions and fixes, and sign-off. (The cover, which
is about how the dossier is marked, is built with the marking in ``document.py``.)"""

from __future__ import annotations

from collections.abc import Sequence

from dtac_app.dates import fmt
from dtac_app.results import Assessment, Finding, QuestionResult

from . import content as C
from .blocks import (
    Badge,
    Beside,
    Block,
    Bullets,
    Cell,
    Chart,
    Column,
    Facts,
    Hash,
    Heading,
    Inline,
    Marking,
    Notice,
    Para,
    Row,
    Table,
    Text,
    Tone,
    Verdict,
    cell,
    typed,
)

FINDINGS_INTRO = (
    "Every question on the form, in form order: the supplier’s answer, the outcome and the reason, any "
    "assessor override with its rationale, and whether the answer was asserted by the supplier or verified by an "
    "assessor. Evidence references (E1, E2, …) point to the evidence register."
)
VERIFY_HINT = "Run “dtac verify” on the JSON dossier to recompute evidence hashes and re-run the assessment."
OVERRIDE_MARK = "(assessor override)"
OVERRIDE_LEAD = "Assessor override."


def verdict(status: str, summary: str) -> Verdict:
    return Verdict(C.VERDICT_LABELS[status], C.VERDICT_COLOURS[status], summary)


def overrides_line(a: Assessment) -> str:
    ids = [q.id for q in a.questions if q.override is not None]
    if not ids:
        return "None: every outcome is the rules engine’s"
    n = len(ids)
    return (
        f"{n} question{'s' if n > 1 else ''} overridden by an assessor ({', '.join(ids)}); the decision, "
        "conditions and valid-until date are computed with the overrides (see Summary)"
    )


def _more(n: int, shown: int) -> str:
    return f"… and {n - shown} more: see “Conditions, reasons and fixes”." if n > shown else ""


def summary_blocks(a: Assessment) -> tuple[Block, ...]:
    rows = []
    for s in a.sections:
        context = s.role == "context"
        rows.append(
            Row(
                (
                    cell(Text(f"{s.id} {s.title}", "muted" if context else "strong")),
                    cell(Badge(C.section_label(s, a.d1.percent), C.SECTION_STATUS_COLOURS[s.status])),
                    cell("—" if context else str(s.passed)),
                    cell("—" if context else str(s.failed)),
                    cell("—" if context else str(s.missing)),
                    cell(str(s.asked)),
                )
            )
        )
    reg, nice = a.regulatory, a.nice
    facts = Facts(
        "Key results",
        (
            ("D1 usability and accessibility", cell(C.d1_text(a))),
            ("GB device regulation", cell(verdict(reg.status, reg.summary))),
            (
                "NICE back-pain guidance",
                cell(verdict(nice.status, nice.summary) if nice.applies else "Not applied (profile dtac)"),
            ),
            ("Valid until", cell(C.valid_until_sentence(a))),
        ),
        key_mm=34,
    )
    out: list[Block] = [
        Para(cell(a.summary), "lead"),
        Table(
            "Section results",
            (
                Column("Section", 62),
                Column("Result", 44),
                Column("Met", 17),
                Column("Not met", 17),
                Column("Missing", 17),
                Column("Asked"),
            ),
            tuple(rows),
        ),
        Beside(facts, Chart("sections")),
        Heading("Reasons for the decision", 1),
        Bullets(tuple(C.finding_line(f) for f in a.reasons[:6]), more=_more(len(a.reasons), 6), clip=240),
    ]
    overridden = [q for q in a.questions if q.override is not None]
    if overridden:
        out += [
            Heading("Assessor overrides (the decision takes them into account)", 1),
            Bullets(tuple(f"{q.id}: {C.override_text(q)}" for q in overridden), clip=240),
        ]
    if a.conditions and a.reasons != a.conditions:
        out += [
            Heading("Conditions", 1),
            Bullets(
                tuple(C.finding_line(f) for f in a.conditions[:5]),
                more=_more(len(a.conditions), 5),
                clip=240,
            ),
        ]
    if a.fixes:
        out += [
            Heading("Top fixes (most impact first)", 1),
            Bullets(
                tuple(f.action for f in a.fixes[:5]), ordered=True, more=_more(len(a.fixes), 5), clip=240
            ),
        ]
    return tuple(out)


def _question_row(q: QuestionResult) -> Row:
    tone: Tone = "normal" if q.asked else "muted"
    outcome: list[Inline] = [Badge(C.outcome_label(q), C.OUTCOME_COLOURS[q.outcome])]
    reason: list[Inline] = [typed(C.reason_text(q), f"{q.id} reason", tone)]
    if q.override is not None:
        outcome.append(Text(OVERRIDE_MARK, "strong"))
        reason.append(
            Text(
                C.override_text(q),
                tone,
                typed=True,
                lead=OVERRIDE_LEAD,
                title=f"{q.id} override rationale",
            )
        )
    if q.condition:
        reason.append(typed(f"Condition: {q.condition}", f"{q.id} condition", tone))
    if q.evidence:
        reason.append(Text(f"Evidence: {C.evidence_refs(q)}", tone))
    return Row(
        (
            cell(Text(q.id, "strong" if q.asked else "muted")),
            cell(Text(q.short, tone)),
            cell(typed(q.answer if q.answer is not None else "—", f"{q.id} answer", tone)),
            tuple(outcome),
            tuple(reason),
            cell(typed(C.provenance_text(q), f"{q.id} verification", tone)),
        )
    )


QUESTION_COLUMNS = (
    Column("ID", 15),
    Column("Question", 28),
    Column("Answer", 33),
    Column("Outcome", 22),
    Column("Reason, override, evidence"),
    Column("Provenance", 29),
)


def findings_blocks(a: Assessment) -> tuple[Block, ...]:
    out: list[Block] = [Para(cell(FINDINGS_INTRO))]
    for sec, qs in C.questions_by_section(a):
        if not qs:
            continue
        colour = C.SECTION_STATUS_COLOURS[sec.status]
        out.append(Heading(f"{sec.id} {sec.title}", 1, anchor=f"section-{sec.id}"))
        out.append(
            Para(
                cell(
                    Verdict(C.section_label(sec, a.d1.percent), colour, C.section_counts(sec)),
                )
            )
        )
        d1_items = sec.id == "D1" and any(i.points is not None for i in a.d1.items)
        if d1_items:
            out.append(Chart("d1"))
        out.append(
            Table(f"{sec.id} {sec.title}: questions", QUESTION_COLUMNS, tuple(_question_row(q) for q in qs))
        )
        if d1_items:
            out.append(Para(cell(f"D1 score: {C.d1_text(a)}")))
            out.append(
                Table(
                    "D1 points by item",
                    (Column("Item", 25), Column("Weight", 20), Column("Points", 20), Column("Note")),
                    tuple(
                        Row(
                            (
                                cell(Text(i.id, "strong")),
                                cell(f"{i.weight:g}"),
                                cell("—" if i.points is None else f"{i.points:g}"),
                                cell(i.note or "—"),
                            )
                        )
                        for i in a.d1.items
                    ),
                )
            )
    return tuple(out)


def evidence_blocks(a: Assessment) -> tuple[Block, ...]:
    out: list[Block] = [
        Para(
            cell(
                f"Every evidence record in the submission with its state on {fmt(a.as_of)} and the SHA-256 of "
                "its file. “dtac verify” recomputes these hashes from the files and re-runs the assessment."
            )
        )
    ]
    if not a.evidence:
        out.append(Para(cell("The submission lists no evidence."), "body"))
        return tuple(out)
    rows = []
    for e in a.evidence:
        ref = C.evidence_ref(e.index)
        name: list[Inline] = [Text(e.label, "strong"), typed(C.evidence_name(e), f"{ref} file")]
        if e.title and e.file:
            name.append(typed(e.title, f"{ref} title", "muted"))
        rows.append(
            Row(
                (
                    cell(Text(ref, "strong")),
                    tuple(name),
                    cell(e.question),
                    cell(typed(C.evidence_reference(e) or "—", f"{ref} reference")),
                    cell(C.date_text(e.issued)),
                    cell(C.date_text(e.expires)),
                    cell(Badge(C.EVIDENCE_STATE_LABELS[e.state], C.EVIDENCE_STATE_COLOURS[e.state])),
                ),
                detail=cell(
                    typed(e.detail, f"{ref} detail", "muted"),
                    typed(C.evidence_provenance(e), f"{ref} provenance", "muted"),
                    Hash(e.sha256 or "", missing="— no file supplied (a record only)"),
                ),
            )
        )
    out.append(
        Table(
            "Evidence register",
            (
                Column("Ref", 10),
                Column("Evidence and file", 52),
                Column("Question", 16),
                Column("Reference / issuer", 34),
                Column("Issued", 19),
                Column("Expires", 19),
                Column("Status"),
            ),
            tuple(rows),
            detail_title="Detail and SHA-256",
        )
    )
    return tuple(out)


FINDING_COLUMNS = (Column("Rule", 35), Column("Result", 21), Column("Finding", 76), Column("Based on"))
FINDING_FIX_COLUMNS = (
    Column("Rule", 33),
    Column("Result", 20),
    Column("Finding", 55),
    Column("Based on", 33),
    Column("How to fix"),
)


def findings_table(caption: str, findings: Sequence[Finding], *, fix: bool = False) -> Table:
    rows = []
    for f in findings:
        cells: list[Cell] = [
            cell(Text(f.rule, "strong")),
            cell(Badge(C.SEVERITY_LABELS[f.severity], C.SEVERITY_COLOURS[f.severity])),
            cell(typed(f.text, f"{f.rule} finding")),
            cell(typed(f.used or "—", f"{f.rule} based on", "muted")),
        ]
        if fix:
            cells.append(cell(typed(f.fix or "—", f"{f.rule} fix")))
        rows.append(Row(tuple(cells)))
    return Table(caption, FINDING_FIX_COLUMNS if fix else FINDING_COLUMNS, tuple(rows))


def regulatory_blocks(a: Assessment) -> tuple[Block, ...]:
    reg, nice = a.regulatory, a.nice
    out: list[Block] = [
        Heading("GB medical-device regulation", 1, anchor="regulatory-gb"),
        Facts(
            "GB medical-device status",
            (
                ("Result", cell(verdict(reg.status, reg.summary))),
                ("Medical device", cell("Yes" if reg.applies else "No (the device rules do not apply)")),
                ("Device class", cell(reg.device_class or "—")),
                ("Marking", cell(reg.marking or "—")),
                ("GB acceptance ends", cell(C.date_text(reg.accepted_until))),
                ("MHRA registration", cell(typed(reg.mhra_registration or "—"))),
            ),
        ),
    ]
    if reg.findings:
        out += [Heading("Regulatory findings", 2), findings_table("Regulatory findings", reg.findings)]
    out.append(Heading("NICE back-pain guidance (HTE16 and NG59)", 1, anchor="regulatory-nice"))
    if not nice.applies:
        out.append(Para(cell(f"{nice.summary} The assessment ran under the “{a.profile}” profile."), "body"))
        return tuple(out)
    out.append(
        Facts(
            "NICE status",
            (
                ("Result", cell(verdict(nice.status, nice.summary))),
                ("Technology", cell(nice.technology or "Not assessed by NICE")),
                ("HTE16 status", cell(nice.nice_status_label or "—")),
            ),
        )
    )
    out.append(Heading("Evidence-generation obligations (HTE16 1.2–1.3)", 2))
    if nice.obligations:
        out.append(Bullets(tuple(nice.obligations)))
    else:
        out.append(Para(cell("None: NICE’s evidence-generation conditions do not apply to this product.")))
    out.append(Heading("NG59 clinical-content findings", 2))
    if nice.content:
        out.append(findings_table("NG59 clinical-content findings", nice.content))
    else:
        out.append(Para(cell("No content items were listed, so no NG59 content rules were applied.")))
    if nice.findings:
        out += [
            Heading("Population, referral and HTE16 findings", 2),
            findings_table("Population, referral and HTE16 findings", nice.findings),
        ]
    return tuple(out)


def conditions_blocks(a: Assessment) -> tuple[Block, ...]:
    out: list[Block] = [
        Heading("Reasons for the decision", 1, anchor="reasons"),
        findings_table("Reasons for the decision", a.reasons, fix=True),
        Heading("Conditions attached", 1, anchor="conditions-attached"),
    ]
    if a.conditions:
        out.append(findings_table("Conditions attached", a.conditions, fix=True))
    else:
        out.append(Para(cell("No conditions are attached to this decision.")))
    out.append(Heading("Decision timeline", 1, anchor="timeline"))
    out.append(Para(cell(f"Valid until: {C.valid_until_sentence(a)}")))
    if a.events:
        out.append(
            Table(
                "Dated changes",
                (Column("Date", 24), Column("Effect", 28), Column("What changes", 90), Column("Rule")),
                tuple(
                    Row(
                        (
                            cell(Text(fmt(ev.on), "strong")),
                            cell(C.EFFECT_LABELS[ev.effect]),
                            cell(typed(ev.text, f"Event {ev.rule}")),
                            cell(Text(ev.rule, "muted")),
                        ),
                        highlight=a.changes_on is not None and ev.on == a.changes_on,
                    )
                    for ev in a.events
                ),
            )
        )
    else:
        out.append(Para(cell("No dated changes are known.")))
    out.append(Heading("What would change the decision", 1, anchor="fixes"))
    if a.fixes:
        out.append(
            Table(
                "Fixes, most impact first",
                (
                    Column("#", 9),
                    Column("Rule", 26),
                    Column("Type", 20),
                    Column("Action", 70),
                    Column("Impact"),
                ),
                tuple(
                    Row(
                        (
                            cell(Text(str(f.rank), "strong")),
                            cell(f.rule),
                            cell(C.SEVERITY_LABELS[f.severity]),
                            cell(typed(f.action, f"Fix {f.rank}")),
                            cell(Text(f.impact, "muted")),
                        )
                    )
                    for f in a.fixes
                ),
            )
        )
    else:
        out.append(Para(cell("Nothing to fix: the product meets every rule that applies.")))
    return tuple(out)


def signoff_blocks(d: C.DossierInput, marking: Marking, fingerprint: str) -> tuple[Block, ...]:
    a = d.assessment
    out: list[Block] = [
        Heading("Reproducibility", 1, anchor="reproducibility"),
        Facts(
            "Reproducibility",
            (
                ("Assessment fingerprint", cell(Hash(fingerprint))),
                ("Signing key", cell(C.signing_text(d))),
                *((f"Criteria file {k}", cell(Hash(v))) for k, v in C.criteria_rows(a)),
                ("Check", cell(VERIFY_HINT)),
            ),
            key_mm=46,
        ),
    ]
    whole = d.signature
    if whole is None:
        out += [
            Heading("Not signed off", 1, anchor="not-signed"),
            Notice(marking.text, marking.explanation, marking.colour),
        ]
    else:
        rows: list[tuple[str, Cell]] = [
            ("Signed off by", cell(typed(whole.assessor))),
            ("Role", cell(typed(whole.role or "—"))),
            ("Organisation", cell(typed(whole.organisation or "—"))),
            ("Date", cell(C.date_text(whole.date))),
        ]
        if whole.note:
            rows.append(("Note", cell(typed(whole.note, "Sign-off note"))))
        if whole.open_items:
            rows.append(("Signed with open items because", cell(typed(whole.open_items, "Open items"))))
        out += [
            Heading("Assessor sign-off", 1, anchor="signed"),
            Para(cell(whole.statement or C.default_statement(a.decision_label)), "body"),
            Facts("Assessor sign-off", tuple(rows)),
        ]
    sections = d.section_signoffs
    if sections:
        out += [
            Heading("Section sign-offs", 1, anchor="section-signoffs"),
            Table(
                "Section sign-offs",
                (
                    Column("Section", 18),
                    Column("Signed by", 40),
                    Column("Role", 30),
                    Column("Organisation", 35),
                    Column("Date", 22),
                    Column("Note"),
                ),
                tuple(
                    Row(
                        (
                            cell(Text(s.section, "strong")),
                            cell(typed(s.assessor)),
                            cell(typed(s.role or "—")),
                            cell(typed(s.organisation or "—")),
                            cell(C.date_text(s.date)),
                            cell(typed(s.note or "—", f"Section {s.section} note")),
                        )
                    )
                    for s in sections
                ),
            ),
        ]
    return tuple(out)
