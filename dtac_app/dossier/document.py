"""The dossier as one format-neutral document, built once and rendered twice (PDF and HTML).

``build_document`` decides everything the dossier *says*: which chapters, headings, sentences,
tables, facts and statuses, in which order, and how the document is marked (signed, draft or a
vendor's pre-check). The renderers (``pdf.py``, ``html.py``) only decide how each kind of block
*looks*, so the PDF and the HTML say the same things in the same words by construction.

Every string in the document is plain text: the renderers escape all of it, whoever wrote it.
Blocks are small frozen dataclasses; to add something to the dossier (a signature fingerprint,
say), add blocks to the chapter that should carry it, or a new block type and one method per
renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from dtac_app import __version__
from dtac_app.dates import fmt
from dtac_app.results import DECISION_COLOURS, Assessment, Finding, QuestionResult

from . import content as C
from .json_export import assessment_sha256

# ----------------------------------------------------------------------------- inline content

Tone = Literal["normal", "strong", "muted"]


@dataclass(frozen=True, slots=True)
class Text:
    """A run of text. ``typed`` marks text a person typed (vendor answers, rationales): the HTML
    lets its direction follow the script, and the PDF clips a long one into the appendix.
    ``lead`` is a short bold lead-in the dossier itself writes ("Assessor override.")."""

    text: str
    tone: Tone = "normal"
    typed: bool = False
    lead: str = ""
    title: str = ""  # how the PDF appendix names the full text when a cell clips it


@dataclass(frozen=True, slots=True)
class Badge:
    """A status in words on a block of its colour."""

    label: str
    colour: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """A coloured status label followed by its summary."""

    label: str
    colour: str
    summary: str


@dataclass(frozen=True, slots=True)
class Hash:
    """A SHA-256 digest (or, when there is none, why not)."""

    value: str
    missing: str = ""


Inline = Text | Badge | Verdict | Hash
Cell = tuple[Inline, ...]
"""A table cell or fact value: one line per inline."""


def cell(*parts: Inline | str) -> Cell:
    return tuple(Text(p) if isinstance(p, str) else p for p in parts)


def typed(text: str, title: str = "", tone: Tone = "normal") -> Text:
    return Text(text, tone=tone, typed=True, title=title)


# ----------------------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True)
class Heading:
    """``level`` 1 is a chapter's sub-heading (PDF bookmark), 2 below it, 3 below that."""

    text: str
    level: int
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Para:
    content: Cell
    style: Literal["body", "lead", "small", "muted"] = "small"


@dataclass(frozen=True, slots=True)
class Bullets:
    """A list. ``clip`` shortens each item on paper (the summary page only: the full text is in
    a later chapter); ``more`` is said after the list when it was cut short."""

    items: tuple[str, ...]
    ordered: bool = False
    more: str = ""
    clip: int | None = None


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width_mm: float | None = None  # None: the rest of the width


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    detail: Cell = ()  # a further line about the row (PDF: a spanning row; HTML: the last column)
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    detail_title: str = ""  # names the detail column in HTML


@dataclass(frozen=True, slots=True)
class Facts:
    """Key/value pairs."""

    caption: str
    rows: tuple[tuple[str, Cell], ...]
    key_mm: float = 42


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of data the document also gives as a table (so the HTML needs no chart)."""

    kind: Literal["sections", "d1"]


@dataclass(frozen=True, slots=True)
class Beside:
    """Facts with a chart beside them on paper."""

    facts: Facts
    chart: Chart


@dataclass(frozen=True, slots=True)
class DecisionPanel:
    caption: str  # "Decision", "Result so far (draft)", …
    label: str
    colour: str
    summary: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A boxed warning: how the whole document is to be read (the draft marking)."""

    title: str
    text: str
    colour: str


Block = Heading | Para | Bullets | Table | Facts | Chart | Beside | DecisionPanel | Notice


@dataclass(frozen=True, slots=True)
class Chapter:
    """One part of the dossier: a new page on paper, a ``<section>`` with an h2 in HTML."""

    anchor: str
    title: str
    blocks: tuple[Block, ...]
    one_page: bool = False  # the PDF shrinks it rather than spill over


# ----------------------------------------------------------------------------- the document


MarkingKind = Literal["signed", "draft", "precheck"]


@dataclass(frozen=True, slots=True)
class Marking:
    """How the dossier must be read, said on the cover and in the header of every page."""

    kind: MarkingKind
    text: str  # the running-header words
    explanation: str
    colour: str

    @property
    def official(self) -> bool:
        return self.kind == "signed"


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    subtitle: str
    product: str  # "name version", for headers and footers
    product_name: str
    product_line: str  # "Version … · manufacturer"
    as_of: str
    decision_label: str
    decision_colour: str
    marking: Marking
    cover: tuple[Block, ...]
    chapters: tuple[Chapter, ...]
    footer: str
    subject: str
    keywords: tuple[str, ...]
    generator: str
    fingerprint: str
    appendix_intro: str = field(
        default=(
            "Texts too long for a table cell are shown there in part and printed here in full, exactly as "
            "supplied (characters the embedded fonts cannot draw, such as emoji, appear as �)."
        )
    )

    @property
    def full_title(self) -> str:
        base = f"{self.title}: {self.product}"
        return base if self.marking.official else f"{base} — {self.marking.text}"


