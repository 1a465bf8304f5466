"""The front of the dossier: the cover and the one-page summary."""

from __future__ import annotations

from dtac_app import __version__
from dtac_app.dates import fmt
from dtac_app.results import DECISION_COLOURS, Assessment

from . import content as C
from .blocks import (
    Badge,
    Beside,
    Block,
    Bullets,
    Cell,
    Chart,
    Column,
    DecisionPanel,
    Facts,
    Hash,
    Heading,
    Marking,
    Notice,
    Para,
    Row,
    Table,
    Text,
    cell,
    typed,
)
from .chapters import verdict


def cover_blocks(d: C.DossierInput, marking: Marking) -> tuple[Block, ...]:
    a = d.assessment
    caption = {"signed": "Decision", "draft": "Result so far (draft)", "precheck": "Pre-check result"}
    blocks: list[Block] = []
    if not marking.official:
        blocks.append(Notice(marking.text, marking.explanation, marking.colour))
    blocks.append(
        DecisionPanel(caption[marking.kind], a.decision_label, DECISION_COLOURS[a.decision], a.summary)
    )
    blocks.append(
        Facts(
            "Validity",
            (
                ("Valid until", cell(C.valid_until_text(a))),
                ("Why", cell(typed(a.valid_until_reason, "Why"))),
            ),
        )
    )
    whole = d.signature
    signed: tuple[tuple[str, Cell], ...] = (
        (
            (
                "Signed off by",
                cell(
                    typed(", ".join(p for p in (whole.assessor, whole.role, whole.organisation) if p)),
                    C.date_text(whole.date),
                ),
            ),
        )
        if whole is not None
        else (("Sign-off", cell(marking.text)),)
    )
    blocks.append(
        Facts(
            "Assessment details",
            (
                ("Product", cell(typed(a.product.name))),
                ("Version", cell(typed(a.product.version))),
                ("Manufacturer", cell(typed(a.product.manufacturer))),
                ("Criteria set", cell(f"{a.criteria.title} ({a.criteria.set})")),
                ("Criteria version", cell(a.criteria.version)),
                ("Criteria content hash", cell(Hash(a.criteria.hashes.get(a.criteria.set, "")))),
                ("Profile", cell(C.PROFILE_LABELS.get(a.profile, a.profile))),
                ("Assessment date (as of)", cell(fmt(a.as_of))),
                ("Submitted on", cell(C.date_text(d.submission.submitted_on, "Not stated"))),
                ("Engine", cell(f"DTAC Workbench {__version__}, rules engine {a.engine_version}")),
                ("Assessor overrides", cell(overrides_line(a))),
                *signed,
            ),
        )
    )
    return tuple(blocks)


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
