"""Turn an import into the ``dtac-submission/1`` draft, and into the import report (JSON).

The draft carries the vendor's explanations as YAML comments beside each answer (the submission
format has no field for them) and the references the vendor stated as evidence records with no
file, each titled with the sentence it came from. The report carries the same facts as fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from dtac_app.criteria import Catalogue

from .result import AssertedEvidence, FormImport

REPORT_SCHEMA = "dtac-form-import/1"
ASSERTED_PREFIX = "Asserted in the DTAC form"
_PRODUCT_FIELDS = {"Company name": "manufacturer", "Product name": "name", "Product version": "version"}


def product_from(fi: FormImport, catalogue: Catalogue) -> dict[str, str]:
    """Product name, version and manufacturer from section A's answers ("" where not answered)."""
    cs = catalogue.dtac_set(fi.criteria)
    answers = fi.answers
    product = {"name": "", "version": "", "manufacturer": ""}
    for q in cs.questions.values():
        target = _PRODUCT_FIELDS.get(q.short)
        if target and q.id in answers:
            product[target] = " ".join(answers[q.id].split())[:200]
    return product


def evidence_record(ev: AssertedEvidence) -> dict[str, Any]:
    """An evidence record the current loader accepts: a reference, no file, the source sentence."""
    rec: dict[str, Any] = {"question": ev.question, "kind": ev.kind}
    rec["title"] = _clip(f"{ASSERTED_PREFIX} ({ev.source}): {ev.sentence}", 1900)
    if ev.reference:
        rec["reference"] = _clip(ev.reference, 1900)
    for name in ("issued", "expires"):
        value = getattr(ev, name)
        if value is not None:
            rec[name] = value
    for name in ("status", "period", "ods_code"):
        value = getattr(ev, name)
        if value:
            rec[name] = value
    return rec


def draft_data(fi: FormImport, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "schema": "dtac-submission/1",
        "criteria": fi.criteria,
        "product": product_from(fi, catalogue),
        "answers": dict(fi.answers),
        "evidence": [evidence_record(e) for e in fi.evidence if e.kind],
    }


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(value: Any) -> str:
    return yaml.dump(
        value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


def _comment(text: str, width: int = 96) -> list[str]:
    words = " ".join(text.split())
    lines: list[str] = []
    while words:
        cut = (
            words
            if len(words) <= width
            else words[: words.rfind(" ", 0, width) if " " in words[:width] else width]
        )
        lines.append(cut)
        words = words[len(cut) :].lstrip()
    return lines


def draft_yaml(fi: FormImport, catalogue: Catalogue) -> str:
    data = draft_data(fi, catalogue)
    unresolved = [q.id for q in fi.unresolved]
    lines = [
        f"# Draft made by `dtac import` from {fi.file} ({fi.format}). Check it before you send it.",
        f"# Form version: {fi.version_note}",
        f"# Left unanswered because the form could not be read with confidence: {', '.join(unresolved) or 'none'}",
        "# Evidence records below are what the form asserts: no file is attached yet.",
        "",
        f"schema: {data['schema']}",
        f"criteria: {data['criteria']}",
    ]
    missing = [k for k, v in data["product"].items() if not v]
    if missing:
        lines.append(f"# product: fill in {', '.join(missing)} (not found in section A of the form)")
    lines.append(_dump({"product": data["product"]}).rstrip())
    lines.append("answers:")
    by_id = {q.id: q for q in fi.questions}
    for qid, value in data["answers"].items():
        q = by_id[qid]
        notes = []
        if q.explanation and q.explanation != value:
            notes.append(f"{qid} supplier's explanation: {q.explanation}")
        if q.confidence != "high" and q.check:
            notes.append(f"{qid} check: {q.check}")
        for note in notes:
            lines.extend(f"  # {line}" for line in _comment(note))
        lines.extend("  " + line for line in _dump({qid: value}).rstrip().split("\n"))
    if not data["answers"]:
        lines[-1] = "answers: {}"
    for q in fi.unresolved:
        lines.extend(f"  # {line}" for line in _comment(f"{q.id} unresolved: {q.check}"))
    if data["evidence"]:
        lines.append(_dump({"evidence": data["evidence"]}).rstrip())
    return "\n".join(lines) + "\n"


def report_data(fi: FormImport) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for q in fi.questions:
        counts[q.status] = counts.get(q.status, 0) + 1
    return {
        "schema": REPORT_SCHEMA,
        "file": fi.file,
        "format": fi.format,
        "criteria": fi.criteria,
        "version": fi.version_note,
        "summary": {
            "answered": counts.get("answered", 0),
            "to_check": len(fi.to_check),
            "unresolved": counts.get("unresolved", 0),
            "blank": counts.get("blank", 0),
            "absent": counts.get("absent", 0),
            "evidence_asserted": sum(1 for e in fi.evidence if e.kind),
            "references_noted": sum(1 for e in fi.evidence if not e.kind),
        },
        "warnings": list(fi.warnings),
        "questions": [
            {
                "id": q.id,
                "short": q.short,
                "status": q.status,
                "answer": q.answer,
                "confidence": q.confidence,
                "source": q.source or None,
                "vendor_text": q.vendor_text or None,
                "explanation": q.explanation or None,
                "could_be": list(q.could_be),
                "check": q.check or None,
            }
            for q in fi.questions
        ],
        "evidence": [
            {
                "question": e.question,
                "kind": e.kind,
                "state": "asserted",
                "in_draft": e.kind is not None,
                "reference": e.reference,
                "issued": _iso(e.issued),
                "expires": _iso(e.expires),
                "ods_code": e.ods_code,
                "status": e.status,
                "period": e.period,
                "sentence": e.sentence,
                "source": e.source,
            }
            for e in fi.evidence
        ],
    }


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