# ----------------------------------------------------------------------------- wording used once


DRAFT_TEXT = "DRAFT — not signed off"
PRECHECK_TEXT = "Vendor pre-check — not an NHS decision"
DRAFT_EXPLANATION = (
    "No assessor has signed off this assessment. It shows the rules engine’s result and any assessor "
    "changes so far; it is not a decision of an NHS organisation and must not be relied on as one."
)
PRECHECK_EXPLANATION = (
    "The supplier ran this check on its own submission. No NHS assessor has reviewed or signed it off; "
    "it is not an NHS decision and must not be presented as one."
)
FINDINGS_INTRO = (
    "Every question on the form, in form order: the supplier’s answer, the outcome and the reason, any "
    "assessor override with its rationale, and whether the answer was asserted by the supplier or verified by an "
    "assessor. Evidence references (E1, E2, …) point to the evidence register."
)
VERIFY_HINT = "Run “dtac verify” on the JSON dossier to recompute evidence hashes and re-run the assessment."
OVERRIDE_MARK = "(assessor override)"
OVERRIDE_LEAD = "Assessor override."


def marking_for(d: C.DossierInput) -> Marking:
    whole = d.signature
    if whole is not None:
        on = f" on {fmt(whole.date)}" if whole.date else ""
        return Marking("signed", f"Signed off by {whole.assessor}{on}", "", DECISION_COLOURS["available"])
    if d.kind == "precheck":
        return Marking("precheck", PRECHECK_TEXT, PRECHECK_EXPLANATION, C.NHS_RED)
    return Marking("draft", DRAFT_TEXT, DRAFT_EXPLANATION, C.NHS_RED)


def build_document(d: C.DossierInput) -> Document:
    """Everything the dossier says, decided once."""
    a = d.assessment
    marking = marking_for(d)
    product = f"{a.product.name} {a.product.version}"
    fingerprint = assessment_sha256(a)
    chapters = (
        Chapter("summary", "Summary", _summary(a), one_page=True),
        Chapter("findings", "Findings by section", _findings(a)),
        Chapter("evidence", "Evidence register", _evidence(a)),
        Chapter("regulatory", "Regulatory and NICE status", _regulatory(a)),
        Chapter("conditions", "Conditions, reasons and fixes", _conditions(a)),
        Chapter("signoff", "Sign-off", _signoff(d, marking, fingerprint)),
    )
    return Document(
        title=C.TITLE,
        subtitle=C.SUBTITLE,
        product=product,
        product_name=a.product.name,
        product_line=f"Version {a.product.version} · {a.product.manufacturer}",
        as_of=fmt(a.as_of),
        decision_label=a.decision_label,
        decision_colour=DECISION_COLOURS[a.decision],
        marking=marking,
        cover=_cover(d, marking),
        chapters=chapters,
        footer=(
            f"{product} · Decision: {a.decision_label}"
            + ("" if marking.official else f" ({marking.text})")
            + f" · as of {fmt(a.as_of)}"
        ),
        subject=f"Decision: {a.decision_label} (as of {a.as_of.isoformat()})"
        + ("" if marking.official else f" — {marking.text}"),
        keywords=("DTAC", a.criteria.set, a.profile, a.decision, marking.kind),
        generator=f"DTAC Workbench {__version__}, rules engine {a.engine_version}",
        fingerprint=fingerprint,
    )


# ----------------------------------------------------------------------------- chapters


def _verdict(status: str, summary: str) -> Verdict:
    return Verdict(C.VERDICT_LABELS[status], C.VERDICT_COLOURS[status], summary)


def _cover(d: C.DossierInput, marking: Marking) -> tuple[Block, ...]:
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


def _summary(a: Assessment) -> tuple[Block, ...]:
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
            ("GB device regulation", cell(_verdict(reg.status, reg.summary))),
            (
                "NICE back-pain guidance",
                cell(_verdict(nice.status, nice.summary) if nice.applies else "Not applied (profile dtac)"),
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


def _findings(a: Assessment) -> tuple[Block, ...]:
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


def _evidence(a: Assessment) -> tuple[Block, ...]:
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


def _regulatory(a: Assessment) -> tuple[Block, ...]:
    reg, nice = a.regulatory, a.nice
    out: list[Block] = [
        Heading("GB medical-device regulation", 1, anchor="regulatory-gb"),
        Facts(
            "GB medical-device status",
            (
                ("Result", cell(_verdict(reg.status, reg.summary))),
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
                ("Result", cell(_verdict(nice.status, nice.summary))),
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


def _conditions(a: Assessment) -> tuple[Block, ...]:
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


def _signoff(d: C.DossierInput, marking: Marking, fingerprint: str) -> tuple[Block, ...]:
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
