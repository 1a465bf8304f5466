"""The dossier as one format-neutral document, built once and rendered twice (PDF and HTML).

``build_document`` decides everything the dossier *says*: which chapters, headings, sentences,
tables, facts and statuses, in which order, and how the document is marked (signed, draft or a
vendor's pre-check). The renderers (``pdf/``, ``html.py``) only decide how each kind of block
*looks*, so the PDF and the HTML say the same things in the same words by construction.

Every string in the document is plain text: the renderers escape all of it, whoever wrote it.
Blocks are small frozen dataclasses (``blocks.py``); this module marks the document and builds its
cover, and ``chapters.py`` says what each chapter says. To add something to the dossier (a
signature fingerprint, say), add blocks to the chapter that should carry it, or a new block type
and one method per renderer.
"""

from __future__ import annotations

from dtac_app import __version__
from dtac_app.dates import fmt
from dtac_app.results import DECISION_COLOURS

from . import content as C
from .blocks import Block, Cell, Chapter, DecisionPanel, Document, Facts, Hash, Marking, Notice, cell, typed
from .chapters import (
    conditions_blocks,
    evidence_blocks,
    findings_blocks,
    overrides_line,
    regulatory_blocks,
    signoff_blocks,
    summary_blocks,
)
from .json_export import assessment_sha256

# How an unsigned dossier is marked, on the cover and in every page header.
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
        Chapter("summary", "Summary", summary_blocks(a), one_page=True),
        Chapter("findings", "Findings by section", findings_blocks(a)),
        Chapter("evidence", "Evidence register", evidence_blocks(a)),
        Chapter("regulatory", "Regulatory and NICE status", regulatory_blocks(a)),
        Chapter("conditions", "Conditions, reasons and fixes", conditions_blocks(a)),
        Chapter("signoff", "Sign-off", signoff_blocks(d, marking, fingerprint)),
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
