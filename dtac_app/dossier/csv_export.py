"""The CSV dossier: one row per question, for spreadsheets and pivot tables.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, tab or CR)
is neutralised by the project's one CSV writer (``dtac_app.csv_safe``): vendor answers are data,
never formulas.
"""

from __future__ import annotations

from typing import Any

from dtac_app.csv_safe import ASSESSMENT_COLUMNS, assessment_cells, csv_text
from dtac_app.results import OUTCOME_LABELS

from . import content as C
from .text import clean

CSV_COLUMNS = [
    *ASSESSMENT_COLUMNS,
    "decision",
    "section",
    "section_title",
    "section_result",
    "question_id",
    "question",
    "asked",
    "answer",
    "outcome",
    "outcome_label",
    "reason",
    "condition",
    "overridden",
    "engine_outcome",
    "override_rationale",
    "override_by",
    "override_on",
    "provenance",
    "verification",
    "evidence",
]


def csv_rows(d: C.DossierInput) -> list[dict[str, Any]]:
    a = d.assessment
    sections = {s.id: s for s in a.sections}
    by_index = {e.index: e for e in a.evidence}
    head = assessment_cells(a)
    rows = []
    for q in a.questions:
        s = sections.get(q.section)
        o = q.override
        rows.append(
            {
                **head,
                "decision": a.decision_label,
                "section": q.section,
                "section_title": s.title if s else "",
                "section_result": C.section_label(s, a.d1.percent) if s else "",
                "question_id": q.id,
                "question": q.short,
                "asked": "yes" if q.asked else "no",
                "answer": q.answer or "",
                "outcome": q.outcome,
                "outcome_label": OUTCOME_LABELS[q.outcome],
                "reason": C.reason_text(q),
                "condition": q.condition,
                "overridden": "yes" if o else "no",
                "engine_outcome": q.engine_outcome or "",
                "override_rationale": o.rationale if o else "",
                "override_by": o.by if o else "",
                "override_on": o.on.isoformat() if o and o.on else "",
                "provenance": C.provenance_text(q),
                "verification": q.verification.checked if q.verification else "",
                "evidence": "; ".join(
                    f"{C.evidence_ref(i)} {C.evidence_name(by_index[i])} sha256={by_index[i].sha256 or 'none'} "
                    f"state={by_index[i].provenance}"
                    for i in q.evidence
                    if i in by_index
                ),
            }
        )
    return rows


def _clean(value: Any) -> Any:
    return clean(value) if isinstance(value, str) else value


def render_csv(d: C.DossierInput) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs detect the encoding of non-Latin answers."""
    rows = ({k: _clean(row.get(k)) for k in CSV_COLUMNS} for row in csv_rows(d))
    text = csv_text(CSV_COLUMNS, rows)
    return "\ufeff".encode() + text.encode("utf-8")
